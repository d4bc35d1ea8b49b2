package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// execTestdata is the engine's testdata, shared with these tests.
const execTestdata = "../engine/testdata/exec/"

func TestExecRetriesMockedLambda(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mock []string
	}{
		{"mocks", []string{"--mocks", execTestdata + "retry.mocks.json"}},
		{"mock config", []string{"--mock-config", execTestdata + "retry.mock-config.json", "--test-case", "FlakyThenOK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hist := filepath.Join(t.TempDir(), "history.json")
			args := append([]string{"exec", "--definition", execTestdata + "retry.asl.json",
				"--input", execTestdata + "retry.input.json", "--fast", "--history", hist}, tt.mock...)
			code, stdout, stderr := runCLI(t, "", args...)
			if code != int(ExitOK) {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			want := map[string]any{"status": "SUCCEEDED", "output": map[string]any{"loaded": 42.0}, "error": nil, "cause": nil}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			b, err := os.ReadFile(hist)
			if err != nil {
				t.Fatal(err)
			}
			var h struct {
				Events []struct {
					Type string `json:"type"`
				} `json:"events"`
			}
			if err := json.Unmarshal(b, &h); err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			for _, e := range h.Events {
				counts[e.Type]++
			}
			wantCounts := map[string]int{"TaskScheduled": 3, "TaskFailed": 2, "TaskSucceeded": 1}
			for typ, n := range wantCounts {
				if counts[typ] != n {
					t.Errorf("%s events = %d, want %d (history %v)", typ, counts[typ], n, counts)
				}
			}
		})
	}
}

func TestExecExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fail := write("fail.asl.json", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`)
	bad := write("bad.asl.json", `{"StartAt":"Missing","States":{"F":{"Type":"Succeed"}}}`)
	syntax := write("syntax.asl.json", "{\n  \"StartAt\": \n}")
	invalid := write("invalid.asl.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}}}`)
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   ExitCode
		wantOut    string
		wantStderr string
	}{
		{"failed execution still exits 0", []string{"exec", "--definition", fail}, "", ExitOK,
			`{"status":"FAILED","output":null,"error":"Boom","cause":"it broke"}`, ""},
		{"definition from stdin", []string{"exec", "--definition", "-"}, `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}}`, ExitOK,
			`{"status":"SUCCEEDED","output":1,"error":null,"cause":null}`, ""},
		{"missing definition flag", []string{"exec"}, "", ExitUsage, "", "--definition is required"},
		{"unknown StartAt", []string{"exec", "--definition", bad}, "", ExitUsage, "", "invalid definition"},
		{"validator error", []string{"exec", "--definition", invalid}, "", ExitUsage, "", "States.ALL"},
		{"syntax error", []string{"exec", "--definition", syntax}, "", ExitUsage, "", "syntax.asl.json:3:1: invalid JSON"},
		{"unreadable", []string{"exec", "--definition", filepath.Join(dir, "nope.json")}, "", ExitUsage, "", "nope.json"},
		{"exclusive mocks", []string{"exec", "--definition", fail, "--mocks", "a", "--mock-config", "b", "--test-case", "c"}, "", ExitUsage, "", "exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.stdin, tt.args...)
			if code != int(tt.wantCode) {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if got := strings.TrimSpace(stdout); got != tt.wantOut {
				t.Errorf("stdout = %s, want %s", got, tt.wantOut)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestExecDefinitionSize checks that the 1 MiB limit applies to the
// definition without its insignificant white space, as Step Functions
// receives it.
func TestExecDefinitionSize(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name     string
		def      string
		wantCode ExitCode
	}{
		{"indented beyond 1 MiB, compact under", "{\n" + strings.Repeat(" ", 1<<20+10) + `"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, ExitOK},
		{"compact beyond 1 MiB", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"` + big + `","End":true}}}`, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := filepath.Join(t.TempDir(), "def.asl.json")
			if err := os.WriteFile(def, []byte(tt.def), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, "", "exec", "--definition", def)
			if code != int(tt.wantCode) {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if tt.wantCode == ExitUsage && !strings.Contains(stderr, "at most 1048576 (1 MiB)") {
				t.Errorf("stderr %q does not name the 1 MiB limit", stderr)
			}
		})
	}
}
