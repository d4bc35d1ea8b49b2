package workflow

import (
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// Chainable is anything that can be placed in a graph: a state or a Chain.
type Chainable interface {
	// StartState is the state that runs first.
	StartState() State
	// EndStates are the open ends, which a following Next connects. Terminal
	// states (Succeed, Fail) and Choice have none.
	EndStates() []Nextable
}

// Nextable is a Chainable whose open end can be connected to what runs next.
type Nextable interface {
	Chainable
	// Next sets the state that runs after this one and returns the chain
	// from this state to next's open ends.
	Next(next Chainable) *Chain
}

// State is one state of a graph. The concrete types are *Task, *Pass,
// *Wait, *Choice, *Parallel, *Map, *Succeed and *Fail.
type State interface {
	Chainable
	// Name is the state's name, unique in the whole machine.
	Name() string
	base() *stateBase
	build(c *compiler, path string) asl.State
}

// stateBase holds what every builder state has.
type stateBase struct {
	self State
	name string
	// next is the state after this one, for states that have Next.
	next State
	// misuse records builder mistakes, reported by Compile.
	misuse []validate.Issue
}

// Name returns the state's name.
func (b *stateBase) Name() string { return b.name }

// StartState returns the state itself.
func (b *stateBase) StartState() State { return b.self }

func (b *stateBase) base() *stateBase { return b }

func (b *stateBase) record(code, format string, args ...any) {
	b.misuse = append(b.misuse, validate.Issue{State: b.name, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// flow gives Next to the states that have it (Task, Pass, Wait, Parallel,
// Map).
type flow struct{ *stateBase }

// EndStates returns the state itself: its Next is open until set.
func (f flow) EndStates() []Nextable { return []Nextable{f.self.(Nextable)} }

// Next sets the state to run after this one. Calling it twice is recorded as
// misuse (CodeSecondNext) and the second target is ignored.
func (f flow) Next(next Chainable) *Chain {
	if next == nil || next.StartState() == nil {
		f.record(CodeNilState, "Next(nil)")
		return &Chain{start: f.self, ends: f.EndStates()}
	}
	if f.next != nil {
		f.record(CodeSecondNext, "Next(%q) called after Next(%q)", next.StartState().Name(), f.next.Name())
	} else {
		f.next = next.StartState()
	}
	return &Chain{start: f.self, ends: next.EndStates()}
}

// Chain is a sequence of states: a start state plus the open ends that a
// following Next connects.
type Chain struct {
	start State
	ends  []Nextable
}

// NewChain starts a chain at c.
func NewChain(c Chainable) *Chain {
	if c == nil {
		return &Chain{}
	}
	return &Chain{start: c.StartState(), ends: c.EndStates()}
}

// StartState returns the chain's first state.
func (c *Chain) StartState() State { return c.start }

// EndStates returns the chain's open ends.
func (c *Chain) EndStates() []Nextable { return c.ends }

// Next connects every open end of the chain to next and returns the longer
// chain. Chaining after a chain with no open ends (it ends in Succeed, Fail
// or a Choice without Afterwards) is recorded as misuse.
func (c *Chain) Next(next Chainable) *Chain {
	if c.start == nil {
		return NewChain(next)
	}
	if next == nil || next.StartState() == nil {
		c.start.base().record(CodeNilState, "Next(nil)")
		return c
	}
	if len(c.ends) == 0 {
		c.start.base().record(CodeNextAfterTerminal, "chain from %q has no open end to connect %q to (it ends in a terminal state or a Choice)", c.start.Name(), next.StartState().Name())
	}
	for _, e := range c.ends {
		e.Next(next)
	}
	return &Chain{start: c.start, ends: next.EndStates()}
}
