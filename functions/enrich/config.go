package enrich

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/functions/contract"
)

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main). Unset optional variables keep the defaults.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{ItemsTable: getenv(contract.EnvTableItems), ReferenceTable: getenv(contract.EnvTableReference)}
	if v := getenv(contract.EnvEnrichCacheSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want an integer (negative disables the cache)", contract.EnvEnrichCacheSize, v)
		}
		c.CacheSize = n
	}
	if v := getenv(contract.EnvEnrichCacheTTL); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration such as 5m", contract.EnvEnrichCacheTTL, v)
		}
		c.CacheTTL = d
	}
	return c, nil
}
