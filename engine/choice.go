package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// choiceRule is a planned Choice rule.
type choiceRule struct {
	// JSONata
	condition tmpl
	// JSONPath
	variable *jsonpath.Path
	op       asl.Operator
	value    any
	valPath  *jsonpath.Path
	and, or  []*choiceRule
	not      *choiceRule

	next   string
	output tmpl
	assign tmpl
}

func planChoice(r *asl.ChoiceRule, isJSONata, top bool) (*choiceRule, error) {
	c := &choiceRule{next: r.Next}
	var err error
	if top {
		if isJSONata {
			c.assign, err = compileJSONataValue(r.Assign, "Assign")
		} else {
			c.assign, err = compilePayload(r.Assign)
		}
		if err != nil {
			return nil, inField("Assign", err)
		}
		if c.output, err = compileJSONataValue(r.Output, "Output"); err != nil {
			return nil, inField("Output", err)
		}
	}
	switch {
	case len(r.Condition) > 0:
		c.condition, err = compileJSONataValue(r.Condition, "Condition")
		return c, err
	case r.And != nil:
		for i := range r.And {
			s, err := planChoice(&r.And[i], isJSONata, false)
			if err != nil {
				return nil, inField(fmt.Sprintf("And[%d]", i), err)
			}
			c.and = append(c.and, s)
		}
		return c, nil
	case r.Or != nil:
		for i := range r.Or {
			s, err := planChoice(&r.Or[i], isJSONata, false)
			if err != nil {
				return nil, inField(fmt.Sprintf("Or[%d]", i), err)
			}
			c.or = append(c.or, s)
		}
		return c, nil
	case r.Not != nil:
		s, err := planChoice(r.Not, isJSONata, false)
		if err != nil {
			return nil, inField("Not", err)
		}
		c.not = s
		return c, nil
	}
	if r.Operator == "" {
		return nil, fmt.Errorf("rule has no comparison operator")
	}
	if c.variable, err = jsonpath.Parse(r.Variable); err != nil {
		return nil, inField("Variable", err)
	}
	c.op = r.Operator
	v, err := decodeJSON(r.Value)
	if err != nil {
		return nil, inField(r.Operator, err)
	}
	if strings.HasSuffix(string(r.Operator), "Path") {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a path string", r.Operator)
		}
		if c.valPath, err = jsonpath.Parse(s); err != nil {
			return nil, inField(r.Operator, err)
		}
	} else {
		c.value = v
	}
	return c, nil
}

// evalChoice evaluates a JSONPath rule against input.
func (c *choiceRule) eval(ev *evalEnv, input any) (bool, error) {
	switch {
	case c.condition != nil:
		v, err := c.condition.eval(ev, input)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, runtimeErr(asl.StatesQueryEvaluationError, "Condition",
				"The JSONata expression '%s' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '%s' for value: %s",
				jsonataSource(c.condition), jsonType(v), compact(v))
		}
		return b, nil
	case c.and != nil:
		for _, s := range c.and {
			ok, err := s.eval(ev, input)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case c.or != nil:
		for _, s := range c.or {
			ok, err := s.eval(ev, input)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case c.not != nil:
		ok, err := c.not.eval(ev, input)
		return !ok, err
	}
	v, err := ev.resolve(c.variable, input)
	if err != nil {
		if isNotFound(err) {
			if c.op == asl.IsPresent {
				return c.value == false, nil
			}
			return false, runtimeErr(statesRuntime, "Variable", "Invalid path '%s': The choice state's condition path references an invalid value.", c.variable.String())
		}
		return false, err
	}
	operand := c.value
	if c.valPath != nil {
		operand, err = ev.resolve(c.valPath, input)
		if err != nil {
			if isNotFound(err) {
				return false, runtimeErr(statesRuntime, string(c.op), "Invalid path '%s': The choice state's condition path references an invalid value.", c.valPath.String())
			}
			return false, err
		}
	}
	return compareOp(strings.TrimSuffix(string(c.op), "Path"), v, operand), nil
}

func compareOp(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == (operand == true)
	case "IsPresent":
		return operand == true
	case "IsNumeric":
		_, ok := v.(json.Number)
		return ok == (operand == true)
	case "IsString":
		_, ok := v.(string)
		return ok == (operand == true)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == (operand == true)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == (operand == true)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(a, b)
	}
	var cmp int
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		cmp = strings.Compare(a, b)
		op = strings.TrimPrefix(op, "String")
	case strings.HasPrefix(op, "Numeric"):
		if _, ok := v.(json.Number); !ok {
			return false
		}
		a, ok1 := number(v)
		b, ok2 := number(operand)
		if !ok1 || !ok2 {
			return false
		}
		switch {
		case a < b:
			cmp = -1
		case a > b:
			cmp = 1
		}
		op = strings.TrimPrefix(op, "Numeric")
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		if !ok1 || !ok2 {
			return false
		}
		cmp = a.Compare(b)
		op = strings.TrimPrefix(op, "Timestamp")
	default:
		return false
	}
	switch op {
	case "Equals":
		return cmp == 0
	case "LessThan":
		return cmp < 0
	case "GreaterThan":
		return cmp > 0
	case "LessThanEquals":
		return cmp <= 0
	case "GreaterThanEquals":
		return cmp >= 0
	}
	return false
}

