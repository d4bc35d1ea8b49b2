package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/engine/mock"
	"github.com/sluicehq/sluice/internal/golden"
)

// TestCases runs the data-driven cases in testdata/cases: NAME.asl.json with
// NAME.input.json and optional NAME.mocks.json. The golden NAME.golden holds
// the result and the history (id, previous id, type, state); run with
// -update to rewrite it.
func TestCases(t *testing.T) {
	t.Parallel()
	defs, err := filepath.Glob("testdata/cases/*.asl.json")
	if err != nil || len(defs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, def := range defs {
		name := strings.TrimSuffix(filepath.Base(def), ".asl.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := filepath.Join("testdata", "cases", name)
			src, err := os.ReadFile(def)
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.ReadFile(base + ".input.json")
			if err != nil {
				t.Fatal(err)
			}
			opts := []engine.Option{engine.WithMaxConcurrency(1)}
			if b, err := os.ReadFile(base + ".mocks.json"); err == nil {
				inv, err := mock.ParseTasks(b)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, engine.WithInvoker(inv))
			}
			eng, err := engine.New(mustMachine(t, string(src)), opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Run(context.Background(), mustJSON(t, string(in)), engine.WithExecutionName("case"),
				engine.WithClock(engine.NewVirtualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))))
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, base+".golden", trace(t, res))
		})
	}
}

// trace renders a result and its history for a golden file.
func trace(t *testing.T, res engine.Result) []byte {
	t.Helper()
	var b strings.Builder
	out, err := json.Marshal(map[string]any{"status": res.Status, "output": res.Output, "error": res.Error, "cause": res.Cause})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%s\n", out)
	start := res.History[0].Timestamp
	for _, e := range res.History {
		name := ""
		switch {
		case e.StateEnteredEventDetails != nil:
			name = e.StateEnteredEventDetails.Name
		case e.StateExitedEventDetails != nil:
			name = e.StateExitedEventDetails.Name
		case e.MapIterationStartedEventDetails != nil:
			name = fmt.Sprintf("%s[%d]", e.MapIterationStartedEventDetails.Name, e.MapIterationStartedEventDetails.Index)
		case e.TaskFailedEventDetails != nil:
			name = *e.TaskFailedEventDetails.Error
		case e.LambdaFunctionFailedDetails != nil:
			name = *e.LambdaFunctionFailedDetails.Error
		}
		fmt.Fprintf(&b, "%3d %3d +%-4s %s %s\n", e.ID, e.PreviousEventID, e.Timestamp.Sub(start), e.Type, name)
	}
	return []byte(b.String())
}
