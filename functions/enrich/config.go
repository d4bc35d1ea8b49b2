package enrich

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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
	if v := getenv(contract.EnvEnrichSecrets); v != "" {
		if err := json.Unmarshal([]byte(v), &c.SecretARNs); err != nil {
			return c, fmt.Errorf("%s: want a JSON object of secret names to ARNs: %v", contract.EnvEnrichSecrets, err)
		}
		for name, arn := range c.SecretARNs {
			if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":secretsmanager:") {
				return c, fmt.Errorf("%s: secret %q: %q is not a Secrets Manager ARN", contract.EnvEnrichSecrets, name, arn)
			}
		}
	}
	if v := getenv(contract.EnvEnrichSecretTTL); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration such as 5m", contract.EnvEnrichSecretTTL, v)
		}
		c.SecretTTL = d
	}
	return c, nil
}
