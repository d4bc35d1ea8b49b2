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
	EnvDatasets          = "SLUICE_DATASETS"
	EnvReferenceDatasets = "SLUICE_REFERENCE_DATASETS"
)

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main). Unset optional variables keep the defaults.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{
		ItemsTable:        getenv(EnvTableItems),
		ReferenceTable:    getenv(EnvTableReference),
		Datasets:          splitList(getenv(EnvDatasets)),
		ReferenceDatasets: splitList(getenv(EnvReferenceDatasets)),
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
