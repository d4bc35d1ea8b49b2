package jsonata

import (
	"sort"
	"strings"
)

// Strip removes the {% %} delimiters of an ASL JSONata string and reports
// whether s is one. Like Step Functions, the string must start with "{%"
// and end with "%}" exactly: " {% x %} " (with outer whitespace) is a
// plain string constant, not an expression. Whitespace inside the
// delimiters is allowed. The returned expression is the text between them.
func Strip(s string) (expr string, ok bool) {
	if len(s) < 4 || !strings.HasPrefix(s, "{%") || !strings.HasSuffix(s, "%}") {
		return "", false
	}
	return s[2 : len(s)-2], true
}

// Variables lists the free variables the expression references (without
// '$'), sorted: names read but not bound inside the expression by := or a
// lambda parameter, excluding built-in functions and $ / $$. A validator can
// report references to variables that are never assigned.
func (e *Expr) Variables() []string {
	seen := map[string]bool{}
	collectVars(e.root, map[string]bool{}, seen)
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func collectVars(n *node, bound map[string]bool, out map[string]bool) {
	if n == nil {
		return
	}
	switch n.kind {
	case nVariable:
		if n.str != "" && n.str != "$" && !bound[n.str] {
			if _, builtin := builtins().vars[n.str]; !builtin {
				out[n.str] = true
			}
		}
	case nLambda:
		inner := cloneBound(bound)
		for _, p := range n.params {
			inner[p] = true
		}
		collectVars(n.body, inner, out)
		return
	case nBlock:
		inner := cloneBound(bound)
		for _, a := range n.args {
			collectVars(a, inner, out)
		}
		return
	case nBind:
		collectVars(n.rhs, bound, out)
		bound[n.lhs.str] = true
		return
	}
	eachScoped(n, bound, func(c *node) { collectVars(c, bound, out) })
}
