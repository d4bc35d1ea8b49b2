// Package cli implements the sluice command: one file per subcommand, each a
// method set on the cli struct with injected input and output streams, so the
// whole command line is testable in-process.
//
// The package must not import the Pulumi SDKs (directly or through platform):
// a newcomer's first `go run ./cmd/sluice` should compile in seconds.
package cli
