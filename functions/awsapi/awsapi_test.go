package awsapi

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/functions/fnerr"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		retryable bool
	}{
		{"slow down", &smithy.GenericAPIError{Code: "SlowDown"}, true},
		{"internal", fmt.Errorf("x: %w", &smithy.GenericAPIError{Code: "InternalError"}), true},
		{"deadline", context.DeadlineExceeded, true},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied"}, false},
		{"canceled", context.Canceled, false},
		{"plain", errors.New("x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classify("s3 GetObject", tt.err)
			var r *fnerr.Retryable
			if got := errors.As(err, &r); got != tt.retryable {
				t.Errorf("Classify(%v) = %T, retryable %v want %v", tt.err, err, got, tt.retryable)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Classify lost the cause")
			}
		})
	}
	if Classify("x", nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}
