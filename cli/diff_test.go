package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestDiffExitCodes(t *testing.T) {
	const td = "../workflow/diff/testdata/"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"equal", []string{td + "base.asl.json", td + "base.asl.json"}, 0, "no changes"},
		{"different", []string{td + "base.asl.json", td + "retry_changed.asl.json"}, 1, "now retries up to 6 times instead of 3"},
		{"markdown", []string{"--format", "markdown", td + "base.asl.json", td + "state_added.asl.json"}, 1, "#### Added states"},
		{"json", []string{"--format=json", td + "base.asl.json", td + "state_renamed.asl.json"}, 1, `"kind": "renamed"`},
		{"missing side", []string{td + "base.asl.json", "no-such-file-or-rev"}, 2, ""},
		{"one arg", []string{td + "base.asl.json"}, 2, ""},
		{"bad format", []string{"--format", "html", td + "base.asl.json", td + "base.asl.json"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(append([]string{"diff"}, tt.args...), nil, &out, &errb)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out.String())
			}
		})
	}
}
