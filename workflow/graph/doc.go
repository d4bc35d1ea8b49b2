// Package graph draws a state machine as a flowchart, in Mermaid or in
// Graphviz dot.
//
// Every state is a node labelled with its name, shaped by its type (a diamond
// for Choice, a stadium for Succeed and Fail, ...). Parallel and Map states
// are subgraphs holding one subgraph per branch (a Map has one: its
// ItemProcessor), each with its own start and end markers. Next and Default
// are solid edges, Choice rules are edges labelled with a short form of their
// condition, and Catch edges are dashed and labelled with the error names they
// catch. A transition to a state that does not exist goes to a node marked
// "missing", so a broken definition can still be drawn.
//
// Output is deterministic: states come in document order and node
// identifiers are generated (s0, s1, ...), so state names of any content are
// safe; labels are escaped for each format.
//
// MermaidWithPath and DotWithPath highlight a set of visited states, for
// reports of an execution.
package graph
