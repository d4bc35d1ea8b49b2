package jsonpath_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/jsontest"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// lines reads the non-empty lines of a testdata file.
func lines(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr      string
		canonical string
		definite  bool
		root      jsonpath.Root
		variable  string
	}{
		{"$", "$", true, jsonpath.RootInput, ""},
		{"$$", "$$", true, jsonpath.RootContext, ""},
		{"$.a.b", "$['a']['b']", true, jsonpath.RootInput, ""},
		{"$.delivery-partner", "$['delivery-partner']", true, jsonpath.RootInput, ""},
		{"$.a:b.c=d.x*y.it's", `$['a:b']['c=d']['x*y']['it\'s']`, true, jsonpath.RootInput, ""},
		{`$["a"]['b c']`, "$['a']['b c']", true, jsonpath.RootInput, ""},
		{`$['it\'s']`, `$['it\'s']`, true, jsonpath.RootInput, ""},
		{`$['Test\""Name"']`, `$['Test\\""Name"']`, true, jsonpath.RootInput, ""},
		{"$.a[0]", "$['a'][0]", true, jsonpath.RootInput, ""},
		{"$.a[-1]", "$['a'][-1]", true, jsonpath.RootInput, ""},
		{"$.a[0, 2]", "$['a'][0,2]", false, jsonpath.RootInput, ""},
		{"$['a', 'b']", "$['a','b']", false, jsonpath.RootInput, ""},
		{"$.a.*", "$['a'][*]", false, jsonpath.RootInput, ""},
		{"$.a[*].b", "$['a'][*]['b']", false, jsonpath.RootInput, ""},
		{"$.a[1:3]", "$['a'][1:3]", false, jsonpath.RootInput, ""},
		{"$.a[:3]", "$['a'][:3]", false, jsonpath.RootInput, ""},
		{"$.a[::-1]", "$['a'][::-1]", false, jsonpath.RootInput, ""},
		{"$..a", "$..['a']", false, jsonpath.RootInput, ""},
		{"$..*", "$..[*]", false, jsonpath.RootInput, ""},
		{"$.a[?(@.x>1&&@.y=='z')]", "$['a'][?(@['x'] > 1 && @['y'] == 'z')]", false, jsonpath.RootInput, ""},
		{"$.a[?(!(@.x || @.y))]", "$['a'][?(!(@['x'] || @['y']))]", false, jsonpath.RootInput, ""},
		{"$.a[?(@.n =~ /a\\/b/i)]", "$['a'][?(@['n'] =~ /a\\/b/i)]", false, jsonpath.RootInput, ""},
		{"$.a[?(@.n in ['x',2,null])]", "$['a'][?(@['n'] in ['x',2,null])]", false, jsonpath.RootInput, ""},
		{"$$.Execution.Input", "$$['Execution']['Input']", true, jsonpath.RootContext, ""},
		{"$myVar", "$myVar", true, jsonpath.RootVariable, "myVar"},
		{"$my_var2.a[0]", "$my_var2['a'][0]", true, jsonpath.RootVariable, "my_var2"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := struct {
				String, Canonical string
				Definite          bool
				Root              jsonpath.Root
				Variable          string
				Context           bool
			}{p.String(), p.Canonical(), p.IsDefinite(), p.Root(), p.Variable(), p.IsContext()}
			want := got
			want.String, want.Canonical, want.Definite, want.Root, want.Variable = tt.expr, tt.canonical, tt.definite, tt.root, tt.variable
			want.Context = tt.root == jsonpath.RootContext
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		pos  int
	}{
		{"", 0},
		{"a.b", 0},
		{"$.", 2},
		{"$..", 3},
		{"$[", 2},
		{"$['a'", 1},
		{"$['a]", 2},
		{"$.a b", 3},
		{"$.a[x]", 4},
		{"$.a[1:2:0]", 9},
		{"$.a[?(1)]", 6},
		{"$.a[?(@.x > )]", 12},
		{"$.a[?(@.x =~ 'y')]", 13},
		{"$.a[99999999999]", 4},
		{"$.a[-]", 5},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Parse(tt.expr)
			var pe *jsonpath.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *jsonpath.Error", tt.expr, err)
			}
			if pe.Pos != tt.pos || pe.Expr != tt.expr {
				t.Errorf("Parse(%q): Pos %d Expr %q, want Pos %d (%s)", tt.expr, pe.Pos, pe.Expr, tt.pos, pe.Msg)
			}
		})
	}
}

func TestParseReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		wantErr bool
	}{
		{"$", false},
		{"$.a.b", false},
		{"$['a'][0]", false},
		{"$.a[-1]", false},
		{"$$.Execution.Input", false},
		{"$var.x", false},
		{"$.a[*]", true},
		{"$.a.*", true},
		{"$..a", true},
		{"$.a[1:2]", true},
		{"$.a[0,1]", true},
		{"$['a','b']", true},
		{"$.a[?(@.x)]", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.ParseReference(tt.expr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseReference(%q) error = %v, wantErr %v", tt.expr, err, tt.wantErr)
			}
			if err == nil && !p.IsDefinite() {
				t.Errorf("reference path %q is not definite", tt.expr)
			}
		})
	}
}

// TestTestdata checks that every valid example parses and round-trips
// through Canonical, and every invalid one fails with a position inside
// the expression.
func TestTestdata(t *testing.T) {
	t.Parallel()
	for _, expr := range lines(t, "valid.txt") {
		p, err := jsonpath.Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		q, err := jsonpath.Parse(p.Canonical())
		if err != nil {
			t.Errorf("Parse(Canonical %q): %v", p.Canonical(), err)
			continue
		}
		if q.Canonical() != p.Canonical() {
			t.Errorf("canonical of %q not stable: %q then %q", expr, p.Canonical(), q.Canonical())
		}
	}
	for _, expr := range lines(t, "invalid.txt") {
		_, err := jsonpath.Parse(expr)
		var pe *jsonpath.Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error = %v, want *jsonpath.Error", expr, err)
			continue
		}
		if pe.Pos < 0 || pe.Pos > len(expr) {
			t.Errorf("Parse(%q): Pos %d outside the expression", expr, pe.Pos)
		}
	}
}

const store = `{
 "store": {
  "book": [
   {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
   {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
   {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
   {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395", "price": 22.99}
  ],
  "bicycle": {"color": "red", "price": 19.95}
 },
 "limit": 10,
 "items": [0, 1, 2, 3, 4],
 "empty": [],
 "nul": null,
 "s": "text"
}`

