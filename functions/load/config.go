package load

import (
	"fmt"
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
