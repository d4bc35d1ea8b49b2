package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Environment variables of the load function, read by its main through
// ParseConfig.
const (
	EnvTableItems        = "SLUICE_TABLE_ITEMS"
	EnvTableReference    = "SLUICE_TABLE_REFERENCE"
	EnvConcurrency       = "SLUICE_LOAD_CONCURRENCY"
	EnvDeadlineMargin    = "SLUICE_LOAD_DEADLINE_MARGIN"
	EnvStrict            = "SLUICE_LOAD_STRICT"
	EnvDatasets          = "SLUICE_DATASETS"
	EnvReferenceDatasets = "SLUICE_REFERENCE_DATASETS"
)

// BuiltinDatasets and BuiltinReferenceDatasets describe dataset.Builtin()
// (a test in functions/load/loadset keeps them in step). ParseConfig uses
// them when SLUICE_DATASETS is unset, so that a deployment that sets only the
// table names routes the shipped datasets correctly.
var (
	BuiltinDatasets          = []string{"catalog", "customers", "orders", "readings"}
	BuiltinReferenceDatasets = []string{"customers"}
)

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main). Unset optional variables keep the defaults;
// without SLUICE_DATASETS the datasets are BuiltinDatasets and
// BuiltinReferenceDatasets.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{
		ItemsTable:        getenv(EnvTableItems),
		ReferenceTable:    getenv(EnvTableReference),
		Datasets:          splitList(getenv(EnvDatasets)),
		ReferenceDatasets: splitList(getenv(EnvReferenceDatasets)),
	}
	switch v := getenv(EnvStrict); v {
	case "", "false":
	case "true":
		c.Strict = true
	default:
		return c, fmt.Errorf("%s=%q: want true or false", EnvStrict, v)
	}
	if len(c.Datasets) == 0 {
		c.Datasets = append([]string(nil), BuiltinDatasets...)
		c.ReferenceDatasets = append([]string(nil), BuiltinReferenceDatasets...)
	}
	if v := getenv(EnvConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("%s=%q: want an integer from 1 to 256", EnvConcurrency, v)
		}
		c.Concurrency = n
	}
	if v := getenv(EnvDeadlineMargin); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("%s=%q: want a duration such as 10s", EnvDeadlineMargin, v)
		}
		c.DeadlineMargin = d
	}
	return c, nil
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