func TestGet(t *testing.T) {
	t.Parallel()
	d := jsontest.Decode(t, store)
	tests := []struct {
		expr string
		want string // JSON
	}{
		{"$.limit", `10`},
		{"$.nul", `null`},
		{"$.store.bicycle.color", `"red"`},
		{"$['store']['book'][0]['author']", `"Nigel Rees"`},
		{"$.store.book[-1].title", `"The Lord"`},
		{"$.items[1:3]", `[1,2]`},
		{"$.items[:2]", `[0,1]`},
		{"$.items[3:]", `[3,4]`},
		{"$.items[-2:]", `[3,4]`},
		{"$.items[::2]", `[0,2,4]`},
		{"$.items[::-1]", `[4,3,2,1,0]`},
		{"$.items[10:]", `[]`},
		{"$.items[0,4,9]", `[0,4]`},
		{"$.items[*]", `[0,1,2,3,4]`},
		{"$.empty[*]", `[]`},
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store.book[*].isbn", `["0-553","0-395"]`},
		{"$.store.bicycle.*", `["red",19.95]`},
		{"$..price", `[19.95,8.95,12.99,8.99,22.99]`},
		{"$..book[0].title", `["Sayings"]`},
		{"$.store.book[?(@.price < 10)].title", `["Sayings","Moby Dick"]`},
		{"$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord"]`},
		{"$.store.book[?(!@.isbn)].title", `["Sayings","Sword"]`},
		{"$.store.book[?(@.price > $.limit && @.category == 'fiction')].title", `["Sword","The Lord"]`},
		{"$.store.book[?(@.price < 9 || @.author =~ /.*tolkien/i)].title", `["Sayings","Moby Dick","The Lord"]`},
		{"$.store.book[?(@.category in ['reference'])].price", `[8.95]`},
		{"$.store.book[?(@.category nin ['fiction'])].price", `[8.95]`},
		{"$.store.book[?(@.price == 8.950)].title", `["Sayings"]`},
		{"$.items[?(@ >= 3)]", `[3,4]`},
		{"$.store.book[?(@.author =~ /Tolkien/)].title", `[]`},
		{"$.store.book[?(@.author =~ /.*Tolkien/)].title", `["The Lord"]`},
		{"$.store.book[?(@.missing == 1)]", `[]`},
		{"$.store['book','bicycle'].price", `[19.95]`},
		{"$.s[*]", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := p.Get(d)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(jsontest.Decode(t, tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	d := jsontest.Decode(t, store)
	tests := []struct {
		expr  string
		msg   string
		cause string
	}{
		{"$.nosuch", "No results for path: $['nosuch']", "Invalid path '$.nosuch' : No results for path: $['nosuch']"},
		{"$.no.such.path", "Missing property in path $['no']", "Invalid path '$.no.such.path' : Missing property in path $['no']"},
		{"$.items[9]", "No results for path: $['items'][9]", ""},
		{"$.items[-6].x", "No results for path: $['items'][-6]['x']", ""},
		{"$.nul[0]", "The path $['nul'] is null", ""},
		{"$.store.bicycle[0]", "Filter: [0] can only be applied to arrays. Current context is: {color=red, price=19.95}", ""},
		{"$.s.x", "Expected to find an object with property ['x'] in path $['s'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.", ""},
		{"$.nul.x", "Expected to find an object with property ['x'] in path $['nul'] but found 'null'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.", ""},
		{"$.limit[0]", "Filter: [0] can only be applied to arrays. Current context is: 10", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.MustParse(tt.expr).Get(d)
			var nf *jsonpath.NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Get error = %v, want *NotFoundError", err)
			}
			if nf.Msg != tt.msg || nf.Expr != tt.expr {
				t.Errorf("Msg %q Expr %q, want %q %q", nf.Msg, nf.Expr, tt.msg, tt.expr)
			}
			if tt.cause != "" && nf.Cause() != tt.cause {
				t.Errorf("Cause() = %q, want %q", nf.Cause(), tt.cause)
			}
		})
	}
}

func TestGetRootsAreTheDocument(t *testing.T) {
	t.Parallel()
	v := jsontest.Decode(t, `{"x": [1, 2]}`)
	for _, expr := range []string{"$.x[1]", "$$.x[1]", "$var.x[1]"} {
		got, err := jsonpath.MustParse(expr).Get(v)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if diff := cmp.Diff(json.Number("2"), got); diff != "" {
			t.Errorf("%s (-want +got)\n%s", expr, diff)
		}
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		expr string
		val  string
		want string
	}{
		{"root replaces", `{"a":1}`, "$", `{"r":1}`, `{"r":1}`},
		{"new member", `{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`},
		{"overwrite", `{"a":1}`, "$.a", `[1]`, `{"a":[1]}`},
		{"create intermediates", `{"a":1}`, "$.x.y.z", `true`, `{"a":1,"x":{"y":{"z":true}}}`},
		{"into existing object", `{"a":{"k":1}}`, "$.a.b", `2`, `{"a":{"k":1,"b":2}}`},
		{"bracket name", `{}`, "$['a b']", `null`, `{"a b":null}`},
		{"array element", `{"a":[1,2,3]}`, "$.a[1]", `"x"`, `{"a":[1,"x",3]}`},
		{"negative index", `{"a":[1,2,{}]}`, "$.a[-1].k", `0`, `{"a":[1,2,{"k":0}]}`},
		{"variable root", `{"a":1}`, "$v.b", `2`, `{"a":1,"b":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := jsontest.Decode(t, tt.doc)
			before := fmt.Sprint(in)
			got, err := jsonpath.MustParse(tt.expr).Set(in, jsontest.Decode(t, tt.val))
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if diff := cmp.Diff(jsontest.Decode(t, tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if after := fmt.Sprint(in); after != before {
				t.Errorf("Set modified its input: %s -> %s", before, after)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		expr string
		at   string
	}{
		{"through a string", `{"a":"s"}`, "$.a.b", "$['a']"},
		{"through null", `{"a":null}`, "$.a.b", "$['a']"},
		{"root not an object", `"s"`, "$.a", "$"},
		{"index on object", `{"a":{}}`, "$.a[0]", "$['a']"},
		{"index out of range", `{"a":[1]}`, "$.a[3]", "$['a'][3]"},
		{"wildcard", `{"a":[1]}`, "$.a[*]", "$['a'][*]"},
		{"context", `{}`, "$$.a", "$$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.MustParse(tt.expr).Set(jsontest.Decode(t, tt.doc), json.Number("1"))
			var se *jsonpath.SetError
			if !errors.As(err, &se) {
				t.Fatalf("Set error = %v, want *SetError", err)
			}
			if se.At != tt.at || se.Expr != tt.expr {
				t.Errorf("At %q Expr %q, want %q %q", se.At, se.Expr, tt.at, tt.expr)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	t.Parallel()
	p := jsonpath.MustParse("$.a[0]..b[?(@.c)]")
	segs := p.Segments()
	got := []string{}
	for _, s := range segs {
		got = append(got, fmt.Sprintf("%d %v %v", s.Pos, s.Kind, s.Recursive))
	}
	want := []string{"1 Child false", "3 Index false", "6 Child true", "9 Filter false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	paths, rel := segs[3].Pred.Paths()
	if len(paths) != 1 || !rel[0] || paths[0].Canonical() != "$['c']" || paths[0].String() != "@.c" {
		t.Errorf("Pred.Paths() = %v %v", paths, rel)
	}
	segs[0].Names[0] = "changed"
	if p.Canonical() != "$['a'][0]..['b'][?(@['c'])]" {
		t.Errorf("Segments exposed internal state: %s", p.Canonical())
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`1e2`, `100`, true},
		{`1`, `"1"`, false},
		{`{"a":[1,{"b":null}]}`, `{"a":[1,{"b":null}]}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`null`, `false`, false},
		{`12345678901234567890`, `12345678901234567891`, false},
		{`12345678901234567890`, `1.234567890123456789e19`, true},
	}
	for _, tt := range tests {
		if got := jsonpath.Equal(jsontest.Decode(t, tt.a), jsontest.Decode(t, tt.b)); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// FuzzJSONPathParse checks that Parse never panics, that String returns
// the input, that the canonical form parses to itself, and that evaluating
// a parsed path never panics.
func FuzzJSONPathParse(f *testing.F) {
	for _, s := range lines(f, "valid.txt") {
		f.Add(s)
	}
	for _, s := range lines(f, "invalid.txt") {
		f.Add(s)
	}
	d := jsontest.Decode(f, store)
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 256 {
			return
		}
		p, err := jsonpath.Parse(expr)
		if err != nil {
			var pe *jsonpath.Error
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(expr) {
				t.Fatalf("Parse(%q): bad error %v", expr, err)
			}
			return
		}
		if p.String() != expr {
			t.Fatalf("String() = %q, want %q", p.String(), expr)
		}
		c := p.Canonical()
		q, err := jsonpath.Parse(c)
		if err != nil {
			t.Fatalf("Parse(Canonical(%q) = %q): %v", expr, c, err)
		}
		if q.Canonical() != c {
			t.Fatalf("canonical not stable: %q -> %q -> %q", expr, c, q.Canonical())
		}
		if q.IsDefinite() != p.IsDefinite() {
			t.Fatalf("definiteness changed through canonical form: %q", expr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = p.Get(d)
			_, _ = p.Set(d, nil)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatalf("evaluating %q did not finish", expr)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, expr := range []string{"$.a.b.c", "$.store.book[?(@.price < 10 && @.category == 'fiction')].title"} {
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				if _, err := jsonpath.Parse(expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	d := jsontest.Decode(b, store)
	for _, expr := range []string{"$.store.bicycle.color", "$..price", "$.store.book[?(@.price < 10)].title"} {
		p := jsonpath.MustParse(expr)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Get(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSet(b *testing.B) {
	d := jsontest.Decode(b, store)
	p := jsonpath.MustParse("$.store.bicycle.result")
	for b.Loop() {
		if _, err := p.Set(d, "x"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExamplePath_Get() {
	dec := json.NewDecoder(strings.NewReader(`{"users":[{"name":"ann","age":31},{"name":"bo","age":17}]}`))
	dec.UseNumber()
	var input any
	_ = dec.Decode(&input)

	p := jsonpath.MustParse("$.users[?(@.age >= 18)].name")
	v, _ := p.Get(input)
	fmt.Println(v, p.Canonical())

	_, err := jsonpath.MustParse("$.account.id").Get(input)
	var nf *jsonpath.NotFoundError
	if errors.As(err, &nf) {
		fmt.Println(nf.Cause())
	}
	// Output:
	// [ann] $['users'][?(@['age'] >= 18)]['name']
	// Invalid path '$.account.id' : Missing property in path $['account']
}

func ExamplePath_Set() {
	input := map[string]any{"a": json.Number("1")}
	out, _ := jsonpath.MustParse("$.result.value").Set(input, "done")
	b, _ := json.Marshal(out)
	fmt.Println(string(b), input)
	// Output:
	// {"a":1,"result":{"value":"done"}} map[a:1]
}
