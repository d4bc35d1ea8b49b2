package graph

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// chart is the format-neutral drawing: nested graphs of nodes, and edges.
type chart struct {
	root    *view
	edges   []arrow
	missing []*node // targets that name no state
	visited map[string]bool
}

// view is a machine, a Parallel branch or a Map processor.
type view struct {
	id    string // prefix of the start and end markers
	label string // "" for the machine
	items []item // nodes and nested clusters in document order
	start string // id of the StartAt state, "" if unknown
	ends  bool   // some state ends the graph: draw the end marker
}

// item is a node, or a Parallel/Map cluster with its branches.
type item struct {
	node     *node
	cluster  *node // the Parallel or Map state
	branches []*view
}

// node is one state.
type node struct {
	id    string
	name  string
	kind  asl.StateType
	state asl.State
}

// arrow is one edge. Edges from or to a Parallel/Map state have fromCluster
// or toCluster set: Mermaid links the subgraph itself, dot links a marker
// inside the cluster.
type arrow struct {
	from, to   string
	label      string
	dashed     bool
	fromMarker string // for dot: the end marker of the first branch
	toMarker   string // for dot: the start marker of the first branch
	fromCl     bool
	toCl       bool
}

type builder struct {
	n        int
	chart    *chart
	global   map[string]*node // first state of each name
	clusters map[string]*view // first branch of each cluster id
	pending  []pendingEdges
}

type pendingEdges struct {
	n     *node
	local map[string]*node
}

func build(m *asl.StateMachine, visited map[string]bool) *chart {
	b := &builder{chart: &chart{visited: visited}, global: map[string]*node{}, clusters: map[string]*view{}}
	if m == nil {
		m = &asl.StateMachine{}
	}
	b.chart.root = b.view("g", "", m.StartAt, m.States)
	for _, p := range b.pending {
		b.edges(p.n, p.local)
	}
	return b.chart
}

func (b *builder) view(id, label, startAt string, states asl.States) *view {
	// A branch always has its end marker: dot routes the edges leaving
	// the Parallel or Map state from the first branch's one.
	v := &view{id: id, label: label, ends: label != ""}
	local := map[string]*node{}
	for _, ns := range states {
		n := &node{id: fmt.Sprintf("s%d", b.n), name: ns.Name, state: ns.State}
		b.n++
		if ns.State != nil {
			n.kind = ns.State.Kind()
		}
		if _, ok := local[ns.Name]; !ok {
			local[ns.Name] = n
		}
		if _, ok := b.global[ns.Name]; !ok {
			b.global[ns.Name] = n
		}
		it := item{node: n}
		switch s := ns.State.(type) {
		case *asl.Parallel:
			it = item{cluster: n}
			for i, br := range s.Branches {
				it.branches = append(it.branches, b.view(fmt.Sprintf("%s_b%d", n.id, i), fmt.Sprintf("Branch %d", i+1), br.StartAt, br.States))
			}
		case *asl.Map:
			it = item{cluster: n}
			if p := s.Processor(); p != nil {
				it.branches = append(it.branches, b.view(n.id+"_b0", "Iteration", p.StartAt, p.States))
			}
		}
		if it.cluster != nil && len(it.branches) > 0 {
			b.clusters[n.id] = it.branches[0]
		} else if it.cluster != nil {
			it = item{node: n} // a Parallel without branches is drawn as a node
		}
		if ends(ns.State) {
			v.ends = true
		}
		v.items = append(v.items, it)
		b.pending = append(b.pending, pendingEdges{n: n, local: local})
	}
	if n, ok := local[startAt]; ok {
		v.start = n.id
	}
	return v
}

// target resolves a transition: a state of the same graph, else the first
// state of that name anywhere, else a "missing" node.
func (b *builder) target(name string, local map[string]*node) *node {
	if n, ok := local[name]; ok {
		return n
	}
	if n, ok := b.global[name]; ok {
		return n
	}
	n := &node{id: fmt.Sprintf("m%d", len(b.chart.missing)), name: name}
	b.chart.missing = append(b.chart.missing, n)
	b.global[name] = n
	return n
}

func (b *builder) link(from *node, to *node, label string, dashed bool) {
	a := arrow{from: from.id, to: to.id, label: label, dashed: dashed}
	if v, ok := b.clusters[from.id]; ok {
		a.fromCl, a.fromMarker = true, v.id+"_end"
	}
	if v, ok := b.clusters[to.id]; ok {
		a.toCl, a.toMarker = true, v.id+"_start"
	}
	b.chart.edges = append(b.chart.edges, a)
}

func (b *builder) edges(n *node, local map[string]*node) {
	switch s := n.state.(type) {
	case *asl.Choice:
		for _, r := range s.Choices {
			if r.Next != "" {
				b.link(n, b.target(r.Next, local), shorten(condition(&r), maxLabel), false)
			}
		}
		if s.Default != "" {
			b.link(n, b.target(s.Default, local), "default", false)
		}
	case asl.Flower:
		if next := s.Flow().Next; next != "" {
			b.link(n, b.target(next, local), "", false)
		}
	}
	if h, ok := n.state.(asl.Handler); ok {
		for _, c := range h.Handling().Catch {
			if c.Next == "" {
				continue
			}
			names := make([]string, len(c.ErrorEquals))
			for i, e := range c.ErrorEquals {
				names[i] = string(e)
			}
			b.link(n, b.target(c.Next, local), shorten(strings.Join(names, ", "), maxLabel), true)
		}
	}
}

// ends reports whether a state ends its graph successfully (End or Succeed).
func ends(s asl.State) bool {
	switch s := s.(type) {
	case *asl.Succeed:
		return true
	case asl.Flower:
		return s.Flow().End
	}
	return false
}

// title is a node's label: its name, and its type for clusters.
func (n *node) title() string {
	if n.kind == asl.TypeParallel || n.kind == asl.TypeMap {
		return n.name + " (" + string(n.kind) + ")"
	}
	return n.name
}
