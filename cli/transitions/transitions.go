package transitions

import (
	"strings"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

// taskStateEntered is the event of entering a Task state.
const taskStateEntered engine.EventType = "TaskStateEntered"

// Count is the transitions of one execution.
type Count struct {
	// Parent counts the transitions of the execution itself: the states
	// it entered outside any Distributed Map's ItemProcessor, and their
	// task retries.
	Parent int `json:"parent"`
	// Children counts the transitions of the Distributed Maps' child
	// executions (the states entered in their ItemProcessors and their
	// retries), over all of them.
	Children int `json:"children"`
	// ChildExecutions counts the Distributed Maps' child executions (for
	// Sluice, the chunks loaded through the map).
	ChildExecutions int `json:"childExecutions"`
	// ChildType is the ExecutionType of the Distributed Maps' children
	// (STANDARD or EXPRESS; "" when the machine has no Distributed Map).
	ChildType string `json:"childType,omitempty"`
}

// Billed returns the transitions billed at the Standard rate: the
// parent's, plus the children's when they run as STANDARD executions
// (EXPRESS children are billed by requests and duration instead).
func (c Count) Billed() int {
	if c.ChildType == "STANDARD" {
		return c.Parent + c.Children
	}
	return c.Parent
}

// Of counts the transitions of an execution of machine from its history.
// A state entered counts once; a task scheduled again in the same entry
// (a retry) counts once more.
func Of(machine *asl.StateMachine, h engine.History) Count {
	child := map[string]bool{}   // states inside a Distributed Map's ItemProcessor
	mapOf := map[string]string{} // Distributed Map name -> its ExecutionType
	var c Count
	var walk func(states asl.States, inChild bool)
	walk = func(states asl.States, inChild bool) {
		for _, ns := range states {
			if inChild {
				child[ns.Name] = true
			}
			switch s := ns.State.(type) {
			case *asl.Parallel:
				for _, b := range s.Branches {
					walk(b.States, inChild)
				}
			case *asl.Map:
				p := s.Processor()
				if p == nil {
					continue
				}
				if s.Distributed() {
					mapOf[ns.Name] = strings.ToUpper(p.ProcessorConfig.ExecutionType)
					if c.ChildType == "" || mapOf[ns.Name] == "STANDARD" {
						c.ChildType = mapOf[ns.Name]
					}
				}
				walk(p.States, inChild || s.Distributed())
			}
		}
	}
	walk(machine.States, false)

	// Per part (parent, children): states entered, task entries, and
	// tasks scheduled; a scheduled task beyond one per entry is a retry.
	// An event belongs to the part of the event before it in its thread
	// (PreviousEventID), a state entered to the part of its state.
	var entered, tasks, scheduled [2]int
	partOf := make(map[int64]int, len(h))
	for _, e := range h {
		part := partOf[e.PreviousEventID]
		if d := e.StateEnteredEventDetails; d != nil {
			part = 0
			if child[d.Name] {
				part = 1
			}
			entered[part]++
			if e.Type == taskStateEntered {
				tasks[part]++
			}
		}
		partOf[e.ID] = part
		switch e.Type {
		case engine.LambdaFunctionScheduled, engine.TaskScheduled:
			scheduled[part]++
		case engine.MapIterationStarted:
			if d := e.MapIterationStartedEventDetails; d != nil {
				if _, ok := mapOf[d.Name]; ok {
					c.ChildExecutions++
				}
			}
		}
	}
	c.Parent = entered[0] + max(scheduled[0]-tasks[0], 0)
	c.Children = entered[1] + max(scheduled[1]-tasks[1], 0)
	return c
}
