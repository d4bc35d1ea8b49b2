package transform

import "github.com/sluicehq/sluice/functions/validate"

// Environment variables read by ParseConfig (in functions/cmd only), on top
// of the validator's (validate.ParseConfig), which must be set to the same
// values for both functions.
const (
	EnvChunkRecords  = "SLUICE_CHUNK_RECORDS"
	EnvChunkBytes    = "SLUICE_CHUNK_BYTES"
	EnvStagingBucket = "SLUICE_STAGING_BUCKET"
)

// ParseConfig builds a Config from environment lookups (os.Getenv in
// main).
func ParseConfig(getenv func(string) string) (Config, error) {
	v, err := validate.ParseConfig(getenv)
	if err != nil {
		return Config{}, err
	}
	c := Config{Validate: v, StagingBucket: getenv(EnvStagingBucket)}
	if err := validate.ParseInt(getenv, EnvChunkRecords, func(n int64) { c.ChunkRecords = int(n) }); err != nil {
		return c, err
	}
	if err := validate.ParseInt(getenv, EnvChunkBytes, func(n int64) { c.ChunkBytes = int(n) }); err != nil {
		return c, err
	}
	return c, nil
}
