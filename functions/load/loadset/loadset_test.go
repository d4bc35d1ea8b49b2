package loadset

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
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
	env := Env(set)
	env[contract.EnvTableItems], env[contract.EnvTableReference] = "items", "ref"
	cfg, err := load.ParseConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	static := cfg.Targets()
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
		if diff := cmp.Diff(b.Sets, a.Sets); diff != "" {
			t.Errorf("%s: sets of the env config (-set +env):\n%s", n, diff)
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
	want := map[string]string{contract.EnvDatasets: "catalog,customers,orders,readings", contract.EnvReferenceDatasets: "customers",
		contract.EnvSetAttributes: load.BuiltinSetAttributes}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
}

func TestTimestampLayoutMatchesDataset(t *testing.T) {
	if load.TimestampLayout != dataset.TimestampLayout {
		t.Errorf("load.TimestampLayout %q != dataset.TimestampLayout %q", load.TimestampLayout, dataset.TimestampLayout)
	}
}

// TestItemAllowanceMatchesLoader: the validator keeps room in every item
// for the attributes the loader adds (dataset.ItemAllowance), under the
// loader's names and limit, and for its version order at its longest.
func TestItemAllowanceMatchesLoader(t *testing.T) {
	names := [][2]string{
		{load.AttrSourceOrder, dataset.AttrSourceOrder}, {load.AttrSourceKey, dataset.AttrSourceKey},
		{load.AttrSourceVersion, dataset.AttrSourceVersion}, {load.AttrIngestedAt, dataset.AttrIngestedAt},
		{load.AttrExecution, dataset.AttrExecution}, {load.AttrPK, dataset.AttrPK}, {load.AttrSK, dataset.AttrSK},
	}
	for _, n := range names {
		if n[0] != n[1] {
			t.Errorf("load writes %q, dataset allows for %q", n[0], n[1])
		}
	}
	if load.MaxItemBytes != dataset.MaxItemBytes {
		t.Errorf("load.MaxItemBytes %d != dataset.MaxItemBytes %d", load.MaxItemBytes, dataset.MaxItemBytes)
	}
	longest := strings.Repeat("v", dataset.MaxVersionIDBytes)
	at := time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600))
	var room int
	for _, p := range dataset.Builtin().All()[0].ItemAllowance().Parts {
		if p.Attr == dataset.AttrSourceOrder {
			room = p.Bytes
		}
	}
	if got := len(load.AttrSourceOrder) + len(load.Order(at, longest, "")); got != room {
		t.Errorf("the longest _source_order takes %d bytes, the allowance keeps %d", got, room)
	}
}
