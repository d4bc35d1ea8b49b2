package loadset

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/load"
)

func TestTargets(t *testing.T) {
	t.Parallel()
	ts := Targets{Set: dataset.Builtin(), ItemsTable: "items", ReferenceTable: "ref"}
	tests := []struct {
		name     string
		want     load.Target
		wantType string
	}{
		{name: "orders", want: load.Target{Table: "items"}},
		{name: "customers", want: load.Target{Table: "ref"}},
		{name: "readings", want: load.Target{Table: "items", TTL: &load.TTL{Attribute: "expires_at", From: "ts", After: 30 * 24 * time.Hour}}},
		{name: "nope", wantType: "ConfigError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ts.Target(tt.name)
			if name := fnerr.NameOf(err); name != tt.wantType {
				t.Fatalf("error %v has type %q, want %q", err, name, tt.wantType)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := (Targets{Set: dataset.Builtin(), ItemsTable: "items"}).Target("customers"); fnerr.NameOf(err) != "ConfigError" {
		t.Errorf("missing reference table: %v", err)
	}
}

func TestConfigAgreesWithTargets(t *testing.T) {
	t.Parallel()
	set := dataset.Builtin()
	names, ref := Config(set)
	static := load.Config{ItemsTable: "items", ReferenceTable: "ref", Datasets: names, ReferenceDatasets: ref}.Targets()
	full := Targets{Set: set, ItemsTable: "items", ReferenceTable: "ref"}
	for _, n := range set.Names() {
		a, err1 := static.Target(n)
		b, err2 := full.Target(n)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", n, err1, err2)
		}
		if a.Table != b.Table {
			t.Errorf("%s: env config routes to %q, the set to %q", n, a.Table, b.Table)
		}
	}
}

func TestBuiltinListsMatchTheBuiltinSet(t *testing.T) {
	t.Parallel()
	names, ref := Config(dataset.Builtin())
	if diff := cmp.Diff(names, load.BuiltinDatasets); diff != "" {
		t.Errorf("load.BuiltinDatasets is out of date with dataset.Builtin() (-set +load):\n%s", diff)
	}
	if diff := cmp.Diff(ref, load.BuiltinReferenceDatasets); diff != "" {
		t.Errorf("load.BuiltinReferenceDatasets is out of date (-set +load):\n%s", diff)
	}
	env := Env(dataset.Builtin())
	want := map[string]string{load.EnvDatasets: "catalog,customers,orders,readings", load.EnvReferenceDatasets: "customers"}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
}

func TestTimestampLayoutMatchesDataset(t *testing.T) {
	if load.TimestampLayout != dataset.TimestampLayout {
		t.Errorf("load.TimestampLayout %q != dataset.TimestampLayout %q", load.TimestampLayout, dataset.TimestampLayout)
	}
}
