package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/sluicehq/sluice/internal/modroot"
)

// Env names the environment variable that overrides the corpus folder.
const Env = "SLUICE_CONFORMANCE"

// EventsEnv names the environment variable that overrides the folder of
// the EventBridge event-pattern corpus.
const EventsEnv = "SLUICE_EVENTS_CONFORMANCE"

// Dir returns the corpus folder: $SLUICE_CONFORMANCE, else
// ../shared/conformance/asl relative to the repository root (the folder of
// go.mod above the working directory). Where that folder has no cases/,
// the test fails when CI=true and is skipped otherwise.
func Dir(tb testing.TB) string {
	tb.Helper()
	return DirOf(tb, Env, "asl")
}

// EventsDir returns the event-pattern corpus folder: $SLUICE_EVENTS_CONFORMANCE,
// else ../shared/conformance/events, found, failed or skipped as Dir.
func EventsDir(tb testing.TB) string {
	tb.Helper()
	return DirOf(tb, EventsEnv, "events")
}

// DirOf returns the folder named by the environment variable env, else
// ../shared/conformance/<name> relative to the repository root. Where that
// folder has no cases/, the test fails when CI=true and is skipped
// otherwise.
func DirOf(tb testing.TB, env, name string) string {
	tb.Helper()
	dir, err := Find(env, name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("conformance corpus not found at %s (set %s): %v", dir, env, err)
		}
		tb.Skipf("conformance corpus not found at %s (set %s): %v", dir, env, err)
	}
	return dir
}

// Find returns the folder named by the environment variable env, else
// ../shared/conformance/<name> relative to the repository root, and an
// error when it has no cases/ folder.
func Find(env, name string) (string, error) {
	dir := os.Getenv(env)
	if dir == "" {
		root, err := modroot.Dir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "conformance", name)
	}
	if _, err := os.Stat(filepath.Join(dir, "cases")); err != nil {
		return dir, err
	}
	return dir, nil
}

// Files returns the case files of the corpus in dir (cases/*/*.json),
// sorted.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "cases", "*", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}

// Case is one recorded execution. JSON values stay raw so that each test
// decodes them as it needs (the engine's way is json.Decoder.UseNumber).
type Case struct {
	// Name names the case.
	Name string `json:"name"`
	// Definition is the state machine's ASL.
	Definition json.RawMessage `json:"definition"`
	// Input is the execution input.
	Input json.RawMessage `json:"input"`
	// Expect is what Step Functions recorded.
	Expect Expect `json:"expect"`
	// Tasks holds canned task results, in engine/mock.ParseTasks's format.
	Tasks json.RawMessage `json:"tasks"`
	// Tags group cases for the reports.
	Tags []string `json:"tags"`
	// Meta describes the recording.
	Meta struct {
		// ExecutionType is "STANDARD" or "EXPRESS".
		ExecutionType string `json:"execution_type"`
	} `json:"meta"`
	// Ignore lists JSON Pointers (into Expect) to fields that vary from run
	// to run; they must be present but are not compared.
	Ignore []string `json:"ignore"`
	// JSONStrings lists JSON Pointers to strings holding JSON, compared as
	// the values they encode.
	JSONStrings []string `json:"json_strings"`
}

// Expect is the recorded outcome of a case.
type Expect struct {
	// Status is the execution status: "SUCCEEDED", "FAILED", ….
	Status string `json:"status"`
	// Output is the execution output of a success.
	Output json.RawMessage `json:"output"`
	// Error is the error name of a failure (a JSON string or null).
	Error json.RawMessage `json:"error"`
	// Cause is the cause of a failure (a JSON string or null).
	Cause json.RawMessage `json:"cause"`
}

// ErrorName returns Error as a string: "" when it is absent, null or not a
// string.
func (e Expect) ErrorName() string { return rawString(e.Error) }

// CauseText returns Cause as a string: "" when it is absent, null or not a
// string.
func (e Expect) CauseText() string { return rawString(e.Cause) }

func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Read reads the case in file.
func Read(file string) (*Case, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c Case
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &c, nil
}
