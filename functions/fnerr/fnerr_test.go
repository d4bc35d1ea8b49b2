package fnerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestNameOfMatchesTypeName(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ValidationFailed{}, "ValidationFailed"},
		{&Retryable{}, "Retryable"},
		{&LoadIncomplete{}, "LoadIncomplete"},
		{&EnrichmentFailed{}, "EnrichmentFailed"},
		{&ConfigError{}, "ConfigError"},
		{&Internal{}, "Internal"},
		{errors.New("x"), "errorString"},
	}
	for _, tt := range tests {
		if got := NameOf(tt.err); got != tt.want {
			t.Errorf("NameOf(%T) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestSurfaceUnwrapsToTypedValue(t *testing.T) {
	inner := &Retryable{Op: "s3 GetObject", Err: errors.New("slow down")}
	wrapped := fmt.Errorf("transform orders.csv: %w", inner)
	if got := Surface(wrapped); got != inner {
		t.Errorf("Surface returned %T %v, want the *Retryable itself", got, got)
	}
	if got := NameOf(Surface(errors.New("boom"))); got != "Internal" {
		t.Errorf("plain error surfaced as %q, want Internal", got)
	}
	// A LoadIncomplete wrapping a Retryable is a LoadIncomplete.
	li := &LoadIncomplete{Written: 1, Unwritten: 2, Err: inner}
	if got := Surface(fmt.Errorf("x: %w", li)); got != li {
		t.Errorf("Surface = %T, want *LoadIncomplete", got)
	}
	if Surface(nil) != nil {
		t.Error("Surface(nil) != nil")
	}
}

// TestExpected: rejections and the failures the workflow retries are
// expected (logged as WARN), also wrapped; everything else is not.
func TestExpected(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&ValidationFailed{}, true},
		{fmt.Errorf("validate x.csv: %w", &ValidationFailed{}), true},
		{&Retryable{}, true},
		{&LoadIncomplete{}, true},
		{fmt.Errorf("load: %w", &LoadIncomplete{}), true},
		{&EnrichmentFailed{}, false},
		{&ConfigError{}, false},
		{&Internal{}, false},
		{errors.New("boom"), false},
		{nil, false},
	} {
		if got := Expected(tt.err); got != tt.want {
			t.Errorf("Expected(%T %v) = %v, want %v", tt.err, tt.err, got, tt.want)
		}
	}
}
