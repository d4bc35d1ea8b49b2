package dataset

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// List makes a field a list of values of the field's Type. Every option of
// the field that constrains a value (Pattern, Min, Max, MaxLength, Values,
// CaseInsensitive, Layouts, Scale, Transforms.Case and Trim) applies to
// each element; List adds what constrains the list as a whole and how it is
// stored:
//
//	{Name: "tags", Type: dataset.String, MaxLength: 40,
//		List: &dataset.List{MaxItems: 20, Set: true}}
//
// A list is read from a JSON array, from repeated XML elements (directly
// under the record element, or the children of a wrapper element such as
// <tags><tag>…</tag><tag>…</tag></tags>), or, where Delimiter is declared,
// from a text value split on it (the only way a CSV cell holds a list). An
// empty list is an empty value: it is not written, and a Required list
// needs at least one element. A list field may not be used where one value
// is needed: in a key template, a TTL, a lookup or an HTTP URL.
type List struct {
	// MinItems and MaxItems bound the number of elements, inclusive, of a
	// list that has any. 0: no bound.
	MinItems, MaxItems int
	// Unique rejects a list holding the same element twice, compared after
	// normalisation (numbers by value: 1.5 and 1.50 are the same).
	Unique bool
	// Set stores the list as a DynamoDB String Set (string, enum, date and
	// timestamp elements) or Number Set (int and decimal elements) instead
	// of a List. A set is unordered and holds each element once, so Set
	// implies Unique; a bool list cannot be a set. Default: a DynamoDB List
	// (L), in file order.
	Set bool
	// Delimiter, when set, splits a text value into elements, such as "|"
	// for the CSV cell "tea|black". Required for a CSV dataset; in JSON
	// and XML it lets a string stand for the list, which is otherwise one
	// element (XML) or a type problem (JSON, which has arrays).
	Delimiter string
}

// Field error codes of list fields.
const (
	// CodeMinItems: a list has fewer elements than List.MinItems.
	CodeMinItems = "min_items"
	// CodeMaxItems: a list has more elements than List.MaxItems.
	CodeMaxItems = "max_items"
	// CodeDuplicateItem: a Unique (or Set) list holds an element twice.
	CodeDuplicateItem = "duplicate_item"
)

// CodeListField is the Compile issue code of a list field used where one
// value is needed (a key, a TTL, a lookup, an HTTP URL, a default).
const CodeListField = "ListField"

// SetType is how a list field is stored in DynamoDB: "" for a List (L),
// or the set type.
type SetType string

// The DynamoDB set types a list field can be stored as.
const (
	// StringSet is a DynamoDB String Set (SS).
	StringSet SetType = "SS"
	// NumberSet is a DynamoDB Number Set (NS).
	NumberSet SetType = "NS"
)

// SetType returns how f is stored: StringSet or NumberSet for a list field
// declared Set, "" otherwise (a scalar, or a List).
func (f *Field) SetType() SetType {
	if f.List == nil || !f.List.Set {
		return ""
	}
	switch f.Type {
	case Int, Decimal:
		return NumberSet
	case Bool:
		return ""
	}
	return StringSet
}

// SetAttributes returns, by attribute name, the fields of d stored as
// DynamoDB sets, for the loader (which encodes them as SS or NS and never
// writes an empty one). Dropped fields are not written, so not listed.
func (d *Dataset) SetAttributes() map[string]SetType {
	var out map[string]SetType
	for i := range d.Fields {
		f := &d.Fields[i]
		st := f.SetType()
		if st == "" || d.dropped(f.Name) {
			continue
		}
		if out == nil {
			out = map[string]SetType{}
		}
		out[f.Name] = st
	}
	return out
}

func (d *Dataset) dropped(name string) bool {
	if d.c != nil {
		return d.c.drop[name]
	}
	for _, n := range d.Transforms.Drop {
		if n == name {
			return true
		}
	}
	return false
}

