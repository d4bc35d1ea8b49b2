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
	l := layOut(build(m, visited))
	width := l.right + svgLabelW + l.lanes*svgLaneW + 20
	height := l.rowY[len(l.rows)] + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="state-machine" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="state machine">`, width, height, width, height)
	b.WriteString(`<defs><marker id="sm-arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>`)
	b.WriteString(`<style>.sm-box{stroke-width:1.5}.sm-name{font:13px sans-serif}.sm-type{font:10px sans-serif;fill:#5f6368}.sm-label{font:10px monospace;fill:#3c4043}.sm-frame{font:11px sans-serif;fill:#5f6368}</style>`)
	l.drawFrames(&b)
	l.drawStates(&b)
	l.drawArrows(&b)
	b.WriteString(`</svg>`)
	return b.String()
}

// The geometry of the SVG drawing, in pixels.
const (
	svgTop, svgLeft, svgRowH, svgBoxH, svgBoxW, svgIndent = 24, 16, 44, 30, 250, 22
	svgLabelW, svgLaneW                                   = 300, 12
)

// svgLayout places a chart: one row per state, frames around nested graphs,
// straight arrows between consecutive rows and arcs in lanes on the right.
type svgLayout struct {
	c        *chart
	rows     []svgRow
	frames   []svgFrame
	rowOf    map[string]int // node id -> its first row
	rowY     []int          // the top of each row, and the bottom of the last
	right    int            // where the lanes start, past the widest box
	straight []arrow
	arcs     []svgArc
	lanes    int // the number of lanes the arcs take
}

// svgArc is a transition drawn as an arc in a lane.
type svgArc struct {
	a          arrow
	from, to   int
	lane, dept int // dept: the k-th arc leaving its state
}

func layOut(c *chart) *svgLayout {
	l := &svgLayout{c: c, rowOf: map[string]int{}, right: svgLeft + svgBoxW + 6*svgIndent}
	l.flatten(c.root, 0)
	for _, n := range c.missing {
		l.rows = append(l.rows, svgRow{n: n, missing: true})
	}
	for i, r := range l.rows {
		if _, ok := l.rowOf[r.n.id]; !ok {
			l.rowOf[r.n.id] = i
		}
	}
	// A row is taller when more arcs leave it than its box has room for
	// labels (one every 10 px).
	leaving := make([]int, len(l.rows))
	for _, a := range c.edges {
		if i, ok := l.rowOf[a.from]; ok {
			leaving[i]++
		}
	}
	l.rowY = make([]int, len(l.rows)+1)
	l.rowY[0] = svgTop
	for i := range l.rows {
		l.rowY[i+1] = l.rowY[i] + max(svgRowH, 10*leaving[i]+18)
	}
	l.route()
	return l
}

// flatten lists the states of v and of its nested graphs as rows, with a
// frame around each nested graph.
func (l *svgLayout) flatten(v *view, depth int) {
	for _, it := range v.items {
		n := it.node
		if it.cluster != nil {
			n = it.cluster
		}
		l.rows = append(l.rows, svgRow{n: n, depth: depth})
		for _, br := range it.branches {
			first := len(l.rows)
			l.flatten(br, depth+1)
			l.frames = append(l.frames, svgFrame{label: br.label, depth: depth + 1, first: first, last: len(l.rows) - 1})
		}
	}
}

// route draws a plain transition to the next row at the same depth as a
// straight arrow, and gives every other one the leftmost lane free over
// its rows.
func (l *svgLayout) route() {
	var lanes [][][2]int // per lane, the row spans its arcs take
	departs := map[string]int{}
	for _, a := range l.c.edges {
		from, ok1 := l.rowOf[a.from]
		to, ok2 := l.rowOf[a.to]
		if !ok1 || !ok2 {
			continue
		}
		if to == from+1 && !a.dashed && a.label == "" && l.rows[from].depth == l.rows[to].depth {
			l.straight = append(l.straight, a)
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
		l.arcs = append(l.arcs, svgArc{a: a, from: from, to: to, lane: lane, dept: departs[a.from]})
		departs[a.from]++
	}
	l.lanes = len(lanes)
}

func (l *svgLayout) boxX(r svgRow) int { return svgLeft + r.depth*svgIndent }

func (l *svgLayout) boxY(i int) int { return l.rowY[i] }

// drawFrames draws the dashed frame around each nested graph.
func (l *svgLayout) drawFrames(b *strings.Builder) {
	for _, f := range l.frames {
		x := svgLeft + f.depth*svgIndent - 8
		y := l.boxY(f.first) - 8
		h := l.boxY(f.last) + svgBoxH + 8 - y
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="none" stroke="#9aa0a6" stroke-dasharray="4 3"/>`, x, y, l.right-x-8, h)
		fmt.Fprintf(b, `<text class="sm-frame" x="%d" y="%d">%s</text>`, l.right-14, y+12, esc(f.label))
	}
}

// drawStates draws one box per row, coloured by kind and by whether the
// state was visited or does not exist.
func (l *svgLayout) drawStates(b *strings.Builder) {
	for i, r := range l.rows {
		x, y := l.boxX(r), l.boxY(i)
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
		if l.c.visited[r.n.name] && !r.missing {
			fill, stroke = "#c8e6c9", "#1b5e20"
		}
		fmt.Fprintf(b, `<g class="sm-state" data-state="%s"><rect class="sm-box" x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s"%s/>`,
			esc(r.n.name), x, y, svgBoxW-r.depth*svgIndent, svgBoxH, rx, fill, stroke, dash)
		fmt.Fprintf(b, `<text class="sm-name" x="%d" y="%d">%s</text>`, x+8, y+19, esc(shorten(r.n.name, 26)))
		kind := string(r.n.kind)
		if r.missing {
			kind = "no such state"
		}
		fmt.Fprintf(b, `<text class="sm-type" x="%d" y="%d" text-anchor="end">%s</text></g>`, x+svgBoxW-r.depth*svgIndent-8, y+19, esc(kind))
	}
}

// drawArrows draws the straight arrows, then the arcs with their labels.
func (l *svgLayout) drawArrows(b *strings.Builder) {
	for _, a := range l.straight {
		from, to := l.rowOf[a.from], l.rowOf[a.to]
		x := l.boxX(l.rows[from]) + 40
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-width="1.5" marker-end="url(#sm-arrow)"/>`, x, l.boxY(from)+svgBoxH, x, l.boxY(to)-1)
	}
	for _, a := range l.arcs {
		fromR, toR := l.rows[a.from], l.rows[a.to]
		x1 := l.boxX(fromR) + svgBoxW - fromR.depth*svgIndent
		y1 := l.boxY(a.from) + 9 + a.dept*10
		x2 := l.boxX(toR) + svgBoxW - toR.depth*svgIndent
		y2 := l.boxY(a.to) + svgBoxH/2
		lx := l.right + svgLabelW + a.lane*svgLaneW
		dash := ""
		if a.a.dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(b, `<path d="M%d,%d H%d V%d H%d" fill="none" stroke="#555" stroke-width="1.2"%s marker-end="url(#sm-arrow)"><title>%s → %s%s</title></path>`,
			x1, y1, lx, y2, x2+1, dash, esc(nameOf(l.rows, a.from)), esc(nameOf(l.rows, a.to)), esc(labelSuffix(a.a.label)))
		if a.a.label != "" {
			fmt.Fprintf(b, `<text class="sm-label" x="%d" y="%d">%s</text>`, x1+6, y1-2, esc(shorten(a.a.label, 44)))
		}
	}
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
