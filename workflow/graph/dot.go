package graph

import (
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Dot draws the machine as a Graphviz digraph.
func Dot(m *asl.StateMachine) string { return DotWithPath(m, nil) }

// DotWithPath is Dot with the states named in visited highlighted.
func DotWithPath(m *asl.StateMachine, visited map[string]bool) string {
	c := build(m, visited)
	w := &writer{}
	w.line(0, "digraph {")
	w.line(1, "compound=true;")
	w.line(1, "rankdir=TB;")
	w.line(1, `graph [fontname="Helvetica"];`)
	w.line(1, `node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];`)
	w.line(1, `edge [fontname="Helvetica", fontsize=10];`)
	c.dotView(w, 1, c.root)
	for _, n := range c.missing {
		w.line(1, `%s [label=%s, style="dashed", color="#c62828", fontcolor="#c62828"];`, n.id, dq(n.name+" (missing)"))
	}
	dotMarkerEdges(w, c.root)
	for _, a := range c.edges {
		from, to := a.from, a.to
		var attrs []string
		if a.fromCl {
			from = a.fromMarker
			attrs = append(attrs, "ltail="+clusterID(a.from))
		}
		if a.toCl {
			to = a.toMarker
			attrs = append(attrs, "lhead="+clusterID(a.to))
		}
		if a.label != "" {
			attrs = append(attrs, "label="+dq(a.label))
		}
		if a.dashed {
			attrs = append(attrs, `style="dashed"`, `color="#c62828"`)
		}
		if len(attrs) == 0 {
			w.line(1, "%s -> %s;", from, to)
		} else {
			w.line(1, "%s -> %s [%s];", from, to, strings.Join(attrs, ", "))
		}
	}
	w.line(0, "}")
	return w.String()
}

func clusterID(id string) string { return "cluster_" + id }

func (c *chart) dotView(w *writer, depth int, v *view) {
	w.line(depth, `%s_start [shape=circle, label="", width=0.2, style="filled", fillcolor="#333333"];`, v.id)
	for _, it := range v.items {
		if it.node != nil {
			w.line(depth, "%s [%s];", it.node.id, c.dotNode(it.node))
			continue
		}
		w.line(depth, "subgraph %s {", clusterID(it.cluster.id))
		w.line(depth+1, "label=%s;", dq(it.cluster.title()))
		if c.visited[it.cluster.name] {
			w.line(depth+1, `style="rounded,bold"; color="#1b5e20"; penwidth=3;`)
		} else {
			w.line(depth+1, `style="rounded"; color="#555555";`)
		}
		for _, br := range it.branches {
			w.line(depth+1, "subgraph %s {", clusterID(br.id))
			w.line(depth+2, "label=%s;", dq(br.label))
			w.line(depth+2, `style="dashed"; color="#999999";`)
			c.dotView(w, depth+2, br)
			w.line(depth+1, "}")
		}
		w.line(depth, "}")
	}
	if !v.ends {
		return
	}
	w.line(depth, `%s_end [shape=doublecircle, label="", width=0.15, style="filled", fillcolor="#333333"];`, v.id)
}

func (c *chart) dotNode(n *node) string {
	attrs := []string{"label=" + dq(n.title())}
	fill := ""
	switch n.kind {
	case asl.TypeChoice:
		attrs = append(attrs, "shape=diamond", `style="filled"`)
		fill = "#fff8e1"
	case asl.TypeSucceed:
		fill = "#e3f6e5"
	case asl.TypeFail:
		fill = "#fde7e7"
	case asl.TypeWait:
		attrs = append(attrs, "shape=parallelogram", `style="filled"`)
	case asl.TypePass:
		attrs = append(attrs, `style="rounded,filled,dashed"`)
	}
	if c.visited[n.name] {
		attrs = append(attrs, `color="#1b5e20"`, "penwidth=3")
		fill = "#c8e6c9"
	}
	if fill != "" {
		attrs = append(attrs, "fillcolor="+dq(fill))
	}
	return strings.Join(attrs, ", ")
}

// dotMarkerEdges links each graph's start marker to its StartAt state and
// its ending states to its end marker.
func dotMarkerEdges(w *writer, v *view) {
	if v.start != "" {
		w.line(1, "%s_start -> %s;", v.id, v.start)
	}
	for _, it := range v.items {
		if it.node != nil && ends(it.node.state) {
			w.line(1, "%s -> %s_end;", it.node.id, v.id)
		}
		if it.cluster != nil && ends(it.cluster.state) {
			w.line(1, "%s_end -> %s_end [ltail=%s];", it.branches[0].id, v.id, clusterID(it.cluster.id))
		}
		for _, br := range it.branches {
			dotMarkerEdges(w, br)
		}
	}
}

// dq quotes a dot string: backslashes and quotes escaped, line breaks as
// spaces.
func dq(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
