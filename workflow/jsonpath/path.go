package jsonpath

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Root tells what a path starts from.
type Root int

const (
	// RootInput is "$": the state input (or whatever document is given).
	RootInput Root = iota
	// RootContext is "$$": the context object.
	RootContext
	// RootVariable is "$name": the value of a workflow variable.
	RootVariable
)

// Kind is the kind of a Segment.
type Kind int

const (
	// Child selects object members by name: .a, ['a'] or ['a','b'].
	Child Kind = iota
	// Index selects array elements by position: [0], [-1] or [0,2].
	Index
	// Wildcard selects every member or element: .* or [*].
	Wildcard
	// Slice selects a range of elements: [1:3], [:2], [1:], [::2].
	Slice
	// Filter selects the elements for which a predicate holds: [?(@.a > 1)].
	Filter
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Child:
		return "Child"
	case Index:
		return "Index"
	case Wildcard:
		return "Wildcard"
	case Slice:
		return "Slice"
	case Filter:
		return "Filter"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Segment is one step of a path after its root.
type Segment struct {
	// Pos is the byte offset of the segment ("." or "[" or "..") in the
	// expression.
	Pos int
	// Kind says which of the fields below apply.
	Kind Kind
	// Recursive is set for recursive descent (..name, ..*, ..[0]).
	Recursive bool
	// Names are the member names of a Child segment (more than one for a
	// union).
	Names []string
	// Indexes are the positions of an Index segment (more than one for a
	// union); negative ones count from the end.
	Indexes []int
	// Start, End and Step bound a Slice segment; nil means omitted.
	Start, End, Step *int
	// Pred is the predicate of a Filter segment.
	Pred *Predicate
}

// definite reports whether the segment selects at most one value.
func (s *Segment) definite() bool {
	if s.Recursive {
		return false
	}
	switch s.Kind {
	case Child:
		return len(s.Names) == 1
	case Index:
		return len(s.Indexes) == 1
	}
	return false
}

// Path is a parsed JSONPath expression. It is immutable and safe for
// concurrent use.
type Path struct {
	expr     string
	root     Root
	variable string
	segs     []Segment
	definite bool
}

// String returns the expression exactly as it was parsed, so that messages
// quote the definition verbatim.
func (p *Path) String() string { return p.expr }

// Root reports what the path starts from.
func (p *Path) Root() Root { return p.root }

// IsContext reports whether the path starts with "$$".
func (p *Path) IsContext() bool { return p.root == RootContext }

// Variable returns the variable name of a "$name..." path, or "".
func (p *Path) Variable() string { return p.variable }

// IsDefinite reports whether the path selects at most one value: it has no
// wildcard, slice, union, filter or recursive descent. Get returns the value
// itself for a definite path and a []any otherwise.
func (p *Path) IsDefinite() bool { return p.definite }

// IsRoot reports whether the path is just its root ("$", "$$" or "$name").
func (p *Path) IsRoot() bool { return len(p.segs) == 0 }

// Segments returns a copy of the path's segments.
func (p *Path) Segments() []Segment {
	out := make([]Segment, len(p.segs))
	copy(out, p.segs)
	for i := range out {
		out[i].Names = slices.Clone(out[i].Names)
		out[i].Indexes = slices.Clone(out[i].Indexes)
	}
	return out
}

// Canonical returns the path in Jayway's normalized bracket notation, for
// example $['a'][0][*]. Parsing the canonical form yields the same canonical
// form again.
func (p *Path) Canonical() string {
	var b strings.Builder
	writeRoot(&b, p.root, p.variable)
	for i := range p.segs {
		writeSegment(&b, &p.segs[i])
	}
	return b.String()
}

func writeRoot(b *strings.Builder, r Root, variable string) {
	switch r {
	case RootContext:
		b.WriteString("$$")
	case RootVariable:
		b.WriteString("$")
		b.WriteString(variable)
	default:
		b.WriteString("$")
	}
}

func writeSegment(b *strings.Builder, s *Segment) {
	if s.Recursive {
		b.WriteString("..")
	}
	switch s.Kind {
	case Child:
		b.WriteByte('[')
		for i, n := range s.Names {
			if i > 0 {
				b.WriteByte(',')
			}
			writeQuoted(b, n)
		}
		b.WriteByte(']')
	case Index:
		b.WriteByte('[')
		for i, n := range s.Indexes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(']')
	case Wildcard:
		b.WriteString("[*]")
	case Slice:
		b.WriteByte('[')
		if s.Start != nil {
			b.WriteString(strconv.Itoa(*s.Start))
		}
		b.WriteByte(':')
		if s.End != nil {
			b.WriteString(strconv.Itoa(*s.End))
		}
		if s.Step != nil {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(*s.Step))
		}
		b.WriteByte(']')
	case Filter:
		b.WriteString("[?(")
		s.Pred.write(b)
		b.WriteString(")]")
	}
}

// writeQuoted writes s as a single-quoted name with ' and \ escaped.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}

// Error is a syntax error in a path expression.
type Error struct {
	// Expr is the whole expression.
	Expr string
	// Pos is the byte offset of the problem in Expr.
	Pos int
	// Msg describes the problem.
	Msg string
}

// Error returns "jsonpath: <msg> at offset N in <expr>".
func (e *Error) Error() string {
	return fmt.Sprintf("jsonpath: %s at offset %d in %q", e.Msg, e.Pos, e.Expr)
}

// NotFoundError reports that a path selects nothing in a document, or that
// it cannot be followed (a name applied to a non-object, an index out of
// range).
type NotFoundError struct {
	// Expr is the path expression as written.
	Expr string
	// At is the canonical prefix of the path where evaluation stopped, for
	// example $['a']['b'].
	At string
	// Msg is Jayway's message, e.g. "No results for path: $['a']" or
	// "Missing property in path $['a']".
	Msg string
}

// Error returns a lower-case Go-style message.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("jsonpath: invalid path %q: %s", e.Expr, e.Msg)
}

// Cause returns the text Step Functions uses in a States.Runtime cause:
// "Invalid path '<expr>' : <msg>".
func (e *NotFoundError) Cause() string {
	return "Invalid path '" + e.Expr + "' : " + e.Msg
}

// SetError reports that Set cannot place a value: the path is not a
// reference path, or it traverses something that is not an object.
type SetError struct {
	// Expr is the path expression as written.
	Expr string
	// At is the canonical prefix of the path where placing failed.
	At string
	// Msg describes the problem.
	Msg string
}

// Error returns a lower-case Go-style message.
func (e *SetError) Error() string {
	return fmt.Sprintf("jsonpath: cannot set %q: %s", e.Expr, e.Msg)
}

// Cause returns a Step Functions style cause text:
// "Invalid path '<expr>' : <msg>".
func (e *SetError) Cause() string {
	return "Invalid path '" + e.Expr + "' : " + e.Msg
}
