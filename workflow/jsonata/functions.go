package jsonata

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/sluicehq/sluice/internal/hashalg"
)

// call is what a built-in receives besides its arguments.
type call struct {
	ev    *evaluator
	input any
	pos   int
	name  string
}

func (c *call) err(code string, kv ...any) error { return evalErr(code, c.pos, kv...) }

type builtin struct {
	fn    func(c *call, args []any) (any, error)
	arity int
}

// builtinFrame holds the built-in functions; it is read-only after init.
var builtinFrame = &frame{vars: map[string]any{}}

func def(name, sig string, fn func(c *call, args []any) (any, error)) {
	s := mustSig(sig)
	arity := 0
	for _, p := range s.params {
		if !p.optional {
			arity++
		}
	}
	builtinFrame.vars[name] = &Function{name: name, native: &builtin{fn: fn, arity: arity}, sig: s}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined
}

func num(v any) float64 { f, _ := number(v); return f }

func str(v any) string { s, _ := v.(string); return s }

func seqOf(items []any) *sequence { return &sequence{items: items} }

func init() {
	// aggregation
	def("sum", "a<n>:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		t := 0.0
		for _, v := range mustItems(a[0]) {
			t += num(v)
		}
		return t, nil
	})
	def("count", "a:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return 0.0, nil
		}
		return float64(len(mustItems(a[0]))), nil
	})
	def("max", "a<n>:n", func(c *call, a []any) (any, error) { return extreme(a[0], 1), nil })
	def("min", "a<n>:n", func(c *call, a []any) (any, error) { return extreme(a[0], -1), nil })
	def("average", "a<n>:n", func(c *call, a []any) (any, error) {
		items := mustItems(a[0])
		if len(items) == 0 {
			return Undefined, nil
		}
		t := 0.0
		for _, v := range items {
			t += num(v)
		}
		return t / float64(len(items)), nil
	})

	// strings
	def("string", "x-b?:s", func(c *call, a []any) (any, error) {
		v := a[0]
		if isUndef(v) {
			return Undefined, nil
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
		if isCallable(v) {
			return "", nil
		}
		if f, ok := number(v); ok {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, c.err("D3001", "value", f)
			}
			return formatJSNumber(precision15(f)), nil
		}
		indent := ""
		if b, ok := arg(a, 1).(bool); ok && b {
			indent = "  "
		}
		return stringifyOrdered(v, true, indent, c.ev.keysOf), nil
	})
	def("substring", "s-nn?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		rs := []rune(str(a[0]))
		n := float64(len(rs))
		start := num(a[1])
		if n+start < 0 {
			start = 0
		}
		end := n
		if l := arg(a, 2); !isUndef(l) {
			ln := num(l)
			if ln <= 0 {
				return "", nil
			}
			if start >= 0 {
				end = start + ln
			} else {
				end = n + start + ln
			}
		}
		// JavaScript's slice: truncate, negative counts from the end, clamp
		clamp := func(x float64) int {
			x = math.Trunc(x)
			if x < 0 {
				x += n
			}
			return int(math.Max(0, math.Min(n, x)))
		}
		s, e := clamp(start), clamp(end)
		if e <= s {
			return "", nil
		}
		return string(rs[s:e]), nil
	})
	def("substringBefore", "s-s:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s, chars := str(a[0]), str(a[1])
		if isUndef(a[1]) {
			return s, nil
		}
		if i := strings.Index(s, chars); i >= 0 {
			return s[:i], nil
		}
		return s, nil
	})
	def("substringAfter", "s-s:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s, chars := str(a[0]), str(a[1])
		if i := strings.Index(s, chars); i >= 0 {
			return s[i+len(chars):], nil
		}
		return s, nil
	})
	def("lowercase", "s-:s", strFn(toLower))
	def("uppercase", "s-:s", strFn(toUpper))
	def("length", "s-:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return float64(utf8.RuneCountInString(str(a[0]))), nil
	})
	def("trim", "s-:s", strFn(func(s string) string {
		return strings.Trim(strings.Join(strings.FieldsFunc(s, isJSONataSpace), " "), " ")
	}))
	def("pad", "s-ns?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s := str(a[0])
		wf := num(a[1])
		if math.Abs(wf) > maxStringLen {
			return nil, c.err("U1010")
		}
		width := int(wf)
		ch := " "
		if p, ok := arg(a, 2).(string); ok && p != "" {
			ch = p
		}
		n := utf8.RuneCountInString(s)
		w := width
		if w < 0 {
			w = -w
		}
		if n >= w {
			return s, nil
		}
		if w > maxStringLen {
			return nil, c.err("U1010")
		}
		padRunes := []rune(strings.Repeat(ch, w-n+1))[:w-n]
		if width < 0 {
			return string(padRunes) + s, nil
		}
		return s + string(padRunes), nil
	})
	def("contains", "s-(sf):b", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s := str(a[0])
		if isUndef(a[1]) {
			return Undefined, nil
		}
		if r, ok := a[1].(*regexValue); ok {
			return r.re.MatchString(s), nil
		}
		if isCallable(a[1]) {
			return nil, c.err("T0410", "index", 2, "token", c.name)
		}
		return strings.Contains(s, str(a[1])), nil
	})
	def("split", "s-(sf)n?:a<s>", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s := str(a[0])
		limit := -1
		if l := arg(a, 2); !isUndef(l) {
			if num(l) < 0 {
				return nil, c.err("D3020")
			}
			limit = int(num(l))
		}
		var parts []string
		switch sep := a[1].(type) {
		case string:
			if sep == "" {
				for _, r := range s {
					parts = append(parts, string(r))
				}
				if parts == nil {
					parts = []string{}
				}
			} else {
				parts = strings.Split(s, sep)
			}
		case *regexValue:
			parts = sep.re.Split(s, -1)
		default:
			return nil, c.err("T0410", "index", 2, "token", c.name)
		}
		out := []any{}
		for i, p := range parts {
			if limit >= 0 && i >= limit {
				break
			}
			out = append(out, p)
		}
		return out, nil
	})
	def("join", "a<s>s?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		items := mustItems(a[0])
		parts := make([]string, len(items))
		total := 0
		for i, v := range items {
			parts[i] = str(v)
			total += len(parts[i]) + len(str(arg(a, 1)))
		}
		if total > maxStringLen {
			return nil, c.err("U1010")
		}
		return strings.Join(parts, str(arg(a, 1))), nil
	})
	def("match", "s-f<s:o>n?:a<o>", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		limit := -1
		if l := arg(a, 2); !isUndef(l) {
			if num(l) < 0 {
				return nil, c.err("D3040")
			}
			limit = int(num(l))
		}
		r, ok := a[1].(*regexValue)
		if !ok {
			return nil, c.err("T0410", "index", 2, "token", c.name)
		}
		if limit == 0 {
			return seqOf(nil), nil
		}
		return seqOf(r.matches(str(a[0]), limit)), nil
	})
	def("replace", "s-(sf)(sf)n?:s", fnReplace)
	def("formatBase", "n-n?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		radix := 10
		if r := arg(a, 1); !isUndef(r) {
			rf := roundHalfEven(num(r), 0)
			if rf < 2 || rf > 36 {
				return nil, c.err("D3100", "value", rf)
			}
			radix = int(rf)
		}
		v := roundHalfEven(num(a[0]), 0)
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return formatJSNumber(v), nil
		}
		bi, _ := big.NewFloat(v).Int(nil)
		return bi.Text(radix), nil
	})
	// btoa/atob work on Latin-1 code units
	def("base64encode", "s-:s", strFn(func(s string) string {
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		return base64.StdEncoding.EncodeToString(b)
	}))
	def("base64decode", "s-:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		// lenient like Node's decoder: characters outside the alphabet are
		// skipped, padding is optional
		clean := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' {
				return r
			}
			return -1
		}, str(a[0]))
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		b, _ := base64.RawStdEncoding.DecodeString(clean)
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs), nil
	})
	def("encodeUrlComponent", "s-:s", strFn(func(s string) string { return uriEncode(s, "-_.!~*'()") }))
	def("encodeUrl", "s-:s", strFn(func(s string) string { return uriEncode(s, "-_.!~*'();/?:@&=+$,#") }))
	def("decodeUrlComponent", "s-:s", urlDecode("decodeUrlComponent"))
	def("decodeUrl", "s-:s", urlDecode("decodeUrl"))

	// numbers
	def("number", "(nsb)-:n", func(c *call, a []any) (any, error) {
		switch v := a[0].(type) {
		case UndefinedType:
			return Undefined, nil
		case bool:
			if v {
				return 1.0, nil
			}
			return 0.0, nil
		case string:
			f, ok := parseJSNumber(v)
			if !ok {
				return nil, c.err("D3030", "value", v)
			}
			return f, nil
		}
		if f, ok := number(a[0]); ok {
			return f, nil
		}
		return nil, c.err("D3030", "value", a[0])
	})
	def("floor", "n-:n", numFn(math.Floor))
	def("ceil", "n-:n", numFn(math.Ceil))
	def("abs", "n-:n", numFn(math.Abs))
	def("sqrt", "n-:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		f := num(a[0])
		if f < 0 {
			return nil, c.err("D3060", "value", a[0])
		}
		return math.Sqrt(f), nil
	})
	def("power", "n-n:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		if isUndef(a[1]) {
			return nil, c.err("D3061", "value", a[0], "exp", Undefined)
		}
		r := math.Pow(num(a[0]), num(a[1]))
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, c.err("D3061", "value", a[0], "exp", a[1])
		}
		return r, nil
	})
	def("round", "n-n?:n", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		p := num(arg(a, 1))
		if p != math.Trunc(p) || math.Abs(p) > 400 {
			return math.NaN(), nil // jsonata-js yields NaN (null in JSON)
		}
		return roundHalfEven(num(a[0]), int(p)), nil
	})
	def("random", "n?:n", func(c *call, a []any) (any, error) {
		if s := arg(a, 0); !isUndef(s) {
			seed := uint64(int64(num(s)))
			return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)).Float64(), nil
		}
		return c.ev.rng().Float64(), nil
	})

	// booleans
	def("boolean", "x-:b", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return truthy(a[0]), nil
	})
	def("not", "x-:b", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return !truthy(a[0]), nil
	})
	def("exists", "x:b", func(c *call, a []any) (any, error) { return !isUndef(a[0]), nil })

	// higher-order
	def("map", "af", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		items := mustItems(a[0])
		out := seqOf(nil)
		for i, v := range items {
			r, err := c.ev.callFn(a[1], c.pos, c.input, v, float64(i), a[0])
			if err != nil {
				return nil, err
			}
			if !isUndef(r) {
				out.push(r)
			}
		}
		return out, nil
	})
	def("filter", "af", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		out := seqOf(nil)
		for i, v := range mustItems(a[0]) {
			r, err := c.ev.callFn(a[1], c.pos, c.input, v, float64(i), a[0])
			if err != nil {
				return nil, err
			}
			if truthy(r) {
				out.push(v)
			}
		}
		return out, nil
	})
	def("single", "af?", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		var found any = Undefined
		hits := 0
		for i, v := range mustItems(a[0]) {
			ok := true
			if f := arg(a, 1); !isUndef(f) {
				r, err := c.ev.callFn(f, c.pos, c.input, v, float64(i), a[0])
				if err != nil {
					return nil, err
				}
				ok = truthy(r)
			}
			if ok {
				hits++
				if hits > 1 {
					return nil, c.err("D3138")
				}
				found = v
			}
		}
		if hits == 0 {
			return nil, c.err("D3139")
		}
		return found, nil
	})
	def("reduce", "afj?:j", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		f := asFunction(a[1])
		if f == nil || f.arity() < 2 {
			return nil, c.err("D3050")
		}
		items := mustItems(a[0])
		acc := arg(a, 2)
		start := 0
		if isUndef(acc) && len(items) > 0 {
			acc = items[0]
			start = 1
		}
		for i := start; i < len(items); i++ {
			r, err := c.ev.callFn(f, c.pos, c.input, acc, items[i], float64(i), a[0])
			if err != nil {
				return nil, err
			}
			acc = r
		}
		return acc, nil
	})
	def("sift", "o-f?:o", func(c *call, a []any) (any, error) {
		m, ok := a[0].(map[string]any)
		if !ok {
			return Undefined, nil
		}
		out := map[string]any{}
		var keys []string
		for _, k := range c.ev.keysOf(m) {
			r, err := c.ev.callFn(arg(a, 1), c.pos, c.input, m[k], k, m)
			if err != nil {
				return nil, err
			}
			if truthy(r) {
				out[k] = m[k]
				keys = append(keys, k)
			}
		}
		if len(out) == 0 {
			return Undefined, nil
		}
		c.ev.setOrder(out, keys)
		return out, nil
	})
	def("each", "o-f:a", func(c *call, a []any) (any, error) {
		m, ok := a[0].(map[string]any)
		if !ok {
			return Undefined, nil
		}
		out := seqOf(nil)
		for _, k := range c.ev.keysOf(m) {
			r, err := c.ev.callFn(a[1], c.pos, c.input, m[k], k, m)
			if err != nil {
				return nil, err
			}
			if !isUndef(r) {
				out.push(r)
			}
		}
		return out, nil
	})
	def("zip", "a+", func(c *call, a []any) (any, error) {
		arrays := mustItems(a[0])
		if len(arrays) == 0 {
			return []any{}, nil
		}
		minLen := math.MaxInt
		lists := make([][]any, len(arrays))
		for i, v := range arrays {
			lists[i] = mustItems(v)
			if len(lists[i]) < minLen {
				minLen = len(lists[i])
			}
		}
		out := []any{}
		for i := 0; i < minLen; i++ {
			row := make([]any, len(lists))
			for j := range lists {
				row[j] = lists[j][i]
			}
			out = append(out, row)
		}
		return out, nil
	})
	def("sort", "af?:a", fnSort)

	// objects and arrays
	def("keys", "x-:a<s>", func(c *call, a []any) (any, error) {
		out := seqOf(nil)
		seen := map[string]bool{}
		add := func(m map[string]any) {
			for _, k := range c.ev.keysOf(m) {
				if !seen[k] {
					seen[k] = true
					out.push(k)
				}
			}
		}
		if m, ok := a[0].(map[string]any); ok {
			add(m)
		} else if arr, ok := asArray(a[0]); ok {
			for _, v := range arr {
				if m, ok := v.(map[string]any); ok {
					add(m)
				}
			}
		}
		return out, nil
	})
	def("lookup", "x-s:x", func(c *call, a []any) (any, error) { return lookup(a[0], str(a[1])), nil })
	def("append", "xx:a", func(c *call, a []any) (any, error) { return appendValues(a[0], a[1]), nil })
	def("spread", "x-:a<o>", func(c *call, a []any) (any, error) {
		out := seqOf(nil)
		var spread func(v any)
		spread = func(v any) {
			if arr, ok := asArray(v); ok {
				for _, e := range arr {
					spread(e)
				}
				return
			}
			if m, ok := v.(map[string]any); ok {
				for _, k := range c.ev.keysOf(m) {
					out.push(map[string]any{k: m[k]})
				}
				return
			}
			out.push(v)
		}
		if isUndef(a[0]) {
			return Undefined, nil
		}
		spread(a[0])
		return out, nil
	})
	def("merge", "a<o>:o", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		out := map[string]any{}
		var keys []string
		for _, v := range mustItems(a[0]) {
			m := v.(map[string]any)
			for _, k := range c.ev.keysOf(m) {
				if _, exists := out[k]; !exists {
					keys = append(keys, k)
				}
				out[k] = m[k]
			}
		}
		c.ev.setOrder(out, keys)
		return out, nil
	})
	def("reverse", "a:a", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		items := mustItems(a[0])
		out := make([]any, len(items))
		for i, v := range items {
			out[len(items)-1-i] = v
		}
		return out, nil
	})
	def("shuffle", "a:a", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		out := append([]any{}, mustItems(a[0])...)
		c.ev.rng().Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out, nil
	})
	def("distinct", "x:x", func(c *call, a []any) (any, error) {
		arr, ok := asArray(a[0])
		if !ok || len(arr) <= 1 {
			return a[0], nil
		}
		out := []any{}
	outer:
		for _, v := range arr {
			for _, w := range out {
				if deepEqual(v, w) {
					continue outer
				}
			}
			out = append(out, v)
		}
		if isSequence(a[0]) {
			return seqOf(out), nil
		}
		return out, nil
	})
	def("type", "x:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return typeName(a[0]), nil
	})
	def("clone", "(oa)-:o", func(c *call, a []any) (any, error) { return c.ev.deepClone(a[0]), nil })
	def("error", "s?:x", func(c *call, a []any) (any, error) {
		m := "$error() function evaluated"
		if s, ok := arg(a, 0).(string); ok && s != "" {
			m = s
		}
		return nil, c.err("D3137", "message", m)
	})
	def("assert", "bs?:x", func(c *call, a []any) (any, error) {
		if b, _ := a[0].(bool); !b {
			m := "$assert() statement failed"
			if s, ok := arg(a, 1).(string); ok && s != "" {
				m = s
			}
			return nil, c.err("D3141", "message", m)
		}
		return Undefined, nil
	})
	// $eval is not available in Step Functions ("use $parse instead"):
	// calling it fails with T1006 as for any unknown function.

	// Step Functions additions
	def("partition", "an:a", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		items := mustItems(a[0])
		size := int(num(a[1]))
		if size <= 0 {
			return nil, c.err("D3137", "message", "The chunk size argument of $partition must be a positive integer")
		}
		out := []any{}
		for i := 0; i < len(items); i += size {
			end := min(i+size, len(items))
			out = append(out, append([]any{}, items[i:end]...))
		}
		return out, nil
	})
	def("range", "nnn?:a", func(c *call, a []any) (any, error) {
		start, end := num(a[0]), num(a[1])
		step := 1.0
		if s := arg(a, 2); !isUndef(s) {
			step = num(s)
		}
		if step == 0 {
			return nil, c.err("D3137", "message", "The step argument of $range must not be zero")
		}
		out := seqOf(nil)
		for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
			if len(out.items) >= 1e6 {
				return nil, c.err("D2014", "value", len(out.items))
			}
			out.push(v)
		}
		return out, nil
	})
	def("hash", "s-s?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		alg := "SHA-256"
		if s, ok := arg(a, 1).(string); ok {
			alg = s
		}
		h, ok := hashalg.New(alg)
		if !ok {
			return nil, c.err("D3137", "message", fmt.Sprintf("Unsupported hash algorithm: %s", alg))
		}
		h.Write([]byte(str(a[0])))
		return hex.EncodeToString(h.Sum(nil)), nil
	})
	def("uuid", ":s", func(c *call, a []any) (any, error) {
		var b [16]byte
		if r := c.ev.random; r != nil {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
		} else {
			_, _ = rand.Read(b[:])
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	})
	def("parse", "s-:j", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		dec := json.NewDecoder(strings.NewReader(str(a[0])))
		dec.UseNumber()
		v, err := c.ev.decodeOrdered(dec)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errors.New("trailing data")
			}
		}
		if err != nil {
			return nil, c.err("D3137", "message", "Unable to parse the JSON string: "+str(a[0]))
		}
		return v, nil
	})

	defDateTime()
	defFormat()
}

