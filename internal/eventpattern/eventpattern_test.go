package eventpattern

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatch(t *testing.T) {
	event := `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"data"},"object":{"key":"incoming/orders/2024/a.CSV","size":120},"tags":["x","y"]}}`
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"exact", `{"source":["aws.s3"]}`, true},
		{"exact miss", `{"source":["aws.ec2"]}`, false},
		{"prefix", `{"detail":{"object":{"key":[{"prefix":"incoming/orders/"}]}}}`, true},
		{"prefix miss", `{"detail":{"object":{"key":[{"prefix":"incoming/readings/"}]}}}`, false},
		{"suffix case", `{"detail":{"object":{"key":[{"suffix":".csv"}]}}}`, false},
		{"suffix ignore case", `{"detail":{"object":{"key":[{"suffix":{"equals-ignore-case":".csv"}}]}}}`, true},
		{"wildcard", `{"detail":{"object":{"key":[{"wildcard":"incoming/orders/*.CSV"}]}}}`, true},
		{"wildcard miss", `{"detail":{"object":{"key":[{"wildcard":"incoming/*/x.CSV"}]}}}`, false},
		{"numeric in range", `{"detail":{"object":{"size":[{"numeric":[">=",1,"<=",1000]}]}}}`, true},
		{"numeric out of range", `{"detail":{"object":{"size":[{"numeric":[">",200]}]}}}`, false},
		{"exists", `{"detail":{"object":{"version-id":[{"exists":false}]}}}`, true},
		{"exists miss", `{"detail":{"object":{"version-id":[{"exists":true}]}}}`, false},
		{"anything-but", `{"source":[{"anything-but":["aws.ec2"]}]}`, true},
		{"anything-but prefix", `{"detail":{"object":{"key":[{"anything-but":{"prefix":"incoming/"}}]}}}`, false},
		{"array value", `{"detail":{"tags":["y"]}}`, true},
		{"missing field", `{"region":["us-east-1"]}`, false},
		{"anything-but wildcard list", `{"detail":{"object":{"key":[{"anything-but":{"wildcard":["incoming/readings/*","*.json"]}}]}}}`, true},
		{"anything-but wildcard list miss", `{"detail":{"object":{"key":[{"anything-but":{"wildcard":["incoming/readings/*","incoming/orders/*.CSV"]}}]}}}`, false},
		{"anything-but wildcard", `{"detail":{"object":{"key":[{"anything-but":{"wildcard":"*/2024/*"}}]}}}`, false},
		{"$or first", `{"detail":{"object":{"$or":[{"key":[{"prefix":"incoming/orders/"}]},{"size":[{"numeric":["<",1]}]}]}}}`, true},
		{"$or second", `{"detail":{"object":{"$or":[{"key":[{"prefix":"incoming/readings/"}]},{"size":[{"numeric":[">",100]}]}]}}}`, true},
		{"$or none", `{"detail":{"object":{"$or":[{"key":[{"prefix":"incoming/readings/"}]},{"size":[{"numeric":[">",200]}]}]}}}`, false},
		{"$or branch is an AND", `{"detail":{"object":{"$or":[{"key":[{"prefix":"incoming/orders/"}],"size":[{"numeric":[">",200]}]},{"size":[0]}]}}}`, false},
		{"$or ANDed with its siblings", `{"source":["aws.ec2"],"$or":[{"source":["aws.s3"]},{"detail-type":["Object Created"]}]}`, false},
		{"$or at the top", `{"$or":[{"source":["aws.ec2"]},{"detail":{"bucket":{"name":["data"]}}}]}`, true},
		{"$or of absent fields", `{"detail":{"missing":{"$or":[{"a":[{"exists":false}]},{"b":["x"]}]}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Match(decode(t, tt.pattern), decode(t, event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{
		`{"source":[{"nope":1}]}`,
		`{"$or":[{"source":["aws.s3"]}]}`,
		`{"$or":{"source":["aws.s3"]}}`,
		`{"$or":[{"source":["aws.s3"]},"x"]}`,
		`{"detail":{"object":{"key":[{"wildcard":"incoming/**.CSV"}]}}}`,
		`{"detail":{"object":{"key":[{"wildcard":"incoming\\x"}]}}}`,
		`{"detail":{"object":{"key":[{"anything-but":{"wildcard":[]}}]}}}`,
	} {
		if _, err := Match(decode(t, bad), decode(t, event)); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestForDatasetRoutesOnlyItsFiles(t *testing.T) {
	d := &dataset.Dataset{Name: "orders", Prefix: "incoming/orders/", Format: dataset.Format{Kind: dataset.CSV}, MaxSize: 1 << 20}
	p := ForDataset("data", d)
	roundTrip := func(m map[string]any) map[string]any {
		b, _ := json.Marshal(m)
		return decode(t, string(b))
	}
	tests := []struct {
		key  string
		size int64
		want bool
	}{
		{"incoming/orders/a.csv", 10, true},
		{"incoming/orders/sub/a.CSV", 10, true},
		{"incoming/orders/a.json", 10, false},
		{"incoming/readings/a.csv", 10, false},
		{"incoming/orders/empty.csv", 0, false},
		{"incoming/orders/huge.csv", 2 << 20, false},
	}
	for _, tt := range tests {
		ev := S3ObjectCreated("id", "000000000000", "us-east-1", "2026-01-01T00:00:00Z", "data", tt.key, "v1", "etag", tt.size)
		got, err := Match(roundTrip(p), roundTrip(ev))
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s (%d bytes): match = %v, want %v", tt.key, tt.size, got, tt.want)
		}
	}
	other := S3ObjectCreated("id", "000000000000", "us-east-1", "t", "other-bucket", "incoming/orders/a.csv", "", "e", 5)
	if ok, _ := Match(roundTrip(p), roundTrip(other)); ok {
		t.Error("event from another bucket matched")
	}
}

func FuzzMatch(f *testing.F) {
	f.Add(`{"a":[{"prefix":"x"}]}`, `{"a":"xy"}`)
	f.Add(`{"a":{"b":[{"numeric":[">",1]}]}}`, `{"a":{"b":2}}`)
	f.Add(`{"a":[{"wildcard":"*\\**"}]}`, `{"a":"q*"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		if len(pattern) > 4096 || len(event) > 4096 {
			return
		}
		var p, e map[string]any
		if json.Unmarshal([]byte(pattern), &p) != nil || json.Unmarshal([]byte(event), &e) != nil {
			return
		}
		_, _ = Match(p, e) // must not panic
	})
}

func TestMarshalKeepsOperatorsReadable(t *testing.T) {
	d := &dataset.Dataset{Name: "orders", Prefix: "incoming/orders/", Format: dataset.Format{Kind: dataset.CSV}, MaxSize: 10}
	got, err := Marshal(ForDataset("data", d))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `[">=",1,"<=",10]`) || strings.Contains(got, `\u003e`) {
		t.Errorf("pattern %s", got)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}
