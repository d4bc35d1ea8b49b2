package routing

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
