package enrich

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/functions/contract"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{name: "empty", want: Config{}},
		{
			name: "all",
			env:  map[string]string{contract.EnvTableItems: "i", contract.EnvTableReference: "r", contract.EnvEnrichCacheSize: "-1", contract.EnvEnrichCacheTTL: "30s"},
			want: Config{ItemsTable: "i", ReferenceTable: "r", CacheSize: -1, CacheTTL: 30 * time.Second},
		},
		{name: "bad size", env: map[string]string{contract.EnvEnrichCacheSize: "many"}, wantErr: true},
		{name: "bad ttl", env: map[string]string{contract.EnvEnrichCacheTTL: "0s"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfig(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("config (-want +got):\n%s", diff)
				}
			}
		})
	}
}
