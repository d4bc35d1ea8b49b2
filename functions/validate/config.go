package validate

import (
	"fmt"
	"strconv"

	"github.com/sluicehq/sluice/functions/contract"
)

// ParseConfig builds a Config from environment lookups (os.Getenv in
// main). Unset variables keep the defaults; a malformed number is an error
// naming the variable.
func ParseConfig(getenv func(string) string) (Config, error) {
	var c Config
	c.ReportBucket = getenv(contract.EnvReportBucket)
	ints := []struct {
		name string
		dst  *int
	}{
		{contract.EnvMaxRecordBytes, &c.Limits.MaxRecordBytes},
		{contract.EnvMaxDepth, &c.Limits.MaxDepth},
		{contract.EnvMaxKeys, &c.MaxKeys},
		{contract.EnvMaxReportErrors, &c.MaxReportErrors},
	}
	for _, v := range ints {
		if err := parseInt(getenv, v.name, func(n int64) { *v.dst = int(n) }); err != nil {
			return c, err
		}
	}
	if err := parseInt(getenv, contract.EnvGzipMaxRatio, func(n int64) { c.Gzip.MaxRatio = n }); err != nil {
		return c, err
	}
	if err := parseInt(getenv, contract.EnvGzipMaxBytes, func(n int64) { c.Gzip.MaxBytes = n }); err != nil {
		return c, err
	}
	return c, nil
}

// ParseInt reads an optional non-negative integer variable into set; used
// by the transform function's ParseConfig too.
func ParseInt(getenv func(string) string, name string, set func(int64)) error {
	return parseInt(getenv, name, set)
}

func parseInt(getenv func(string) string, name string, set func(int64)) error {
	s := getenv(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%s=%q is not a non-negative integer", name, s)
	}
	set(n)
	return nil
}
