// Package jsonata implements JSONata 2.x as AWS Step Functions evaluates it
// for states with "QueryLanguage": "JSONata".
//
// It is our own lexer, Pratt parser (every node keeps its byte position)
// and tree-walking evaluator with JSONata's sequence semantics, plus the
// jsonata-js 2.x built-in function library and the functions Step
// Functions adds ($partition, $range, $hash, $random with a seed, $uuid,
// $parse). Errors carry the jsonata-js codes and message wording (T2001,
// D3030, T1006, ...), which Step Functions copies into the cause of
// States.QueryEvaluationError.
//
// Values at run time are what encoding/json decodes with UseNumber: nil,
// bool, json.Number, string, []any and map[string]any. [Undefined] stands
// for "no result". Objects carry no key order (Go maps), so functions that
// enumerate keys ($keys, $each, $string, *) use sorted order where
// jsonata-js would use insertion order.
//
// A compiled [Expr] is immutable and safe for concurrent use; variables are
// passed per call to [Expr.Eval]:
//
//	e, err := jsonata.Compile(`$states.input.items[price > 10].name`)
//	v, err := e.Eval(ctx, nil, map[string]any{"states": states})
//
// See docs/jsonata.md for the design decision and the measured coverage.
package jsonata
