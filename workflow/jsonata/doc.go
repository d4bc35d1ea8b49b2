// Package jsonata implements JSONata as AWS Step Functions evaluates it for
// states with "QueryLanguage": "JSONata": the JSONata 2.0.6 specification
// (so no "?:" or "??" operators), without $eval, plus the Step Functions
// functions.
//
// It is our own lexer, Pratt parser (every node keeps its byte position)
// and tree-walking evaluator with JSONata's sequence semantics, plus the
// jsonata-js 2.0.6 built-in function library and the functions Step
// Functions adds ($partition, $range, $hash, $random with a seed, $uuid,
// $parse). Errors carry the jsonata-js codes and message wording (T2001,
// D3030, T1006, ...), which Step Functions copies into the cause of
// States.QueryEvaluationError. The built-in functions are declared in one
// table per category (fn_aggregation.go, fn_string.go, ... datetime.go),
// gathered into the frame every evaluation starts from on first use.
//
// Values at run time are what encoding/json decodes with UseNumber: nil,
// bool, json.Number, string, []any and map[string]any. [Undefined] stands
// for "no result". Objects built by an expression keep jsonata-js's key
// order for $string, $keys, $each and *; objects from the input arrive as Go
// maps without an order and are enumerated with sorted keys. Results may
// share maps and slices with the input and variables.
//
// Evaluation follows jsonata-js 2.x closely, including its error codes and
// texts; docs/jsonata.md lists the measured coverage and what differs
// (RE2 regular expressions, input key order, recursion limits).
//
// A compiled [Expr] is immutable and safe for concurrent use; variables are
// passed per call to [Expr.Eval]:
//
//	e, err := jsonata.Compile(`$states.input.items[price > 10].name`)
//	v, err := e.Eval(ctx, nil, map[string]any{"states": states})
//
// See docs/jsonata.md for the design decision and the measured coverage.
package jsonata
