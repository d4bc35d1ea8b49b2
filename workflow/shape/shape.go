package shape

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind is the JSON kind of a shape.
type Kind uint8

// The kinds. Unknown is the zero value: any JSON value at all.
const (
	Unknown Kind = iota
	Object
	Array
	String
	Number
	Bool
	Null
)

// String returns the kind's name as a message would say it.
func (k Kind) String() string {
	switch k {
	case Object:
		return "an object"
	case Array:
		return "an array"
	case String:
		return "a string"
	case Number:
		return "a number"
	case Bool:
		return "a boolean"
	case Null:
		return "null"
	}
	return "any value"
}

// Unbounded is the size of a value whose encoding has no known bound.
const Unbounded int64 = -1

// Shape is what a JSON value can look like. The zero value is not useful;
// use Any, Of, Literal or the constructors.
type Shape struct {
	// Kind is the JSON kind; Unknown for any value.
	Kind Kind
	// Name names the Go type the shape came from ("contract.Chunk"), for
	// messages; "" for shapes built from JSON.
	Name string
	// Fields are an object's known members.
	Fields map[string]Field
	// Open is set on an object that may hold members other than Fields
	// (a Go map, an object the analysis only partly knows): a path to an
	// unknown member of an open object is not checked.
	Open bool
	// Elem is the shape of an array's elements.
	Elem *Shape
	// MaxItems bounds an array's length; Unbounded when unknown.
	MaxItems int64
	// Bytes bounds the encoding of a scalar or Unknown value; Unbounded
	// when unknown. Objects and arrays compute theirs (Size).
	Bytes int64
	// Cap, when positive, is a declared bound on the whole encoding (a
	// maxBytes tag on a struct, map or slice field).
	Cap int64
}

// Field is a member of an object shape.
type Field struct {
	// Shape is the member's shape.
	Shape *Shape
	// Optional is set when the member may be absent (omitempty, or present
	// on only some of the paths that lead to a state).
	Optional bool
}

// Any returns the shape of a value nothing is known about: unchecked and
// unbounded.
func Any() *Shape { return &Shape{Kind: Unknown, Bytes: Unbounded, MaxItems: Unbounded} }

// Scalar returns a shape of kind k whose encoding is at most bytes long
// (Unbounded for no bound).
func Scalar(k Kind, bytes int64) *Shape { return &Shape{Kind: k, Bytes: bytes, MaxItems: Unbounded} }

// NewObject returns a closed object shape with the given members.
func NewObject(fields map[string]Field) *Shape {
	if fields == nil {
		fields = map[string]Field{}
	}
	return &Shape{Kind: Object, Fields: fields, MaxItems: Unbounded}
}

// OpenObject returns an object shape with the given members that may hold
// others.
func OpenObject(fields map[string]Field) *Shape {
	s := NewObject(fields)
	s.Open = true
	return s
}

// NewArray returns an array shape of elem with at most maxItems elements
// (Unbounded for no bound).
func NewArray(elem *Shape, maxItems int64) *Shape {
	return &Shape{Kind: Array, Elem: elem, MaxItems: maxItems}
}

// IsUnknown reports whether s says nothing about the value.
func (s *Shape) IsUnknown() bool { return s == nil || s.Kind == Unknown }

// Checked reports whether a path into s can be checked: s is a closed
// object, an array or a scalar.
func (s *Shape) Checked() bool { return s != nil && s.Kind != Unknown }

// Size returns a bound on the length of the value's JSON encoding in
// bytes, or Unbounded.
func (s *Shape) Size() int64 {
	if s == nil {
		return Unbounded
	}
	n := s.size()
	if s.Cap > 0 && (n == Unbounded || n > s.Cap) {
		return s.Cap
	}
	return n
}

func (s *Shape) size() int64 {
	switch s.Kind {
	case Object:
		if s.Open {
			return Unbounded
		}
		total := int64(2)
		for name, f := range s.Fields {
			n := f.Shape.Size()
			if n == Unbounded {
				return Unbounded
			}
			// "name": value, (the last comma is one too many; harmless)
			total += int64(len(strconv.Quote(name))) + 2 + n
		}
		return total
	case Array:
		if s.MaxItems == Unbounded {
			return Unbounded
		}
		if s.MaxItems == 0 {
			return 2
		}
		n := s.Elem.Size()
		if n == Unbounded {
			return Unbounded
		}
		return 2 + s.MaxItems*(n+1)
	}
	return s.Bytes
}

// Names returns the object's member names, sorted.
func (s *Shape) Names() []string {
	if s == nil {
		return nil
	}
	names := slices.Collect(maps.Keys(s.Fields))
	sort.Strings(names)
	return names
}

// Describe names the shape for a message: its Go type, "an object with
// a, b, c", or its kind.
func (s *Shape) Describe() string {
	if s == nil {
		return Unknown.String()
	}
	if s.Name != "" {
		return s.Name
	}
	switch s.Kind {
	case Object:
		if len(s.Fields) == 0 {
			return "an empty object"
		}
		return "an object"
	case Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(s.Elem.Describe(), "an "), "a ")
	}
	return s.Kind.String()
}

