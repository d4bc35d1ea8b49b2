package jsonata

import (
	"context"
	"errors"
	"testing"
	"time"
)

func FuzzJSONataCompile(f *testing.F) {
	for _, s := range []string{
		"$states.input.a[0].b", `{"a": [1, 2, $x]}`, "a.b{c: $sum(d)}", "$map(a, function($v, $i){$v * $i})",
		"items#$i[$i > 1]@$o", `$replace("abc", /b+/i, "$0$0")`, "a^(>b, c)", "($x := 1; $x ? 'y' : 'n')",
		"| $ | {'a': 1}, 'b' |", "$f := function($x)<n:n>{$x}", "1..3", "[1..3]", "$ ?? 1 ?: 2", "**.a", "`x y`",
	} {
		f.Add(s)
	}
	input := map[string]any{"a": []any{map[string]any{"b": 1.0, "c": "x"}, 2.0}, "items": []any{1.0, 2.0, 3.0}}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 256 {
			return
		}
		e, err := Compile(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q) returned %T, want *Error", src, err)
			}
			return
		}
		// The static views never panic and only name free variables.
		for _, r := range e.Refs() {
			if r.Var == "" || r.Pos < 0 || r.Pos > len(src) {
				t.Fatalf("Refs(%q) gave %+v", src, r)
			}
		}
		_ = e.Static()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = e.Eval(ctx, input, map[string]any{"x": 1.0})
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			if _, ok := err.(*EvalError); !ok {
				t.Fatalf("Eval(%q) returned %T (%v), want *EvalError", src, err, err)
			}
		}
	})
}
