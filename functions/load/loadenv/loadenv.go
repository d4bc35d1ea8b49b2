// Package loadenv computes the environment that tells the load function
// which datasets it routes: SLUICE_DATASETS, SLUICE_REFERENCE_DATASETS and
// SLUICE_SET_ATTRIBUTES (load.ParseConfig reads them), from a dataset.Set.
//
// It imports only dataset and functions/contract, not the loader, so the
// Pulumi program can set the deployed function's environment without
// linking a handler (platform's TestImportsNoHandler); functions/load/loadset
// uses it for the local runtime, and its tests parse the result with the
// loader's own ParseConfig.
package loadenv

import (
	"sort"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
)

// Config returns the names of the datasets of set, in the set's order, and
// those of them loaded into the reference table.
func Config(set *dataset.Set) (datasets, reference []string) {
	for _, d := range set.All() {
		datasets = append(datasets, d.Name)
		if d.TargetTable() == dataset.TableReference {
			reference = append(reference, d.Name)
		}
	}
	return datasets, reference
}

// Env returns the load function's dataset environment for set:
// SLUICE_DATASETS and SLUICE_REFERENCE_DATASETS (comma-separated) and,
// when a dataset has set fields, SLUICE_SET_ATTRIBUTES. The table names
// (SLUICE_TABLE_ITEMS, SLUICE_TABLE_REFERENCE) come from the deployment.
func Env(set *dataset.Set) map[string]string {
	names, ref := Config(set)
	env := map[string]string{
		contract.EnvDatasets:          strings.Join(names, ","),
		contract.EnvReferenceDatasets: strings.Join(ref, ","),
	}
	if s := SetAttributes(set); s != "" {
		env[contract.EnvSetAttributes] = s
	}
	return env
}

// SetAttributes returns SLUICE_SET_ATTRIBUTES for set: every field stored
// as a DynamoDB set, as dataset.attribute=SS or =NS, sorted and
// comma-separated (the loader's load.ParseSetAttributes reads it).
func SetAttributes(set *dataset.Set) string {
	var es []string
	for _, d := range set.All() {
		for attr, typ := range d.SetAttributes() {
			es = append(es, d.Name+"."+attr+"="+string(typ))
		}
	}
	sort.Strings(es)
	return strings.Join(es, ",")
}
