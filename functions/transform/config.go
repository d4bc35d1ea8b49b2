package transform

import (
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/validate"
)

// ParseConfig builds a Config from environment lookups (os.Getenv in
// main).
func ParseConfig(getenv func(string) string) (Config, error) {
	v, err := validate.ParseConfig(getenv)
	if err != nil {
		return Config{}, err
	}
	c := Config{Validate: v, StagingBucket: getenv(contract.EnvStagingBucket)}
	if err := validate.ParseInt(getenv, contract.EnvChunkRecords, func(n int64) { c.ChunkRecords = int(n) }); err != nil {
		return c, err
	}
	if err := validate.ParseInt(getenv, contract.EnvChunkBytes, func(n int64) { c.ChunkBytes = int(n) }); err != nil {
		return c, err
	}
	return c, nil
}
