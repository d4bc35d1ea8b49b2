package jsonvalue_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/jsontest"
	"github.com/sluicehq/sluice/internal/jsonvalue"
)

func sameText(a, b json.Number) bool { return a == b }

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"null", `null`, `null`, true},
		{"null and false", `null`, `false`, false},
		{"bools", `true`, `true`, true},
		{"strings", `"a"`, `"a"`, true},
		{"string and number", `"1"`, `1`, false},
		{"numbers by the rule", `1`, `1`, true},
		{"numbers by the rule differ", `1`, `1.0`, false},
		{"object key order", `{"a":1,"b":[2,3]}`, `{"b":[2,3],"a":1}`, true},
		{"object extra key", `{"a":1}`, `{"a":1,"b":2}`, false},
		{"object missing key", `{"a":1,"b":2}`, `{"a":1,"c":2}`, false},
		{"array order", `[1,2]`, `[2,1]`, false},
		{"array length", `[1]`, `[1,1]`, false},
		{"object and array", `{}`, `[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := jsonvalue.Equal(jsontest.Decode(t, tt.a), jsontest.Decode(t, tt.b), sameText); got != tt.want {
				t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
	if jsonvalue.Equal(int64(1), int64(1), sameText) {
		t.Error("Equal on a non-JSON type = true, want false")
	}
}

func TestEqualFunc(t *testing.T) {
	t.Parallel()
	var leaves []string
	anything := func(a, b any) bool {
		leaves = append(leaves, a.(string)+"~"+b.(string))
		return a == "*" || a == b
	}
	if !jsonvalue.EqualFunc(jsontest.Decode(t, `{"a":["*","x"]}`), jsontest.Decode(t, `{"a":["y","x"]}`), anything) {
		t.Error("EqualFunc with a wildcard leaf = false, want true")
	}
	if diff := cmp.Diff([]string{"*~y", "x~x"}, leaves); diff != "" {
		t.Errorf("leaf calls (-want +got):\n%s", diff)
	}
	if jsonvalue.EqualFunc(jsontest.Decode(t, `["*"]`), jsontest.Decode(t, `{"0":"x"}`), anything) {
		t.Error("EqualFunc of an array and an object = true, want false")
	}
}

func TestWriteJava(t *testing.T) {
	t.Parallel()
	double := func(n json.Number) string { return string(n) + ".0" }
	tests := []struct {
		name   string
		v      any
		number func(json.Number) string
		other  func(any) string
		want   string
	}{
		{"scalars", jsontest.Decode(t, `[null,true,"s",1]`), nil, nil, "[null, true, s, 1]"},
		{"nested sorted", jsontest.Decode(t, `{"b":{"d":[],"c":{}},"a":[1,[2]]}`), nil, nil, "{a=[1, [2]], b={c={}, d=[]}}"},
		{"number rule", jsontest.Decode(t, `{"n":[1,2]}`), double, nil, "{n=[1.0, 2.0]}"},
		{"other default", []any{int64(7)}, nil, nil, "[7]"},
		{"other rule", []any{int64(7)}, nil, func(any) string { return "?" }, "[?]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			jsonvalue.WriteJava(&b, tt.v, tt.number, tt.other)
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("WriteJava (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSortedKeys(t *testing.T) {
	t.Parallel()
	got := jsonvalue.SortedKeys(map[string]any{"b": 1, "a": 2, "B": 3, "": 4, "aa": 5})
	if diff := cmp.Diff([]string{"", "B", "a", "aa", "b"}, got); diff != "" {
		t.Errorf("SortedKeys (-want +got):\n%s", diff)
	}
	if got := jsonvalue.SortedKeys(nil); len(got) != 0 {
		t.Errorf("SortedKeys(nil) = %v, want empty", got)
	}
}

func TestUnionKeys(t *testing.T) {
	t.Parallel()
	got := jsonvalue.UnionKeys(map[string]any{"b": 1, "a": 2}, map[string]any{"c": 3, "a": 4})
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("UnionKeys (-want +got):\n%s", diff)
	}
	if got := jsonvalue.UnionKeys(nil, nil); len(got) != 0 {
		t.Errorf("UnionKeys(nil, nil) = %v, want empty", got)
	}
}
