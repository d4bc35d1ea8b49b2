package awsapi

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluicehq/sluice/functions/fnerr"
)

// ObjectGetter reads objects.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// ObjectPutter writes objects.
type ObjectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// ObjectReadWriter reads and writes objects: what the validate and
// transform functions need.
type ObjectReadWriter interface {
	ObjectGetter
	ObjectPutter
}

// transientCodes are S3 and AWS error codes worth retrying.
var transientCodes = map[string]bool{
	"SlowDown": true, "InternalError": true, "ServiceUnavailable": true, "RequestTimeout": true,
	"RequestTimeoutException": true, "Throttling": true, "ThrottlingException": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true, "ProvisionedThroughputExceededException": true,
}

// IsTransient reports whether err is worth retrying later: throttling, a
// 5xx, a timeout, a broken connection, or the SDK giving up after its own
// retries on one of those.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && transientCodes[api.ErrorCode()] {
		return true
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && (resp.HTTPStatusCode() >= 500 || resp.HTTPStatusCode() == http.StatusTooManyRequests) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// IsNotFound reports whether err says the object (or version) does not
// exist.
func IsNotFound(err error) bool {
	var nsk *s3types.NoSuchKey
	var nf *s3types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NoSuchVersion" || api.ErrorCode() == "NotFound")
}

// Classify wraps an S3 error for a handler: a transient error becomes a
// *fnerr.Retryable naming op (such as "s3 GetObject"); anything else is
// returned wrapped with op for context. nil stays nil.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if IsTransient(err) {
		return &fnerr.Retryable{Op: op, Err: err}
	}
	return &opError{op: op, err: err}
}

type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
