// Package shape describes what a JSON document between two states can look
// like: which fields exist, which are optional, what kind each value is and
// how large its encoding can grow. Shapes come from Go types (Of, by
// reflection on json tags) and from JSON literals (Literal); the validator
// (workflow/validate) pushes them through a state machine to check every
// path a state reads against what the states before it produce, and to
// bound each state's payload.
//
// A shape is never a guess: what cannot be known is Unknown, and a path into
// an Unknown value or an open object (a Go map, an interface, a hand-written
// payload the analysis cannot follow) is not checked. So a shape can miss a
// mistake but never reports a path that exists.
//
// Size bounds come from the types: numbers and booleans are bounded by
// their kind, Go arrays by their length, strings and slices only by the
// struct tags
//
//	Key   string   `json:"key" maxBytes:"1024"`  // at most 1024 bytes of UTF-8
//	Items []Chunk  `json:"items" maxItems:"100"` // at most 100 elements
//
// (maxBytes on a []byte bounds its length; on any other kind, the length
// of the field's JSON encoding). A string of n bytes is counted as n+2
// encoded bytes: the bound does not count JSON escapes (a quote or a
// control character takes 2 to 6 bytes encoded), which text rarely needs.
//
// Shapes are immutable once built; every operation returns a new shape and
// is safe for concurrent use.
package shape