// parseTimestamp parses an RFC 3339 timestamp as Step Functions accepts it:
// upper-case T, a Z or numeric offset, optional fractional seconds.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || s[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// stringMatches matches s against pattern, where * matches any run of
// characters and \* and \\ stand for a literal * and \.
func stringMatches(s, pattern string) bool {
	type tok struct {
		star bool
		lit  string
	}
	var toks []tok
	var cur strings.Builder
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case ch == '\\' && i+1 < len(pattern):
			i++
			cur.WriteByte(pattern[i])
		case ch == '*':
			toks = append(toks, tok{lit: cur.String()}, tok{star: true})
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	toks = append(toks, tok{lit: cur.String()})
	// Greedy wildcard matching over literal segments.
	var segs []string
	for _, t := range toks {
		if !t.star {
			segs = append(segs, t.lit)
		}
	}
	if len(segs) == 1 {
		return s == segs[0]
	}
	if !strings.HasPrefix(s, segs[0]) {
		return false
	}
	s = s[len(segs[0]):]
	last := segs[len(segs)-1]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// runChoice runs a Choice state: the first rule that matches picks the
// next state and may override Output and Assign; no match and no Default
// fails with States.NoChoiceMatched.
func (t *thread) runChoice(ev *evalEnv, input any) (any, string, error) {
	n := ev.n
	eff, err := ev.inputPathApplied(input)
	if err != nil {
		return nil, "", err
	}
	var match *choiceRule
	for _, c := range n.choices {
		ok, err := c.eval(ev, eff)
		if err != nil {
			return nil, "", err
		}
		if ok {
			match = c
			break
		}
	}
	next := n.defaultNext
	output, assign := n.output, n.assign
	if match != nil {
		next = match.next
		if n.jsonata {
			if match.output != nil {
				output = match.output
			}
			if match.assign != nil {
				assign = match.assign
			}
		} else if match.assign != nil {
			assign = match.assign
		}
	}
	if next == "" {
		return nil, "", plainErrf(asl.StatesNoChoiceMatched, "No Matches!")
	}
	out, err := ev.finishNoResult(output, assign, input, eff)
	return out, next, err
}

// choice plans a Choice state.
func (sp *statePlan) choice(s *asl.Choice) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, nil)
	n.defaultNext = s.Default
	sp.payload("Assign", s.Assign, &n.assign)
	sp.jsonataOnly("Output", s.Output, &n.output)
	for i, r := range s.Choices {
		sp.set(fmt.Sprintf("Choices[%d]", i), func() error {
			c, e := planChoice(&r, n.jsonata, true)
			if e == nil {
				n.choices = append(n.choices, c)
			}
			return e
		})
	}
}
