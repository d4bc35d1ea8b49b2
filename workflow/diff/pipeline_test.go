package diff_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/diff"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// pipelineMachine compiles the real pipeline afresh (each call returns an
// independent value that a test may edit).
func pipelineMachine(t *testing.T) *asl.StateMachine {
	t.Helper()
	c, err := pipeline.Synthetic("dev")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ASL()
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func state[T asl.State](t *testing.T, m *asl.StateMachine, name string) T {
	t.Helper()
	s, ok := m.States.Get(name)
	if !ok {
		t.Fatalf("pipeline has no state %q", name)
	}
	v, ok := s.(T)
	if !ok {
		t.Fatalf("state %q is a %T", name, s)
	}
	return v
}

// TestPipelineVersions diffs edited versions of the real pipeline, as a
// pull request would change it, against golden Markdown.
func TestPipelineVersions(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, m *asl.StateMachine)
	}{
		{"pipeline_retry_changed", func(t *testing.T, m *asl.StateMachine) {
			load := state[*asl.Task](t, m, "Load")
			six := int64(6)
			load.Retry[0].MaxAttempts = &six
		}},
		{"pipeline_state_added", func(t *testing.T, m *asl.StateMachine) {
			// An audit step between Transform and Route.
			tr := state[*asl.Task](t, m, "Transform")
			tr.Next = "Audit"
			m.States = append(m.States, asl.NamedState{Name: "Audit", State: &asl.Pass{
				Result:     []byte(`{"audited":true}`),
				ResultPath: asl.NewPath("$.audit"),
				Transition: asl.Transition{Next: "Route"},
			}})
		}},
		{"pipeline_state_renamed", func(t *testing.T, m *asl.StateMachine) {
			for i, ns := range m.States {
				if ns.Name == "Load" {
					m.States[i].Name = "LoadItems"
				}
			}
			state[*asl.Choice](t, m, "Route").Default = "LoadItems"
			state[*asl.Task](t, m, "Enrich").Next = "LoadItems"
		}},
		{"pipeline_choice_changed", func(t *testing.T, m *asl.StateMachine) {
			route := state[*asl.Choice](t, m, "Route")
			for i, r := range route.Choices {
				if r.Operator == asl.NumericGreaterThan {
					route.Choices[i].Value = []byte("4")
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, head := pipelineMachine(t), pipelineMachine(t)
			tt.edit(t, head)
			r := diff.Machines(base, head)
			if r.Equal() {
				t.Fatal("the edit produced no difference")
			}
			var md bytes.Buffer
			if err := r.Markdown(&md); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".md"), md.Bytes())
		})
	}
	if r := diff.Machines(pipelineMachine(t), pipelineMachine(t)); !r.Equal() {
		t.Errorf("the pipeline differs from itself: %+v", r.Changes)
	}
}
