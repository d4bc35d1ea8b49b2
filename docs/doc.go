// Package docs holds no code. Its tests check what the documents in this
// folder claim about the repository against the repository itself:
// architecture.md's forbidden arrows between packages (over the import
// graph `go list -deps` prints) and its bound on the length of a function.
package docs
