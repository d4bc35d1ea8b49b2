package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Operator is a comparison operator of a JSONPath Choice rule, such as
// StringEquals or NumericLessThanPath.
type Operator string

// The comparison operators. Each XxxPath variant compares against the value
// at a reference path instead of a literal.
const (
	StringEquals                   Operator = "StringEquals"
	StringEqualsPath               Operator = "StringEqualsPath"
	StringLessThan                 Operator = "StringLessThan"
	StringLessThanPath             Operator = "StringLessThanPath"
	StringGreaterThan              Operator = "StringGreaterThan"
	StringGreaterThanPath          Operator = "StringGreaterThanPath"
	StringLessThanEquals           Operator = "StringLessThanEquals"
	StringLessThanEqualsPath       Operator = "StringLessThanEqualsPath"
	StringGreaterThanEquals        Operator = "StringGreaterThanEquals"
	StringGreaterThanEqualsPath    Operator = "StringGreaterThanEqualsPath"
	StringMatches                  Operator = "StringMatches"
	NumericEquals                  Operator = "NumericEquals"
	NumericEqualsPath              Operator = "NumericEqualsPath"
	NumericLessThan                Operator = "NumericLessThan"
	NumericLessThanPath            Operator = "NumericLessThanPath"
	NumericGreaterThan             Operator = "NumericGreaterThan"
	NumericGreaterThanPath         Operator = "NumericGreaterThanPath"
	NumericLessThanEquals          Operator = "NumericLessThanEquals"
	NumericLessThanEqualsPath      Operator = "NumericLessThanEqualsPath"
	NumericGreaterThanEquals       Operator = "NumericGreaterThanEquals"
	NumericGreaterThanEqualsPath   Operator = "NumericGreaterThanEqualsPath"
	BooleanEquals                  Operator = "BooleanEquals"
	BooleanEqualsPath              Operator = "BooleanEqualsPath"
	TimestampEquals                Operator = "TimestampEquals"
	TimestampEqualsPath            Operator = "TimestampEqualsPath"
	TimestampLessThan              Operator = "TimestampLessThan"
	TimestampLessThanPath          Operator = "TimestampLessThanPath"
	TimestampGreaterThan           Operator = "TimestampGreaterThan"
	TimestampGreaterThanPath       Operator = "TimestampGreaterThanPath"
	TimestampLessThanEquals        Operator = "TimestampLessThanEquals"
	TimestampLessThanEqualsPath    Operator = "TimestampLessThanEqualsPath"
	TimestampGreaterThanEquals     Operator = "TimestampGreaterThanEquals"
	TimestampGreaterThanEqualsPath Operator = "TimestampGreaterThanEqualsPath"
	IsNull                         Operator = "IsNull"
	IsPresent                      Operator = "IsPresent"
	IsNumeric                      Operator = "IsNumeric"
	IsString                       Operator = "IsString"
	IsBoolean                      Operator = "IsBoolean"
	IsTimestamp                    Operator = "IsTimestamp"
)

