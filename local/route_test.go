package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
)

// TestRouteUnrouted checks that the local runtime routes with the deployed
// rules, the unrouted one included: a file its dataset does not accept
// matches the unrouted rule, the pipeline's own objects match none.
func TestRouteUnrouted(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	files := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	uploaded := func(name, body string) contract.FileEvent {
		ev, _, err := r.Upload(context.Background(), "orders", write(name, body))
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	src := contract.Object{Bucket: r.Bucket, Key: "incoming/orders/a.csv", VersionID: "v1"}
	tests := []struct {
		name string
		ev   contract.FileEvent
		want Routing
	}{
		{"accepted", uploaded("a.csv", "order_id\n1\n"), Routing{Datasets: []string{"orders"}}},
		{"wrong suffix", uploaded("notes.txt", "hello\n"), Routing{Unrouted: true}},
		{"empty", uploaded("empty.csv", ""), Routing{Unrouted: true}},
		{"too large", contract.FileEvent{Bucket: r.Bucket, Key: "incoming/orders/huge.csv", Size: 4<<30 + 1}, Routing{Unrouted: true}},
		{"no dataset's prefix", contract.FileEvent{Bucket: r.Bucket, Key: "drop/a.csv", Size: 10}, Routing{Unrouted: true}},
		{"staged chunk", contract.FileEvent{Bucket: r.Bucket, Key: contract.ChunkKey("orders", src, "transformed", 0), Size: 10}, Routing{}},
		{"report", contract.FileEvent{Bucket: r.Bucket, Key: contract.ReportKey("orders", src), Size: 10}, Routing{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Route(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (%d bytes) (-want +got):\n%s", tt.ev.Key, tt.ev.Size, diff)
			}
		})
	}
}
