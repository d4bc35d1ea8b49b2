package jsonata

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{name: "plain", in: "{% $states.input %}", want: " $states.input ", wantOK: true},
		{name: "no inner space", in: "{%1%}", want: "1", wantOK: true},
		{name: "outer whitespace is a constant", in: " {% states.input %} ", wantOK: false},
		{name: "jsonpath", in: "$.a", wantOK: false},
		{name: "unterminated", in: "{% 1", wantOK: false},
		{name: "too short", in: "{%}", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Strip(tt.in)
			if diff := cmp.Diff([]any{tt.want, tt.wantOK}, []any{got, ok}); diff != "" {
				t.Errorf("Strip(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{expr: "$states.input.a", want: []string{"states"}},

		{expr: "($x := 1; $x + $y)", want: []string{"y"}},
		{expr: "function($a){$a + $b}", want: []string{"b"}},
		{expr: "$sum($list) + $count($)", want: []string{"list"}},
		{expr: "items#$i[$i > $limit]", want: []string{"limit"}},
		{expr: "$$.a", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got := MustCompile(tt.expr).Variables()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr     string
		wantCode string
		wantPos  int
	}{
		{expr: "1 +", wantCode: "S0207", wantPos: 3},
		{expr: "(1", wantCode: "S0203", wantPos: 2},
		{expr: `"abc`, wantCode: "S0101", wantPos: 0},
		{expr: "a.1", wantCode: "S0213", wantPos: 2},
		{expr: "$x := ", wantCode: "S0207", wantPos: 6},
		{expr: "1 := 2", wantCode: "S0212", wantPos: 2},
		{expr: "/* x", wantCode: "S0106", wantPos: 0},
		{expr: `"\q"`, wantCode: "S0103", wantPos: 2},
		{expr: "a{b:1}{c:2}", wantCode: "S0210", wantPos: 6},
		{expr: "1..2", wantCode: "S0201", wantPos: 1},
		{expr: "%.a", wantCode: "S0217", wantPos: 0},
		// Step Functions runs JSONata 2.0.6, which predates ?: and ??
		{expr: "a ?? 1", wantCode: "S0211", wantPos: 3},
		{expr: "a ?: 1", wantCode: "S0211", wantPos: 3},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.expr)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q) = %v, want *Error", tt.expr, err)
			}
			if diff := cmp.Diff([]any{tt.wantCode, tt.wantPos, tt.expr}, []any{ce.Code, ce.Pos, ce.Expr}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvalErrorWording(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string
	}{
		// exact texts Step Functions puts after "threw an error during evaluation. "
		{expr: "$randomSeeded(1)", want: "T1006: Attempted to invoke a non-function"},
		{expr: `1 + "a"`, want: `T2002: The right side of the "+" operator must evaluate to a number`},
		{expr: `$sum("a")`, want: `T0412: Argument 1 of function "sum" must be an array of "numbers"`},
		{expr: `"a" < 1`, want: `T2009: The values "a" and 1 either side of operator "<" must be of the same data type`},
		{expr: `$number("x")`, want: `D3030: Unable to cast value to a number: "x"`},
		{expr: `sum([1])`, want: `T1005: Attempted to invoke a non-function. Did you mean $sum?`},
		{expr: `$error("boom")`, want: `D3137: boom`},
		// $eval is not available in Step Functions
		{expr: `$eval("1 + 1")`, want: `T1006: Attempted to invoke a non-function`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := evalString(tt.expr, map[string]any{}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatesVariable(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{expr: "$states.input.a", vars: `{"states":{"input":{"a":[1,2]}}}`, want: `[1,2]`},
		{expr: "$states.input", vars: `{"states":{"input":[1]}}`, want: `[1]`},
		{expr: "$states.context.Execution.Name", vars: `{"states":{"context":{"Execution":{"Name":"x"}}}}`, want: `"x"`},
		{expr: "$sum($states.input.vals) + $c", vars: `{"states":{"input":{"vals":[1,2]}},"c":3}`, want: `6`},
		{expr: "$doesNotExist", want: "undefined"},
		{expr: "$states.result.Payload.status", vars: `{"states":{"result":{"Payload":{"status":"ok"}}}}`, want: `"ok"`},
		{expr: "($x := 2; $x)", vars: `{"x":1}`, want: `2`},
		{expr: "$fn := function($x){$x}", want: "function"},
		{expr: `$exists($status) ? 'completed' : 'running'`, want: `"running"`},
		{expr: `$contains("hello$world", /^hello\$/)`, want: `true`},
		{expr: `$contains("hello$world", /^hello\ /)`, want: `false`},
		{expr: `$partition([0,1,2], 2)`, want: `[[0,1],[2]]`},
		{expr: `$partition([0], 1)`, want: `[[0]]`},
		{expr: `$range(1, 9, 9)`, want: `1`},
		{expr: `$range(0, 10, 3)`, want: `[0,3,6,9]`},
		{expr: `$parse("-0")`, want: `0`},
		{expr: `$parse("{\"Arg1\": 1, \"Arg2\": []}")`, want: `{"Arg1":1,"Arg2":[]}`},
		{expr: `$hash("input data", "SHA-256")`, want: `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{expr: `$length($uuid())`, want: `36`},
		{expr: `$random(7) = $random(7)`, want: `true`},
		{expr: `$number('2')`, want: `2`},
		{expr: `$string($parse('{"b":1,"a":{"d":1,"c":2}}'))`, want: `"{\"b\":1,\"a\":{\"d\":1,\"c\":2}}"`},
		{expr: `$keys($parse('{"b":1,"a":2}'))`, want: `["b","a"]`},
		{expr: `$parse('{')`, wantCode: "D3137"},
		{expr: `$parse('1 2')`, wantCode: "D3137"},
		{expr: `$hash($string({"id": 1, "name": "x"}), "MD5")`, want: `"2d67deb6550cbabe2eb3cf3eb03d3525"`},
		{expr: `$hash("x", "CRC32")`, wantCode: "D3137"},
	})
}

func TestEvalDoesNotMutateVars(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"x": "outer"}
	if _, err := evalString("$x := 'inner'", map[string]any{}, vars); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"x": "outer"}, vars); diff != "" {
		t.Errorf("vars changed (-want +got):\n%s", diff)
	}
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	e := MustCompile(`($x := $n * 2; {"n": $n, "twice": $x, "items": items[$ > $n]})`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got, err := e.Eval(context.Background(), map[string]any{"items": []any{1, 5, 10, 40, 70}}, map[string]any{"n": i})
			if err != nil {
				errs <- err
				return
			}
			m := got.(map[string]any)
			if fmt.Sprint(m["twice"]) != fmt.Sprint(i*2) {
				errs <- fmt.Errorf("goroutine %d got %v", i, m)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	e := MustCompile(`$count([1..1000000].($ * 2))`)
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		if _, err := e.Eval(ctx, nil, nil); err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want an error wrapping context.DeadlineExceeded", err)
			}
			return
		}
	}
	t.Fatal("evaluation was not cancelled")
}

func TestDeepRecursion(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{name: "tail recursion runs as a loop", expr: `($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(20000, 0))`, want: `20000`},
		{name: "mutual tail recursion", expr: `($even := function($n){ $n = 0 ? true : $odd($n - 1) }; $odd := function($n){ $n = 0 ? false : $even($n - 1) }; $even(5001))`, want: `false`},
		{name: "deep non-tail recursion", expr: `($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(5000))`, want: `5000`},
		{name: "runaway non-tail recursion", expr: `($f := function($n){ 1 + $f($n + 1) }; $f(0))`, wantCode: "U1001"},
	})
}

func TestInfiniteTailLoopStopsAtDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := MustCompile(`($f := function($n){ $f($n + 1) }; $f(0))`).Eval(ctx, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an error wrapping context.DeadlineExceeded", err)
	}
}

func TestNowUsesContextClock(t *testing.T) {
	t.Parallel()
	ctx := WithNow(context.Background(), time.Date(2024, 2, 3, 4, 5, 6, 789e6, time.UTC))
	got, err := MustCompile(`[$now(), $millis()]`).Eval(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"2024-02-03T04:05:06.789Z", float64(1706933106789)}, canonical(t, got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResourceLimits(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{name: "string doubling", expr: `($f := function($s, $n){$n = 0 ? $length($s) : $f($s & $s, $n - 1)}; $f("ab", 40))`, wantCode: "U1010"},
		// The doubling arrays exhaust the value budget (U1011, 2^24 values
		// produced in all) before one of them reaches the 1e7 of U1010.
		{name: "array doubling", expr: `($f := function($a, $n){$n = 0 ? $count($a) : $f($append($a, $a), $n - 1)}; $f([1], 40))`, wantCode: "U1011"},
		{name: "huge pad", expr: `$pad("x", 1e12)`, wantCode: "U1010"},
		{name: "huge range", expr: `[1..1e8]`, wantCode: "D2014"},
		{name: "within limits", expr: `($f := function($s, $n){$n = 0 ? $length($s) : $f($s & $s, $n - 1)}; $f("ab", 10))`, want: `2048`},
	})
}

// TestBudget checks the total evaluation budget: values produced across
// the whole evaluation, however they are split, and wall time, each
// failing with its *EvalError code; a budget passed with WithBudget
// replaces the default.
func TestBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		expr     string
		budget   *Budget
		want     string // JSON, when no error
		wantCode string
	}{
		{name: "nested ranges", expr: `[1..10000].([1..10000])`, wantCode: "U1011"},
		{name: "nested ranges counted", expr: `$count([1..10000].([1..10000]))`, wantCode: "U1011"},
		{name: "many small arrays", expr: `$count([1..100000].[$, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $, $])`, wantCode: "U1011"},
		{name: "objects", expr: `$count([1..100000].{"a": $, "b": [1..200]})`, wantCode: "U1011"},
		{name: "strings", expr: `$count([1..1000].$pad("", 10000))`, budget: &Budget{Values: 100000}, wantCode: "U1011"},
		{name: "within the default", expr: `$count([1..1000].([1..1000]))`, want: `1000000`},
		{name: "a smaller budget", expr: `$count([1..1000].([1..1000]))`, budget: &Budget{Values: 5000}, wantCode: "U1011"},
		{name: "time", expr: `($f := function($n){ $f($n + 1) }; $f(0))`, budget: &Budget{Time: 50 * time.Millisecond}, wantCode: "U1012"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tt.budget != nil {
				ctx = WithBudget(ctx, *tt.budget)
			}
			v, err := MustCompile(tt.expr).Eval(ctx, nil, nil)
			if tt.wantCode != "" {
				var ee *EvalError
				if !errors.As(err, &ee) || ee.Code != tt.wantCode {
					t.Fatalf("got %v, %v; want an *EvalError %s", v, err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantValue(t, tt.want), canonical(t, v)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegexUnsupported(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{`$contains("aa", /(a)\1/)`, `$contains("ab", /a(?=b)/)`, `$contains("ab", /(?<!x)b/)`} {
		_, err := Compile(expr)
		if diff := cmp.Diff("S0303", errorCode(err)); diff != "" {
			t.Errorf("Compile(%q) (-want +got):\n%s", expr, diff)
		}
	}
}

func TestWithRandom(t *testing.T) {
	t.Parallel()
	e := MustCompile(`[$random(), $uuid(), $shuffle([1,2,3,4,5,6,7,8])]`)
	run := func() any {
		ctx := WithRandom(context.Background(), mrand.New(mrand.NewPCG(1, 2)))
		v, err := e.Eval(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return canonical(t, v)
	}
	if diff := cmp.Diff(run(), run()); diff != "" {
		t.Errorf("same seed, different results (-first +second):\n%s", diff)
	}
}

func TestUnicodeCaseMapping(t *testing.T) {
	t.Parallel()
	// expected values from jsonata-js 2.0.6 (JavaScript's full case mapping)
	runEvalCases(t, []evalCase{
		{expr: `$uppercase("straße ǆ ﬁ")`, want: `"STRASSE Ǆ FI"`},
		{expr: `$lowercase("İSTANBUL ΣΑΣ")`, want: `"i̇stanbul σας"`},
		{expr: `$uppercase("abc")`, want: `"ABC"`},
	})
}
