package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decode parses JSON the way the engine does (UseNumber); "" is {}.
func decode(t testing.TB, s string) any {
	t.Helper()
	if s == "" {
		return map[string]any{}
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %q: %v", s, err)
	}
	return v
}

// canonical re-encodes a result so numbers compare by value.
func canonical(t testing.TB, v any) any {
	t.Helper()
	if v == Undefined {
		return "undefined"
	}
	if _, ok := v.(*Function); ok {
		return "function"
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("result not JSON: %v (%#v)", err, v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantValue(t testing.TB, s string) any {
	t.Helper()
	switch s {
	case "undefined", "function":
		return s
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("bad want JSON %q: %v", s, err)
	}
	return out
}

type evalCase struct {
	name     string
	expr     string
	input    string // JSON; "" means {}
	vars     string // JSON object of variables
	want     string // JSON, "undefined" or "function"
	wantCode string
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tt := range cases {
		name := tt.name
		if name == "" {
			name = tt.expr
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var vars map[string]any
			if tt.vars != "" {
				vars = decode(t, tt.vars).(map[string]any)
			}
			got, err := evalString(tt.expr, decode(t, tt.input), vars)
			if tt.wantCode != "" {
				if err == nil {
					t.Fatalf("got %v, want error %s", canonical(t, got), tt.wantCode)
				}
				if diff := cmp.Diff(tt.wantCode, errorCode(err)); diff != "" {
					t.Fatalf("error code (-want +got):\n%s\n%v", diff, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(wantValue(t, tt.want), canonical(t, got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func evalString(expr string, input any, vars map[string]any) (any, error) {
	e, err := Compile(expr)
	if err != nil {
		return nil, err
	}
	return e.Eval(context.Background(), input, vars)
}

func errorCode(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	var ee *EvalError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return "not a jsonata error: " + err.Error()
}

// TestOracle holds expressions whose expected results were produced by
// jsonata-js 2.2.2 (the implementation Step Functions follows) and checked
// against this package.
func TestOracle(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{expr: `1 + 2`, input: ``, want: `3`},
		{expr: `1 + "a"`, input: ``, wantCode: "T2002"},
		{expr: `"a" + 1`, input: ``, wantCode: "T2001"},
		{expr: `a.b`, input: `{"a":[{"b":[1,2]},{"b":3}]}`, want: `[1,2,3]`},
		{expr: `a.b`, input: `{"a":{"b":[1]}}`, want: `[1]`},
		{expr: `a.b[0]`, input: `{"a":[{"b":[1,2]},{"b":3}]}`, want: `[1,3]`},
		{expr: `(a.b)[0]`, input: `{"a":[{"b":[1,2]},{"b":3}]}`, want: `1`},
		{expr: `a[b>1].b`, input: `{"a":[{"b":1},{"b":2},{"b":3}]}`, want: `[2,3]`},
		{expr: `a[-1]`, input: `{"a":[1,2,3]}`, want: `3`},
		{expr: `a[[0,2]]`, input: `{"a":[1,2,3]}`, want: `[1,3]`},
		{expr: `a[]`, input: `{"a":1}`, want: `[1]`},
		{expr: `a.b[]`, input: `{"a":{"b":1}}`, want: `[1]`},
		{expr: `$sum(a)`, input: `{"a":[1,2,3.5]}`, want: `6.5`},
		{expr: `$count(a)`, input: `{"a":[1,2,3.5]}`, want: `3`},
		{expr: `$max(a) & "|" & $min(a) & "|" & $average(a)`, input: `{"a":[1,2,3.5]}`, want: `"3.5|1|2.16666666666667"`},
		{expr: `$string(0.1+0.2)`, input: ``, want: `"0.3"`},
		{expr: `0.1+0.2`, input: ``, want: `0.30000000000000004`},
		{expr: `$string(1e21)`, input: ``, want: `"1e+21"`},
		{expr: `$string(1e-7)`, input: ``, want: `"1e-7"`},
		{expr: `$string(123456789012345678)`, input: ``, want: `"123456789012345680"`},
		{expr: `{"a": 1, "b": [1,2], "c": $x}`, input: ``, want: `{"a":1,"b":[1,2]}`},
		{expr: `[1, [2,3], a]`, input: `{"a":[4,5]}`, want: `[1,[2,3],4,5]`},
		{expr: `a.[b,c]`, input: `{"a":[{"b":1,"c":2},{"b":3,"c":4}]}`, want: `[[1,2],[3,4]]`},
		{expr: `a{b: $sum(c)}`, input: `{"a":[{"b":"x","c":2},{"b":"y","c":4},{"b":"x","c":5}]}`, want: `{"x":7,"y":4}`},
		{expr: `a.{b: c}`, input: `{"a":[{"b":"x","c":2},{"b":"y","c":4}]}`, want: `[{"x":2},{"y":4}]`},
		{expr: `$map([1,2,3], function($v){$v*2})`, input: ``, want: `[2,4,6]`},
		{expr: `$map([1], function($v){$v*2})`, input: ``, want: `2`},
		{expr: `$filter([1,2,3], function($v){$v>1})`, input: ``, want: `[2,3]`},
		{expr: `$reduce([1,2,3], function($a,$b){$a+$b})`, input: ``, want: `6`},
		{expr: `$reduce([1,2,3], function($a,$b){$a+$b}, 10)`, input: ``, want: `16`},
		{expr: `$keys({"a":1})`, input: ``, want: `"a"`},
		{expr: `$merge([{"a":1},{"b":2}])`, input: ``, want: `{"a":1,"b":2}`},
		{expr: `$sort([3,1,2])`, input: ``, want: `[1,2,3]`},
		{expr: `$sort([3,1,2], function($a,$b){$a<$b})`, input: ``, want: `[3,2,1]`},
		{expr: `$reverse([1,2,3])`, input: ``, want: `[3,2,1]`},
		{expr: `$append([1,2],3)`, input: ``, want: `[1,2,3]`},
		{expr: `$distinct([1,2,2,"a","a"])`, input: ``, want: `[1,2,"a"]`},
		{expr: `$zip([1,2,3],[4,5])`, input: ``, want: `[[1,4],[2,5]]`},
		{expr: `$exists(a)`, input: `{"a":null}`, want: `true`},
		{expr: `$exists(b)`, input: ``, want: `false`},
		{expr: `$type(null) & $type(1) & $type("s") & $type([]) & $type({}) & $type(true) & $type($sum)`, input: ``, want: `"nullnumberstringarrayobjectbooleanfunction"`},
		{expr: `$lookup({"a":1}, "a")`, input: ``, want: `1`},
		{expr: `$number("12.5")`, input: ``, want: `12.5`},
		{expr: `$number("abc")`, input: ``, wantCode: "D3030"},
		{expr: `$number("0x10")`, input: ``, want: `16`},
		{expr: `$boolean([]) & $boolean([0]) & $boolean("") & $boolean({})`, input: ``, want: `"falsefalsefalsefalse"`},
		{expr: `$not(true)`, input: ``, want: `false`},
		{expr: `$uppercase("abc") & $lowercase("ABC")`, input: ``, want: `"ABCabc"`},
		{expr: `$substring("hello world", 3, 5)`, input: ``, want: `"lo wo"`},
		{expr: `$substring("hello world", -3)`, input: ``, want: `"rld"`},
		{expr: `$substringBefore("hello world", " ") & "|" & $substringAfter("hello world", " ")`, input: ``, want: `"hello|world"`},
		{expr: `$length("héllo")`, input: ``, want: `5`},
		{expr: `$trim("  a   b  ")`, input: ``, want: `"a b"`},
		{expr: `$pad("x", 5, "#") & $pad("x", -5)`, input: ``, want: `"x####    x"`},
		{expr: `$contains("abc", "b")`, input: ``, want: `true`},
		{expr: `$contains("abc", /B/i)`, input: ``, want: `true`},
		{expr: `$split("a,b,c", ",")`, input: ``, want: `["a","b","c"]`},
		{expr: `$split("a,b,c", ",", 2)`, input: ``, want: `["a","b"]`},
		{expr: `$split("abc", "")`, input: ``, want: `["a","b","c"]`},
		{expr: `$join(["a","b"], "-")`, input: ``, want: `"a-b"`},
		{expr: `$replace("hello", "l", "L")`, input: ``, want: `"heLLo"`},
		{expr: `$replace("hello", /l+/, "[$0]")`, input: ``, want: `"he[ll]o"`},
		{expr: `$replace("John Smith", /(\w+)\s(\w+)/, "$2, $1")`, input: ``, want: `"Smith, John"`},
		{expr: `$match("ab12cd34", /\d+/)`, input: ``, want: `[{"match":"12","index":2,"groups":[]},{"match":"34","index":6,"groups":[]}]`},
		{expr: `$floor(2.5) & $ceil(2.1) & $round(2.5) & $round(3.5) & $round(1.255, 2) & $abs(-3)`, input: ``, want: `"23241.263"`},
		{expr: `$sqrt(16) & $power(2, 10)`, input: ``, want: `"41024"`},
		{expr: `$sqrt(-1)`, input: ``, wantCode: "D3060"},
		{expr: `$formatBase(255, 16)`, input: ``, want: `"ff"`},
		{expr: `$base64encode("hello") & $base64decode("aGVsbG8=")`, input: ``, want: `"aGVsbG8=hello"`},
		{expr: `$encodeUrlComponent("a b&c") & " " & $encodeUrl("http://x.com/a b?c=d")`, input: ``, want: `"a%20b%26c http://x.com/a%20b?c=d"`},
		{expr: `a ? "y" : "n"`, input: `{"a":true}`, want: `"y"`},
		{expr: `a ? "y"`, input: `{"a":false}`, want: `undefined`},
		{expr: `($x := 5; $x * 2)`, input: ``, want: `10`},
		{expr: `($f := function($n){$n <= 1 ? 1 : $n * $f($n-1)}; $f(5))`, input: ``, want: `120`},
		{expr: `"a" & 1 & true & null`, input: ``, want: `"a1truenull"`},
		{expr: `[1,2,3] ~> $sum()`, input: ``, want: `6`},
		{expr: `"abc" ~> $uppercase`, input: ``, want: `"ABC"`},
		{expr: `$x ~> $uppercase`, input: ``, want: `undefined`},
		{expr: `1..5`, input: ``, wantCode: "S0201"},
		{expr: `[1..3, 5]`, input: ``, want: `[1,2,3,5]`},
		{expr: `3 in [1,2,3]`, input: ``, want: `true`},
		{expr: `"a" in "a"`, input: ``, want: `true`},
		{expr: `*`, input: `{"a":1,"b":[2,3]}`, want: `[1,2,3]`},
		{expr: `**`, input: `{"a":1,"b":{"c":2}}`, want: `[{"a":1,"b":{"c":2}},1,{"c":2},2]`},
		{expr: `a.*`, input: `{"a":{"x":1,"y":2}}`, want: `[1,2]`},
		{expr: `$`, input: `[1,2]`, want: `[1,2]`},
		{expr: `$[0]`, input: `[1,2]`, want: `1`},
		{expr: `$$`, input: `{"a":1}`, want: `{"a":1}`},
		{expr: `a.b.c`, input: `{"a":{"b":{"c":"d"}}}`, want: `"d"`},
		{expr: `a^(>b).b`, input: `{"a":[{"b":3},{"b":1},{"b":2}]}`, want: `[3,2,1]`},
		{expr: `a#$i.{"i": $i, "v": $}`, input: `{"a":["x","y"]}`, want: `[{"i":0,"v":"x"},{"i":1,"v":"y"}]`},
		{expr: `a@$x.b`, input: `{"a":[{"b":1}],"b":2}`, want: `2`},
		{expr: `$sift({"a":1,"b":2}, function($v){$v>1})`, input: ``, want: `{"b":2}`},
		{expr: `$single([1,2,3], function($v){$v=2})`, input: ``, want: `2`},
		{expr: `$single([1,2,3])`, input: ``, wantCode: "D3138"},
		{expr: `$error("boom")`, input: ``, wantCode: "D3137"},
		{expr: `$assert(false, "bad")`, input: ``, wantCode: "D3141"},
		{expr: `$eval("1+2")`, input: ``, want: `3`},
		{expr: `$fromMillis(1510067557121)`, input: ``, want: `"2017-11-07T15:12:37.121Z"`},
		{expr: `$toMillis("2017-11-07T15:12:37.121Z")`, input: ``, want: `1510067557121`},
		{expr: `$clone({"a":1})`, input: ``, want: `{"a":1}`},
		{expr: `-a`, input: `{"a":5}`, want: `-5`},
		{expr: `-"a"`, input: ``, wantCode: "D1002"},
		{expr: `$foo()`, input: ``, wantCode: "T1006"},
		{expr: `sum(1)`, input: ``, wantCode: "T1005"},
		{expr: `1 < "a"`, input: ``, wantCode: "T2009"},
		{expr: `{} < 1`, input: ``, wantCode: "T2010"},
		{expr: `$uppercase(1)`, input: ``, wantCode: "T0410"},
		{expr: `{1: 2}`, input: ``, wantCode: "T1003"},
		{expr: `{"a":1, "a":2}`, input: ``, wantCode: "D1009"},
		{expr: `a.b = 1`, input: `{"a":{"b":1}}`, want: `true`},
		{expr: `[1,2] = [1,2]`, input: ``, want: `true`},
		{expr: `{"a":[1]} = {"a":[1]}`, input: ``, want: `true`},
		{expr: `1 = "1"`, input: ``, want: `false`},
		{expr: `null = null`, input: ``, want: `true`},
		{expr: `$x = 1`, input: ``, want: `false`},
		{expr: `$x < 1`, input: ``, want: `undefined`},
		{expr: `true and $x`, input: ``, want: `false`},
		{expr: `false or 1`, input: ``, want: `true`},
		{expr: `10 % 3 & "," & 10 / 4 & "," & -7 % 3`, input: ``, want: `"1,2.5,-1"`},
		{expr: `$string(10/3)`, input: ``, want: `"3.33333333333333"`},
		{expr: `1/3`, input: ``, want: `0.3333333333333333`},
		{expr: `$ ~> | a | {"z": 1}, "y" |`, input: `{"a":{"y":1,"x":2}}`, want: `{"a":{"x":2,"z":1}}`},
		{expr: `$partial := $substring(?, 0, 2); $partial("hello")`, input: ``, wantCode: "S0201"},
		{expr: `($p := $substring(?, 0, 2); $p("hello"))`, input: ``, want: `"he"`},
		{expr: `a[0].b`, input: `{"a":[{"b":1},{"b":2}]}`, want: `1`},
		{expr: `a.b.c[0]`, input: `{"a":[{"b":{"c":[1,2]}},{"b":{"c":[3]}}]}`, want: `[1,3]`},
		{expr: `$string(a)`, input: `{"a":"x"}`, want: `"x"`},
		{expr: `$string([1,2], true)`, input: ``, want: `"[\n  1,\n  2\n]"`},
		{expr: `"x" & $string({"a":1.0})`, input: ``, want: `"x{\"a\":1}"`},
		{expr: `Account.Order.Product.(Price * Quantity)`, input: `{"Account":{"Order":[{"Product":[{"Price":2,"Quantity":3},{"Price":1,"Quantity":1}]},{"Product":{"Price":5,"Quantity":2}}]}}`, want: `[6,1,10]`},
		{expr: `$sum(Account.Order.Product.(Price * Quantity))`, input: `{"Account":{"Order":[{"Product":[{"Price":2,"Quantity":3},{"Price":1,"Quantity":1}]},{"Product":{"Price":5,"Quantity":2}}]}}`, want: `17`},
		{expr: `Account.Order[0].Product[0].Price`, input: `{"Account":{"Order":[{"Product":[{"Price":2,"Quantity":3},{"Price":1,"Quantity":1}]},{"Product":{"Price":5,"Quantity":2}}]}}`, want: `2`},
		{expr: "`a b`", input: `{"a b":1}`, want: `1`},
		{expr: `/* c */ 1`, input: ``, want: `1`},
		{expr: `"\u00e9\n"`, input: ``, want: `"é\n"`},
		{expr: `$x ?? 3`, input: ``, want: `3`},
		{expr: `0 ?: 3`, input: ``, want: `3`},
		{expr: `1 +`, input: ``, wantCode: "S0207"},
		{expr: `(1`, input: ``, wantCode: "S0203"},
		{expr: `[1,2`, input: ``, wantCode: "S0203"},
		{expr: `"abc`, input: ``, wantCode: "S0101"},
		{expr: `1 2`, input: ``, wantCode: "S0201"},
		{expr: `a.1`, input: ``, wantCode: "S0213"},
		{expr: `Phone[type='mobile'].number`, input: `{"Phone":[{"type":"home","number":"1"},{"type":"mobile","number":"2"},{"type":"mobile","number":"3"}]}`, want: `["2","3"]`},
		{expr: `Phone[0]`, input: `{"Phone":[{"type":"home","number":"1"},{"type":"mobile","number":"2"}]}`, want: `{"type":"home","number":"1"}`},
		{expr: `Phone[type='x']`, input: `{"Phone":[{"type":"home","number":"1"}]}`, want: `undefined`},
		{expr: `Phone.number[0]`, input: `{"Phone":[{"number":["1","a"]},{"number":["2","b"]}]}`, want: `["1","2"]`},
		{expr: `(Phone.number)[0]`, input: `{"Phone":[{"number":["1","a"]},{"number":["2","b"]}]}`, want: `"1"`},
		{expr: `Phone{type: number}`, input: `{"Phone":[{"type":"home","number":"1"},{"type":"mobile","number":"2"},{"type":"mobile","number":"3"}]}`, want: `{"home":"1","mobile":["2","3"]}`},
		{expr: `Phone{type: $count(number)}`, input: `{"Phone":[{"type":"home","number":"1"},{"type":"mobile","number":"2"},{"type":"mobile","number":"3"}]}`, want: `{"home":1,"mobile":2}`},
		{expr: `Phone.{type: number}`, input: `{"Phone":[{"type":"home","number":"1"},{"type":"mobile","number":"2"}]}`, want: `[{"home":"1"},{"mobile":"2"}]`},
		{expr: `a.b.c`, input: `{"a":[{"b":[{"c":1},{"c":[2,3]}]},{"b":{"c":4}}]}`, want: `[1,2,3,4]`},
		{expr: `a[0][0]`, input: `{"a":[[1,2],[3]]}`, want: `1`},
		{expr: `a[0]`, input: `{"a":[[1,2],[3]]}`, want: `[1,2]`},
		{expr: `$.a`, input: `{"a":5}`, want: `5`},
		{expr: `a.$`, input: `{"a":[1,2]}`, want: `[1,2]`},
		{expr: `a.($ * 2)`, input: `{"a":[1,2]}`, want: `[2,4]`},
		{expr: `a[$ > 1]`, input: `{"a":[1,2,3]}`, want: `[2,3]`},
		{expr: `a[true]`, input: `{"a":[1,2,3]}`, want: `[1,2,3]`},
		{expr: `a[1.7]`, input: `{"a":[1,2,3]}`, want: `2`},
		{expr: `a[-5]`, input: `{"a":[1,2,3]}`, want: `undefined`},
		{expr: `[1,2,3][[0,1]]`, input: ``, want: `[1,2]`},
		{expr: `[[1,2],[3,4]][1]`, input: ``, want: `[3,4]`},
		{expr: `[[1,2],[3,4]].$[0]`, input: ``, want: `[1,3]`},
		{expr: `$count([])`, input: ``, want: `0`},
		{expr: `$sum([])`, input: ``, want: `0`},
		{expr: `$max([])`, input: ``, want: `undefined`},
		{expr: `$average([])`, input: ``, want: `undefined`},
		{expr: `$sum(1)`, input: ``, want: `1`},
		{expr: `$count("a")`, input: ``, want: `1`},
		{expr: `[]`, input: ``, want: `[]`},
		{expr: `{}`, input: ``, want: `{}`},
		{expr: `[[]]`, input: ``, want: `[[]]`},
		{expr: `[{}]`, input: ``, want: `[{}]`},
		{expr: `a`, input: `{"a":[]}`, want: `[]`},
		{expr: `a.b`, input: `{"a":[]}`, want: `undefined`},
		{expr: `a.b`, input: `{"a":[{"b":[]}]}`, want: `[]`},
		{expr: `a[0]`, input: `{"a":[]}`, want: `undefined`},
		{expr: `$x := [1,2,3]; $x[1]`, input: ``, wantCode: "S0201"},
		{expr: `($x := [1,2,3]; $x[1])`, input: ``, want: `2`},
		{expr: `($x := {"a":{"b":1}}; $x.a.b)`, input: ``, want: `1`},
		{expr: `$string("a\"b")`, input: ``, want: `"a\"b"`},
		{expr: `$string(["a", null, true, 1.5])`, input: ``, want: `"[\"a\",null,true,1.5]"`},
		{expr: `$string({"a": [1, {"b": 2}]}, true)`, input: ``, want: `"{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ]\n}"`},
		{expr: `$string(null)`, input: ``, want: `"null"`},
		{expr: `$string(true)`, input: ``, want: `"true"`},
		{expr: `$string(1/3 * 3)`, input: ``, want: `"1"`},
		{expr: `$string(100)`, input: ``, want: `"100"`},
		{expr: `$string(1.5e300)`, input: ``, want: `"1.5e+300"`},
		{expr: `$string(-0.000001)`, input: ``, want: `"-0.000001"`},
		{expr: `$string(0.0000001)`, input: ``, want: `"1e-7"`},
		{expr: `5 & ""`, input: ``, want: `"5"`},
		{expr: `[1,2] & ""`, input: ``, want: `"[1,2]"`},
		{expr: `{"a":1} & ""`, input: ``, want: `"{\"a\":1}"`},
		{expr: `$number("1e3")`, input: ``, want: `1000`},
		{expr: `$number(" 1")`, input: ``, wantCode: "D3030"},
		{expr: `$number("-1.5")`, input: ``, want: `-1.5`},
		{expr: `$number("")`, input: ``, wantCode: "D3030"},
		{expr: `$number(null)`, input: ``, wantCode: "T0410"},
		{expr: `$number(true)`, input: ``, want: `1`},
		{expr: `$number([1])`, input: ``, wantCode: "T0410"},
		{expr: `$boolean(0) & $boolean(1) & $boolean("0") & $boolean(null)`, input: ``, want: `"falsetruetruefalse"`},
		{expr: `$boolean([0,0]) & $boolean([0,1]) & $boolean([[]])`, input: ``, want: `"falsetruefalse"`},
		{expr: `$boolean(function(){1})`, input: ``, want: `false`},
		{expr: `$not("")`, input: ``, want: `true`},
		{expr: `$exists([])`, input: ``, want: `true`},
		{expr: `$exists(null)`, input: ``, want: `true`},
		{expr: `$type(a)`, input: `{"a":1.5}`, want: `"number"`},
		{expr: `$type($x)`, input: ``, want: `undefined`},
		{expr: `$substring("abc", 1, -1)`, input: ``, want: `""`},
		{expr: `$substring("abcdef", -4, 2)`, input: ``, want: `"cd"`},
		{expr: `$substring("abc", 5)`, input: ``, want: `""`},
		{expr: `$substring("abc", 1.7)`, input: ``, want: `"bc"`},
		{expr: `$split("a1b22c", /\d+/)`, input: ``, want: `["a","b","c"]`},
		{expr: `$split("abc", "", 2)`, input: ``, want: `["a","b"]`},
		{expr: `$split("", ",")`, input: ``, want: `[""]`},
		{expr: `$split("a,b", ",", -1)`, input: ``, wantCode: "D3020"},
		{expr: `$join(["a"])`, input: ``, want: `"a"`},
		{expr: `$join("a", ",")`, input: ``, want: `"a"`},
		{expr: `$join([1,2])`, input: ``, wantCode: "T0412"},
		{expr: `$replace("aaa", "a", "b", 2)`, input: ``, want: `"bba"`},
		{expr: `$replace("abc", /(b)/, "$1$1$2")`, input: ``, want: `"abbc"`},
		{expr: `$replace("abc", /b/, function($m){$uppercase($m.match)})`, input: ``, want: `"aBc"`},
		{expr: `$replace("abc", "", "x")`, input: ``, wantCode: "D3010"},
		{expr: `$replace("a.b.c", ".", "-")`, input: ``, want: `"a-b-c"`},
		{expr: `$replace("abc", /x*/, "-")`, input: ``, wantCode: "D1004"},
		{expr: `$match("abc", /(a)(x)?/)`, input: ``, want: `{"match":"a","index":0,"groups":["a",null]}`},
		{expr: `$match("a1b2", /\d/, 1)`, input: ``, want: `{"match":"1","index":1,"groups":[]}`},
		{expr: `$match("ab", /z/)`, input: ``, want: `undefined`},
		{expr: `$contains("abc", "")`, input: ``, want: `true`},
		{expr: `$uppercase(a)`, input: ``, want: `undefined`},
		{expr: `$lowercase()`, input: `"ABC"`, want: `"abc"`},
		{expr: `$length("")`, input: ``, want: `0`},
		{expr: `$length(1)`, input: ``, wantCode: "T0410"},
		{expr: `$trim("\n a \t b ")`, input: ``, want: `"a b"`},
		{expr: `$pad("abc", 2)`, input: ``, want: `"abc"`},
		{expr: `$pad("ab", 5, "xy")`, input: ``, want: `"abxyx"`},
		{expr: `$round(-2.5)`, input: ``, want: `-2`},
		{expr: `$round(0.5)`, input: ``, want: `0`},
		{expr: `$round(1.5)`, input: ``, want: `2`},
		{expr: `$round(1234.5678, -2)`, input: ``, want: `1200`},
		{expr: `$round(2.675, 2)`, input: ``, want: `2.68`},
		{expr: `$floor(-1.5)`, input: ``, want: `-2`},
		{expr: `$power(2, 0.5)`, input: ``, want: `1.4142135623730951`},
		{expr: `$power(-8, 1/3)`, input: ``, wantCode: "D3061"},
		{expr: `$abs("x")`, input: ``, wantCode: "T0410"},
		{expr: `$formatBase(-10, 2)`, input: ``, want: `"-1010"`},
		{expr: `$formatBase(10, 40)`, input: ``, wantCode: "D3100"},
		{expr: `$formatBase(3.7)`, input: ``, want: `"4"`},
		{expr: `$map([1,2,3], function($v,$i){$v*$i})`, input: ``, want: `[0,2,6]`},
		{expr: `$map([1,2,3], function($v,$i,$a){$count($a)})`, input: ``, want: `[3,3,3]`},
		{expr: `$map([], function($v){$v})`, input: ``, want: `undefined`},
		{expr: `$map(5, function($v){$v+1})`, input: ``, want: `6`},
		{expr: `$map([1,2], $string)`, input: ``, want: `["1","2"]`},
		{expr: `$filter([1,2,3,4], function($v,$i){$i%2=0})`, input: ``, want: `[1,3]`},
		{expr: `$reduce([], function($a,$b){$a+$b})`, input: ``, want: `undefined`},
		{expr: `$reduce([1], function($a,$b){$a+$b})`, input: ``, want: `1`},
		{expr: `$reduce([1,2], function($a){$a})`, input: ``, wantCode: "D3050"},
		{expr: `$sort(["b","a","C"])`, input: ``, want: `["C","a","b"]`},
		{expr: `$sort([1,"a"])`, input: ``, wantCode: "D3070"},
		{expr: `$sort([{"a":2},{"a":1}], function($x,$y){$x.a>$y.a})`, input: ``, want: `[{"a":1},{"a":2}]`},
		{expr: `$sort(5)`, input: ``, want: `[5]`},
		{expr: `$reverse("a")`, input: ``, want: `["a"]`},
		{expr: `$append(1, [2])`, input: ``, want: `[1,2]`},
		{expr: `$append([], [])`, input: ``, want: `[]`},
		{expr: `$append($x, 1)`, input: ``, want: `1`},
		{expr: `$zip([1,2],[3,4],[5,6])`, input: ``, want: `[[1,3,5],[2,4,6]]`},
		{expr: `$zip(1,2)`, input: ``, want: `[[1,2]]`},
		{expr: `$keys("a")`, input: ``, want: `undefined`},
		{expr: `$keys({})`, input: ``, want: `undefined`},
		{expr: `$lookup([{"a":1},{"a":2}], "a")`, input: ``, want: `[1,2]`},
		{expr: `$merge([])`, input: ``, want: `{}`},
		{expr: `$merge({"a":1})`, input: ``, want: `{"a":1}`},
		{expr: `$each({"a":1}, function($v){$v})`, input: ``, want: `1`},
		{expr: `$sift({"a":1}, function($v){$v>5})`, input: ``, want: `undefined`},
		{expr: `$distinct([[1],[1],{"a":1},{"a":1}])`, input: ``, want: `[[1],{"a":1}]`},
		{expr: `$distinct(1)`, input: ``, want: `1`},
		{expr: `$single([])`, input: ``, wantCode: "D3139"},
		{expr: `$assert(1=1, "x")`, input: ``, want: `undefined`},
		{expr: `$assert("a", "x")`, input: ``, wantCode: "T0410"},
		{expr: `$error()`, input: ``, wantCode: "D3137"},
		{expr: `$eval("[1,2")`, input: ``, wantCode: "D3120"},
		{expr: `$eval("a", {"a": 5})`, input: ``, want: `5`},
		{expr: `$decodeUrlComponent("a%20b") & $decodeUrl("a%20b%2F")`, input: ``, want: `"a ba b%2F"`},
		{expr: `$decodeUrlComponent("%E0%A4%A")`, input: ``, wantCode: "D3140"},
		{expr: `$base64encode("é")`, input: ``, want: `"6Q=="`},
		{expr: `$encodeUrlComponent("é/?")`, input: ``, want: `"%C3%A9%2F%3F"`},
		{expr: `$fromMillis(0)`, input: ``, want: `"1970-01-01T00:00:00.000Z"`},
		{expr: `$toMillis("2017-11-07")`, input: ``, want: `1510012800000`},
		{expr: `$toMillis("2017-11-07T15:12:37+01:00")`, input: ``, want: `1510063957000`},
		{expr: `$toMillis("garbage")`, input: ``, wantCode: "D3110"},
		{expr: `$toMillis("2017-11-07T15:12")`, input: ``, wantCode: "D3110"},
		{expr: `$ ~> $count`, input: ``, want: `1`},
		{expr: `[1,2] ~> $map(function($v){$v*10})`, input: ``, want: `[10,20]`},
		{expr: `($f := $uppercase ~> $trim; $f(" a "))`, input: ``, want: `"A"`},
		{expr: `1 ~> 2`, input: ``, wantCode: "T2006"},
		{expr: `($f := function($a, $b){$a+$b}; $g := $f(?, 10); $g(5))`, input: ``, want: `15`},
		{expr: `$foo(?)`, input: ``, wantCode: "T1008"},
		{expr: `substring(?)`, input: ``, wantCode: "T1007"},
		{expr: `function($x)<n:n>{$x * 2}(3)`, input: ``, want: `6`},
		{expr: `function($x)<n:n>{$x * 2}("a")`, input: ``, wantCode: "T0410"},
		{expr: `(function($x){$x * 2})(4)`, input: ``, want: `8`},
		{expr: `λ($x){$x+1}(1)`, input: ``, want: `2`},
		{expr: `[1,2,3].$string()`, input: ``, want: `["1","2","3"]`},
		{expr: `"abc".$length()`, input: ``, want: `undefined`},
		{expr: `a.$uppercase()`, input: `{"a":["x","y"]}`, want: `["X","Y"]`},
		{expr: `a.b.$sum(c)`, input: `{"a":{"b":[{"c":[1,2]},{"c":[3]}]}}`, want: `[3,3]`},
		{expr: `$sum(a.b.c)`, input: `{"a":{"b":[{"c":[1,2]},{"c":[3]}]}}`, want: `6`},
		{expr: `a[b=1][c=2]`, input: `{"a":[{"b":1,"c":2},{"b":1,"c":3}]}`, want: `{"b":1,"c":2}`},
		{expr: `a#$i[$i<1]`, input: `{"a":["x","y","z"]}`, want: `"x"`},
		{expr: `a#$i.b`, input: `{"a":[{"b":1},{"b":2}]}`, want: `[1,2]`},
		{expr: `a[b>0]#$i.{"i":$i}`, input: `{"a":[{"b":0},{"b":1},{"b":2}]}`, want: `[{"i":0},{"i":1}]`},
		{expr: `a@$o.b@$p.{"o": $o.n, "p": $p}`, input: `{"a":[{"n":1,"b":[10,20]},{"n":2,"b":[30]}]}`, want: `undefined`},
		{expr: `Account.Order@$o.Product@$p{$o.id: $sum($p.price)}`, input: `{"Account":{"Order":[{"id":"a","Product":[{"price":1},{"price":2}]},{"id":"b","Product":[{"price":5}]}]}}`, want: `{}`},
		{expr: `a^(b).c`, input: `{"a":[{"b":2,"c":"x"},{"b":1,"c":"y"}]}`, want: `["y","x"]`},
		{expr: `a^(b, >c)`, input: `{"a":[{"b":1,"c":1},{"b":1,"c":2},{"b":0,"c":5}]}`, want: `[{"b":0,"c":5},{"b":1,"c":2},{"b":1,"c":1}]`},
		{expr: `a^(x)`, input: `{"a":[{"b":1},{"x":2}]}`, want: `[{"x":2},{"b":1}]`},
		{expr: `a^($)[0]`, input: `{"a":[3,1,2]}`, want: `1`},
		{expr: `[3,1,2]^($)`, input: ``, want: `[1,2,3]`},
		{expr: `a#$i^(>$i)`, input: `{"a":[3,1,2]}`, want: `[2,1,3]`},
		{expr: `**.b`, input: `{"a":{"b":1,"c":{"b":2}},"b":[3,{"b":4}]}`, want: `[3,{"b":4},1,2,4]`},
		{expr: `*.b`, input: `{"a":{"b":1},"c":{"b":2}}`, want: `[1,2]`},
		{expr: `*[0]`, input: `{"a":[1,2],"c":[3]}`, want: `1`},
		{expr: `a.*.c`, input: `{"a":{"x":{"c":1},"y":{"c":[2,3]}}}`, want: `[1,2,3]`},
		{expr: `$.*`, input: `[1,[2,3]]`, want: `[2,3]`},
		{expr: `$[1]`, input: `[1,[2,3]]`, want: `[2,3]`},
		{expr: `$[1][0]`, input: `[1,[2,3]]`, want: `2`},
		{expr: `$.a`, input: `[{"a":1},{"a":2}]`, want: `[1,2]`},
		{expr: `a`, input: `[{"a":1},{"a":2}]`, want: `[1,2]`},
		{expr: `$count($)`, input: `[1,2]`, want: `2`},
		{expr: `{"k": a}`, input: `{"a":[1]}`, want: `{"k":[1]}`},
		{expr: `{"k": a[]}`, input: `{"a":1}`, want: `{"k":[1]}`},
		{expr: `{a: 1}`, input: `{"a":"key"}`, want: `{"key":1}`},
		{expr: `{"a": undefinedthing}`, input: ``, want: `{}`},
		{expr: `[a, b]`, input: `{"a":[1,2],"b":3}`, want: `[1,2,3]`},
		{expr: `[[a]]`, input: `{"a":[1,2]}`, want: `[[1,2]]`},
		{expr: `[a][0]`, input: `{"a":[1,2]}`, want: `1`},
		{expr: `a = b`, input: `{"a":[1,2],"b":[1,2]}`, want: `true`},
		{expr: `"1" = 1`, input: ``, want: `false`},
		{expr: `a in b`, input: `{"a":{"x":1},"b":[{"x":1}]}`, want: `false`},
		{expr: `$x in [1]`, input: ``, want: `false`},
		{expr: `"b" > "a"`, input: ``, want: `true`},
		{expr: `null < 1`, input: ``, wantCode: "T2010"},
		{expr: `1 != "1"`, input: ``, want: `true`},
		{expr: `$x != 1`, input: ``, want: `false`},
		{expr: `true + 1`, input: ``, wantCode: "T2001"},
		{expr: `null + 1`, input: ``, wantCode: "T2001"},
		{expr: `$x + 1`, input: ``, want: `undefined`},
		{expr: `1 - $x`, input: ``, want: `undefined`},
		{expr: `"a" * $x`, input: ``, wantCode: "T2001"},
		{expr: `-$x`, input: ``, want: `undefined`},
		{expr: `-[1]`, input: ``, wantCode: "D1002"},
		{expr: `1e400`, input: ``, wantCode: "S0102"},
		{expr: `1/0 + 1`, input: ``, wantCode: "D1001"},
		{expr: `2 * 1e308`, input: ``, want: `null`},
		{expr: `[1..$x]`, input: ``, want: `[]`},
		{expr: `[1.5..3]`, input: ``, wantCode: "T2003"},
		{expr: `[3..1]`, input: ``, want: `[]`},
		{expr: `["a"..3]`, input: ``, wantCode: "T2003"},
		{expr: `[1..1e8]`, input: ``, wantCode: "D2014"},
		{expr: `true ? 1 : 2`, input: ``, want: `1`},
		{expr: `[] ? 1 : 2`, input: ``, want: `2`},
		{expr: `$x ? 1 : 2`, input: ``, want: `2`},
		{expr: `a ?: "default"`, input: `{"a":""}`, want: `"default"`},
		{expr: `a ?? "default"`, input: `{"a":""}`, want: `""`},
		{expr: `a ?? "default"`, input: ``, want: `"default"`},
		{expr: `1 = 1 and 2 = 2 or false`, input: ``, want: `true`},
		{expr: `"x" and 1`, input: ``, want: `true`},
		{expr: `and`, input: `{"and":1}`, want: `1`},
		{expr: `a.in`, input: `{"a":{"in":2}}`, want: `2`},
		{expr: `$string(a)`, input: `{"a":[1,2]}`, want: `"[1,2]"`},
		{expr: `'single' & "double"`, input: ``, want: `"singledouble"`},
		{expr: `"\ud83d\ude00"`, input: ``, want: `"😀"`},
		{expr: `$length("\ud83d\ude00")`, input: ``, want: `1`},
		{expr: `$substring("😀ab", 1)`, input: ``, want: `"ab"`},
		{expr: `"😀" < "a"`, input: ``, want: `false`},
		{expr: `$sort(["ﬀ","😀"])`, input: ``, want: `["😀","ﬀ"]`},
		{expr: `( )`, input: ``, want: `undefined`},
		{expr: `(1; 2; 3)`, input: ``, want: `3`},
		{expr: `()`, input: ``, want: `undefined`},
		{expr: `$f := function($x){$x}; $f(1)`, input: ``, wantCode: "S0201"},
		{expr: `{"a":1}.a`, input: ``, want: `1`},
		{expr: `[{"a":1},{"a":2}].a`, input: ``, want: `[1,2]`},
		{expr: `$merge([{"a":1},{"a":2}]).a`, input: ``, want: `2`},
		{expr: `{"a":[1,2]}.a[1]`, input: ``, want: `2`},
		{expr: `"a".b`, input: ``, want: `undefined`},
		{expr: `[1,2,3][]`, input: ``, want: `[1,2,3]`},
		{expr: `a.b[]`, input: `{"a":[{"b":1}]}`, want: `[1]`},
		{expr: `a[].b`, input: `{"a":{"b":1}}`, want: `[1]`},
		{expr: `$count(a[])`, input: `{"a":{"b":1}}`, want: `1`},
		{expr: `a[0][]`, input: `{"a":[1]}`, want: `[1]`},
		{expr: `($a := [1]; $a[])`, input: ``, want: `[1]`},
		{expr: `$spread(a)`, input: `{"a":"x"}`, want: `"x"`},
		{expr: `$clone(1)`, input: ``, wantCode: "T0410"},
		{expr: `a{b: c}{d: e}`, input: `{}`, wantCode: "S0210"},
		{expr: `a[0]{b: c}`, input: `{"a":[{"b":"x","c":1}]}`, want: `{"x":1}`},
		{expr: `a{b: c}[0]`, input: `{}`, want: `{}`},
		{expr: `$sum([1,2,"a"])`, input: ``, wantCode: "T0412"},
		{expr: `$max([1,"a"])`, input: ``, wantCode: "T0412"},
		{expr: `$number("1", 2)`, input: ``, wantCode: "T0410"},
		{expr: `$substring()`, input: ``, wantCode: "T0410"},
		{expr: `$substring("a", "b")`, input: ``, wantCode: "T0410"},
		{expr: `$uppercase("a", "b")`, input: ``, wantCode: "T0410"},
		{expr: `$formatNumber(12345.6, '#,###.00')`, input: ``, want: `"12,345.60"`},
		{expr: `$formatNumber(1234.5678, '00.000e0')`, input: ``, want: `"12.346e2"`},
		{expr: `$formatNumber(34.555, '#0.00;(#0.00)')`, input: ``, want: `"34.56"`},
		{expr: `$formatNumber(-34.555, '#0.00;(#0.00)')`, input: ``, want: `"(34.56)"`},
		{expr: `$formatNumber(0.14, '01%')`, input: ``, want: `"14%"`},
		{expr: `$formatNumber(0.14, '###pm', {'per-mille': 'pm'})`, input: ``, want: `"140pm"`},
		{expr: `$formatNumber(1234.5678, '①①.①①①e①', {'zero-digit': '⑟'})`, input: ``, want: `"①②.③④⑥e②"`},
		{expr: `$formatNumber(0, '#')`, input: ``, want: `"0"`},
		{expr: `$formatNumber(0.5, '#.##')`, input: ``, want: `".5"`},
		{expr: `$formatNumber(1, '0.00')`, input: ``, want: `"1.00"`},
		{expr: `$formatNumber(-1, '0.00')`, input: ``, want: `"-1.00"`},
		{expr: `$formatNumber(1234567.891, '#,##0.##')`, input: ``, want: `"1,234,567.89"`},
		{expr: `$formatNumber(1234567, '#,##,##0')`, input: ``, want: `"12,34,567"`},
		{expr: `$formatNumber(12, '000')`, input: ``, want: `"012"`},
		{expr: `$formatNumber(3.14159, '0.0000')`, input: ``, want: `"3.1416"`},
		{expr: `$formatNumber(0.000123, '0.00e0')`, input: ``, want: `"1.23e-4"`},
		{expr: `$formatNumber(123456789, '#,###')`, input: ``, want: `"123,456,789"`},
		{expr: `$formatNumber(2.5, '0')`, input: ``, want: `"2"`},
		{expr: `$formatNumber(3.5, '0')`, input: ``, want: `"4"`},
		{expr: `$formatNumber(99.999, '#.00')`, input: ``, want: `"100.00"`},
		{expr: `$formatNumber(5, '$#,##0.00')`, input: ``, want: `"$5.00"`},
		{expr: `$formatNumber(0.25, '#%')`, input: ``, want: `"25%"`},
		{expr: `$formatNumber(1234.5, '#.###,00', {'decimal-separator': ',', 'grouping-separator': '.'})`, input: ``, want: `"1.234,50"`},
		{expr: `$formatInteger(2789, 'w')`, input: ``, want: `"two thousand, seven hundred and eighty-nine"`},
		{expr: `$formatInteger(1999, 'I')`, input: ``, want: `"MCMXCIX"`},
		{expr: `$formatInteger(12, '000')`, input: ``, want: `"012"`},
		{expr: `$formatInteger(1234567, '#,##0')`, input: ``, want: `"1,234,567"`},
		{expr: `$formatInteger(3, 'w;o')`, input: ``, want: `"third"`},
		{expr: `$formatInteger(21, '0;o')`, input: ``, want: `"21st"`},
		{expr: `$formatInteger(28, 'A')`, input: ``, want: `"AB"`},
		{expr: `$formatInteger(0, 'w')`, input: ``, want: `"zero"`},
		{expr: `$formatInteger(100, 'w')`, input: ``, want: `"one hundred"`},
		{expr: `$formatInteger(101, 'W')`, input: ``, want: `"ONE HUNDRED AND ONE"`},
		{expr: `$formatInteger(1000000, 'w')`, input: ``, want: `"one million"`},
		{expr: `$formatInteger(1001, 'Ww')`, input: ``, want: `"One Thousand and One"`},
		{expr: `$formatInteger(-5, '0')`, input: ``, want: `"-5"`},
		{expr: `$formatInteger(12345, 'w')`, input: ``, want: `"twelve thousand, three hundred and forty-five"`},
		{expr: `$formatInteger(90, 'w;o')`, input: ``, want: `"ninetieth"`},
		{expr: `$formatInteger(1002003, 'w')`, input: ``, want: `"one million, two thousand and three"`},
		{expr: `$parseInteger('twelve thousand, four hundred and seventy-six', 'w')`, input: ``, want: `12476`},
		{expr: `$parseInteger('MCMXCIX', 'I')`, input: ``, want: `1999`},
		{expr: `$parseInteger('12,345', '#,##0')`, input: ``, want: `12345`},
		{expr: `$parseInteger('012', '000')`, input: ``, want: `12`},
		{expr: `$parseInteger('ab', 'a')`, input: ``, want: `28`},
		{expr: `$fromMillis(1521801216617, '[Y0001]-[M01]-[D01]')`, input: ``, want: `"2018-03-23"`},
		{expr: `$fromMillis(1521801216617, '[D1o] [MNn] [Y]')`, input: ``, want: `"23rd March 2018"`},
		{expr: `$fromMillis(1521801216617, '[FNn], [D1o] [MNn,3-3] [Y]')`, input: ``, want: `"Friday, 23rd Mar 2018"`},
		{expr: `$fromMillis(1521801216617, '[H01]:[m01]:[s01].[f001]')`, input: ``, want: `"10:33:36.617"`},
		{expr: `$fromMillis(1521801216617, '[h]:[m01][P]')`, input: ``, want: `"10:33am"`},
		{expr: `$fromMillis(1521801216617, '[h]:[m01] [PN]', '-0500')`, input: ``, want: `"5:33 AM"`},
		{expr: `$fromMillis(1521801216617, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]', '+0530')`, input: ``, want: `"2018-03-23T16:03:36+05:30"`},
		{expr: `$fromMillis(1521801216617, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z01:01t]')`, input: ``, want: `"2018-03-23T10:33:36Z"`},
		{expr: `$fromMillis(1521801216617, '[Y,2]')`, input: ``, want: `"18"`},
		{expr: `$fromMillis(1521801216617, '[Y01]')`, input: ``, want: `"18"`},
		{expr: `$fromMillis(1521801216617, '[YI]')`, input: ``, want: `"MMXVIII"`},
		{expr: `$fromMillis(1521801216617, '[Dwo] of [MNn]')`, input: ``, want: `"twenty-third of March"`},
		{expr: `$fromMillis(1521801216617, '[d] [W] [F] [w]')`, input: ``, want: `"82 12 friday 4"`},
		{expr: `$fromMillis(1521801216617, '[z]', '-0500')`, input: ``, want: `"GMT-05:00"`},
		{expr: `$fromMillis(1521801216617, undefined, '-0500')`, input: ``, want: `"2018-03-23T05:33:36.617-05:00"`},
		{expr: `$fromMillis(1521801216617, '[[[Y]]]')`, input: ``, want: `"[2018]"`},
		{expr: `$fromMillis(1521801216617, '[Mn]')`, input: ``, want: `"march"`},
		{expr: `$fromMillis(1521801216617, '[Q]')`, input: ``, wantCode: "D3132"},
		{expr: `$toMillis('2018-03-23', '[Y0001]-[M01]-[D01]')`, input: ``, want: `1521763200000`},
		{expr: `$toMillis('23 March 2018', '[D] [MNn] [Y]')`, input: ``, want: `1521763200000`},
		{expr: `$toMillis('20180323', '[Y0001][M01][D01]')`, input: ``, want: `1521763200000`},
		{expr: `$toMillis('10:53pm 23/03/2018', '[h]:[m][P] [D]/[M]/[Y]')`, input: ``, want: `1521845580000`},
		{expr: `$toMillis('2018-03-23+05:00', '[Y0001]-[M01]-[D01][Z]')`, input: ``, want: `1521745200000`},
		{expr: "Account.Order.Product.{ 'Product': `Product Name`, 'Order': %.OrderID, 'Account': %.%.`Account Name` }", input: `{"Account":{"Account Name":"Firefly","Order":[{"OrderID":"order103","Product":[{"Product Name":"Bowler Hat"},{"Product Name":"Trilby hat"}]},{"OrderID":"order104","Product":[{"Product Name":"Cloak"}]}]}}`, want: `[{"Product":"Bowler Hat","Order":"order103","Account":"Firefly"},{"Product":"Trilby hat","Order":"order103","Account":"Firefly"},{"Product":"Cloak","Order":"order104","Account":"Firefly"}]`},
		{expr: "Account.Order.Product[%.OrderID='order104'].`Product Name`", input: `{"Account":{"Account Name":"Firefly","Order":[{"OrderID":"order103","Product":[{"Product Name":"Bowler Hat"},{"Product Name":"Trilby hat"}]},{"OrderID":"order104","Product":[{"Product Name":"Cloak"}]}]}}`, want: `"Cloak"`},
		{expr: `a.b.%`, input: `{"a":[{"x":1,"b":{"c":1}},{"x":2,"b":{"c":2}}]}`, want: `[{"x":1,"b":{"c":1}},{"x":2,"b":{"c":2}}]`},
		{expr: `a.b.%.x`, input: `{"a":[{"x":1,"b":{"c":1}},{"x":2,"b":{"c":2}}]}`, want: `[1,2]`},
		{expr: `a.b.c.%.%.x`, input: `{"a":[{"x":1,"b":{"c":1}},{"x":2,"b":{"c":2}}]}`, want: `[1,2]`},
		{expr: `%`, input: ``, wantCode: "S0217"},
		{expr: `a.%`, input: `{"a":1}`, want: `{"a":1}`},
		{expr: `a.b.(%.x)`, input: `{"a":{"x":1,"b":[1,2]}}`, want: `[1,1]`},
		{expr: `$contains('a\nb', /a.b/)`, input: ``, want: `false`},
		{expr: `$contains('a b', /a\sb/)`, input: ``, want: `true`},
		{expr: `$contains('a b', /a\sb/)`, input: ``, want: `true`},
		{expr: `$contains('a b', /a\Sb/)`, input: ``, want: `false`},
		{expr: `$match('a1b2', /[\d]/)`, input: ``, want: `[{"match":"1","index":1,"groups":[]},{"match":"2","index":3,"groups":[]}]`},
		{expr: `$match('x y', /[\s]/).index`, input: ``, want: `1`},
		{expr: `$replace('a.b', /\./, '!')`, input: ``, want: `"a!b"`},
		{expr: `$replace('abc', /[^]/, '-')`, input: ``, want: `"---"`},
		{expr: `$contains('abc', /[]/)`, input: ``, want: `false`},
		{expr: `$split('a1b2c', /\d/)`, input: ``, want: `["a","b","c"]`},
		{expr: `$contains('é', /\u00e9/)`, input: ``, want: `true`},
		{expr: `$match('Hello World', /(?<first>\w+) (?<second>\w+)/).groups`, input: ``, want: `["Hello","World"]`},
		{expr: `$contains('A', /a/i)`, input: ``, want: `true`},
		{expr: `$match('a\nb', /^b/m).index`, input: ``, want: `2`},
		{expr: `$contains('a/b', /a\/b/)`, input: ``, want: `true`},
		{expr: `$contains('a-b', /a[\-]b/)`, input: ``, want: `true`},
		{expr: `$replace('2024-01-05', /(\d+)-(\d+)-(\d+)/, '$3/$2/$1')`, input: ``, want: `"05/01/2024"`},
	})
}
