package fnerr

import (
	"errors"
	"fmt"
	"reflect"
)

// ValidationFailed reports a file rejected by validation: wrong format, bad
// rows beyond the dataset's tolerance, a hostile input. It is final (never
// retried); the workflow quarantines the file and notifies with the report.
type ValidationFailed struct {
	// Bucket and Key locate the rejected object.
	Bucket, Key string
	// Report is the S3 key of the JSON rejection report.
	Report string
	// Rows is the number of rows read; BadRows the number rejected.
	Rows, BadRows int64
	// Reason is a one-line summary such as "3 rows failed validation".
	Reason string
}

func (e *ValidationFailed) Error() string {
	return fmt.Sprintf("s3://%s/%s rejected: %s (report s3://%s/%s)", e.Bucket, e.Key, e.Reason, e.Bucket, e.Report)
}

// Retryable reports a transient failure (throttling, a timeout, a 5xx) that
// the workflow retries with backoff and jitter.
type Retryable struct {
	// Op names what failed, such as "s3 GetObject".
	Op string
	// Err is the underlying error.
	Err error
}

func (e *Retryable) Error() string { return fmt.Sprintf("%s: %v (retryable)", e.Op, e.Err) }

// Unwrap returns the underlying error.
func (e *Retryable) Unwrap() error { return e.Err }

// LoadIncomplete reports that the loader gave up before writing every item:
// UnprocessedItems were still returned at the deadline. Nothing is lost
// silently: Unwritten says how many, and re-running is idempotent.
type LoadIncomplete struct {
	// Written and Unwritten count the items.
	Written, Unwritten int64
	// Err is the last error seen, if any.
	Err error
}

func (e *LoadIncomplete) Error() string {
	msg := fmt.Sprintf("load incomplete: %d items written, %d unwritten", e.Written, e.Unwritten)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *LoadIncomplete) Unwrap() error { return e.Err }

// EnrichmentFailed reports that a required external enrichment could not be
// obtained after its own retries.
type EnrichmentFailed struct {
	// Source names the enrichment, such as the HTTP endpoint's name.
	Source string
	// Err is the underlying error.
	Err error
}

func (e *EnrichmentFailed) Error() string {
	return fmt.Sprintf("enrichment %s failed: %v", e.Source, e.Err)
}

// Unwrap returns the underlying error.
func (e *EnrichmentFailed) Unwrap() error { return e.Err }

// ConfigError reports a deployment mistake: an unknown dataset, a missing
// environment variable, a table that does not exist. Retrying cannot help.
type ConfigError struct {
	// Msg describes the mistake.
	Msg string
}

func (e *ConfigError) Error() string { return "configuration: " + e.Msg }

// Internal reports any other failure: a bug or an unexpected condition. It
// is what Surface returns for an error of no known type, so that the
// workflow sees a stable name instead of "errorString".
type Internal struct {
	// Msg is the original error text.
	Msg string
}

func (e *Internal) Error() string { return e.Msg }

// NameOf returns the ASL error name Step Functions will see for err: the
// name of its dynamic type, dereferenced once, exactly as aws-lambda-go
// computes errorType.
func NameOf(err error) string {
	t := reflect.TypeOf(err)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Expected reports whether err is an outcome the workflow handles: a
// rejection (ValidationFailed), or a failure it retries (Retryable,
// LoadIncomplete). Handlers log such an error as WARN, any other as ERROR.
func Expected(err error) bool {
	var vf *ValidationFailed
	var rt *Retryable
	var li *LoadIncomplete
	return errors.As(err, &vf) || errors.As(err, &rt) || errors.As(err, &li)
}

// Surface returns the error a handler must return to Lambda: the first typed
// error of this package found in err's chain, or an *Internal carrying err's
// text. A nil err gives nil.
func Surface(err error) error {
	if err == nil {
		return nil
	}
	var (
		v *ValidationFailed
		r *Retryable
		l *LoadIncomplete
		e *EnrichmentFailed
		c *ConfigError
		i *Internal
	)
	switch {
	case errors.As(err, &v):
		return v
	case errors.As(err, &l):
		return l
	case errors.As(err, &e):
		return e
	case errors.As(err, &c):
		return c
	case errors.As(err, &r):
		return r
	case errors.As(err, &i):
		return i
	}
	return &Internal{Msg: err.Error()}
}
