package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/outcomeschema"
)

// TestEventsOutbox: after sluice run, sluice events outbox prints each
// file's outcome event as a rule's target receives it (each follows the
// JSON Schema), and --pattern keeps only what a rule with that pattern
// would receive: docs/patterns/rejected-orders.json, the pattern docs/events.md
// shows, selects the rejected orders file and not the loaded customers.
func TestEventsOutbox(t *testing.T) {
	state := t.TempDir()
	root := filepath.Join("..")
	code, out, stderr := runCLI(t, "", "run", "--fast", "--state-dir", state,
		filepath.Join(root, "examples", "customers", "customers.csv"), filepath.Join(root, "examples", "orders", "orders_bad.csv"))
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"    event: LOADED published on the outcome bus", "    event: REJECTED published on the outcome bus", "\nevents: "} {
		if !strings.Contains(out, want) {
			t.Errorf("run's output lacks %q:\n%s", want, out)
		}
	}
	statuses := func(args ...string) []string {
		t.Helper()
		code, out, stderr := runCLI(t, "", append([]string{"events", "outbox", "--state-dir", state}, args...)...)
		if code != 0 {
			t.Fatalf("events outbox %v: exit %d: %s", args, code, stderr)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			if err := outcomeschema.Validate([]byte(line)); err != nil {
				t.Errorf("%s: %v", line, err)
			}
			var ev struct {
				Detail struct{ Dataset, Status string }
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.Detail.Dataset+" "+ev.Detail.Status)
		}
		return got
	}
	if got := statuses(); strings.Join(got, ", ") != "customers LOADED, orders REJECTED" {
		t.Errorf("outbox: %q", got)
	}
	if got := statuses("--pattern", filepath.Join(root, "docs", "patterns", "rejected-orders.json")); strings.Join(got, ", ") != "orders REJECTED" {
		t.Errorf("outbox --pattern: %q", got)
	}
	if got := statuses("--state-dir", t.TempDir()); len(got) != 0 {
		t.Errorf("an empty state: %q", got)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"detail": {"status": "REJECTED"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "events", "outbox", "--state-dir", state, "--pattern", bad); code != int(ExitFailure) || !strings.Contains(stderr, "InvalidEventPatternException") {
		t.Errorf("a pattern EventBridge refuses: exit %d, %s", code, stderr)
	}
}
