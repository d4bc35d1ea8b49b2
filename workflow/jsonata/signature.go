package jsonata

import (
	"fmt"
	"strings"
)

// signature is a JSONata function signature such as "<n-n:n>" (without
// the angle brackets): typed parameters validated before a call.
type signature struct {
	params []sigParam
}

type sigParam struct {
	types    string // set of type symbols: b n s l a o f j x (u expanded)
	sub      string // element type for a<...>
	optional bool   // ?
	variadic bool   // +
	context  bool   // - : use the context value when omitted
}

func parseSignature(s string) (*signature, error) {
	sig := &signature{}
	i := 0
	for i < len(s) {
		c := s[i]
		var p sigParam
		switch {
		case c == ':':
			return sig, nil // return type is not checked
		case strings.IndexByte("bnslaofjx", c) >= 0:
			p.types = string(c)
			i++
		case c == 'u':
			p.types = "bnsl"
			i++
		case c == '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				return nil, fmt.Errorf("unterminated choice group")
			}
			grp := s[i+1 : i+end]
			if strings.Contains(grp, "<") {
				return nil, fmt.Errorf("choice groups containing parameterized types are not supported")
			}
			p.types = strings.ReplaceAll(grp, "u", "bnsl")
			i += end + 1
		default:
			return nil, fmt.Errorf("bad signature symbol %q", c)
		}
		if i < len(s) && s[i] == '<' {
			depth := 0
			j := i
			for ; j < len(s); j++ {
				if s[j] == '<' {
					depth++
				} else if s[j] == '>' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated type parameter")
			}
			if p.types != "a" && p.types != "f" {
				return nil, fmt.Errorf("type parameters can only be applied to functions and arrays")
			}
			if p.types == "a" {
				p.sub = s[i+1 : j]
			}
			i = j + 1
		}
		for i < len(s) && strings.IndexByte("?+-", s[i]) >= 0 {
			switch s[i] {
			case '?':
				p.optional = true
			case '+':
				p.variadic = true
			case '-':
				p.context = true
			}
			i++
		}
		sig.params = append(sig.params, p)
	}
	return sig, nil
}

func mustSig(s string) *signature {
	sig, err := parseSignature(s)
	if err != nil {
		panic(err)
	}
	return sig
}

// symbol is the signature type symbol of a value; undefined is "m".
func symbol(v any) byte {
	switch v.(type) {
	case UndefinedType:
		return 'm'
	case nil:
		return 'l'
	case bool:
		return 'b'
	case string:
		return 's'
	case map[string]any, tuple:
		return 'o'
	case *Function, *regexValue:
		return 'f'
	}
	if isNumber(v) {
		return 'n'
	}
	if _, ok := asArray(v); ok {
		return 'a'
	}
	return 'm'
}

func (p *sigParam) accepts(v any) bool {
	sym := symbol(v)
	if sym == 'm' {
		// undefined fits any parameter except a lone function one
		return p.types != "f"
	}
	if p.types == "a" {
		return true // a lone array parameter wraps any other value
	}
	for i := 0; i < len(p.types); i++ {
		switch p.types[i] {
		case 'j':
			if sym != 'f' {
				return true
			}
		case 'x':
			return true
		default:
			if p.types[i] == sym {
				return true
			}
		}
	}
	return false
}

var arrayTypeNames = map[string]string{"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}

// validate matches args against the signature, substituting the context
// value for an omitted '-' parameter, wrapping non-arrays for 'a'
// parameters and collecting '+' parameters.
func (sig *signature) validate(name string, args []any, context any, pos int) ([]any, error) {
	var token any = name
	if name == "" {
		token = Undefined
	}
	out, ok, bad := sig.match(0, args, 0, context, nil)
	if !ok {
		return nil, evalErr("T0410", pos, "index", bad+1, "token", token)
	}
	for i, v := range out {
		if _, isCtx := v.(contextMarker); isCtx {
			if !isUndef(context) && !sig.params[i].accepts(context) {
				return nil, evalErr("T0411", pos, "index", i+1, "token", token)
			}
			out[i] = context
		}
	}
	for i, p := range sig.params {
		if i >= len(out) {
			break
		}
		if p.types == "a" && !p.variadic {
			v := out[i]
			if isUndef(v) {
				continue
			}
			arr, isArr := asArray(v)
			if !isArr {
				arr = []any{v}
				out[i] = arr
			}
			if p.sub != "" {
				for _, e := range arr {
					if strings.IndexByte(p.sub, symbol(e)) < 0 {
						return nil, evalErr("T0412", pos, "index", i+1, "token", name, "type", arrayTypeNames[p.sub])
					}
				}
			}
		}
	}
	return out, nil
}

// match is a small backtracking matcher. It returns the argument list
// aligned with the parameters; bad is the index of the first argument that
// could not be matched (len(args) when there were too few).
func (sig *signature) match(pi int, args []any, ai int, context any, acc []any) ([]any, bool, int) {
	if pi == len(sig.params) {
		if ai == len(args) {
			return acc, true, 0
		}
		return acc, false, ai
	}
	p := &sig.params[pi]
	bestBad := ai
	if ai < len(args) && p.accepts(args[ai]) && !isCtxMarker(args[ai]) {
		if p.variadic {
			// consume as many as accepted, then back off
			j := ai
			for j < len(args) && p.accepts(args[j]) {
				j++
			}
			for ; j > ai; j-- {
				group := append([]any(nil), args[ai:j]...)
				out, ok, bad := sig.match(pi+1, args, j, context, append(cloneArgs(acc), group))
				if ok {
					return out, true, 0
				}
				if bad > bestBad {
					bestBad = bad
				}
			}
		} else {
			out, ok, bad := sig.match(pi+1, args, ai+1, context, append(cloneArgs(acc), args[ai]))
			if ok {
				return out, true, 0
			}
			if bad > bestBad {
				bestBad = bad
			}
		}
	}
	if p.context {
		out, ok, bad := sig.match(pi+1, args, ai, context, append(cloneArgs(acc), contextMarker{}))
		if ok {
			return out, true, 0
		}
		if bad > bestBad {
			bestBad = bad
		}
	}
	if p.optional {
		out, ok, bad := sig.match(pi+1, args, ai, context, append(cloneArgs(acc), Undefined))
		if ok {
			return out, true, 0
		}
		if bad > bestBad {
			bestBad = bad
		}
	}
	return acc, false, bestBad
}

// contextMarker stands for the context value in a matched argument list
// until its type is checked.
type contextMarker struct{}

func cloneArgs(a []any) []any {
	return append(make([]any, 0, len(a)+1), a...)
}

func isCtxMarker(v any) bool { _, ok := v.(contextMarker); return ok }
