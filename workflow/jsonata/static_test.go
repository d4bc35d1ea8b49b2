package jsonata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []Ref
	}{
		{`$states.input.error.Cause`, []Ref{{Pos: 0, Var: "states", Fields: []string{"input", "error", "Cause"}}}},
		{`$failedState & "x"`, []Ref{{Pos: 0, Var: "failedState"}}},
		{`$states.input.a[0].b`, []Ref{{Pos: 0, Var: "states", Fields: []string{"input"}}}},
		{`($x := $states.input.a; $x.b)`, []Ref{{Pos: 7, Var: "states", Fields: []string{"input", "a"}}}},
		{`$map($states.input.items, function($v) { $v.name })`, []Ref{{Pos: 5, Var: "states", Fields: []string{"input", "items"}}}},
		{`$uppercase("a")`, nil},
	}
	for _, tt := range tests {
		got := MustCompile(tt.src).Refs()
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Refs(%s) (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	in := Ref{Pos: 8, Var: "states", Fields: []string{"input"}}
	tests := []struct {
		src  string
		want Static
	}{
		{`$merge([$states.input, {"a": 1, "b": "xy", "c": $now()}])`, Static{Kind: StaticMerge, Parts: []Static{
			{Kind: StaticRef, Ref: in},
			{Kind: StaticObject, Fields: map[string]Static{"a": {Kind: StaticNumber}, "b": {Kind: StaticString, Bytes: 4}, "c": {Kind: StaticString, Bytes: 26}}},
		}}},
		{`($r := 1; {"r": $r})`, Static{Kind: StaticObject, Fields: map[string]Static{"r": {}}}},
		{`$x ? "a" : 2`, Static{Kind: StaticEither, Parts: []Static{{Kind: StaticString, Bytes: 3}, {Kind: StaticNumber}}}},
		{`$states.input.items[0]`, Static{}},
		{`$count([1])`, Static{Kind: StaticNumber}},
	}
	for _, tt := range tests {
		got := MustCompile(tt.src).Static()
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Static(%s) (-want +got):\n%s", tt.src, diff)
		}
	}
}
