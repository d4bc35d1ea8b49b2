package dataset

import (
	"regexp"
	"strings"
	"testing"
)

// The patterns validName and validField are written out from.
var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	fieldRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

func identSeeds() []string {
	return []string{"", "a", "orders", "order_id", "my-set", "-a", "_a", "9a", "A", "aB", "a b", "é",
		"a" + strings.Repeat("b", 62), "a" + strings.Repeat("b", 63), "a" + strings.Repeat("b", 64),
		"a" + strings.Repeat("-", 62), "a\x00", "a\n", "z9_-"}
}

func TestIdentMatchesPattern(t *testing.T) {
	t.Parallel()
	for _, s := range identSeeds() {
		if got, want := validName(s), nameRE.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
		if got, want := validField(s), fieldRE.MatchString(s); got != want {
			t.Errorf("validField(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzDatasetIdent(f *testing.F) {
	for _, s := range identSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validName(s), nameRE.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
		if got, want := validField(s), fieldRE.MatchString(s); got != want {
			t.Errorf("validField(%q) = %v, want %v", s, got, want)
		}
	})
}
