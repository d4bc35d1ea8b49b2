// Package intrinsic parses and evaluates the intrinsic functions of Amazon
// States Language (States.Format, States.Array, States.MathAdd, ...), the
// expressions allowed in the "<name>.$" fields of JSONPath payload
// templates.
//
// Parse turns "States.Format('{} items', $.count)" into a *Call tree: nested
// calls, string literals (with the escapes \' \{ \} \\), numbers, true,
// false, null and paths ($.x, $$.x, $var.x, parsed by package jsonpath).
// Parse checks what Step Functions checks when a machine is created: that
// the function exists, its number of arguments, the type of literal
// arguments and the nesting depth. Functions describes every function for
// the validator.
//
// Eval evaluates a call; paths are resolved through an Env supplied by the
// caller (the engine), so the same parsed call can be evaluated against many
// inputs. A failing function returns an *EvalError whose Name is the ASL
// error name (States.IntrinsicFailure) and whose Msg is the cause text.
// Values follow Step Functions, which runs on the JVM: numbers print the way
// Java prints them (1.5, 1.0E10), States.Format renders objects as
// {a=1, b=[1, 2]}, States.MathAdd rounds each argument half up, and
// States.ArrayContains and States.ArrayUnique compare values as Java's
// equals does (an integer never equals a decimal: 1 and 1.0 differ).
//
// JSON values are what encoding/json produces with Decoder.UseNumber: nil,
// bool, json.Number, string, []any and map[string]any. A parsed *Call is
// immutable and safe for concurrent use.
//
// Spec: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
package intrinsic