// decodeOrdered decodes one JSON value, recording the key order of its
// objects so that $string and $keys reproduce it.
func (ev *evaluator) decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := ev.decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			ev.setOrder(m, keys)
			return m, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := ev.decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, errors.New("unexpected delimiter")
	}
	return tok, nil
}

func extreme(v any, sign float64) any {
	items := mustItems(v)
	if len(items) == 0 {
		return Undefined
	}
	best := num(items[0])
	for _, e := range items[1:] {
		f := num(e)
		if (f-best)*sign > 0 {
			best = f
		}
	}
	return best
}

// toUpper and toLower use full Unicode case mapping like JavaScript's
// toUpperCase/toLowerCase ("ß" → "SS", final sigma); a Caser is not safe
// for concurrent use, so one is made per call for non-ASCII strings.
func toUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

func toLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return cases.Lower(language.Und).String(s)
}

func strFn(f func(string) string) func(c *call, a []any) (any, error) {
	return func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return f(str(a[0])), nil
	}
}

func numFn(f func(float64) float64) func(c *call, a []any) (any, error) {
	return func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return f(num(a[0])), nil
	}
}

func isJSONataSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// roundHalfEven rounds to the given number of decimal places with ties to
// even, shifting by decimal exponent (not by multiplying) to avoid binary
// artefacts, as jsonata's $round does.
func roundHalfEven(f float64, precision int) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	shifted := shiftDecimal(f, precision)
	r := math.Round(shifted)
	if math.Abs(shifted-math.Trunc(shifted)) == 0.5 {
		r = math.RoundToEven(shifted)
	}
	back := shiftDecimal(r, -precision)
	if back == 0 {
		return 0 // no negative zero
	}
	return back
}