// compileList checks the List options of the field at path p.
func (d *Dataset) compileList(f *Field, p string, add issueAdder) {
	l := f.List
	if l == nil {
		return
	}
	p += ".List"
	if l.MinItems < 0 || l.MaxItems < 0 {
		add(p+".MinItems", CodeBadOption, "MinItems and MaxItems must not be negative")
	}
	if l.MaxItems > 0 && l.MinItems > l.MaxItems {
		add(p+".MaxItems", CodeBadOption, "MaxItems %d is below MinItems %d", l.MaxItems, l.MinItems)
	}
	if l.Set && f.Type == Bool {
		add(p+".Set", CodeBadOption, "a bool list cannot be a DynamoDB set (there are String, Number and Binary sets): store it as a List")
	}
	if d.Format.Kind == CSV && l.Delimiter == "" {
		add(p+".Delimiter", CodeBadOption, "a CSV cell holds one text: a list field of a CSV dataset needs a Delimiter to split it on")
	}
	if d.Format.Kind == CSV && l.Delimiter != "" && l.Delimiter == string(csvDelimiter(d.Format)) {
		add(p+".Delimiter", CodeBadOption, "delimiter %q is also the CSV field separator", l.Delimiter)
	}
}

func csvDelimiter(f Format) rune {
	if f.Delimiter == 0 {
		return ','
	}
	return f.Delimiter
}

// elemPath names element i of field name in a FieldError: "tags[1]"
// (0-based, as in the declaration's Issue paths).
func elemPath(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }

// listElements turns a present, non-empty raw value of a list field into
// its raw elements, or says why it cannot be a list.
func (d *Dataset) listElements(f *Field, v any) ([]any, *FieldError) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case string:
		if f.List.Delimiter != "" {
			parts := strings.Split(x, f.List.Delimiter)
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		}
		if d.Format.Kind == XML {
			// One occurrence of a repeated element, or a wrapper holding
			// text only: a list of one.
			return []any{x}, nil
		}
	case map[string]any:
		if d.Format.Kind == XML {
			return xmlWrapperElements(f, x)
		}
	}
	what := jsonKind(v)
	b, _ := json.Marshal(v)
	return nil, fieldErr(f, string(b), CodeType, "expected a list of %s, found %s", f.Type, what)
}

