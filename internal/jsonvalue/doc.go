// Package jsonvalue walks JSON values as Sluice decodes them (nil, bool,
// string, json.Number, []any, map[string]any) for the packages that each
// needed the same walk with a different rule at the leaves:
//
//   - EqualFunc and Equal compare two values structurally. workflow/jsonpath
//     (filter equality, numbers by exact value), workflow/intrinsic
//     (ArrayContains/ArrayUnique, Java's Integer-is-not-Double equality),
//     engine/mock (expected task input with "<...>" placeholders) and the
//     conformance tests differ only in how they compare scalars.
//   - WriteJava renders a value as Java's toString prints the objects Jackson
//     decodes JSON into ({k=v, k2=v2}, [a, b]), which Step Functions shows in
//     States.Format and in JSONPath error messages; the two differ only in
//     how numbers print.
//   - SortedKeys gives an object's keys in the order the engine, jsonpath,
//     intrinsic and validate all walk objects in, so output is deterministic;
//     UnionKeys the same for the fields of two objects (workflow/diff and the
//     engine's conformance report).
package jsonvalue
