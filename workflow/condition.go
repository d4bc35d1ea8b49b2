package workflow

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Condition is a test of a Choice rule. Make one with the functions of this
// file: a comparison (StringEquals, NumericLessThanPath, ...), a type test
// (IsPresent, IsNull, IsString, IsNumeric, IsBoolean, IsTimestamp),
// StringMatches, a combination (And, Or, Not) or a JSONata condition
// (JSONataCondition).
type Condition struct {
	rule asl.ChoiceRule
	bad  string
}

func cmpRule(op asl.Operator, variable string, value any) Condition {
	b, err := json.Marshal(value)
	if err != nil {
		return Condition{bad: err.Error()}
	}
	return Condition{rule: asl.ChoiceRule{Variable: variable, Operator: op, Value: b}}
}

func quoted(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

func strRule(op asl.Operator, variable, value string) Condition {
	return Condition{rule: asl.ChoiceRule{Variable: variable, Operator: op, Value: quoted(value)}}
}

func numRule(op asl.Operator, variable string, value float64) Condition {
	return Condition{rule: asl.ChoiceRule{Variable: variable, Operator: op, Value: json.RawMessage(strconv.FormatFloat(value, 'g', -1, 64))}}
}

func tsRule(op asl.Operator, variable string, t time.Time) Condition {
	return strRule(op, variable, t.UTC().Format(time.RFC3339Nano))
}

// StringEquals tests that the string at variable equals value.
func StringEquals(variable, value string) Condition {
	return strRule(asl.StringEquals, variable, value)
}

// StringEqualsPath tests that the string at variable equals the one at path.
func StringEqualsPath(variable, path string) Condition {
	return strRule(asl.StringEqualsPath, variable, path)
}

// StringLessThan tests variable < value (strings).
func StringLessThan(variable, value string) Condition {
	return strRule(asl.StringLessThan, variable, value)
}

// StringLessThanPath tests variable < the string at path.
func StringLessThanPath(variable, path string) Condition {
	return strRule(asl.StringLessThanPath, variable, path)
}

// StringGreaterThan tests variable > value (strings).
func StringGreaterThan(variable, value string) Condition {
	return strRule(asl.StringGreaterThan, variable, value)
}

// StringGreaterThanPath tests variable > the string at path.
func StringGreaterThanPath(variable, path string) Condition {
	return strRule(asl.StringGreaterThanPath, variable, path)
}

// StringLessThanEquals tests variable <= value (strings).
func StringLessThanEquals(variable, value string) Condition {
	return strRule(asl.StringLessThanEquals, variable, value)
}

// StringLessThanEqualsPath tests variable <= the string at path.
func StringLessThanEqualsPath(variable, path string) Condition {
	return strRule(asl.StringLessThanEqualsPath, variable, path)
}

// StringGreaterThanEquals tests variable >= value (strings).
func StringGreaterThanEquals(variable, value string) Condition {
	return strRule(asl.StringGreaterThanEquals, variable, value)
}

// StringGreaterThanEqualsPath tests variable >= the string at path.
func StringGreaterThanEqualsPath(variable, path string) Condition {
	return strRule(asl.StringGreaterThanEqualsPath, variable, path)
}

// StringMatches tests the string at variable against a pattern in which *
// matches any run of characters (escape * and \ with \).
func StringMatches(variable, pattern string) Condition {
	return strRule(asl.StringMatches, variable, pattern)
}

// NumericEquals tests variable == value.
func NumericEquals(variable string, value float64) Condition {
	return numRule(asl.NumericEquals, variable, value)
}

// NumericEqualsPath tests variable == the number at path.
func NumericEqualsPath(variable, path string) Condition {
	return strRule(asl.NumericEqualsPath, variable, path)
}

// NumericLessThan tests variable < value.
func NumericLessThan(variable string, value float64) Condition {
	return numRule(asl.NumericLessThan, variable, value)
}

// NumericLessThanPath tests variable < the number at path.
func NumericLessThanPath(variable, path string) Condition {
	return strRule(asl.NumericLessThanPath, variable, path)
}

// NumericGreaterThan tests variable > value.
func NumericGreaterThan(variable string, value float64) Condition {
	return numRule(asl.NumericGreaterThan, variable, value)
}

// NumericGreaterThanPath tests variable > the number at path.
func NumericGreaterThanPath(variable, path string) Condition {
	return strRule(asl.NumericGreaterThanPath, variable, path)
}

// NumericLessThanEquals tests variable <= value.
func NumericLessThanEquals(variable string, value float64) Condition {
	return numRule(asl.NumericLessThanEquals, variable, value)
}

// NumericLessThanEqualsPath tests variable <= the number at path.
func NumericLessThanEqualsPath(variable, path string) Condition {
	return strRule(asl.NumericLessThanEqualsPath, variable, path)
}

// NumericGreaterThanEquals tests variable >= value.
func NumericGreaterThanEquals(variable string, value float64) Condition {
	return numRule(asl.NumericGreaterThanEquals, variable, value)
}

// NumericGreaterThanEqualsPath tests variable >= the number at path.
func NumericGreaterThanEqualsPath(variable, path string) Condition {
	return strRule(asl.NumericGreaterThanEqualsPath, variable, path)
}

// BooleanEquals tests that the boolean at variable equals value.
func BooleanEquals(variable string, value bool) Condition {
	return cmpRule(asl.BooleanEquals, variable, value)
}

// BooleanEqualsPath tests that the boolean at variable equals the one at
// path.
func BooleanEqualsPath(variable, path string) Condition {
	return strRule(asl.BooleanEqualsPath, variable, path)
}

// TimestampEquals tests that the timestamp at variable equals t.
func TimestampEquals(variable string, t time.Time) Condition {
	return tsRule(asl.TimestampEquals, variable, t)
}

// TimestampEqualsPath tests that the timestamp at variable equals the one at
// path.
func TimestampEqualsPath(variable, path string) Condition {
	return strRule(asl.TimestampEqualsPath, variable, path)
}

// TimestampLessThan tests variable < t.
func TimestampLessThan(variable string, t time.Time) Condition {
	return tsRule(asl.TimestampLessThan, variable, t)
}

// TimestampLessThanPath tests variable < the timestamp at path.
func TimestampLessThanPath(variable, path string) Condition {
	return strRule(asl.TimestampLessThanPath, variable, path)
}

// TimestampGreaterThan tests variable > t.
func TimestampGreaterThan(variable string, t time.Time) Condition {
	return tsRule(asl.TimestampGreaterThan, variable, t)
}

// TimestampGreaterThanPath tests variable > the timestamp at path.
func TimestampGreaterThanPath(variable, path string) Condition {
	return strRule(asl.TimestampGreaterThanPath, variable, path)
}

// TimestampLessThanEquals tests variable <= t.
func TimestampLessThanEquals(variable string, t time.Time) Condition {
	return tsRule(asl.TimestampLessThanEquals, variable, t)
}

// TimestampLessThanEqualsPath tests variable <= the timestamp at path.
func TimestampLessThanEqualsPath(variable, path string) Condition {
	return strRule(asl.TimestampLessThanEqualsPath, variable, path)
}

// TimestampGreaterThanEquals tests variable >= t.
func TimestampGreaterThanEquals(variable string, t time.Time) Condition {
	return tsRule(asl.TimestampGreaterThanEquals, variable, t)
}

// TimestampGreaterThanEqualsPath tests variable >= the timestamp at path.
func TimestampGreaterThanEqualsPath(variable, path string) Condition {
	return strRule(asl.TimestampGreaterThanEqualsPath, variable, path)
}

// IsPresent tests that variable exists in the input (use Not for absence).
func IsPresent(variable string) Condition { return cmpRule(asl.IsPresent, variable, true) }

// IsNull tests that the value at variable is null.
func IsNull(variable string) Condition { return cmpRule(asl.IsNull, variable, true) }

// IsString tests that the value at variable is a string.
func IsString(variable string) Condition { return cmpRule(asl.IsString, variable, true) }

// IsNumeric tests that the value at variable is a number.
func IsNumeric(variable string) Condition { return cmpRule(asl.IsNumeric, variable, true) }

// IsBoolean tests that the value at variable is a boolean.
func IsBoolean(variable string) Condition { return cmpRule(asl.IsBoolean, variable, true) }

// IsTimestamp tests that the value at variable is an RFC 3339 timestamp
// string.
func IsTimestamp(variable string) Condition { return cmpRule(asl.IsTimestamp, variable, true) }

// And is true when every condition is.
func And(conds ...Condition) Condition {
	r := asl.ChoiceRule{And: []asl.ChoiceRule{}}
	for _, c := range conds {
		if c.bad != "" {
			return c
		}
		r.And = append(r.And, c.rule)
	}
	if len(conds) == 0 {
		return Condition{bad: "And() without conditions"}
	}
	return Condition{rule: r}
}

// Or is true when any condition is.
func Or(conds ...Condition) Condition {
	r := asl.ChoiceRule{Or: []asl.ChoiceRule{}}
	for _, c := range conds {
		if c.bad != "" {
			return c
		}
		r.Or = append(r.Or, c.rule)
	}
	if len(conds) == 0 {
		return Condition{bad: "Or() without conditions"}
	}
	return Condition{rule: r}
}

// Not negates a condition.
func Not(c Condition) Condition {
	if c.bad != "" {
		return c
	}
	inner := c.rule
	return Condition{rule: asl.ChoiceRule{Not: &inner}}
}

// JSONataCondition is a JSONata Choice condition, such as
// Expr("$states.input.count > 1"); the Choice (or machine) must use the
// JSONata query language.
func JSONataCondition(expr string) Condition {
	return Condition{rule: asl.ChoiceRule{Condition: quoted(expr)}}
}
