package loadset

import (
	"errors"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/load"
	"github.com/sluicehq/sluice/functions/load/loadenv"
)

// Targets resolves datasets of a Set to load targets: the dataset's logical
// table mapped to ItemsTable or ReferenceTable, and its TTL.
type Targets struct {
	// Set holds the datasets.
	Set *dataset.Set
	// ItemsTable and ReferenceTable are the physical table names.
	ItemsTable, ReferenceTable string
}

// Target implements load.Targets. An unknown dataset, or one whose logical
// table has no physical name, is a *fnerr.ConfigError.
func (t Targets) Target(name string) (load.Target, error) {
	if t.Set == nil {
		return load.Target{}, &fnerr.ConfigError{Msg: "load: no dataset set"}
	}
	d, err := t.Set.Lookup(name)
	if err != nil {
		var unknown *dataset.UnknownDatasetError
		if errors.As(err, &unknown) {
			return load.Target{}, &fnerr.ConfigError{Msg: "load: " + err.Error()}
		}
		return load.Target{}, err
	}
	var out load.Target
	switch d.TargetTable() {
	case dataset.TableItems:
		out.Table = t.ItemsTable
	case dataset.TableReference:
		out.Table = t.ReferenceTable
	}
	if out.Table == "" {
		return load.Target{}, &fnerr.ConfigError{Msg: "load: no physical table for " + string(d.TargetTable()) + " (dataset " + name + ")"}
	}
	if d.TTL != nil {
		out.TTL = &load.TTL{Attribute: d.TTL.Attribute, From: d.TTL.From, After: d.TTL.After}
	}
	out.Sets = setsOf(d)
	return out, nil
}

// setsOf returns the set attributes of d in the loader's terms.
func setsOf(d *dataset.Dataset) map[string]load.SetType {
	var out map[string]load.SetType
	for attr, st := range d.SetAttributes() {
		if out == nil {
			out = map[string]load.SetType{}
		}
		out[attr] = load.SetType(st)
	}
	return out
}

// Config returns the part of load.Config that describes the datasets of set
// (Datasets and ReferenceDatasets), for the deployment to put in the
// function's environment (SLUICE_DATASETS, SLUICE_REFERENCE_DATASETS):
// loadenv.Config.
func Config(set *dataset.Set) (datasets, reference []string) { return loadenv.Config(set) }

// Env returns the environment the load function needs to route the
// datasets of set (loadenv.Env, which the Pulumi program also sets on the
// deployed function): SLUICE_DATASETS and SLUICE_REFERENCE_DATASETS
// (comma-separated) and, when a dataset has set fields,
// SLUICE_SET_ATTRIBUTES. The table names (SLUICE_TABLE_ITEMS,
// SLUICE_TABLE_REFERENCE) come from the deployment.
func Env(set *dataset.Set) map[string]string { return loadenv.Env(set) }

// SetAttributes returns SLUICE_SET_ATTRIBUTES for set: every field stored
// as a DynamoDB set (dataset.Field.List with Set), as the loader parses it
// (load.ParseSetAttributes): loadenv.SetAttributes.
func SetAttributes(set *dataset.Set) string { return loadenv.SetAttributes(set) }
