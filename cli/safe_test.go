package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuoteNameAndSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, name, msg string
	}{
		{"orders.csv", "orders.csv", "orders.csv"},
		{"dépôt/données.csv", "dépôt/données.csv", "dépôt/données.csv"},
		{"a\x1b[2Jb.csv", `"a\x1b[2Jb.csv"`, `a\x1b[2Jb.csv`},
		{"a\rb", `"a\rb"`, `a\rb`},
		{"line\nbreak", `"line\nbreak"`, "line\nbreak"},
		{"bidi\u202ecod.exe", `"bidi\u202ecod.exe"`, `bidi\u202ecod.exe`},
		{"bad\xffutf8", `"bad\xffutf8"`, `bad\xffutf8`},
		{"bell\a", `"bell\a"`, `bell\a`},
		{"del\x7f", `"del\x7f"`, `del\x7f`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.name, quoteName(tt.in)); diff != "" {
			t.Errorf("quoteName(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.msg, sanitize(tt.in)); diff != "" {
			t.Errorf("sanitize(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestRunQuotesHostileNames runs a file whose name holds a terminal escape
// sequence (clear the screen) and a carriage return: the timeline and the
// outcome name it quoted and escaped, and no control character reaches
// stdout or stderr; an error naming such a file is escaped too.
func TestRunQuotesHostileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := "read\x1b[2J\rings.jsonl"
	b, err := os.ReadFile(example("readings", "readings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Skipf("this file system refuses the name: %v", err)
	}
	code, stdout, stderr := runCLI(t, "", "run", "--state-dir", t.TempDir(), "--dataset", "readings", filepath.Join(dir, name))
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if want := `"incoming/readings/read\x1b[2J\rings.jsonl"`; !strings.Contains(stdout, want) {
		t.Errorf("stdout does not name the file as %s:\n%s", want, stdout)
	}
	if !strings.Contains(stdout, "LOADED") {
		t.Errorf("not loaded:\n%s", stdout)
	}
	for _, out := range []string{stdout, stderr} {
		if strings.ContainsAny(out, "\x1b\r") {
			t.Errorf("a control character was printed raw: %q", out)
		}
	}

	code, stdout, stderr = runCLI(t, "", "run", "--state-dir", t.TempDir(), "--dataset", "readings", filepath.Join(dir, "no\x1b[2Jsuch.jsonl"))
	if code != int(ExitUsage) || strings.ContainsAny(stdout+stderr, "\x1b") || !strings.Contains(stderr, `no\x1b[2Jsuch.jsonl`) {
		t.Errorf("exit %d, stderr %q: want a usage error naming the file escaped", code, stderr)
	}
}

// TestCommandsEscapeHostileNames checks that the commands printing their
// own errors or summaries (lint's unreadable file, transform's summary)
// escape a file name's control characters, as the top-level error printer
// does.
func TestCommandsEscapeHostileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "lint", filepath.Join(dir, "no\x1b[2Jsuch.asl.json"))
	if code != int(ExitUsage) || strings.ContainsAny(stdout+stderr, "\x1b") || !strings.Contains(stderr, `no\x1b[2Jsuch.asl.json`) {
		t.Errorf("lint: exit %d, stderr %q: want a usage error naming the file escaped", code, stderr)
	}

	name := filepath.Join(dir, "read\x1b[2Jings.jsonl")
	b, err := os.ReadFile(example("readings", "readings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Skipf("this file system refuses the name: %v", err)
	}
	code, _, stderr = runCLI(t, "", "transform", "--dataset", "readings", "-o", filepath.Join(dir, "out.jsonl"), name)
	if code != int(ExitOK) || strings.ContainsAny(stderr, "\x1b") || !strings.Contains(stderr, `read\x1b[2Jings.jsonl`) {
		t.Errorf("transform: exit %d, stderr %q: want the summary naming the file escaped", code, stderr)
	}
}
