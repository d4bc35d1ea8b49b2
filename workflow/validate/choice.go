package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

func (c *checker) choice(si *stateInfo, s *asl.Choice) {
	p := si.path
	c.io(si, s.InputPath, s.OutputPath, nil)
	c.jsonataOnly(si, "Output", s.Output)
	assigns := c.assign(si, p+".Assign", s.Assign)
	if len(s.Choices) == 0 {
		c.errorf(p+".Choices", si.name, CodeChoiceWithoutChoices, "a Choice state needs at least one rule in Choices")
	}
	for i := range s.Choices {
		r := &s.Choices[i]
		rp := fmt.Sprintf("%s.Choices[%d]", p, i)
		c.rule(si, rp, r, true)
		ruleAssigns := c.assign(si, rp+".Assign", r.Assign)
		if len(r.Output) > 0 {
			if si.lang != asl.JSONata {
				c.notInLang(si, rp+".Output", "Output")
			} else {
				c.anyValue(si, rp+".Output", r.Output, false)
			}
		}
		if r.Next == "" {
			c.errorf(rp+".Next", si.name, CodeChoiceRuleNext, "a rule in Choices needs Next")
			continue
		}
		si.edges = append(si.edges, edge{to: r.Next, path: rp + ".Next", assigns: append(append([]string{}, assigns...), ruleAssigns...)})
	}
	if s.Default != "" {
		si.edges = append(si.edges, edge{to: s.Default, path: p + ".Default", assigns: assigns})
	} else {
		c.warnf(p, si.name, CodeChoiceWithoutDefault, "no Default: the execution fails with States.NoChoiceMatched when no rule matches")
	}
}

// rule checks a Choice rule; top says whether it is an element of Choices
// (which needs Next) or nested in And/Or/Not (which must not have one).
func (c *checker) rule(si *stateInfo, p string, r *asl.ChoiceRule, top bool) {
	if !top && r.Next != "" {
		c.errorf(p+".Next", si.name, CodeChoiceRuleNext, "a nested rule cannot have Next")
	}
	if !top && (len(r.Assign) > 0 || len(r.Output) > 0) {
		c.errorf(p, si.name, CodeFieldNotAllowed, "a nested rule cannot have Assign or Output")
	}
	if si.lang == asl.JSONata {
		c.jsonataRule(si, p, r)
		return
	}
	if len(r.Condition) > 0 {
		c.notInLang(si, p+".Condition", "Condition")
	}
	n := len(r.ExtraOperators())
	if r.Operator != "" {
		n++
	}
	if r.And != nil {
		n++
	}
	if r.Or != nil {
		n++
	}
	if r.Not != nil {
		n++
	}
	switch {
	case n == 0 && len(r.Condition) == 0:
		c.errorf(p, si.name, CodeChoiceRuleOperator, "the rule has no comparison operator and no And, Or or Not")
	case n > 1:
		c.errorf(p, si.name, CodeChoiceRuleOperator, "the rule has %d operators; a rule takes exactly one (combine with And/Or)", n)
	}
	if r.Operator != "" {
		if r.Variable == "" {
			c.errorf(p+".Variable", si.name, CodeChoiceRuleVariable, "a comparison needs Variable")
		} else {
			c.path(si, p+".Variable", r.Variable, false)
		}
		c.operand(si, p+"."+string(r.Operator), r.Operator, r.Value)
	} else if r.Variable != "" && n > 0 {
		c.errorf(p+".Variable", si.name, CodeChoiceRuleVariable, "And, Or and Not rules take no Variable")
	}
	for _, sub := range []struct {
		name  string
		rules []asl.ChoiceRule
		set   bool
	}{{"And", r.And, r.And != nil}, {"Or", r.Or, r.Or != nil}} {
		if sub.set && len(sub.rules) == 0 {
			c.errorf(p+"."+sub.name, si.name, CodeChoiceRuleOperator, "%s needs at least one rule", sub.name)
		}
		for i := range sub.rules {
			c.rule(si, fmt.Sprintf("%s.%s[%d]", p, sub.name, i), &sub.rules[i], false)
		}
	}
	if r.Not != nil {
		c.rule(si, p+".Not", r.Not, false)
	}
}

func (c *checker) jsonataRule(si *stateInfo, p string, r *asl.ChoiceRule) {
	if r.Variable != "" {
		c.notInLang(si, p+".Variable", "Variable")
	}
	if r.Operator != "" {
		c.notInLang(si, p+"."+string(r.Operator), string(r.Operator))
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"And", r.And != nil}, {"Or", r.Or != nil}, {"Not", r.Not != nil}} {
		if f.set {
			c.notInLang(si, p+"."+f.name, f.name)
		}
	}
	if len(r.Condition) == 0 {
		c.errorf(p+".Condition", si.name, CodeChoiceRuleCondition, "a JSONata rule needs Condition")
		return
	}
	var v any
	if json.Unmarshal(r.Condition, &v) != nil {
		return
	}
	switch v := v.(type) {
	case bool:
	case string:
		if _, ok := stripJSONata(v); !ok {
			c.errorf(p+".Condition", si.name, CodeJSONataNotWrapped, "Condition must be a boolean or a whole {%% ... %%} expression")
			return
		}
		c.jsonataString(si, p+".Condition", v)
	default:
		c.errorf(p+".Condition", si.name, CodeChoiceOperandType, "Condition must be a boolean or a {%% ... %%} expression")
	}
}

// operand checks the value of a comparison operator against its type.
func (c *checker) operand(si *stateInfo, p string, op asl.Operator, raw json.RawMessage) {
	name := string(op)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(raw) == 0 || dec.Decode(&v) != nil {
		c.errorf(p, si.name, CodeChoiceOperandType, "%s needs a value", name)
		return
	}
	if strings.HasSuffix(name, "Path") {
		s, ok := v.(string)
		if !ok {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes a path string, got %s", name, jsonKind(v))
			return
		}
		c.path(si, p, s, false)
		return
	}
	switch {
	case strings.HasPrefix(name, "String"):
		if _, ok := v.(string); !ok {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes a string, got %s", name, jsonKind(v))
		}
	case strings.HasPrefix(name, "Numeric"):
		if _, ok := v.(json.Number); !ok {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes a number, got %s", name, jsonKind(v))
		}
	case strings.HasPrefix(name, "Timestamp"):
		s, ok := v.(string)
		if !ok {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes an RFC 3339 timestamp string, got %s", name, jsonKind(v))
		} else if !isTimestamp(s) {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes an RFC 3339 timestamp such as 2026-01-02T15:04:05Z, got %q", name, s)
		}
	default: // BooleanEquals and the Is* tests
		if _, ok := v.(bool); !ok {
			c.errorf(p, si.name, CodeChoiceOperandType, "%s takes a boolean, got %s", name, jsonKind(v))
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// isTimestamp reports whether s is an RFC 3339 date-time as Step Functions
// accepts it (upper-case T and a zone).
func isTimestamp(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
