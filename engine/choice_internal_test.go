package engine

import (
	"strings"
	"testing"
)

func TestStringMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"log-2026.txt", "log-*.txt", true},
		{"log-2026.txt", "*.csv", false},
		{"a*b", `a\*b`, true},
		{"axb", `a\*b`, false},
		{`a\b`, `a\\b`, true},
		{"", "*", true},
		{"abc", "a*b*c", true},
		{"ac", "a*b*c", false},
		{"aaa", "a*a", true},
		{"a", "a*a", false},
	}
	for _, tt := range tests {
		if got := stringMatches(tt.s, tt.pattern); got != tt.want {
			t.Errorf("stringMatches(%q, %q) = %v, want %v", tt.s, tt.pattern, got, tt.want)
		}
	}
}

// FuzzStringMatches checks the StringMatches pattern parser: no panic, a
// pattern without wildcards or escapes matches exactly itself, and "*"
// matches everything.
func FuzzStringMatches(f *testing.F) {
	f.Add("log-2026.txt", "log-*.txt")
	f.Add(`a*b`, `a\*b`)
	f.Add("", `\`)
	f.Fuzz(func(t *testing.T, s, pattern string) {
		if len(s) > 256 || len(pattern) > 64 {
			return
		}
		got := stringMatches(s, pattern)
		if !strings.ContainsAny(pattern, `*\`) && got != (s == pattern) {
			t.Fatalf("literal pattern %q vs %q: %v", pattern, s, got)
		}
		if !stringMatches(s, "*") {
			t.Fatalf("* does not match %q", s)
		}
	})
}
