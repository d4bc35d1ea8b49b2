package intrinsic_test

import (
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/jsontest"
	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// testEnv resolves $ against Input, $$ against Context and $name against
// Vars.
type testEnv struct {
	Input, Context any
	Vars           map[string]any
	rnd            *mrand.Rand
}

func (e testEnv) Resolve(p *jsonpath.Path) (any, error) {
	switch {
	case p.IsContext():
		return p.Get(e.Context)
	case p.Variable() != "":
		v, ok := e.Vars[p.Variable()]
		if !ok {
			return nil, fmt.Errorf("no variable %s", p.Variable())
		}
		return p.Get(v)
	}
	return p.Get(e.Input)
}

// seededEnv also implements intrinsic.Randomness.
type seededEnv struct{ testEnv }

func (e seededEnv) Rand() *mrand.Rand { return e.rnd }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr  string
		want  string
		kinds []intrinsic.ArgKind
	}{
		{"States.UUID()", "States.UUID()", nil},
		{"  States.Array( )  ", "States.Array()", nil},
		{"States.Array(1,'a',true,false,null,$.x,$$.y,$v)", "States.Array(1, 'a', true, false, null, $.x, $$.y, $v)",
			[]intrinsic.ArgKind{intrinsic.ArgNumber, intrinsic.ArgString, intrinsic.ArgBool, intrinsic.ArgBool, intrinsic.ArgNull, intrinsic.ArgPath, intrinsic.ArgPath, intrinsic.ArgPath}},
		{`States.Format('a\{\}b\'c\\d {}', $.x)`, `States.Format('a\{\}b\'c\\d {}', $.x)`, []intrinsic.ArgKind{intrinsic.ArgString, intrinsic.ArgPath}},
		{"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
			"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
			[]intrinsic.ArgKind{intrinsic.ArgCall, intrinsic.ArgCall}},
		{"States.Array($.a[?(@.x == 'a,b)')], $['k, )'])", "States.Array($.a[?(@.x == 'a,b)')], $['k, )'])", []intrinsic.ArgKind{intrinsic.ArgPath, intrinsic.ArgPath}},
		{"States.MathAdd(1.5e2, -0.5)", "States.MathAdd(1.5e2, -0.5)", []intrinsic.ArgKind{intrinsic.ArgNumber, intrinsic.ArgNumber}},
		{"States.Hash('x', 'SHA-256')", "States.Hash('x', 'SHA-256')", []intrinsic.ArgKind{intrinsic.ArgString, intrinsic.ArgString}},
		{"States.JsonMerge($.a, $.b, false)", "States.JsonMerge($.a, $.b, false)", []intrinsic.ArgKind{intrinsic.ArgPath, intrinsic.ArgPath, intrinsic.ArgBool}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			c, err := intrinsic.Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			var kinds []intrinsic.ArgKind
			for _, a := range c.Args {
				kinds = append(kinds, a.Kind)
			}
			if diff := cmp.Diff(tt.kinds, kinds); diff != "" {
				t.Errorf("kinds (-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseStringLiteral(t *testing.T) {
	t.Parallel()
	c := intrinsic.MustParse(`States.StringToJson('{"a":"q\"x"} \' \\ \{ \}')`)
	a := c.Args[0]
	if want := `{"a":"q\"x"} ' \ { }`; a.Str != want {
		t.Errorf("Str = %q, want %q", a.Str, want)
	}
	if want := `{"a":"q\"x"} \' \\ \{ \}`; a.Raw != want {
		t.Errorf("Raw = %q, want %q", a.Raw, want)
	}
	if a.Pos != 20 {
		t.Errorf("Pos = %d, want 20", a.Pos)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		expr string
		pos  int
		kind intrinsic.ErrorKind
	}{
		{"empty", "", 0, intrinsic.ErrSyntax},
		{"not a call", "$.a", 0, intrinsic.ErrSyntax},
		{"unknown function", "States.Nope()", 0, intrinsic.ErrUnknownFunction},
		{"lower case", "States.format('x')", 0, intrinsic.ErrUnknownFunction},
		{"no parens", "States.UUID", 11, intrinsic.ErrSyntax},
		{"unclosed", "States.Array(1", 12, intrinsic.ErrSyntax},
		{"trailing", "States.UUID() x", 14, intrinsic.ErrSyntax},
		{"bad separator", "States.Array(1 2)", 15, intrinsic.ErrSyntax},
		{"unterminated string", "States.Array('abc)", 13, intrinsic.ErrSyntax},
		{"bad arg", "States.Array(#)", 13, intrinsic.ErrSyntax},
		{"bad number", "States.Array(1.)", 15, intrinsic.ErrSyntax},
		{"number then letters", "States.Array(1x)", 14, intrinsic.ErrSyntax},
		{"bad path", "States.Array($.a[)", 17, intrinsic.ErrPath},
		{"arity too few", "States.MathAdd(1)", 0, intrinsic.ErrArity},
		{"arity too many", "States.UUID(1)", 0, intrinsic.ErrArity},
		{"arity optional", "States.MathRandom(1, 2, 3, 4)", 0, intrinsic.ErrArity},
		{"nested arity", "States.Array(States.ArrayLength())", 13, intrinsic.ErrArity},
		{"string for number", "States.MathAdd('1', 2)", 15, intrinsic.ErrArgumentType},
		{"number for string", "States.StringSplit(1, ',')", 19, intrinsic.ErrArgumentType},
		{"fraction for integer", "States.ArrayRange(1, 2.5, 1)", 21, intrinsic.ErrArgumentType},
		{"literal for array", "States.ArrayLength('abc')", 19, intrinsic.ErrArgumentType},
		{"null for string", "States.Base64Encode(null)", 20, intrinsic.ErrArgumentType},
		{"deep merge", "States.JsonMerge($.a, $.b, true)", 27, intrinsic.ErrArgumentValue},
		{"bad hash", "States.Hash('x', 'SHA-3')", 17, intrinsic.ErrArgumentValue},
		{"too deep", strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11), 130, intrinsic.ErrNesting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := intrinsic.Parse(tt.expr)
			var pe *intrinsic.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *intrinsic.Error", tt.expr, err)
			}
			if pe.Pos != tt.pos || pe.Expr != tt.expr || pe.Kind != tt.kind {
				t.Errorf("Parse(%q): Pos %d Kind %v, want %d %v (%s)", tt.expr, pe.Pos, pe.Kind, tt.pos, tt.kind, pe.Msg)
			}
		})
	}
}

