package diff_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/diff"
)

func load(t *testing.T, name string) *asl.StateMachine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestMachinesGolden(t *testing.T) {
	tests := []struct {
		name      string
		head      string
		wantKinds []diff.Kind
	}{
		{"retry changed", "retry_changed", []diff.Kind{diff.Modified}},
		{"state added", "state_added", []diff.Kind{diff.Added, diff.Modified}},
		{"state renamed", "state_renamed", []diff.Kind{diff.Renamed}},
		{"choice rule changed", "choice_changed", []diff.Kind{diff.Modified}},
	}
	base := load(t, "base.asl.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diff.Machines(base, load(t, tt.head+".asl.json"))
			var kinds []diff.Kind
			for _, c := range r.Changes {
				kinds = append(kinds, c.Kind)
			}
			if d := cmp.Diff(tt.wantKinds, kinds); d != "" {
				t.Errorf("change kinds (-want +got):\n%s", d)
			}
			var md, txt bytes.Buffer
			if err := r.Markdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.Text(&txt); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.head+".md"), md.Bytes())
			golden.Check(t, filepath.Join("testdata", tt.head+".txt"), txt.Bytes())
		})
	}
}

func TestRenameIsNotAddPlusRemove(t *testing.T) {
	r := diff.Machines(load(t, "base.asl.json"), load(t, "state_renamed.asl.json"))
	if len(r.Changes) != 1 || r.Changes[0].From != "Load" || r.Changes[0].State != "LoadItems" {
		t.Fatalf("want one rename Load -> LoadItems, got %+v", r.Changes)
	}
	// Transitions that only follow the rename are not reported as changes.
	if len(r.Changes[0].Fields) != 0 {
		t.Errorf("renamed state should have no field changes, got %+v", r.Changes[0].Fields)
	}
}

func TestRetryLabelledByErrorName(t *testing.T) {
	r := diff.Machines(load(t, "base.asl.json"), load(t, "retry_changed.asl.json"))
	var md bytes.Buffer
	_ = r.Markdown(&md)
	if !strings.Contains(md.String(), "`Retry[Lambda.ServiceException]`: now retries up to 6 times instead of 3") {
		t.Errorf("markdown does not read like a reviewer's summary:\n%s", md.String())
	}
}

func TestEqual(t *testing.T) {
	m := load(t, "base.asl.json")
	if r := diff.Machines(m, load(t, "base.asl.json")); !r.Equal() {
		t.Errorf("identical machines differ: %+v", r.Changes)
	}
}
