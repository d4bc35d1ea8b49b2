package load

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
		{name: "empty", env: nil, want: Config{Datasets: BuiltinDatasets, ReferenceDatasets: BuiltinReferenceDatasets,
			Sets: map[string]map[string]SetType{"catalog": {"tags": StringSet, "sizes": NumberSet}}}},
		{name: "sets", env: map[string]string{contract.EnvDatasets: "a,b", contract.EnvSetAttributes: "a.x=SS, a.y=NS,b.z=SS"},
			want: Config{Datasets: []string{"a", "b"}, Sets: map[string]map[string]SetType{"a": {"x": StringSet, "y": NumberSet}, "b": {"z": StringSet}}}},
		{name: "bad set type", env: map[string]string{contract.EnvSetAttributes: "a.x=BS"}, wantErr: true},
		{name: "set without dataset", env: map[string]string{contract.EnvSetAttributes: "x=SS"}, wantErr: true},
		{
			name: "all",
			env: map[string]string{contract.EnvTableItems: "i", contract.EnvTableReference: "r", contract.EnvLoadConcurrency: "4", contract.EnvLoadDeadlineMargin: "3s",
				contract.EnvDatasets: "orders, customers,,readings", contract.EnvReferenceDatasets: "customers", contract.EnvLoadStrict: "true"},
			want: Config{ItemsTable: "i", ReferenceTable: "r", Concurrency: 4, DeadlineMargin: 3 * time.Second,
				Datasets: []string{"orders", "customers", "readings"}, ReferenceDatasets: []string{"customers"}, Strict: true},
		},
		{name: "bad concurrency", env: map[string]string{contract.EnvLoadConcurrency: "0"}, wantErr: true},
		{name: "bad margin", env: map[string]string{contract.EnvLoadDeadlineMargin: "soon"}, wantErr: true},
		{name: "bad strict", env: map[string]string{contract.EnvLoadStrict: "yes"}, wantErr: true},
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

func TestConfigTargets(t *testing.T) {
	t.Parallel()
	c := Config{ItemsTable: "i", ReferenceTable: "r", Datasets: []string{"orders", "customers"}, ReferenceDatasets: []string{"customers"},
		Sets: map[string]map[string]SetType{"orders": {"tags": StringSet}}}
	want := StaticTargets{"orders": {Table: "i", Sets: map[string]SetType{"tags": StringSet}}, "customers": {Table: "r"}}
	if got := FormatSetAttributes(c.Sets); got != "orders.tags=SS" {
		t.Errorf("FormatSetAttributes = %q", got)
	}
	if diff := cmp.Diff(want, c.Targets()); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if _, err := c.Targets().Target("nope"); err == nil {
		t.Error("unknown dataset resolved")
	}
}
