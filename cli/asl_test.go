package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestASL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode ExitCode
		golden   string
		wantIn   string
	}{
		{"default dev", []string{"asl"}, ExitOK, "../workflow/pipeline/testdata/dev.asl.json", ""},
		{"dev", []string{"asl", "--stack", "dev"}, ExitOK, "../workflow/pipeline/testdata/dev.asl.json", ""},
		{"prod", []string{"asl", "--stack=prod"}, ExitOK, "../workflow/pipeline/testdata/prod.asl.json", ""},
		{"compact", []string{"asl", "--compact"}, ExitOK, "", `{"Comment":"Sluice`},
		{"resources", []string{"asl", "--resources", "--stack", "prod"}, ExitOK, "", `"lambda:InvokeFunction"`},
		{"unknown stack", []string{"asl", "--stack", "staging"}, ExitUsage, "", ""},
		{"argument", []string{"asl", "x"}, ExitUsage, "", ""},
		{"bad flag", []string{"asl", "--nope"}, ExitUsage, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := Run(tt.args, strings.NewReader(""), &out, &errb)
			if ExitCode(code) != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errb.String())
			}
			if tt.golden != "" {
				want, err := os.ReadFile(tt.golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(want, out.Bytes()) {
					t.Errorf("output differs from %s", tt.golden)
				}
			}
			if tt.wantIn != "" && !strings.Contains(out.String(), tt.wantIn) {
				t.Errorf("output lacks %q:\n%.300s", tt.wantIn, out.String())
			}
			if tt.wantCode == ExitOK && !json.Valid(out.Bytes()) {
				t.Error("output is not JSON")
			}
		})
	}
}

// TestASLBatch prints the batch machine: the golden batch ASL of the stack.
func TestASLBatch(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		code, stdout, stderr := runCLI(t, "", "asl", "--batch", "--stack", stack)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", stack, code, stderr)
		}
		golden, err := os.ReadFile(filepath.Join("..", "workflow", "pipeline", "testdata", "batch-"+stack+".asl.json"))
		if err != nil {
			t.Fatal(err)
		}
		if stdout != string(golden) {
			t.Errorf("%s: sluice asl --batch is not workflow/pipeline/testdata/batch-%s.asl.json", stack, stack)
		}
	}
}
