package shape

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// PathError says why a path selects nothing in a shape.
type PathError struct {
	// Prefix is the part of the path that was found ("$.transform").
	Prefix string
	// Pos is the byte offset in the path of the segment that failed.
	Pos int
	// Field is the member that does not exist; "" for a kind mismatch.
	Field string
	// In is the shape the segment was applied to.
	In *Shape
	// Suggestion is the closest existing member, if any.
	Suggestion string
}

// Error explains the failure: the shape at the prefix, the missing member,
// a suggestion and the members that exist.
func (e *PathError) Error() string {
	var b strings.Builder
	if e.Field == "" {
		fmt.Fprintf(&b, "%s is %s, not %s", e.Prefix, e.In.Describe(), e.wanted())
		return b.String()
	}
	fmt.Fprintf(&b, "%s (%s) has no field %q", e.Prefix, e.In.Describe(), e.Field)
	if e.Suggestion != "" {
		fmt.Fprintf(&b, " (did you mean %q?)", e.Suggestion)
	}
	if names := e.In.Names(); len(names) > 0 {
		b.WriteString("; it has: ")
		b.WriteString(strings.Join(names, ", "))
	} else {
		b.WriteString("; it has no fields")
	}
	return b.String()
}

func (e *PathError) wanted() string {
	if e.In.Kind == Array {
		return "an object"
	}
	return "an object or an array"
}

// Get returns the shape of what path p selects in s, or a *PathError when
// s shows that p selects nothing: a member absent from a closed object, a
// member or index of a scalar. Wildcards, slices, filters and recursive
// descent select an Unknown (the result is a list the analysis does not
// follow). root is how the path's root is written in messages ("$",
// "$$", "$name").
func Get(s *Shape, root string, segs []jsonpath.Segment) (*Shape, error) {
	prefix := root
	cur := s
	for _, seg := range segs {
		if cur == nil || cur.Kind == Unknown {
			return Any(), nil
		}
		if seg.Recursive {
			return Any(), nil
		}
		switch seg.Kind {
		case jsonpath.Child:
			if len(seg.Names) != 1 {
				return Any(), nil
			}
			name := seg.Names[0]
			if cur.Kind != Object {
				return nil, &PathError{Prefix: prefix, Pos: seg.Pos, In: cur}
			}
			f, ok := cur.Fields[name]
			if !ok {
				if cur.Open {
					return Any(), nil
				}
				return nil, &PathError{Prefix: prefix, Pos: seg.Pos, Field: name, In: cur, Suggestion: Suggest(name, cur.Names())}
			}
			cur = f.Shape
			prefix += "." + name
		case jsonpath.Index:
			if cur.Kind != Array {
				if cur.Kind == Object && cur.Open {
					return Any(), nil
				}
				return nil, &PathError{Prefix: prefix, Pos: seg.Pos, In: cur}
			}
			if len(seg.Indexes) != 1 {
				return Any(), nil
			}
			cur = cur.Elem
			prefix += fmt.Sprintf("[%d]", seg.Indexes[0])
		default:
			return Any(), nil
		}
	}
	if cur == nil {
		return Any(), nil
	}
	return cur, nil
}

// Set returns the shape of s after a value of shape v is written at the
// reference path segs (a ResultPath): intermediate objects are created as
// Step Functions creates them. Writing into an Unknown value gives an open
// object that knows the written member.
func Set(s *Shape, segs []jsonpath.Segment, v *Shape) *Shape {
	if len(segs) == 0 {
		return v
	}
	seg := segs[0]
	switch {
	case seg.Kind == jsonpath.Child && len(seg.Names) == 1 && !seg.Recursive:
		name := seg.Names[0]
		var out *Shape
		switch {
		case s != nil && s.Kind == Object:
			out = &Shape{Kind: Object, Open: s.Open, MaxItems: Unbounded, Fields: make(map[string]Field, len(s.Fields)+1)}
			for k, f := range s.Fields {
				out.Fields[k] = f
			}
		case s == nil:
			out = NewObject(nil)
		default:
			out = OpenObject(nil)
		}
		child := Any()
		if f, ok := out.Fields[name]; ok {
			child = f.Shape
		} else if !out.Open {
			child = NewObject(nil)
		}
		out.Fields[name] = Field{Shape: Set(child, segs[1:], v)}
		return out
	case seg.Kind == jsonpath.Index && s != nil && s.Kind == Array:
		return NewArray(Union(s.Elem, Set(s.Elem, segs[1:], v)), s.MaxItems)
	}
	return Any()
}
