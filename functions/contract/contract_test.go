package contract

import "testing"

func TestKeysAreStableAndConfined(t *testing.T) {
	o := Object{Bucket: "b", Key: "incoming/orders/../x y.csv", VersionID: "v1"}
	if RunID(o) != RunID(o) || RunID(o) == RunID(Object{Bucket: "b", Key: o.Key, VersionID: "v2"}) {
		t.Fatal("RunID must be stable per version and differ between versions")
	}
	tests := []struct{ got, wantPrefix string }{
		{ChunkKey("orders", o, "transformed", 7), "staging/orders/"},
		{ManifestKey("orders", o), "staging/orders/"},
		{ReportKey("orders", o), "reports/orders/"},
		{QuarantineKey("orders", o), "quarantine/orders/"},
	}
	for _, tt := range tests {
		if len(tt.got) < len(tt.wantPrefix) || tt.got[:len(tt.wantPrefix)] != tt.wantPrefix {
			t.Errorf("%q does not start with %q", tt.got, tt.wantPrefix)
		}
	}
	if got := ChunkKey("orders", o, "transformed", 7); got[len(got)-16:] != "part-00007.jsonl" {
		t.Errorf("chunk key %q", got)
	}
	if q := QuarantineKey("orders", o); q[len(q)-7:] != "x_y.csv" {
		t.Errorf("quarantine key %q not sanitised", q)
	}
}
