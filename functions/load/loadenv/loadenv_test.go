package loadenv

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
)

// TestEnvBuiltin: the built-in set's environment, written out (the
// loader's defaults for an unset SLUICE_DATASETS say the same:
// loadset's TestBuiltinListsMatchTheBuiltinSet).
func TestEnvBuiltin(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"SLUICE_DATASETS":           "catalog,customers,orders,readings",
		"SLUICE_REFERENCE_DATASETS": "customers",
		"SLUICE_SET_ATTRIBUTES":     "catalog.sizes=NS,catalog.tags=SS",
	}
	if diff := cmp.Diff(want, Env(dataset.Builtin())); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
	readings, err := dataset.Builtin().Lookup("readings")
	if err != nil {
		t.Fatal(err)
	}
	one, err := dataset.NewSet(readings)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"SLUICE_DATASETS": "readings", "SLUICE_REFERENCE_DATASETS": ""}, Env(one)); diff != "" {
		t.Errorf("Env of readings alone (-want +got):\n%s", diff)
	}
}

// TestImportsNoLoader: the package stays importable by the Pulumi program,
// which may not link a handler.
func TestImportsNoLoader(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasPrefix(imp, "github.com/sluicehq/sluice/functions/") && imp != "github.com/sluicehq/sluice/functions/contract" {
			t.Errorf("loadenv imports %s", imp)
		}
	}
}
