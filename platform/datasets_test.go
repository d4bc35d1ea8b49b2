package platform_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/load/loadset"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// deployDatasets runs the program under mocks for a stack file with the
// datasets set (nil: the default, dataset.Builtin()).
func deployDatasets(t *testing.T, stack string, set *dataset.Set) (*offline.Result, error) {
	t.Helper()
	cfg, err := offline.LoadStackFile("../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	runMu.Lock()
	defer runMu.Unlock()
	return offline.Run(stack, cfg, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}, Datasets: set})
}

// TestLoadFunctionDatasetEnv: the deployed load function is told the
// datasets it routes, exactly as the local runtime tells its loader
// (loadset.Env): the whole built-in set by default, only the datasets
// deployed otherwise; no other function gets these variables.
func TestLoadFunctionDatasetEnv(t *testing.T) {
	builtin := dataset.Builtin()
	readings, err := builtin.Lookup("readings")
	if err != nil {
		t.Fatal(err)
	}
	readingsOnly, err := dataset.NewSet(readings)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stack string
		set         *dataset.Set
		want        map[string]string
	}{
		{"dev, the built-in set", "dev", nil, map[string]string{
			"SLUICE_DATASETS": "catalog,customers,orders,readings", "SLUICE_REFERENCE_DATASETS": "customers",
			"SLUICE_SET_ATTRIBUTES": "catalog.sizes=NS,catalog.tags=SS",
		}},
		{"prod, the built-in set", "prod", nil, loadset.Env(dataset.Builtin())},
		{"dev, readings alone", "dev", readingsOnly, map[string]string{"SLUICE_DATASETS": "readings", "SLUICE_REFERENCE_DATASETS": ""}},
	}
	vars := []string{"SLUICE_DATASETS", "SLUICE_REFERENCE_DATASETS", "SLUICE_SET_ATTRIBUTES"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := deployDatasets(t, tt.stack, tt.set)
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range platform.FunctionNames {
				f := one(t, r, "aws:lambda/function:Function", "compute-"+fn)
				got := map[string]string{}
				for _, v := range vars {
					if val, ok := f.Inputs["environment"].(map[string]any)["variables"].(map[string]any)[v]; ok {
						got[v], _ = val.(string)
					}
				}
				want := map[string]string{}
				if fn == "load" {
					want = tt.want
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: dataset environment (-want +got):\n%s", fn, diff)
				}
			}
		})
	}
}

// TestForeignDatasetRefused: the program stops, naming the dataset, when
// the set deployed has a dataset the function binaries (built with
// dataset.Builtin()) do not embed, or declare differently: the stack would
// route its files to functions that do not know them.
func TestForeignDatasetRefused(t *testing.T) {
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "store_id", Type: dataset.String, Required: true}},
		Key:    dataset.Key{Partition: "STORE#{store_id}"},
	}
	withStores, err := dataset.NewSet(append(dataset.Builtin().All(), stores)...)
	if err != nil {
		t.Fatal(err)
	}
	changed := dataset.Declarations()
	for _, d := range changed {
		if d.Name == "orders" {
			d.MaxSize = 1 << 20 // a limit the deployed validator does not apply
		}
	}
	withChangedOrders, err := dataset.NewSet(changed...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  *dataset.Set
		want []string
	}{
		{"a dataset they do not embed", withStores, []string{`dataset "stores": the function binaries do not embed it`, "catalog, customers, orders, readings"}},
		{"a dataset declared differently", withChangedOrders, []string{`dataset "orders": declared differently from the one the function binaries embed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := deployDatasets(t, "dev", tt.set)
			if err == nil {
				t.Fatal("the program ran")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), `"readings"`) || strings.Contains(err.Error(), `"catalog"`) {
				t.Errorf("error %q names a dataset the binaries embed as declared", err)
			}
		})
	}
	// The same set is accepted when the binaries are said to embed it.
	if err := platform.CheckEmbedded(withStores, withStores); err != nil {
		t.Errorf("CheckEmbedded(set, set): %v", err)
	}
}