// Literal returns the shape of a decoded JSON value (as encoding/json
// decodes into any, numbers as float64 or json.Number).
func Literal(v any) *Shape {
	switch x := v.(type) {
	case nil:
		return Scalar(Null, 4)
	case bool:
		return Scalar(Bool, encodedLen(x))
	case float64, json.Number, int, int64:
		return Scalar(Number, encodedLen(x))
	case string:
		return Scalar(String, encodedLen(x))
	case []any:
		var elem *Shape
		for _, e := range x {
			elem = Union(elem, Literal(e))
		}
		if elem == nil {
			elem = Any()
		}
		return NewArray(elem, int64(len(x)))
	case map[string]any:
		fields := make(map[string]Field, len(x))
		for k, e := range x {
			fields[k] = Field{Shape: Literal(e)}
		}
		return NewObject(fields)
	}
	return Any()
}

func encodedLen(v any) int64 {
	b, err := json.Marshal(v)
	if err != nil {
		return Unbounded
	}
	return int64(len(b))
}

// Union returns the shape of a value that has shape a or shape b (a value
// arriving at a state along two transitions). A nil side is ignored.
// Members present on one side only become optional; objects of which
// either is open are open; different kinds give Unknown, with the larger
// size bound.
func Union(a, b *Shape) *Shape {
	out := union(a, b)
	if a != nil && b != nil && a != b && a.Cap > 0 && b.Cap > 0 {
		c := *out
		c.Cap = max(a.Cap, b.Cap)
		out = &c
	}
	return out
}

func union(a, b *Shape) *Shape {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a == b:
		return a
	}
	if a.Kind != b.Kind || a.Kind == Unknown {
		out := Any()
		if sa, sb := a.Size(), b.Size(); sa != Unbounded && sb != Unbounded {
			out.Bytes = max(sa, sb)
		}
		return out
	}
	name := ""
	if a.Name == b.Name {
		name = a.Name
	}
	switch a.Kind {
	case Object:
		out := NewObject(make(map[string]Field, len(a.Fields)))
		out.Name = name
		out.Open = a.Open || b.Open
		for k, fa := range a.Fields {
			fb, ok := b.Fields[k]
			if !ok {
				out.Fields[k] = Field{Shape: fa.Shape, Optional: true}
				continue
			}
			out.Fields[k] = Field{Shape: Union(fa.Shape, fb.Shape), Optional: fa.Optional || fb.Optional}
		}
		for k, fb := range b.Fields {
			if _, ok := a.Fields[k]; !ok {
				out.Fields[k] = Field{Shape: fb.Shape, Optional: true}
			}
		}
		return out
	case Array:
		n := Unbounded
		if a.MaxItems != Unbounded && b.MaxItems != Unbounded {
			n = max(a.MaxItems, b.MaxItems)
		}
		out := NewArray(Union(a.Elem, b.Elem), n)
		out.Name = name
		return out
	}
	out := Scalar(a.Kind, Unbounded)
	out.Name = name
	if a.Bytes != Unbounded && b.Bytes != Unbounded {
		out.Bytes = max(a.Bytes, b.Bytes)
	}
	return out
}

// Equal reports whether a and b describe the same values with the same
// bounds (used to find when an analysis has settled).
func Equal(a, b *Shape) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.Kind != b.Kind || a.Open != b.Open || a.Bytes != b.Bytes || a.Cap != b.Cap || a.MaxItems != b.MaxItems || a.Name != b.Name || len(a.Fields) != len(b.Fields) {
		return false
	}
	for k, fa := range a.Fields {
		fb, ok := b.Fields[k]
		if !ok || fa.Optional != fb.Optional || !Equal(fa.Shape, fb.Shape) {
			return false
		}
	}
	if (a.Elem == nil) != (b.Elem == nil) {
		return false
	}
	return a.Elem == nil || Equal(a.Elem, b.Elem)
}

// Depth returns how deeply objects and arrays nest in s (an analysis that
// keeps nesting a value into itself widens it to Unknown past a limit).
func (s *Shape) Depth() int {
	if s == nil {
		return 0
	}
	d := 0
	for _, f := range s.Fields {
		d = max(d, f.Shape.Depth())
	}
	if s.Elem != nil {
		d = max(d, s.Elem.Depth())
	}
	if s.Kind == Object || s.Kind == Array {
		d++
	}
	return d
}

// Suggest returns the candidate closest to name: one equal ignoring case,
// else one at edit distance at most 2 (a swap of two neighbouring letters
// counts as one edit) and at most half of name's length, else "".
func Suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
		if d := distance(strings.ToLower(c), strings.ToLower(name)); d < bestD && 2*d <= len(name) {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance of a and b:
// Levenshtein's insertions, deletions and substitutions plus swaps of
// adjacent bytes.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// String renders the shape compactly, for tests and debugging:
// {a: string, b?: number, ...} with "..." for an open object.
func (s *Shape) String() string {
	var b strings.Builder
	s.write(&b, 0)
	return b.String()
}

func (s *Shape) write(b *strings.Builder, depth int) {
	if s == nil {
		b.WriteString("<nil>")
		return
	}
	if depth > 8 {
		b.WriteString("…")
		return
	}
	switch s.Kind {
	case Object:
		b.WriteByte('{')
		for i, k := range s.Names() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			if s.Fields[k].Optional {
				b.WriteByte('?')
			}
			b.WriteString(": ")
			s.Fields[k].Shape.write(b, depth+1)
		}
		if s.Open {
			if len(s.Fields) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("...")
		}
		b.WriteByte('}')
	case Array:
		b.WriteByte('[')
		s.Elem.write(b, depth+1)
		b.WriteByte(']')
	case String:
		b.WriteString("string")
	case Number:
		b.WriteString("number")
	case Bool:
		b.WriteString("boolean")
	case Null:
		b.WriteString("null")
	default:
		b.WriteString("any")
	}
}
