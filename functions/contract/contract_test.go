package contract

import (
	"strings"
	"testing"
)

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

func TestLedgerKey(t *testing.T) {
	tests := []struct {
		o    Object
		want string
	}{
		{Object{Bucket: "b", Key: "incoming/orders/a.csv", VersionID: "v1"}, "FILE#b/incoming/orders/a.csv#v1"},
		{Object{Bucket: "b", Key: "a#b/c.csv", VersionID: "null"}, "FILE#b/a#b/c.csv#null"},
		{Object{Bucket: "b", Key: "x.csv"}, "FILE#b/x.csv#null"},
	}
	for _, tt := range tests {
		if got := LedgerKey(tt.o); got != tt.want {
			t.Errorf("LedgerKey(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}

// TestEnvNamesAreDistinct: two functions' settings must not share a name
// by accident (a table name is shared on purpose: one constant).
func TestEnvNamesAreDistinct(t *testing.T) {
	names := []string{
		EnvReportBucket, EnvMaxRecordBytes, EnvMaxDepth, EnvGzipMaxRatio, EnvGzipMaxBytes, EnvMaxKeys, EnvMaxReportErrors,
		EnvChunkRecords, EnvChunkBytes, EnvStagingBucket,
		EnvTableItems, EnvTableReference, EnvEnrichCacheSize, EnvEnrichCacheTTL, EnvEnrichSecrets, EnvEnrichSecretTTL,
		EnvLoadConcurrency, EnvLoadDeadlineMargin, EnvLoadStrict, EnvDatasets, EnvReferenceDatasets, EnvSetAttributes,
		EnvBucket, EnvTableLedger, EnvReconcileRules, EnvReconcileGrace, EnvReconcileLookback, EnvReconcileRedrive,
		EnvStateMachineARN, EnvReconcileMaxRedrives, EnvReconcileMaxAttempts, EnvReconcileDeadlineMargin,
		EnvReconcileBatchPrefixes,
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("%s is listed twice", n)
		}
		seen[n] = true
		if !strings.HasPrefix(n, "SLUICE_") {
			t.Errorf("%s lacks the SLUICE_ prefix", n)
		}
	}
}
