package load

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/functions/contract"
)

// BuiltinDatasets and BuiltinReferenceDatasets describe dataset.Builtin()
// (a test in functions/load/loadset keeps them in step). ParseConfig uses
// them when SLUICE_DATASETS is unset, so that a deployment that sets only the
// table names routes the shipped datasets correctly.
var (
	BuiltinDatasets          = []string{"catalog", "customers", "orders", "readings"}
	BuiltinReferenceDatasets = []string{"customers"}
	// BuiltinSetAttributes is SLUICE_SET_ATTRIBUTES of dataset.Builtin().
	BuiltinSetAttributes = "catalog.sizes=NS,catalog.tags=SS"
)

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main). Unset optional variables keep the defaults;
// without SLUICE_DATASETS the datasets are BuiltinDatasets and
// BuiltinReferenceDatasets.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{
		ItemsTable:        getenv(contract.EnvTableItems),
		ReferenceTable:    getenv(contract.EnvTableReference),
		Datasets:          splitList(getenv(contract.EnvDatasets)),
		ReferenceDatasets: splitList(getenv(contract.EnvReferenceDatasets)),
	}
	sets := getenv(contract.EnvSetAttributes)
	switch v := getenv(contract.EnvLoadStrict); v {
	case "", "false":
	case "true":
		c.Strict = true
	default:
		return c, fmt.Errorf("%s=%q: want true or false", contract.EnvLoadStrict, v)
	}
	if len(c.Datasets) == 0 {
		c.Datasets = append([]string(nil), BuiltinDatasets...)
		c.ReferenceDatasets = append([]string(nil), BuiltinReferenceDatasets...)
		if sets == "" {
			sets = BuiltinSetAttributes
		}
	}
	var err error
	if c.Sets, err = ParseSetAttributes(sets); err != nil {
		return c, fmt.Errorf("%s=%q: %w", contract.EnvSetAttributes, sets, err)
	}
	if v := getenv(contract.EnvLoadConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("%s=%q: want an integer from 1 to 256", contract.EnvLoadConcurrency, v)
		}
		c.Concurrency = n
	}
	if v := getenv(contract.EnvLoadDeadlineMargin); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("%s=%q: want a duration such as 10s", contract.EnvLoadDeadlineMargin, v)
		}
		c.DeadlineMargin = d
	}
	return c, nil
}

// ParseSetAttributes parses SLUICE_SET_ATTRIBUTES: dataset.attribute=SS
// or dataset.attribute=NS, comma-separated, into sets by dataset and
// attribute. Empty text is none.
func ParseSetAttributes(s string) (map[string]map[string]SetType, error) {
	var out map[string]map[string]SetType
	for _, e := range splitList(s) {
		name, typ, ok := strings.Cut(e, "=")
		ds, attr, ok2 := strings.Cut(name, ".")
		if !ok || !ok2 || ds == "" || attr == "" || (SetType(typ) != StringSet && SetType(typ) != NumberSet) {
			return nil, fmt.Errorf("entry %q: want dataset.attribute=SS or =NS", e)
		}
		if out == nil {
			out = map[string]map[string]SetType{}
		}
		if out[ds] == nil {
			out[ds] = map[string]SetType{}
		}
		out[ds][attr] = SetType(typ)
	}
	return out, nil
}

// FormatSetAttributes is the inverse of ParseSetAttributes, sorted so that
// the same sets always give the same text.
func FormatSetAttributes(sets map[string]map[string]SetType) string {
	var es []string
	for ds, attrs := range sets {
		for attr, typ := range attrs {
			es = append(es, ds+"."+attr+"="+string(typ))
		}
	}
	sort.Strings(es)
	return strings.Join(es, ",")
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
