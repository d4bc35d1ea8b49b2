package graph

import (
	"fmt"
	"html"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// SVG draws a state machine as a self-contained SVG image that any browser
// shows with no script and no network: the states in document order down
// a column (the states of a Map iteration or Parallel branch indented in a
// frame under their state), an arrow straight down where a state leads to
// the next row, and every other transition as a labelled arc in a lane on
// the right (Catch transitions dashed). States in visited are filled
// green; transitions to a state that does not exist end at a red dashed
// box. The same model as Mermaid and Dot, so the three agree.
func SVG(m *asl.StateMachine, visited map[string]bool) string {
	c := build(m, visited)
	var rows []svgRow
	var frames []svgFrame
	var flatten func(v *view, depth int)
	flatten = func(v *view, depth int) {
		for _, it := range v.items {
			n := it.node
			if it.cluster != nil {
				n = it.cluster
			}
			rows = append(rows, svgRow{n: n, depth: depth})
			for _, br := range it.branches {
				first := len(rows)
				flatten(br, depth+1)
				frames = append(frames, svgFrame{label: br.label, depth: depth + 1, first: first, last: len(rows) - 1})
			}
		}
	}
	flatten(c.root, 0)
	for _, n := range c.missing {
		rows = append(rows, svgRow{n: n, missing: true})
	}
	rowOf := map[string]int{}
	for i, r := range rows {
		if _, ok := rowOf[r.n.id]; !ok {
			rowOf[r.n.id] = i
		}
	}

	const (
		top, left, rowH, boxH, boxW, indent = 24, 16, 44, 30, 250, 22
		labelW, laneW                       = 300, 12
	)
	// A row is taller when more arcs leave it than its box has room for
	// labels (one every 10 px).
	leaving := make([]int, len(rows))
	for _, a := range c.edges {
		if i, ok := rowOf[a.from]; ok {
			leaving[i]++
		}
	}
	rowY := make([]int, len(rows)+1)
	rowY[0] = top
	for i := range rows {
		rowY[i+1] = rowY[i] + max(rowH, 10*leaving[i]+18)
	}
	boxX := func(r svgRow) int { return left + r.depth*indent }
	boxY := func(i int) int { return rowY[i] }
	right := left + boxW + 6*indent // lanes start past the widest box

	// Lanes: each arc takes the leftmost lane free over its rows.
	type arc struct {
		a          arrow
		from, to   int
		lane, dept int // dept: the k-th arc leaving its state
	}
	var arcs []arc
	var straight []arrow
	var lanes [][][2]int // per lane, the row spans its arcs take
	departs := map[string]int{}
	for _, a := range c.edges {
		from, ok1 := rowOf[a.from]
		to, ok2 := rowOf[a.to]
		if !ok1 || !ok2 {
			continue
		}
		if to == from+1 && !a.dashed && a.label == "" && rows[from].depth == rows[to].depth {
			straight = append(straight, a)
			continue
		}
		lo, hi := min(from, to), max(from, to)
		lane := 0
		for ; lane < len(lanes); lane++ {
			free := true
			for _, span := range lanes[lane] {
				if lo <= span[1] && span[0] <= hi {
					free = false
					break
				}
			}
			if free {
				break
			}
		}
		if lane == len(lanes) {
			lanes = append(lanes, nil)
		}
		lanes[lane] = append(lanes[lane], [2]int{lo, hi})
		arcs = append(arcs, arc{a: a, from: from, to: to, lane: lane, dept: departs[a.from]})
		departs[a.from]++
	}

	width := right + labelW + len(lanes)*laneW + 20
	height := rowY[len(rows)] + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="state-machine" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="state machine">`, width, height, width, height)
	b.WriteString(`<defs><marker id="sm-arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>`)
	b.WriteString(`<style>.sm-box{stroke-width:1.5}.sm-name{font:13px sans-serif}.sm-type{font:10px sans-serif;fill:#5f6368}.sm-label{font:10px monospace;fill:#3c4043}.sm-frame{font:11px sans-serif;fill:#5f6368}</style>`)
	for _, f := range frames {
		x := left + f.depth*indent - 8
		y := boxY(f.first) - 8
		h := boxY(f.last) + boxH + 8 - y
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="none" stroke="#9aa0a6" stroke-dasharray="4 3"/>`, x, y, right-x-8, h)
		fmt.Fprintf(&b, `<text class="sm-frame" x="%d" y="%d">%s</text>`, right-14, y+12, esc(f.label))
	}
	for i, r := range rows {
		x, y := boxX(r), boxY(i)
		fill, stroke, dash, rx := "#fff", "#5f6368", "", 4
		switch r.n.kind {
		case asl.TypeChoice:
			fill, stroke, rx = "#fff8e1", "#f9a825", 14
		case asl.TypeSucceed:
			fill, stroke, rx = "#e3f6e5", "#2e7d32", 14
		case asl.TypeFail:
			fill, stroke, rx = "#fde7e7", "#c62828", 14
		case asl.TypeMap, asl.TypeParallel:
			fill = "#f1f3f4"
		}
		if r.missing {
			fill, stroke, dash = "#fff", "#c62828", ` stroke-dasharray="4 3"`
		}
		if c.visited[r.n.name] && !r.missing {
			fill, stroke = "#c8e6c9", "#1b5e20"
		}
		fmt.Fprintf(&b, `<g class="sm-state" data-state="%s"><rect class="sm-box" x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s"%s/>`,
			esc(r.n.name), x, y, boxW-r.depth*indent, boxH, rx, fill, stroke, dash)
		fmt.Fprintf(&b, `<text class="sm-name" x="%d" y="%d">%s</text>`, x+8, y+19, esc(shorten(r.n.name, 26)))
		kind := string(r.n.kind)
		if r.missing {
			kind = "no such state"
		}
		fmt.Fprintf(&b, `<text class="sm-type" x="%d" y="%d" text-anchor="end">%s</text></g>`, x+boxW-r.depth*indent-8, y+19, esc(kind))
	}
	for _, a := range straight {
		from, to := rowOf[a.from], rowOf[a.to]
		x := boxX(rows[from]) + 40
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-width="1.5" marker-end="url(#sm-arrow)"/>`, x, boxY(from)+boxH, x, boxY(to)-1)
	}
	for _, a := range arcs {
		fromR, toR := rows[a.from], rows[a.to]
		x1 := boxX(fromR) + boxW - fromR.depth*indent
		y1 := boxY(a.from) + 9 + a.dept*10
		x2 := boxX(toR) + boxW - toR.depth*indent
		y2 := boxY(a.to) + boxH/2
		lx := right + labelW + a.lane*laneW
		dash := ""
		if a.a.dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<path d="M%d,%d H%d V%d H%d" fill="none" stroke="#555" stroke-width="1.2"%s marker-end="url(#sm-arrow)"><title>%s → %s%s</title></path>`,
			x1, y1, lx, y2, x2+1, dash, esc(nameOf(rows, a.from)), esc(nameOf(rows, a.to)), esc(labelSuffix(a.a.label)))
		if a.a.label != "" {
			fmt.Fprintf(&b, `<text class="sm-label" x="%d" y="%d">%s</text>`, x1+6, y1-2, esc(shorten(a.a.label, 44)))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

type svgRow struct {
	n       *node
	depth   int
	missing bool
}

type svgFrame struct {
	label       string
	depth       int
	first, last int
}

func nameOf(rows []svgRow, i int) string { return rows[i].n.name }

func labelSuffix(l string) string {
	if l == "" {
		return ""
	}
	return ": " + l
}

func esc(s string) string { return html.EscapeString(s) }
