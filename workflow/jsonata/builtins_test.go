package jsonata

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"
)

// TestBuiltinsNeverPanic calls every built-in function with every
// combination (up to three arguments) of awkward values: evaluation may
// fail, but only with an *EvalError.
func TestBuiltinsNeverPanic(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("about 50,000 evaluations")
	}
	values := []string{"$u", "null", "0", "-1.5", "1e300", "''", "'a,b'", "[]", "[1,'x']", "{}", "{'k':[1]}", "$string", "function($a,$b){$a}", "/a/", "true"}
	names := make([]string, 0, len(builtins().vars))
	for n := range builtins().vars {
		names = append(names, n)
	}
	sort.Strings(names)
	input := map[string]any{"k": []any{1.0, "x"}}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls []string
			calls = append(calls, "$"+name+"()")
			for _, a := range values {
				calls = append(calls, "$"+name+"("+a+")")
				for _, b := range values {
					calls = append(calls, "$"+name+"("+a+", "+b+")")
					for _, c := range values[:3] {
						calls = append(calls, "$"+name+"("+a+", "+b+", "+c+")")
					}
				}
			}
			for _, src := range calls {
				e, err := Compile(src)
				if err != nil {
					t.Fatalf("Compile(%q): %v", src, err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err = e.Eval(ctx, input, nil)
				cancel()
				var ee *EvalError
				if err != nil && !errors.As(err, &ee) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: error %T %v, want *EvalError", src, err, err)
				}
			}
		})
	}
}

// TestBuiltinTables checks the category tables: each function is in exactly
// one table (a second entry would silently replace the first in the frame),
// and every signature parses.
func TestBuiltinTables(t *testing.T) {
	t.Parallel()
	where := map[string]int{}
	for i, table := range builtinTables() {
		if len(table) == 0 {
			t.Errorf("table %d is empty", i)
		}
		for _, d := range table {
			if j, dup := where[d.name]; dup {
				t.Errorf("$%s is in tables %d and %d", d.name, j, i)
			}
			where[d.name] = i
			if _, err := parseSignature(d.sig); err != nil {
				t.Errorf("$%s: signature %q: %v", d.name, d.sig, err)
			}
			if d.fn == nil {
				t.Errorf("$%s has no implementation", d.name)
			}
		}
	}
	if got := len(builtins().vars); got != len(where) {
		t.Errorf("builtins() has %d functions, the tables %d", got, len(where))
	}
}
