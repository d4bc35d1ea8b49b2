package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
)

// MaxPayloadSize is Step Functions' quota on a state's input or output, in
// bytes of UTF-8 JSON.
const MaxPayloadSize = 256 << 10

// MaxHistoryEvents is Step Functions' quota on the events of one Standard
// execution's history.
const MaxHistoryEvents = 25000

// Default retry attempts of a retrier without MaxAttempts.
const defaultMaxAttempts = 3

// Payload is the largest input or output a state can hold, as the
// data-flow analysis bounds it from the declared types (see Types).
type Payload struct {
	// Path and State locate the state.
	Path, State string
	// Bytes bounds the larger of the state's input and output, in bytes of
	// JSON; shape.Unbounded when some part of it has no known bound.
	Bytes int64
	// What says which it is: "input" or "output".
	What string
	// Largest names the member that makes most of it, with its bound; ""
	// when no one member makes half of it.
	Largest string
}

// Payloads returns the payload bound of every state the analysis reached,
// sorted by Path, or nil when the machine has an Error-severity issue
// (the analysis needs a valid machine).
func Payloads(m *asl.StateMachine, opts ...Option) []Payload {
	if m == nil {
		return nil
	}
	c := &checker{cfg: newConfig(opts), names: map[string]*stateInfo{}, assigned: map[string]bool{}}
	c.machine(m)
	if c.shapes == nil {
		return nil
	}
	out := make([]Payload, 0, len(c.shapes.sizes))
	for p, s := range c.shapes.sizes {
		pl := Payload{Path: p, State: s.name, Bytes: s.bytes, What: s.what}
		if s.bytes != shape.Unbounded {
			pl.Largest = largest(s.shape, "$")
		}
		out = append(out, pl)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// budgets checks the static payload and history budgets.
func (c *checker) budgets(m *asl.StateMachine, f *flowAnalysis) {
	c.payloadBudget(f)
	h := &history{c: c, items: f.items}
	c.history = h.machine("", &asl.Graph{StartAt: m.StartAt, States: m.States})
}

// HistoryBound is the most history events a path through an execution
// can emit, as the history budget counts them.
type HistoryBound struct {
	// Events counts the events of the longest path; a lower bound when
	// Unknown.
	Events int64
	// Unknown is set when some part could not be counted: a loop with no
	// declared bound, an inline Map whose number of items is unknown.
	Unknown bool
	// Path lists the states of the longest path (loops and Maps
	// annotated).
	Path []string
}

// History returns the history bound of m's execution (its Distributed
// Maps' child executions are counted on their own), and false when m has
// an Error-severity issue.
func History(m *asl.StateMachine, opts ...Option) (HistoryBound, bool) {
	if m == nil {
		return HistoryBound{}, false
	}
	c := &checker{cfg: newConfig(opts), names: map[string]*stateInfo{}, assigned: map[string]bool{}}
	c.machine(m)
	if c.shapes == nil {
		return HistoryBound{}, false
	}
	return HistoryBound{Events: c.history.n, Unknown: c.history.unknown, Path: c.history.path}, true
}

// payloadBudget warns about each state whose input or output can exceed
// MaxPayloadSize, naming its largest member.
func (c *checker) payloadBudget(f *flowAnalysis) {
	paths := make([]string, 0, len(f.sizes))
	for p := range f.sizes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		s := f.sizes[p]
		if s.bytes == shape.Unbounded || s.bytes <= MaxPayloadSize {
			continue
		}
		msg := fmt.Sprintf("the state's %s can be up to %d bytes, over the 256 KiB (%d bytes) payload quota", s.what, s.bytes, MaxPayloadSize)
		if part := largest(s.shape, "$"); part != "" {
			msg += "; the largest part is " + part
		}
		c.warnf(p, s.name, CodePayloadTooLarge, "%s", msg)
	}
}

// largest names the member that makes most of s's size.
func largest(s *shape.Shape, at string) string {
	for s != nil {
		total := s.Size()
		switch s.Kind {
		case shape.Object:
			best, bestN := "", int64(-1)
			for _, k := range s.Names() {
				if n := s.Fields[k].Shape.Size(); n > bestN {
					best, bestN = k, n
				}
			}
			if best == "" || bestN*2 < total {
				if at == "$" {
					return "" // no one member makes half of it
				}
				return fmt.Sprintf("%s (up to %d bytes)", at, total)
			}
			at += "." + best
			s = s.Fields[best].Shape
		case shape.Array:
			return fmt.Sprintf("%s (up to %d items of up to %d bytes)", at, s.MaxItems, s.Elem.Size())
		default:
			return fmt.Sprintf("%s (up to %d bytes)", at, total)
		}
	}
	return at
}

// history counts, per graph, the most history events a path through it can
// emit, the way Step Functions records them: a state's entered and exited
// events, a task's scheduled/started/succeeded events and three more per
// retry attempt, a Parallel's branches and an inline Map's iterations in
// the parent's history. A Distributed Map's iterations are child
// executions with histories of their own.
type history struct {
	c     *checker
	items map[string]int64 // inline Map path -> most items; absent: unknown
}

// count is a number of events: a known lower bound, and whether some part
// could not be counted (an unbounded loop, a Map with no known item count).
type count struct {
	n       int64
	unknown bool
	path    []string // the states of the longest path, for the message
}

func (a count) plus(b count) count {
	return count{n: a.n + b.n, unknown: a.unknown || b.unknown, path: append(append([]string{}, a.path...), b.path...)}
}

// machine checks the graph of an execution (the machine, or a Distributed
// Map's child) against MaxHistoryEvents.
func (h *history) machine(prefix string, g *asl.Graph) count {
	total := h.graph(prefix, g)
	const executionEvents = 2 // ExecutionStarted, ExecutionSucceeded/Failed
	total.n += executionEvents
	// Express executions have no history quota.
	if total.n > MaxHistoryEvents && !h.c.cfg.express {
		where := "the execution"
		if prefix != "" {
			where = "each child execution of " + strings.TrimSuffix(prefix, ".")
		}
		h.c.warnf(strings.TrimSuffix(prefix, "."), "", CodeHistoryTooLong, "%s can emit %d history events or more, over the %d quota, along %s",
			where, total.n, MaxHistoryEvents, strings.Join(total.path, " → "))
	}
	return total
}

// graph returns the longest path's events through g.
func (h *history) graph(prefix string, g *asl.Graph) count {
	byName := map[string]asl.State{}
	var order []string
	for _, ns := range g.States {
		if _, dup := byName[ns.Name]; !dup && ns.State != nil {
			byName[ns.Name] = ns.State
			order = append(order, ns.Name)
		}
	}
	if _, ok := byName[g.StartAt]; !ok {
		return count{}
	}
	succ := map[string][]string{}
	weight := map[string]count{}
	for _, name := range order {
		st := byName[name]
		weight[name] = h.state(prefix+"States."+name, name, st)
		for _, to := range transitions(st) {
			if _, ok := byName[to]; ok {
				succ[name] = append(succ[name], to)
			}
		}
	}
	comp := sccs(order, succ)
	// Collapse each loop into one weighted node.
	compWeight := map[int]count{}
	members := map[int][]string{}
	for _, name := range order {
		members[comp[name]] = append(members[comp[name]], name)
	}
	for id, names := range members {
		var w count
		for _, n := range names {
			w = w.plus(weight[n])
		}
		loop := len(names) > 1 || contains(succ[names[0]], names[0])
		if loop {
			bound := 0
			for _, n := range names {
				if b := h.c.cfg.types.MaxIterations[n]; b > 0 && (bound == 0 || b < bound) {
					bound = b
				}
			}
			if bound == 0 {
				h.c.warnf(prefix+"States."+names[0], names[0], CodeUnboundedLoop,
					"the loop through %s has no declared bound on its iterations, so its history events cannot be counted (declare one with the workflow builder's MaxIterations)",
					strings.Join(names, ", "))
				w = count{unknown: true, path: []string{"(loop " + strings.Join(names, ", ") + ")"}}
			} else {
				w = count{n: w.n * int64(bound), unknown: w.unknown, path: []string{fmt.Sprintf("(loop %s ×%d)", strings.Join(names, ", "), bound)}}
			}
		}
		compWeight[id] = w
	}
	// Longest path over the condensation (a DAG), memoized.
	memo := map[int]*count{}
	var longest func(id int) count
	longest = func(id int) count {
		if m := memo[id]; m != nil {
			return *m
		}
		best := count{}
		for _, n := range members[id] {
			for _, to := range succ[n] {
				if comp[to] == id {
					continue
				}
				if c := longest(comp[to]); c.n > best.n || (best.path == nil && c.path != nil) {
					best = c
				}
			}
		}
		out := compWeight[id].plus(best)
		memo[id] = &out
		return out
	}
	return longest(comp[g.StartAt])
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// transitions lists every state st can go to: Next, Choices, Default and
// Catch.
func transitions(st asl.State) []string {
	var out []string
	if f, ok := st.(asl.Flower); ok && f.Flow().Next != "" {
		out = append(out, f.Flow().Next)
	}
	if c, ok := st.(*asl.Choice); ok {
		for _, r := range c.Choices {
			if r.Next != "" {
				out = append(out, r.Next)
			}
		}
		if c.Default != "" {
			out = append(out, c.Default)
		}
	}
	if hd, ok := st.(asl.Handler); ok {
		for _, c := range hd.Handling().Catch {
			out = append(out, c.Next)
		}
	}
	return out
}

// state returns the events one run of st emits.
func (h *history) state(p, name string, st asl.State) count {
	one := func(n int64) count { return count{n: n, path: []string{name}} }
	switch s := st.(type) {
	case *asl.Task:
		// Entered, Scheduled, Started, Succeeded, Exited; each retry
		// attempt adds Scheduled, Started and Failed.
		return one(5 + 3*attempts(s.Retry))
	case *asl.Fail:
		return one(1)
	case *asl.Parallel:
		c := one(4 + 3*attempts(s.Retry))
		for i := range s.Branches {
			b := h.graph(fmt.Sprintf("%s.Branches[%d].", p, i), &s.Branches[i])
			c.n += b.n
			c.unknown = c.unknown || b.unknown
		}
		return c
	case *asl.Map:
		proc := s.Processor()
		field := "ItemProcessor"
		if s.ItemProcessor == nil {
			field = "Iterator"
		}
		if proc == nil {
			return one(4)
		}
		if s.Distributed() {
			// Entered, Started, MapRunStarted, MapRunSucceeded, Succeeded,
			// Exited; each child execution has its own history (Express
			// children have no history quota).
			if proc.ProcessorConfig == nil || !strings.EqualFold(proc.ProcessorConfig.ExecutionType, "EXPRESS") {
				h.machine(p+"."+field+".", proc)
			}
			return one(6 + 3*attempts(s.Retry))
		}
		iter := h.graph(p+"."+field+".", proc)
		c := one(4 + 3*attempts(s.Retry))
		items, ok := h.items[p]
		if !ok {
			c.unknown = true
			return c
		}
		// IterationStarted and IterationSucceeded per item.
		c.n += items * (2 + iter.n)
		c.unknown = c.unknown || iter.unknown
		c.path = []string{fmt.Sprintf("%s (×%d items)", name, items)}
		return c
	}
	return one(2)
}

// attempts is the most retry attempts of a retrier list.
func attempts(rs []asl.Retrier) int64 {
	var n int64
	for _, r := range rs {
		if r.MaxAttempts == nil {
			n += defaultMaxAttempts
		} else if *r.MaxAttempts > 0 {
			n += *r.MaxAttempts
		}
	}
	return n
}

// sccs returns the strongly connected component of each node (Tarjan).
func sccs(nodes []string, succ map[string][]string) map[string]int {
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	comp := map[string]int{}
	next, ncomp := 0, 0
	var visit func(v string)
	visit = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range succ[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = ncomp
				if w == v {
					break
				}
			}
			ncomp++
		}
	}
	for _, v := range nodes {
		if _, seen := index[v]; !seen {
			visit(v)
		}
	}
	return comp
}
