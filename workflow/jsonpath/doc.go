// Package jsonpath parses and evaluates the JSONPath dialect of Amazon
// States Language: Paths, Reference Paths, context paths ($$) and variable
// paths ($name).
//
// Step Functions evaluates JSONPath with the Jayway library, and this
// package follows Jayway's behaviour: dot and bracket notation, quoted names
// with escapes, indexes (negative counts from the end), unions, wildcards,
// slices, recursive descent and filter expressions such as
// [?(@.price < 10 && @.tag == 'x')]. A definite path (no wildcard, slice,
// union, filter or recursive descent) yields one value; an indefinite path
// yields a []any of all matches, possibly empty. Error messages for missing
// values reuse Jayway's wording ("No results for path: $['a']", "Missing
// property in path $['a']"), so an engine can report them as AWS does; see
// NotFoundError.
//
// JSON values are what encoding/json produces with Decoder.UseNumber: nil,
// bool, json.Number, string, []any and map[string]any. Go maps have no key
// order, so a wildcard or recursive descent over an object visits its keys
// in sorted order (Jayway uses document order).
//
// Every node carries a byte offset into the source expression, and every
// syntax error is an *Error with that offset. A parsed *Path is immutable and
// safe for concurrent use.
//
// Spec: https://states-language.net/spec.html#path and
// https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
package jsonpath
