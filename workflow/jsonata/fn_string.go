package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// stringFunctions returns the string functions.
func stringFunctions() []builtinDef {
	return []builtinDef{
		{"string", "x-b?:s", fnString},
		{"substring", "s-nn?:s", fnSubstring},
		{"substringBefore", "s-s:s", fnSubstringBefore},
		{"substringAfter", "s-s:s", fnSubstringAfter},
		{"lowercase", "s-:s", strFn(toLower)},
		{"uppercase", "s-:s", strFn(toUpper)},
		{"length", "s-:n", fnLength},
		{"trim", "s-:s", strFn(func(s string) string {
			return strings.Trim(strings.Join(strings.FieldsFunc(s, isJSONataSpace), " "), " ")
		})},
		{"pad", "s-ns?:s", fnPad},
		{"contains", "s-(sf):b", fnContains},
		{"split", "s-(sf)n?:a<s>", fnSplit},
		{"join", "a<s>s?:s", fnJoin},
		{"match", "s-f<s:o>n?:a<o>", fnMatch},
		{"replace", "s-(sf)(sf)n?:s", fnReplace},
	}
}

// fnString is $string.
func fnString(c *call, a []any) (any, error) {
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
}

// fnSubstring is $substring.
func fnSubstring(c *call, a []any) (any, error) {
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
}

// fnSubstringBefore is $substringBefore.
func fnSubstringBefore(c *call, a []any) (any, error) {
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
}

// fnSubstringAfter is $substringAfter.
func fnSubstringAfter(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	s, chars := str(a[0]), str(a[1])
	if i := strings.Index(s, chars); i >= 0 {
		return s[i+len(chars):], nil
	}
	return s, nil
}

// fnLength is $length.
func fnLength(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return float64(utf8.RuneCountInString(str(a[0]))), nil
}

// fnPad is $pad.
func fnPad(c *call, a []any) (any, error) {
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
}

// fnContains is $contains.
func fnContains(c *call, a []any) (any, error) {
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
}

// fnSplit is $split.
func fnSplit(c *call, a []any) (any, error) {
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
}

// fnJoin is $join.
func fnJoin(c *call, a []any) (any, error) {
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
}

// fnMatch is $match.
func fnMatch(c *call, a []any) (any, error) {
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

func isJSONataSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

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
