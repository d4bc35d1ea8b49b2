package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsNameTheirInput runs commands with a bad flag value or a
// missing input and checks the exit status and that the message names
// the flag and the value or file it is about, once under the command's
// name (not "sluice cost: cost: ..."). The reading commands given a
// state folder that does not exist say so and do not create it.
func TestErrorsNameTheirInput(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	// missing is removed before tmp (cleanups run last first), after the
	// check below.
	missing := filepath.Join(tmp, "no-such-state")
	orders := example("orders", "orders.csv")
	costArgs := []string{"cost", "--stack", "dev", "--files-per-day", "1", "--records-per-file", "1"}
	tests := []struct {
		name     string
		args     []string
		wantCode ExitCode
		want     string
	}{
		{"table scan: unknown dataset", []string{"table", "scan", "--dataset", "invoices", "--state-dir", tmp}, ExitUsage,
			`sluice table scan: --dataset: unknown dataset "invoices" (known: `},
		{"table scan: no state folder", []string{"table", "scan", "--dataset", "orders", "--state-dir", missing}, ExitFailure,
			"sluice table scan: --state-dir " + missing + ": no such folder: nothing has run there yet"},
		{"report: no state folder", []string{"report", "--list", "--state-dir", missing}, ExitFailure,
			"sluice report: --state-dir " + missing + ": no such folder"},
		{"run: unknown dataset", []string{"run", "--dataset", "invoices", "--state-dir", filepath.Join(tmp, "run"), orders}, ExitUsage,
			`sluice run: --dataset: unknown dataset "invoices" (known: `},
		{"transform: unknown dataset", []string{"transform", "--dataset", "invoices", orders}, ExitUsage,
			`sluice transform: --dataset: unknown dataset "invoices" (one of `},
		{"transform: -o in a missing folder", []string{"transform", "--dataset", "orders", "-o", filepath.Join(missing, "out.jsonl"), orders}, ExitUsage,
			"sluice transform: -o " + filepath.Join(missing, "out.jsonl") + ": "},
		{"cost: --project without Pulumi.yaml", append(costArgs, "--project", tmp), ExitUsage,
			"sluice cost: --project " + tmp + ": no Pulumi.yaml there\n"},
		{"cost: unknown stack", append(costArgs[:1:1], "--stack", "qa", "--files-per-day", "1", "--records-per-file", "1", "--project", ".."), ExitUsage,
			`sluice cost: unknown --stack "qa": .. has no Pulumi.qa.yaml (stacks: dev, prod)`},
		{"exec: --history in a missing folder", []string{"exec", "--definition", execTestdata + "retry.asl.json", "--history", filepath.Join(missing, "h.json")}, ExitFailure,
			"sluice exec: --history: open " + filepath.Join(missing, "h.json") + ": "},
		{"graph: unknown format", []string{"graph", "--format", "svg"}, ExitUsage, `sluice graph: unknown --format "svg"`},
		{"lint: no files", []string{"lint"}, ExitUsage, "sluice lint: no files given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, "", tt.args...)
			if ExitCode(code) != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", code, tt.wantCode, tt.want, stderr)
			}
			if cmd := strings.SplitN(stderr, ":", 2)[0]; strings.Count(stderr, ": "+strings.TrimPrefix(cmd, "sluice ")+": ") > 0 {
				t.Errorf("the command is named twice:\n%s", stderr)
			}
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		if _, err := os.Stat(missing); err == nil {
			t.Errorf("%s was created by a command that only reads it", missing)
		}
	})
}
