package transform

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/records"
	"github.com/sluicehq/sluice/functions/validate"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{"empty", nil, Config{}, false},
		{"all", map[string]string{
			"SLUICE_CHUNK_RECORDS": "100", "SLUICE_CHUNK_BYTES": "2048", "SLUICE_STAGING_BUCKET": "stage",
			"SLUICE_MAX_RECORD_BYTES": "4096", "SLUICE_MAX_DEPTH": "8", "SLUICE_GZIP_MAX_RATIO": "20",
			"SLUICE_GZIP_MAX_BYTES": "1000000", "SLUICE_MAX_KEYS": "10", "SLUICE_MAX_REPORT_ERRORS": "5",
			"SLUICE_REPORT_BUCKET": "reports",
		}, Config{
			ChunkRecords: 100, ChunkBytes: 2048, StagingBucket: "stage",
			Validate: validate.Config{
				Limits:  records.Limits{MaxRecordBytes: 4096, MaxDepth: 8},
				Gzip:    records.GzipGuard{MaxRatio: 20, MaxBytes: 1000000},
				MaxKeys: 10, MaxReportErrors: 5, ReportBucket: "reports",
			},
		}, false},
		{"bad", map[string]string{"SLUICE_CHUNK_RECORDS": "lots"}, Config{}, true},
		{"negative", map[string]string{"SLUICE_MAX_DEPTH": "-1"}, Config{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