// Operators lists every comparison operator, sorted.
var Operators = func() []Operator {
	ops := []Operator{
		StringEquals, StringEqualsPath, StringLessThan, StringLessThanPath,
		StringGreaterThan, StringGreaterThanPath, StringLessThanEquals,
		StringLessThanEqualsPath, StringGreaterThanEquals, StringGreaterThanEqualsPath,
		StringMatches, NumericEquals, NumericEqualsPath, NumericLessThan,
		NumericLessThanPath, NumericGreaterThan, NumericGreaterThanPath,
		NumericLessThanEquals, NumericLessThanEqualsPath, NumericGreaterThanEquals,
		NumericGreaterThanEqualsPath, BooleanEquals, BooleanEqualsPath,
		TimestampEquals, TimestampEqualsPath, TimestampLessThan, TimestampLessThanPath,
		TimestampGreaterThan, TimestampGreaterThanPath, TimestampLessThanEquals,
		TimestampLessThanEqualsPath, TimestampGreaterThanEquals,
		TimestampGreaterThanEqualsPath, IsNull, IsPresent, IsNumeric, IsString,
		IsBoolean, IsTimestamp,
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	return ops
}()

// IsOperator reports whether name is a comparison operator.
func IsOperator(name string) bool {
	i := sort.Search(len(Operators), func(i int) bool { return Operators[i] >= Operator(name) })
	return i < len(Operators) && Operators[i] == Operator(name)
}

// ChoiceRule is one element of a Choice state's Choices, or a nested rule
// inside And, Or and Not. In JSONPath a rule is a data-test expression
// (Variable plus one Operator and its Value) or a boolean combination (And,
// Or, Not). In JSONata a rule is a Condition.
type ChoiceRule struct {
	// Condition is the JSONata condition: usually a "{% ... %}" string, but
	// a literal boolean is accepted too.
	Condition json.RawMessage
	// Variable is the path of the value tested (JSONPath).
	Variable string
	// Operator is the comparison; empty for And/Or/Not and Condition rules.
	Operator Operator
	// Value is the operator's operand: a literal, or a path string for the
	// XxxPath operators.
	Value json.RawMessage
	// And holds the rules of a conjunction.
	And []ChoiceRule
	// Or holds the rules of a disjunction.
	Or []ChoiceRule
	// Not holds the negated rule.
	Not *ChoiceRule
	// Next names the state to run when the rule matches; only on top-level
	// rules.
	Next string
	// Output is the state output when this rule matches (JSONata).
	Output json.RawMessage
	// Assign sets variables when this rule matches.
	Assign json.RawMessage
	// Comment is a human-readable description.
	Comment string
	// extra keeps surplus comparison operators so that validation can report
	// them instead of the decoder dropping them.
	extra []Operator
}

// ExtraOperators returns the comparison operators a decoded rule held beyond
// its first one. A valid rule has none.
func (r *ChoiceRule) ExtraOperators() []Operator { return r.extra }

// MarshalJSON encodes the rule with its fields in a fixed order.
func (r ChoiceRule) MarshalJSON() ([]byte, error) {
	var o objectWriter
	o.raw("Condition", r.Condition)
	o.str("Variable", r.Variable)
	if r.Operator != "" {
		v := r.Value
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		o.raw(string(r.Operator), v)
	}
	if r.And != nil {
		o.val("And", r.And)
	}
	if r.Or != nil {
		o.val("Or", r.Or)
	}
	if r.Not != nil {
		o.val("Not", r.Not)
	}
	o.raw("Assign", r.Assign)
	o.raw("Output", r.Output)
	o.str("Comment", r.Comment)
	o.str("Next", r.Next)
	return o.bytes()
}

// UnmarshalJSON decodes a rule, rejecting unknown fields.
func (r *ChoiceRule) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("choice rule must be an object")
	}
	*r = ChoiceRule{}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := fields[k]
		var err error
		switch k {
		case "Condition":
			r.Condition = v
		case "Variable":
			err = json.Unmarshal(v, &r.Variable)
		case "And":
			err = json.Unmarshal(v, &r.And)
			if err == nil && r.And == nil {
				r.And = []ChoiceRule{}
			}
		case "Or":
			err = json.Unmarshal(v, &r.Or)
			if err == nil && r.Or == nil {
				r.Or = []ChoiceRule{}
			}
		case "Not":
			r.Not = new(ChoiceRule)
			err = json.Unmarshal(v, r.Not)
		case "Next":
			err = json.Unmarshal(v, &r.Next)
		case "Output":
			r.Output = v
		case "Assign":
			r.Assign = v
		case "Comment":
			err = json.Unmarshal(v, &r.Comment)
		default:
			if !IsOperator(k) {
				return fmt.Errorf("unknown field %q in choice rule", k)
			}
			if r.Operator == "" {
				r.Operator, r.Value = Operator(k), v
			} else {
				r.extra = append(r.extra, Operator(k))
			}
		}
		if err != nil {
			return fmt.Errorf("choice rule field %q: %w", k, err)
		}
	}
	return nil
}

// objectWriter writes a JSON object with its keys in the order written.
type objectWriter struct {
	buf bytes.Buffer
	err error
	n   int
}

func (o *objectWriter) raw(key string, v json.RawMessage) {
	if len(v) == 0 || o.err != nil {
		return
	}
	if o.n == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.n++
	k, _ := marshalNoEscape(key)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	o.buf.Write(v)
}

func (o *objectWriter) str(key, v string) {
	if v == "" {
		return
	}
	b, _ := marshalNoEscape(v)
	o.raw(key, b)
}

func (o *objectWriter) val(key string, v any) {
	b, err := marshalNoEscape(v)
	if err != nil {
		o.err = err
		return
	}
	o.raw(key, b)
}

func (o *objectWriter) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.n == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}
