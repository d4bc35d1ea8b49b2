package enrich

import (
	"fmt"
	"strconv"
	"time"
)

// Environment variables of the enrich function, read by its main through
// ParseConfig.
const (
	EnvTableItems     = "SLUICE_TABLE_ITEMS"
	EnvTableReference = "SLUICE_TABLE_REFERENCE"
	EnvCacheSize      = "SLUICE_ENRICH_CACHE_SIZE"
	EnvCacheTTL       = "SLUICE_ENRICH_CACHE_TTL"
)

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main). Unset optional variables keep the defaults.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{ItemsTable: getenv(EnvTableItems), ReferenceTable: getenv(EnvTableReference)}
	if v := getenv(EnvCacheSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want an integer (negative disables the cache)", EnvCacheSize, v)
		}
		c.CacheSize = n
	}
	if v := getenv(EnvCacheTTL); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration such as 5m", EnvCacheTTL, v)
		}
		c.CacheTTL = d
	}
	return c, nil
}
