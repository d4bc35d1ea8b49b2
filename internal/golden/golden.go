// Package golden compares test output with files under testdata, rewriting
// them when the test binary runs with -update (the go/printer pattern);
// CheckASL adds the round-trip check every golden ASL file gets.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/workflow/asl"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// Updating reports whether -update was given.
func Updating() bool { return *update }

// Check compares got with the golden file at path (relative to the test's
// package directory). With -update it writes got to path instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-want +got); run with -update if the change is intended:\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// CheckASL is Check for an ASL definition, plus idempotence: the golden
// file decodes and re-encodes to the same bytes, so golden diffs only ever
// show real changes.
func CheckASL(t testing.TB, path string, got []byte) {
	t.Helper()
	Check(t, path, got)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(want)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	again, err := asl.Marshal(m)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(want, again) {
		t.Errorf("%s does not re-encode to itself:\n%s", path, cmp.Diff(string(want), string(again)))
	}
}
