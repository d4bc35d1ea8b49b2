package graph

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/workflow/asl"
)

// maxLabel bounds edge labels, in characters.
const maxLabel = 48

// shorten cuts s to at most n characters, ending with "…" when cut, and
// puts it on one line.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// symbols are the short forms of the comparison operators.
var symbols = map[string]string{
	"Equals": "==", "LessThan": "<", "GreaterThan": ">",
	"LessThanEquals": "<=", "GreaterThanEquals": ">=",
}

// condition renders a Choice rule briefly: "$.n > 3", "$.f matches *.csv",
// "not ($.a is present)", or a JSONata condition without its delimiters.
func condition(r *asl.ChoiceRule) string {
	if len(r.Condition) > 0 {
		var s string
		if json.Unmarshal(r.Condition, &s) == nil {
			s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{%"), "%}"))
			return s
		}
		return string(r.Condition)
	}
	switch {
	case r.And != nil:
		return join(r.And, " and ")
	case r.Or != nil:
		return join(r.Or, " or ")
	case r.Not != nil:
		return "not (" + condition(r.Not) + ")"
	case r.Operator == "":
		return "?"
	}
	op := string(r.Operator)
	val := strings.TrimSpace(string(r.Value))
	var b bool
	isBool := json.Unmarshal(r.Value, &b) == nil
	if strings.HasPrefix(op, "Is") {
		word := "is " + strings.ToLower(strings.TrimPrefix(op, "Is"))
		if op == "IsPresent" {
			word = "is present"
		}
		if isBool && !b {
			word = strings.Replace(word, "is ", "is not ", 1)
		}
		return r.Variable + " " + word
	}
	if op == string(asl.StringMatches) {
		return r.Variable + " matches " + val
	}
	if p, ok := strings.CutSuffix(op, "Path"); ok {
		op = p
		var s string
		if json.Unmarshal(r.Value, &s) == nil {
			val = s
		}
	}
	for _, typ := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
		if rest, ok := strings.CutPrefix(op, typ); ok {
			if sym, ok := symbols[rest]; ok {
				return r.Variable + " " + sym + " " + val
			}
		}
	}
	return r.Variable + " " + op + " " + val
}

func join(rules []asl.ChoiceRule, sep string) string {
	parts := make([]string, len(rules))
	for i := range rules {
		c := condition(&rules[i])
		if len(rules) > 1 && (rules[i].And != nil || rules[i].Or != nil) {
			c = "(" + c + ")"
		}
		parts[i] = c
	}
	return strings.Join(parts, sep)
}