// xmlWrapperElements returns the children of an XML wrapper element, such
// as <tags><tag>a</tag><tag>b</tag></tags>: every child element must have
// the same name, whatever it is. The wrapper's attributes ("@name") are
// not elements; text beside the children is refused, as it would be lost.
func xmlWrapperElements(f *Field, m map[string]any) ([]any, *FieldError) {
	var names []string
	for k := range m {
		if strings.HasPrefix(k, "@") {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	switch {
	case len(names) == 0:
		return nil, nil // attributes only: no elements
	case len(names) > 1 && names[0] == "#text":
		return nil, fieldErr(f, fmt.Sprint(m["#text"]), CodeType, "expected a list of %s: the element holds text beside its <%s> children", f.Type, names[1])
	case len(names) > 1:
		return nil, fieldErr(f, strings.Join(names, ", "), CodeType, "expected a list of %s: the element's children must all have one name, found <%s>", f.Type, strings.Join(names, ">, <"))
	case names[0] == "#text":
		return nil, fieldErr(f, fmt.Sprint(m["#text"]), CodeType, "expected a list of %s, found an element with attributes and text", f.Type)
	}
	switch c := m[names[0]].(type) {
	case []any:
		return c, nil
	default:
		return []any{c}, nil
	}
}

// xmlPath walks an XML record's values along a Column path: a step names
// a child, an attribute ("@name") or the text ("#text") of the value
// reached so far; the text of an element without attributes or children
// is the element itself. A step that finds nothing makes the value absent.
func xmlPath(raw map[string]any, path []string) (any, bool) {
	var cur any = raw
	for _, step := range path {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[step]
			if !ok {
				return nil, false
			}
			cur = v
		case string:
			if step != "#text" {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return cur, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}

// normalizeList normalises a list field's present value: every element
// converted and checked as a value of the field, then the list's own
// bounds and uniqueness. An empty list (no elements) is reported as
// absent (ok false, no errors): Normalize treats it like an empty value.
func (d *Dataset) normalizeList(f *Field, v any, c Case) (out []any, errs []FieldError, ok bool) {
	raw, fe := d.listElements(f, v)
	if fe != nil {
		return nil, []FieldError{*fe}, false
	}
	if len(raw) == 0 {
		return nil, nil, false
	}
	out = make([]any, 0, len(raw))
	seen := map[string]int{}
	unique := f.List.Unique || f.List.Set
	for i, e := range raw {
		if s, isStr := e.(string); isStr && d.Transforms.Trim {
			e = strings.TrimSpace(s)
		}
		if e == nil || e == "" {
			errs = append(errs, FieldError{Field: elemPath(f.Name, i), Code: CodeRequired, Reason: "list element is empty"})
			continue
		}
		nv, fe := f.convert(e, c)
		if fe != nil {
			fe.Field = elemPath(f.Name, i)
			errs = append(errs, *fe)
			continue
		}
		if unique {
			k := elemKey(f.Type, nv)
			if j, dup := seen[k]; dup {
				errs = append(errs, FieldError{Field: elemPath(f.Name, i), Value: Excerpt(Text(nv), 64), Code: CodeDuplicateItem,
					Reason: fmt.Sprintf("the same as element %d (a %s holds each value once)", j, map[bool]string{true: "set", false: "unique list"}[f.List.Set])})
				continue
			}
			seen[k] = i
		}
		out = append(out, nv)
	}
	if len(errs) > 0 {
		return nil, errs, false
	}
	n := len(out)
	if l := f.List; l.MinItems > 0 && n < l.MinItems {
		return nil, []FieldError{{Field: f.Name, Value: fmt.Sprint(n), Code: CodeMinItems, Reason: fmt.Sprintf("%d element(s), fewer than the minimum %d", n, l.MinItems)}}, false
	} else if l.MaxItems > 0 && n > l.MaxItems {
		return nil, []FieldError{{Field: f.Name, Value: fmt.Sprint(n), Code: CodeMaxItems, Reason: fmt.Sprintf("%d elements, more than the maximum %d", n, l.MaxItems)}}, false
	}
	return out, nil, true
}

// elemKey is the identity of a normalised element for Unique: its text,
// and for a number its value (DynamoDB's Number Set holds 1.5 and 1.50
// once).
func elemKey(t Type, v any) string {
	s := Text(v)
	if t != Int && t != Decimal {
		return s
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// listSample is the compile-time value of a list field in the expression
// environment: a typed slice of the element's sample value.
func listSample(t Type) any {
	e := reflect.TypeOf(sampleValue(t))
	return reflect.MakeSlice(reflect.SliceOf(e), 0, 0).Interface()
}

// listExprValue converts a normalised list to its expression value: a
// slice typed like listSample's, each element converted by exprValue; an
// absent list (nil) is an empty slice, so "x" in tags is false.
func listExprValue(t Type, v any) any {
	l, ok := v.([]any)
	if !ok && v != nil {
		return v
	}
	switch t {
	case Int:
		return exprElems[int](t, l)
	case Decimal:
		return exprElems[Number](t, l)
	case Bool:
		return exprElems[bool](t, l)
	case Timestamp:
		return exprElems[time.Time](t, l)
	}
	return exprElems[string](t, l)
}

// exprElems converts each element of a list of type t as exprValue does,
// keeping those that are a T (an element the type does not fit is left
// out).
func exprElems[T any](t Type, l []any) []T {
	out := make([]T, 0, len(l))
	for _, e := range l {
		if v, ok := exprValue(t, e).(T); ok {
			out = append(out, v)
		}
	}
	return out
}
