package eventmatch

import (
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
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
	} {
		if _, err := Match(decode(t, bad), decode(t, event)); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add(`{"a":[{"prefix":"x"}]}`, `{"a":"xy"}`)
	f.Add(`{"a":{"b":[{"numeric":[">",1]}]}}`, `{"a":{"b":2}}`)
	f.Add(`{"a":[{"wildcard":"*\\**"}]}`, `{"a":"q*"}`)
	f.Add(`{"a":[{"prefix":"x"}],"b":[{"nope":1}]}`, `{"a":"y"}`)
	f.Add(`{"$or":[{"a":[{"anything-but":{"wildcard":["x*"]}}]},{"b":[{"numeric":["<",1,"~",2]}]}]}`, `{"a":"x"}`)
	f.Add(`{"a":[{"cidr":"10.0.0.0/8"}],"a":[300.0],"b.c":[{"exists":false}]}`, `{"a":[300,"10.1.2.3"],"b":{"c":null}}`)
	f.Add(`{"x":{"y":[{"anything-but":{"equals-ignore-case":["A"]}}],"z":[{"suffix":{"equals-ignore-case":".CSV"}}]}}`, `{"x":[{"y":"b","z":"f.csv"},{"y":"a"}]}`)
	f.Add(`{"k":[{"wildcard":"*:*:*:*:*:e/*"}]}`, `{"k":"a:b"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		if len(pattern) > 4096 || len(event) > 4096 {
			return
		}
		p, err := Compile([]byte(pattern)) // must not panic
		var pe *PatternError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("Compile(%q) failed with %T, want *PatternError: %v", pattern, err, err)
		}
		again, err2 := Compile([]byte(pattern))
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("Compile(%q) is not stable: %v, then %v", pattern, err, err2)
		}
		if err != nil {
			return
		}
		e, err := ParseEvent([]byte(event))
		if err != nil {
			return
		}
		if p.Match(e) != again.Match(e) {
			t.Fatalf("pattern %s, event %s: the two compilations disagree", pattern, event)
		}
	})
}

// TestImportsNoSluicePackage keeps the package free of Sluice imports (the
// dataset package above all): functions/reconcile links it, and the
// dataset package's expression engine would grow its zip by about 1.4 MB.
func TestImportsNoSluicePackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if strings.Contains(imp.Path.Value, "github.com/sluicehq/sluice") {
				t.Errorf("%s imports %s", f, imp.Path.Value)
			}
		}
	}
}

func TestS3ObjectCreatedMatchesItsOwnShape(t *testing.T) {
	ev := S3ObjectCreated("id", "000000000000", "us-east-1", "2026-01-01T00:00:00Z", "data", "incoming/a.csv", "", "e", 7)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["data"]},"object":{"key":["incoming/a.csv"],"size":[{"numeric":["=",7]}],"version-id":[{"exists":false}]}}}`
	ok, err := Match(decode(t, pattern), decode(t, string(b)))
	if err != nil || !ok {
		t.Errorf("Match = %v, %v; want true", ok, err)
	}
}

func TestValidate(t *testing.T) {
	for _, good := range []string{
		`{"source":["aws.s3"],"detail":{"object":{"key":[{"wildcard":"incoming/*.csv"},{"prefix":{"equals-ignore-case":"in/"}}],"size":[{"numeric":[">=",1,"<=",10]}]}}}`,
		`{"$or":[{"a":[{"exists":false}]},{"b":[{"anything-but":{"wildcard":["x*","*.y"]}}]}],"c":[{"anything-but":["q","r"]},{"anything-but":{"suffix":".z"}}]}`,
	} {
		if err := Validate(decode(t, good)); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	// Each is wrong in a field Match need not reach for the event
	// {"a":"y"}, which the field "a" already fails to match.
	for _, bad := range []string{
		`{"a":[{"prefix":"x"}],"b":[{"nope":1}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"numeric":[">",1,"~",2]}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"numeric":[">","one"]}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"wildcard":"**"}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"anything-but":["q",1]}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"anything-but":{"wildcard":[1]}}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"exists":"yes"}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"prefix":1}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"equals-ignore-case":1}]}`,
		`{"a":[{"prefix":"x"}],"b":[{"prefix":"p","suffix":"s"}]}`,
		`{"a":[{"prefix":"x"}],"b":"scalar"}`,
		`{"a":[{"prefix":"x"}],"$or":[{"b":["1"]}]}`,
		`{"a":[{"prefix":"x"}],"$or":[{"b":["1"]},{"c":[{"nope":1}]}]}`,
		`{"a":[{"prefix":"x"}],"d":{"e":[{"nope":1}]}}`,
	} {
		if err := Validate(decode(t, bad)); err == nil {
			t.Errorf("%s: Validate accepted it", bad)
		}
	}
}
