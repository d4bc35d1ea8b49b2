// Package modroot finds the root of the Go module a program or test runs
// in: the nearest folder holding go.mod at or above the working directory.
// Tests (internal/corpus) and developer tools (cmd/preview) use it to find
// files that live next to the repository rather than in a package.
package modroot