// shiftDecimal returns f * 10^n computed on the decimal representation.
func shiftDecimal(f float64, n int) float64 {
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	v, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(e+n), 64)
	if err != nil {
		return f * math.Pow(10, float64(n))
	}
	return v
}

// parseJSNumber accepts JSON number syntax plus 0x/0o/0b integers, as
// $number does in jsonata 2.x.
func parseJSNumber(s string) (float64, bool) {
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			v, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil {
				return 0, false
			}
			return float64(v), true
		}
	}
	if !jsonNumberSyntax(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func jsonNumberSyntax(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

func uriEncode(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func urlDecode(name string) func(c *call, a []any) (any, error) {
	return func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s := str(a[0])
		keep := ""
		if name == "decodeUrl" {
			keep = ";/?:@&=+$,#"
		}
		r, ok := percentDecode(s, keep)
		if !ok {
			return nil, c.err("D3140", "functionName", name, "value", s)
		}
		return r, nil
	}
}

// percentDecode is decodeURIComponent (keep == "") or decodeURI (escapes
// of the characters in keep stay as they are).
func percentDecode(s, keep string) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		if v < 0x80 && strings.IndexByte(keep, byte(v)) >= 0 {
			b = append(b, s[i:i+3]...)
		} else {
			b = append(b, byte(v))
		}
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func fnReplace(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	s := str(a[0])
	if p, ok := a[1].(string); ok && p == "" {
		return nil, c.err("D3010")
	}
	limit := -1
	if l := arg(a, 3); !isUndef(l) {
		if num(l) < 0 {
			return nil, c.err("D3011")
		}
		limit = int(num(l))
	}
	repl := a[2]
	switch p := a[1].(type) {
	case string:
		rs, ok := repl.(string)
		if !ok {
			if isCallable(repl) {
				return nil, c.err("T0410", "index", 3, "token", c.name)
			}
		}
		if n := strings.Count(s, p); len(rs) > len(p) && n*(len(rs)-len(p)) > maxStringLen {
			return nil, c.err("U1010")
		}
		return strings.Replace(s, p, rs, limit), nil
	case *regexValue:
		var b strings.Builder
		last := 0
		count := 0
		for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
			if limit >= 0 && count >= limit {
				break
			}
			if m[1] == m[0] {
				return nil, c.err("D1004")
			}
			b.WriteString(s[last:m[0]])
			if rs, ok := repl.(string); ok {
				b.WriteString(expandReplacement(rs, s, m))
			} else {
				groups := []any{}
				for g := 1; g < len(m)/2; g++ {
					if m[2*g] < 0 {
						groups = append(groups, "")
					} else {
						groups = append(groups, s[m[2*g]:m[2*g+1]])
					}
				}
				mo := map[string]any{"match": s[m[0]:m[1]], "index": float64(utf16Index(s, m[0])), "groups": groups}
				r, err := c.ev.callFn(repl, c.pos, c.input, mo)
				if err != nil {
					return nil, err
				}
				rs, ok := r.(string)
				if !ok {
					return nil, c.err("D3012", "value", r)
				}
				b.WriteString(rs)
			}
			last = m[1]
			count++
			if b.Len() > maxStringLen {
				return nil, c.err("U1010")
			}
		}
		b.WriteString(s[last:])
		return b.String(), nil
	}
	return nil, c.err("T0410", "index", 2, "token", c.name)
}

// expandReplacement substitutes $0..$n (and $$) in a replacement string, as
// jsonata's $replace does: a group number greater than the number of groups
// is shortened digit by digit.
func expandReplacement(r, s string, m []int) string {
	var b strings.Builder
	ngroups := len(m)/2 - 1
	for i := 0; i < len(r); i++ {
		ch := r[i]
		if ch != '$' || i+1 >= len(r) {
			b.WriteByte(ch)
			continue
		}
		if r[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		j := i + 1
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		if j == i+1 {
			b.WriteByte('$')
			continue
		}
		digits := r[i+1 : j]
		for len(digits) > 1 {
			n, _ := strconv.Atoi(digits)
			if n <= ngroups {
				break
			}
			digits = digits[:len(digits)-1]
		}
		n, _ := strconv.Atoi(digits)
		if n <= ngroups && m[2*n] >= 0 {
			b.WriteString(s[m[2*n]:m[2*n+1]])
		}
		b.WriteString(r[i+1+len(digits) : j])
		i = j - 1
	}
	return b.String()
}

func fnSort(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	items := append([]any{}, mustItems(a[0])...)
	if len(items) <= 1 {
		return items, nil
	}
	cmpFn := arg(a, 1)
	if isUndef(cmpFn) {
		allNum, allStr := true, true
		for _, v := range items {
			if !isNumber(v) {
				allNum = false
			}
			if !isString(v) {
				allStr = false
			}
		}
		if !allNum && !allStr {
			return nil, c.err("D3070")
		}
		sort.SliceStable(items, func(i, j int) bool {
			r, _ := compareValues(items[i], items[j])
			return r < 0
		})
		return items, nil
	}
	var err error
	sort.SliceStable(items, func(i, j int) bool {
		if err != nil {
			return false
		}
		// the comparator answers "should a come after b", i.e. a > b
		// the comparator always gets both values, whatever its arity
		r, e := c.ev.apply(cmpFn, []any{items[j], items[i]}, c.input, c.pos)
		if e != nil {
			err = e
			return false
		}
		return truthy(r)
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}