// lines reads the non-empty lines of a testdata file.
func lines(t testing.TB, name string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestTestdata parses every valid example (and its String form) and
// rejects every invalid one with an *Error.
func TestTestdata(t *testing.T) {
	t.Parallel()
	for _, expr := range lines(t, "valid.txt") {
		c, err := intrinsic.Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if c2, err := intrinsic.Parse(c.String()); err != nil || c2.String() != c.String() {
			t.Errorf("String() of %q does not round-trip: %q, %v", expr, c.String(), err)
		}
	}
	for _, expr := range lines(t, "invalid.txt") {
		var pe *intrinsic.Error
		if _, err := intrinsic.Parse(expr); !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error = %v, want *intrinsic.Error", expr, err)
		}
	}
}

func TestIsCall(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"States.Format('x')":  true,
		" States.UUID ()":     true,
		"States.Nope(":        true,
		"$.States.Format()":   false,
		"States.":             false,
		"States.Format":       false,
		"states.format('x')":  false,
		"{% States.UUID() %}": false,
	}
	for s, want := range tests {
		if got := intrinsic.IsCall(s); got != want {
			t.Errorf("IsCall(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	for name, fn := range intrinsic.Functions {
		if fn.Name != name {
			t.Errorf("Functions[%q].Name = %q", name, fn.Name)
		}
		if fn.ArityOK(fn.MinArgs-1) || !fn.ArityOK(fn.MinArgs) {
			t.Errorf("%s: arity bounds wrong", name)
		}
		if fn.MaxArgs >= 0 && fn.ArityOK(fn.MaxArgs+1) {
			t.Errorf("%s: accepts more than MaxArgs", name)
		}
		args := make([]string, fn.MinArgs)
		for i := range args {
			args[i] = fmt.Sprintf("$.a%d", i)
		}
		expr := name + "(" + strings.Join(args, ", ") + ")"
		if _, err := intrinsic.Parse(expr); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
}

const input = `{
 "s": "hello", "n": 3, "f": 1.5, "neg": -2.5, "big": 12345678901234567890, "t": true, "nul": null,
 "arr": [1, "a", null, {"k": [1, 2]}, [3]],
 "dup": [1, 1.0, "1", [1], [1], {"a": 1, "b": 2}, {"b": 2, "a": 1}, null, null],
 "obj": {"a": 1, "b": {"c": 2}},
 "obj2": {"b": 3, "d": 4},
 "json": "{\"x\": [1, 2.50, -0], \"y\": \"z\"}",
 "tmpl": "v={} w={}",
 "csv": "a,b,,c",
 "ctl": "a\u001f\n\"ü"
}`

func TestEval(t *testing.T) {
	t.Parallel()
	in := jsontest.Decode(t, input)
	env := testEnv{
		Input:   in,
		Context: jsontest.Decode(t, `{"StateMachine": {"Name": "my-machine-name"}, "Map": {"Item": {"Index": 2}}}`),
		Vars:    map[string]any{"v": jsontest.Decode(t, `{"name": "var", "list": [5, 6]}`)},
	}
	tests := []struct {
		expr string
		want string // JSON
	}{
		{"States.Format('Hello {}!', $.s)", `"Hello hello!"`},
		{"States.Format('{} {} {} {} {} {}', $.n, $.f, $.t, $.nul, $.arr, $.obj)", `"3 1.5 true null [1, a, null, {k=[1, 2]}, [3]] {a=1, b={c=2}}"`},
		{`States.Format('\{\} is literal, {} is not, it\'s \\ ok', 1)`, `"{} is literal, 1 is not, it's \\ ok"`},
		{"States.Format($.tmpl, 'x', 2.0)", `"v=x w=2.0"`},
		{"States.Format('{}', 1e3)", `"1000.0"`},
		{"States.Format('{}', 1.0E-5)", `"1.0E-5"`},
		{"States.Format('{}', $.big)", `"12345678901234567890"`},
		{"States.Format('{}{}', $v.name, $$.Map.Item.Index)", `"var2"`},
		{"States.Format('no placeholders')", `"no placeholders"`},
		{"States.StringToJson($.json)", `{"x": [1, 2.50, 0], "y": "z"}`},
		{"States.StringToJson('  ')", `null`},
		{"States.StringToJson('[1] trailing')", `[1]`},
		{"States.StringToJson('\"s\"')", `"s"`},
		{"States.JsonToString($.obj)", `"{\"a\":1,\"b\":{\"c\":2}}"`},
		{"States.JsonToString($.arr)", `"[1,\"a\",null,{\"k\":[1,2]},[3]]"`},
		{"States.JsonToString($.f)", `"1.5"`},
		{"States.JsonToString('<&>')", `"\"<&>\""`},
		{"States.JsonToString($.ctl)", `"\"a\\u001F\\n\\\"ü\""`},
		{"States.JsonToString(States.StringToJson($.json))", `"{\"x\":[1,2.5,0],\"y\":\"z\"}"`},
		{"States.Array()", `[]`},
		{"States.Array($.s, 1, null, $.obj.b)", `["hello", 1, null, {"c": 2}]`},
		{"States.ArrayPartition($.arr, 2)", `[[1, "a"], [null, {"k": [1, 2]}], [[3]]]`},
		{"States.ArrayPartition($.arr, 10)", `[[1, "a", null, {"k": [1, 2]}, [3]]]`},
		{"States.ArrayPartition(States.Array(), 3)", `[]`},
		{"States.ArrayContains($.arr, $.obj2)", `false`},
		{"States.ArrayContains($.arr, States.StringToJson('{\"k\":[1,2]}'))", `true`},
		{"States.ArrayContains($.arr, States.StringToJson('{\"k\":[1,2.0]}'))", `false`},
		{"States.ArrayContains(States.Array(1.5, 2), 1.50)", `true`},
		{"States.ArrayContains($.arr, null)", `true`},
		{"States.ArrayRange(1, 9, 2)", `[1, 3, 5, 7, 9]`},
		{"States.ArrayRange(0, 10, 3)", `[0, 3, 6, 9]`},
		{"States.ArrayRange(5, 1, -2)", `[5, 3, 1]`},
		{"States.ArrayRange(5, 1, 1)", `[]`},
		{"States.ArrayRange(9e18, -9e18, -9e18)", `[9000000000000000000, 0, -9000000000000000000]`},
		{"States.ArrayRange(1, 1000, 1)", ``},
		{"States.ArrayGetItem($.arr, 3)", `{"k": [1, 2]}`},
		{"States.ArrayGetItem($v.list, 1.0)", `6`},
		{"States.ArrayLength($.arr)", `5`},
		{"States.ArrayUnique($.dup)", `[1, 1.0, "1", [1], {"a": 1, "b": 2}, null]`},
		{"States.Base64Encode('Data to encode')", `"RGF0YSB0byBlbmNvZGU="`},
		{"States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", `"Data to encode"`},
		{"States.Base64Decode(States.Base64Encode('ünï'))", `"ünï"`},
		{"States.Hash('input data', 'MD5')", `"812f45842bc6d66ee14572ce20db8e86"`},
		{"States.Hash('input data', 'SHA-1')", `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"States.Hash('input data', 'SHA-256')", `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"States.Hash('input data', 'SHA-384')", `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{"States.Hash('input data', 'SHA-512')", `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{"States.JsonMerge($.obj, $.obj2, false)", `{"a": 1, "b": 3, "d": 4}`},
		{"States.MathAdd($.n, -1)", `2`},
		{"States.MathAdd($.f, $.neg)", `0`},
		{"States.MathAdd(1.49, 1.5)", `3`},
		{"States.MathAdd(-1.5, -1.51)", `-3`},
		{"States.MathAdd(States.MathAdd(1, 2), 3)", `6`},
		{"States.MathRandom(7, 8)", `7`},
		{"States.MathRandom(4, 4)", `4`},
		{"States.StringSplit($.csv, ',')", `["a", "b", "c"]`},
		{"States.StringSplit('This.is+a,test=string', '.+,=')", `["This", "is", "a", "test", "string"]`},
		{"States.StringSplit(',,,', ',')", `[]`},
		{"States.StringSplit('abc', '')", `["abc"]`},
		{"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))", `"name"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := intrinsic.MustParse(tt.expr).Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if tt.want == "" {
				return // only checks that it succeeds
			}
			want := jsontest.Decode(t, tt.want)
			if !jsonpath.Equal(want, got) {
				t.Errorf("got %s, want %s", intrinsic.CompactJSON(got), intrinsic.CompactJSON(want))
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	env := testEnv{Input: jsontest.Decode(t, input)}
	tests := []string{
		"States.Format('{} {}', 1)",
		"States.Format('{}', 1, 2)",
		"States.Format($.n, 1)",
		"States.StringToJson('{')",
		"States.StringToJson($.n)",
		"States.ArrayPartition($.arr, 0)",
		"States.ArrayPartition($.arr, -1)",
		"States.ArrayPartition($.s, 1)",
		"States.ArrayRange(1, 1001, 1)",
		"States.ArrayRange(1, 5, 0)",
		"States.ArrayRange(-9e18, 9e18, 1)",
		"States.ArrayRange(1, 1e19, 1)",
		"States.ArrayRange(1, $.f, 1)",
		"States.ArrayGetItem($.arr, 5)",
		"States.ArrayGetItem($.arr, -1)",
		"States.ArrayGetItem($.obj, 0)",
		"States.ArrayLength($.s)",
		"States.ArrayUnique($.obj)",
		"States.Base64Encode($.n)",
		"States.Base64Decode('***')",
		"States.Base64Encode(States.Format('{}{}{}', States.ArrayRange(1, 1000, 1), States.ArrayRange(1, 1000, 1), States.ArrayRange(1, 1000, 1)))",
		"States.Hash($.s, $.n)",
		"States.Hash($.s, States.Format('SHA'))",
		"States.Hash($.nul, 'MD5')",
		"States.JsonMerge($.obj, $.arr, false)",
		"States.JsonMerge($.obj, $.obj2, $.t)",
		"States.MathAdd($.s, 1)",
		"States.MathAdd(9223372036854775807, 1)",
		"States.MathRandom(5, 1)",
		"States.StringSplit($.n, ',')",
	}
	// Nested Formats double a 3.9 KB value ten times: past MaxFormatResult.
	big := "States.ArrayRange(1, 1000, 1)"
	for range intrinsic.MaxNesting - 1 {
		big = "States.Format('{}{}', " + big + ", " + big + ")"
	}
	tests = append(tests, big)
	for _, expr := range tests {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			_, err := intrinsic.MustParse(expr).Eval(env)
			var ee *intrinsic.EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Eval error = %v, want *EvalError", err)
			}
			if ee.Name != intrinsic.IntrinsicFailure || ee.Msg == "" || ee.Cause() != ee.Msg {
				t.Errorf("EvalError = %+v", ee)
			}
		})
	}
}

func TestEvalPathErrorPassesThrough(t *testing.T) {
	t.Parallel()
	_, err := intrinsic.MustParse("States.Array($.missing)").Eval(testEnv{Input: map[string]any{}})
	var nf *jsonpath.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want *jsonpath.NotFoundError", err)
	}
	if nf.Expr != "$.missing" {
		t.Errorf("Expr = %q", nf.Expr)
	}
}

func TestEvalDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	in := jsontest.Decode(t, input)
	before := intrinsic.CompactJSON(in)
	for _, expr := range []string{"States.JsonMerge($.obj, $.obj2, false)", "States.ArrayUnique($.dup)", "States.ArrayPartition($.arr, 2)", "States.Array($.obj)"} {
		if _, err := intrinsic.MustParse(expr).Eval(testEnv{Input: in}); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}
	if after := intrinsic.CompactJSON(in); after != before {
		t.Errorf("input changed:\n%s\n%s", before, after)
	}
}

func TestMathRandom(t *testing.T) {
	t.Parallel()
	seeded := intrinsic.MustParse("States.MathRandom(0, 1000, 42)")
	first, err := seeded.Eval(testEnv{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := seeded.Eval(testEnv{})
	if first != again {
		t.Errorf("seeded results differ: %v %v", first, again)
	}
	unseeded := intrinsic.MustParse("States.MathRandom(-5, 5)")
	for range 200 {
		v, err := unseeded.Eval(testEnv{})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := v.(json.Number).Int64()
		if n < -5 || n >= 5 {
			t.Fatalf("MathRandom(-5, 5) = %d, outside [-5, 5)", n)
		}
	}
	a, _ := unseeded.Eval(seededEnv{testEnv{rnd: mrand.New(mrand.NewPCG(1, 2))}})
	b, _ := unseeded.Eval(seededEnv{testEnv{rnd: mrand.New(mrand.NewPCG(1, 2))}})
	if a != b {
		t.Errorf("Randomness not used: %v %v", a, b)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUID(t *testing.T) {
	t.Parallel()
	c := intrinsic.MustParse("States.UUID()")
	a, err := c.Eval(testEnv{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Eval(testEnv{})
	if !uuidRE.MatchString(a.(string)) || a == b {
		t.Errorf("UUIDs %v %v", a, b)
	}
	x, _ := c.Eval(seededEnv{testEnv{rnd: mrand.New(mrand.NewPCG(3, 4))}})
	y, _ := c.Eval(seededEnv{testEnv{rnd: mrand.New(mrand.NewPCG(3, 4))}})
	if x != y || !uuidRE.MatchString(x.(string)) {
		t.Errorf("seeded UUIDs %v %v", x, y)
	}
}

func TestJavaNumber(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"0": "0", "-0": "0", "1": "1", "-12": "-12", "12345678901234567890": "12345678901234567890",
		"1.0": "1.0", "1.10": "1.1", "1.5": "1.5", "-2.5": "-2.5", "0.001": "0.001", "0.0001": "1.0E-4",
		"1e2": "100.0", "1E7": "1.0E7", "9999999.0": "9999999.0", "12345678.9": "1.23456789E7",
		"-0.0": "-0.0", "1.5e-10": "1.5E-10",
	}
	for in, want := range tests {
		if got := intrinsic.JavaNumber(json.Number(in)); got != want {
			t.Errorf("JavaNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	c := intrinsic.MustParse("States.Format('{}{}{}', $.a, States.Array($$.b, $c.d), 1)")
	var got []string
	for _, p := range c.Paths() {
		got = append(got, p.String())
	}
	if diff := cmp.Diff([]string{"$.a", "$$.b", "$c.d"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// FuzzIntrinsicParse checks that Parse never panics, reports positions
// inside the expression, and that String() of a parsed call parses to the
// same String().
func FuzzIntrinsicParse(f *testing.F) {
	for _, name := range []string{"valid.txt", "invalid.txt"} {
		for _, s := range lines(f, name) {
			f.Add(s)
		}
	}
	env := testEnv{
		Input:   jsontest.Decode(f, input),
		Context: jsontest.Decode(f, `{"Execution": {"Name": "a-b"}}`),
		Vars:    map[string]any{"v": jsontest.Decode(f, `[1, "2", {"a": null}]`)},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 256 {
			return
		}
		c, err := intrinsic.Parse(expr)
		if err != nil {
			var pe *intrinsic.Error
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(expr) {
				t.Fatalf("Parse(%q): bad error %v", expr, err)
			}
			return
		}
		s := c.String()
		c2, err := intrinsic.Parse(s)
		if err != nil {
			t.Fatalf("Parse(String() of %q = %q): %v", expr, s, err)
		}
		if s2 := c2.String(); s2 != s {
			t.Fatalf("String() not stable: %q -> %q -> %q", expr, s, s2)
		}
		_, _ = c.Eval(env)
	})
}

func BenchmarkParse(b *testing.B) {
	expr := "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"
	for b.Loop() {
		if _, err := intrinsic.Parse(expr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	env := testEnv{
		Input:   jsontest.Decode(b, input),
		Context: jsontest.Decode(b, `{"StateMachine": {"Name": "my-machine-name"}}`),
	}
	for _, expr := range []string{
		"States.Format('Hello {}, you have {} items', $.s, $.n)",
		"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
		"States.Hash($.s, 'SHA-256')",
		"States.JsonToString($.obj)",
	} {
		c := intrinsic.MustParse(expr)
		b.Run(expr[:min(len(expr), 40)], func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Eval(env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleCall_Eval() {
	c, err := intrinsic.Parse("States.Format('{} has {} parts', $.name, States.ArrayLength($.parts))")
	if err != nil {
		panic(err)
	}
	env := testEnv{Input: map[string]any{"name": "order-7", "parts": []any{"a", "b"}}}
	v, err := c.Eval(env)
	fmt.Println(v, err)
	// Output: order-7 has 2 parts <nil>
}
