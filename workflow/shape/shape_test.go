package shape_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/jsonpath"
	"github.com/sluicehq/sluice/workflow/shape"
)

type inner struct {
	Key  string `json:"key" maxBytes:"10"`
	Size int64  `json:"size,omitempty"`
}

type embedded struct {
	Flat bool `json:"flat"`
}

type outer struct {
	embedded
	Name    string            `json:"name"`
	Inner   inner             `json:"inner"`
	Ptr     *inner            `json:"ptr,omitempty"`
	List    []inner           `json:"list" maxItems:"3"`
	Fixed   [2]int            `json:"fixed"`
	Labels  map[string]string `json:"labels"`
	Any     any               `json:"any"`
	Raw     json.RawMessage   `json:"raw"`
	Skipped string            `json:"-"`
	NoTag   int
	hidden  int
}

func TestOf(t *testing.T) {
	t.Parallel()
	s, err := shape.Of(reflect.TypeFor[outer]())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("{NoTag: number, any: any, fixed: [number], flat: boolean, inner: {key: string, size?: number}, labels: {...}, list: [{key: string, size?: number}], name: string, ptr?: {key: string, size?: number}, raw: any}", s.String()); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if s.Name != "shape_test.outer" {
		t.Errorf("Name = %q", s.Name)
	}
	// Size: unbounded (name has no maxBytes); inner alone is bounded.
	if n := s.Size(); n != shape.Unbounded {
		t.Errorf("outer Size = %d, want unbounded", n)
	}
	in := s.Fields["inner"].Shape
	// {"key":<12>,"size":<20>} = 2 + (5+2+12) + (6+2+20)
	if n, want := in.Size(), int64(2+5+2+12+6+2+20); n != want {
		t.Errorf("inner Size = %d, want %d", n, want)
	}
	list := s.Fields["list"].Shape
	if n, want := list.Size(), 2+3*(in.Size()+1); n != want {
		t.Errorf("list Size = %d, want %d", n, want)
	}
	if n, want := s.Fields["fixed"].Shape.Size(), int64(2+2*21); n != want {
		t.Errorf("fixed Size = %d, want %d", n, want)
	}
}

func TestOfBadTag(t *testing.T) {
	t.Parallel()
	type bad struct {
		A string `json:"a" maxBytes:"lots"`
	}
	type badItems struct {
		A string `json:"a" maxItems:"3"`
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[bad](), reflect.TypeFor[badItems]()} {
		if _, err := shape.Of(typ); err == nil {
			t.Errorf("%v: no error for a malformed tag", typ)
		}
	}
}

func TestOfRecursive(t *testing.T) {
	t.Parallel()
	type node struct {
		Next *node `json:"next"`
	}
	s, err := shape.Of(reflect.TypeFor[node]())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "{next: any}" {
		t.Errorf("got %s", got)
	}
}

func segs(t *testing.T, expr string) []jsonpath.Segment {
	t.Helper()
	p, err := jsonpath.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return p.Segments()
}

func TestGet(t *testing.T) {
	t.Parallel()
	s := shape.MustOf(reflect.TypeFor[outer]())
	tests := []struct {
		path      string
		want      string // shape, or "" when an error is wanted
		wantField string
		wantSugg  string
	}{
		{"$.inner.key", "string", "", ""},
		{"$.list[0].size", "number", "", ""},
		{"$.labels.anything", "any", "", ""},
		{"$.any.x.y", "any", "", ""},
		{"$.list[*].nope", "any", "", ""},
		{"$.inner.kye", "", "kye", "key"},
		{"$.innr", "", "innr", "inner"},
		{"$.zzzzzz", "", "zzzzzz", ""},
		{"$.name.first", "", "", ""},
		{"$.inner[0]", "", "", ""},
	}
	for _, tt := range tests {
		got, err := shape.Get(s, "$", segs(t, tt.path))
		if tt.want != "" {
			if err != nil {
				t.Errorf("%s: %v", tt.path, err)
			} else if got.String() != tt.want {
				t.Errorf("%s = %s, want %s", tt.path, got, tt.want)
			}
			continue
		}
		var pe *shape.PathError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, %v; want a PathError", tt.path, got, err)
			continue
		}
		if pe.Field != tt.wantField || pe.Suggestion != tt.wantSugg {
			t.Errorf("%s: field %q suggestion %q, want %q %q (%v)", tt.path, pe.Field, pe.Suggestion, tt.wantField, tt.wantSugg, err)
		}
	}
}

func TestPathErrorMessage(t *testing.T) {
	t.Parallel()
	s := shape.MustOf(reflect.TypeFor[inner]())
	_, err := shape.Get(shape.NewObject(map[string]shape.Field{"first": {Shape: s}}), "$", segs(t, "$.first.kye"))
	want := `$.first (shape_test.inner) has no field "kye" (did you mean "key"?); it has: key, size`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	str := shape.Scalar(shape.String, 5)
	tests := []struct {
		name string
		in   *shape.Shape
		path string
		want string
	}{
		{"root replaces", shape.Literal(map[string]any{"a": 1.0}), "$", "string"},
		{"adds a member", shape.Literal(map[string]any{"a": 1.0}), "$.b", "{a: number, b: string}"},
		{"creates objects", shape.Literal(map[string]any{"a": 1.0}), "$.b.c", "{a: number, b: {c: string}}"},
		{"replaces a member", shape.Literal(map[string]any{"a": 1.0}), "$.a", "{a: string}"},
		{"into unknown", shape.Any(), "$.b.c", "{b: {c: string, ...}, ...}"},
	}
	for _, tt := range tests {
		got := shape.Set(tt.in, segs(t, tt.path), str)
		if got.String() != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestUnion(t *testing.T) {
	t.Parallel()
	a := shape.Literal(map[string]any{"a": 1.0, "both": "x"})
	b := shape.Literal(map[string]any{"b": true, "both": "yy"})
	if got, want := shape.Union(a, b).String(), "{a?: number, b?: boolean, both: string}"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := shape.Union(a, shape.Literal("s")); !got.IsUnknown() || got.Size() != a.Size() {
		t.Errorf("object ∪ string = %s size %d, want unknown of size %d", got, got.Size(), a.Size())
	}
	if !shape.Equal(shape.Union(a, a), a) {
		t.Error("a ∪ a != a")
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"first", "records", "chunkCount"}
	for in, want := range map[string]string{"frist": "first", "chunkcount": "chunkCount", "record": "records", "x": "", "manifest": ""} {
		if got := shape.Suggest(in, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
