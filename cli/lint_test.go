package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/golden"
)

// validateTestdata is the validator's testdata, shared with these tests.
const validateTestdata = "../workflow/validate/testdata/"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLintExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantOut    []string // substrings of stdout
		wantStderr string   // substring of stderr
	}{
		{"valid", []string{"lint", validateTestdata + "valid.asl.json"}, ExitOK, nil, ""},
		{"warnings only", []string{"lint", validateTestdata + "warnings-only.asl.json"}, ExitOK,
			[]string{"warnings-only.asl.json: States.Route: warning: ChoiceWithoutDefault: "}, ""},
		{"invalid", []string{"lint", validateTestdata + "valid.asl.json", validateTestdata + "unreachable.asl.json"}, ExitFailure,
			[]string{"unreachable.asl.json: States.Orphan: UnreachableState: "}, ""},
		{"syntax error", []string{"lint", validateTestdata + "syntax-error.asl.json"}, ExitFailure,
			[]string{"syntax-error.asl.json:5:3: SyntaxError: ", "\n      }\n      ^\n"}, ""},
		{"schema error", []string{"lint", validateTestdata + "schema-error.asl.json"}, ExitFailure,
			[]string{"schema-error.asl.json: States.A.End: SchemaError: "}, ""},
		{"express", []string{"lint", "--express", "testdata/lint/express-sync.asl.json"}, ExitFailure,
			[]string{"States.Run.Resource: ExpressUnsupportedIntegration: "}, ""},
		{"standard accepts .sync", []string{"lint", "testdata/lint/express-sync.asl.json"}, ExitOK, nil, ""},
		{"unreadable", []string{"lint", validateTestdata + "valid.asl.json", "testdata/lint/no-such-file.json"}, ExitUsage, nil, "no-such-file.json"},
		{"unreadable beats invalid", []string{"lint", validateTestdata + "unreachable.asl.json", "testdata/lint/no-such-file.json"}, ExitUsage,
			[]string{"UnreachableState"}, "no-such-file.json"},
		{"no files", []string{"lint"}, ExitUsage, nil, "no files"},
		{"pipeline", []string{"lint", "--stack", "dev"}, ExitOK, nil, ""},
		{"pipeline budgets", []string{"lint", "--stack", "prod", "--budgets"}, ExitOK,
			// The bounds move with the pipeline (workflow/pipeline's own
			// tests check them): here, that each kind of line is printed.
			[]string{"pipeline:prod: States.Failed: payload: up to ",
				" of 256 KiB), its input\n",
				"pipeline:prod: States.ParseRejection: payload: unbounded",
				"pipeline:prod: history: up to ",
				" of 25,000), along Versioned → ", " → Failed\n"}, ""},
		{"file budgets", []string{"lint", "--budgets", "testdata/lint/loop.asl.json"}, ExitOK,
			[]string{"loop.asl.json: States.Poll: warning: UnboundedLoop: the loop through Poll, Again",
				"loop.asl.json: history: up to 6 events or more (some part cannot be counted) (0% of 25,000), along Start → (loop Poll, Again) → Done",
				"loop.asl.json: States.Poll: payload: up to 14 bytes (0% of 256 KiB), its input\n"}, ""},
		{"stack and files", []string{"lint", "--stack", "dev", "x.json"}, ExitUsage, nil, "no files"},
		{"unknown stack", []string{"lint", "--stack", "qa"}, ExitUsage, nil, "unknown --stack"},
		{"bad flag", []string{"lint", "--nope", "x.json"}, ExitUsage, nil, "-nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, "", tt.args...)
			if ExitCode(code) != tt.wantCode {
				t.Errorf("exit code: want %d, got %d\nstdout:\n%s\nstderr:\n%s", tt.wantCode, code, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.wantOut == nil && tt.wantCode == ExitOK && out != "" {
				t.Errorf("want no output, got:\n%s", out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, errOut)
			}
		})
	}
}

func TestLintMustShowFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(validateTestdata + "*.asl.json")
	if err != nil || len(files) < 12 {
		t.Fatalf("want the validator's testdata, got %d files (%v)", len(files), err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		want := ExitFailure
		if base == "valid.asl.json" || base == "warnings-only.asl.json" {
			want = ExitOK
		}
		if code, out, _ := runCLI(t, "", "lint", f); ExitCode(code) != want {
			t.Errorf("%s: exit code: want %d, got %d\n%s", base, want, code, out)
		}
	}
}

func TestLintJSON(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "lint", "--json", validateTestdata+"negative-wait.asl.json", validateTestdata+"syntax-error.asl.json")
	if ExitCode(code) != ExitFailure {
		t.Errorf("exit code: want %d, got %d", ExitFailure, code)
	}
	var got []lintResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	for i := range got {
		got[i].Message = ""
	}
	want := []lintResult{
		{File: validateTestdata + "negative-wait.asl.json", Path: "States.Pause.Seconds", State: "Pause", Code: "NegativeWait", Severity: "error", Line: 4, Col: 42},
		{File: validateTestdata + "syntax-error.asl.json", Code: "SyntaxError", Severity: "error", Line: 5, Col: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLintJSONEmpty(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "lint", validateTestdata+"valid.asl.json", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("want exit 0 and [], got %d and %q", code, out)
	}
}

func TestLintStdin(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(validateTestdata + "next-and-end.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, string(b), "lint", "-")
	if ExitCode(code) != ExitFailure || !strings.Contains(out, "-: States.A.End: NextAndEnd: ") {
		t.Errorf("got %d:\n%s", code, out)
	}
}

// TestLintGolden keeps the whole text output for the validator's testdata
// under review: messages may change, but only on purpose (-update).
func TestLintGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(validateTestdata + "*.asl.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	_, out, _ := runCLI(t, "", append([]string{"lint"}, files...)...)
	golden.Check(t, "testdata/lint/testdata.golden", []byte(out))
	_, out, _ = runCLI(t, "", append([]string{"lint", "--json"}, files...)...)
	golden.Check(t, "testdata/lint/testdata.json.golden", []byte(out))
}
