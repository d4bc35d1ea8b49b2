package graph

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Mermaid draws the machine as a Mermaid flowchart.
func Mermaid(m *asl.StateMachine) string { return MermaidWithPath(m, nil) }

// MermaidWithPath is Mermaid with the states named in visited highlighted
// (class "visited"), for example those an execution went through.
func MermaidWithPath(m *asl.StateMachine, visited map[string]bool) string {
	c := build(m, visited)
	w := &writer{}
	w.line(0, "flowchart TD")
	w.mermaidView(1, c.root)
	for _, n := range c.missing {
		w.line(1, "%s[%s]:::missing", n.id, mq(n.name+" (missing)"))
	}
	mermaidMarkerEdges(w, c.root)
	for _, a := range c.edges {
		arrow := "-->"
		if a.dashed {
			arrow = "-.->"
		}
		if a.label != "" {
			arrow += "|" + mq(a.label) + "|"
		}
		w.line(1, "%s %s %s", a.from, arrow, a.to)
	}
	w.line(1, "classDef marker fill:#333,stroke:#333,color:#fff")
	w.line(1, "classDef succeed fill:#e3f6e5,stroke:#2e7d32")
	w.line(1, "classDef fail fill:#fde7e7,stroke:#c62828")
	w.line(1, "classDef choice fill:#fff8e1,stroke:#f9a825")
	w.line(1, "classDef missing fill:#fff,stroke:#c62828,stroke-dasharray:4 3,color:#c62828")
	var nodes, clusters []string
	walk(c.root, func(it item) {
		if it.node != nil && visited[it.node.name] {
			nodes = append(nodes, it.node.id)
		}
		if it.cluster != nil && visited[it.cluster.name] {
			clusters = append(clusters, it.cluster.id)
		}
	})
	if len(nodes) > 0 {
		w.line(1, "classDef visited fill:#c8e6c9,stroke:#1b5e20,stroke-width:3px")
		w.line(1, "class %s visited", strings.Join(nodes, ","))
	}
	for _, id := range clusters {
		w.line(1, "style %s stroke:#1b5e20,stroke-width:3px", id)
	}
	return w.String()
}

func (w *writer) mermaidView(depth int, v *view) {
	w.line(depth, "%s_start((%s)):::marker", v.id, mq(" "))
	for _, it := range v.items {
		if it.node != nil {
			w.line(depth, "%s", mermaidNode(it.node))
			continue
		}
		w.line(depth, "subgraph %s[%s]", it.cluster.id, mq(it.cluster.title()))
		w.line(depth+1, "direction TB")
		for _, br := range it.branches {
			w.line(depth+1, "subgraph %s[%s]", br.id, mq(br.label))
			w.line(depth+2, "direction TB")
			w.mermaidView(depth+2, br)
			w.line(depth+1, "end")
		}
		w.line(depth, "end")
	}
	if v.ends {
		w.line(depth, "%s_end(((%s))):::marker", v.id, mq(" "))
	}
}

// mermaidMarkerEdges links each graph's start marker to its StartAt state
// and its ending states to its end marker.
func mermaidMarkerEdges(w *writer, v *view) {
	if v.start != "" {
		w.line(1, "%s_start --> %s", v.id, v.start)
	}
	for _, it := range v.items {
		n := it.node
		if n == nil {
			n = it.cluster
		}
		if ends(n.state) {
			w.line(1, "%s --> %s_end", n.id, v.id)
		}
		for _, br := range it.branches {
			mermaidMarkerEdges(w, br)
		}
	}
}

func mermaidNode(n *node) string {
	label := mq(n.title())
	switch n.kind {
	case asl.TypeChoice:
		return n.id + "{" + label + "}:::choice"
	case asl.TypeSucceed:
		return n.id + "([" + label + "]):::succeed"
	case asl.TypeFail:
		return n.id + "([" + label + "]):::fail"
	case asl.TypeWait:
		return n.id + "[/" + label + "/]"
	case asl.TypePass:
		return n.id + "(" + label + ")"
	}
	return n.id + "[" + label + "]"
}

// mq quotes a Mermaid label, replacing the characters that Mermaid would
// read as syntax or HTML with numeric entity codes. '>' stays itself: in a
// quoted label it is plain text, and an entity code there shows literally
// ("chunkCount #62; 1") wherever Mermaid renders labels as SVG text
// (htmlLabels: false, mermaid-js/mermaid#7015).
func mq(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '#', '<', '&', '`', '|', '\\', '%':
			fmt.Fprintf(&b, "#%d;", r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// walk visits every item of v and its branches in document order.
func walk(v *view, f func(item)) {
	for _, it := range v.items {
		f(it)
		for _, br := range it.branches {
			walk(br, f)
		}
	}
}

// writer accumulates indented lines.
type writer struct{ strings.Builder }

func (w *writer) line(depth int, format string, args ...any) {
	w.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(w, format, args...)
	w.WriteByte('\n')
}
