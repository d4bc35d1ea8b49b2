package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ExitCode is a process exit status.
type ExitCode int

// The exit codes of every subcommand.
const (
	// ExitOK: the command did what was asked (for run: every file ended
	// LOADED, REJECTED or DUPLICATE; for lint: no errors).
	ExitOK ExitCode = iota
	// ExitFailure: the command ran and found a failure (an invalid
	// definition, a FAILED file, a rejected transform, a non-empty diff).
	ExitFailure
	// ExitUsage: bad flags, unreadable input, an invalid definition where a
	// valid one is required.
	ExitUsage
)

// Coder is implemented by errors that choose their exit code.
type Coder interface {
	ExitCode() ExitCode
}

// UsageError reports bad command-line use.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ExitCode reports ExitUsage.
func (e *UsageError) ExitCode() ExitCode { return ExitUsage }

// usagef returns a *UsageError.
func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// exitError carries an exit code with a message already printed (or none).
type exitError struct {
	code ExitCode
	msg  string
}

func (e *exitError) Error() string      { return e.msg }
func (e *exitError) ExitCode() ExitCode { return e.code }

// fail returns an error that exits with code and prints msg (if any).
func fail(code ExitCode, msg string) error { return &exitError{code: code, msg: msg} }

// cli holds the streams every subcommand uses.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand.
type command struct {
	summary string
	run     func(c *cli, args []string) error
}

// commands is the table of subcommands. Each lives in its own file.
func commands() map[string]command {
	return map[string]command{
		"asl":       {"print the compiled pipeline ASL", (*cli).cmdASL},
		"lint":      {"validate ASL files", (*cli).cmdLint},
		"graph":     {"draw the state machine (mermaid or dot)", (*cli).cmdGraph},
		"exec":      {"run an ASL definition on the local engine", (*cli).cmdExec},
		"transform": {"validate and transform a local file for a dataset", (*cli).cmdTransform},
		"run":       {"run the whole pipeline locally on files", (*cli).cmdRun},
		"table":     {"inspect the local table (table scan)", (*cli).cmdTable},
		"report":    {"write an HTML report of a local execution", (*cli).cmdReport},
		"dev":       {"watch incoming/<dataset>/ and run files as they arrive", (*cli).cmdDev},
		"reconcile": {"report (and --redrive) files no execution claimed", (*cli).cmdReconcile},
		"diff":      {"semantic diff of two state machines", (*cli).cmdDiff},
		"events":    {"test an EventBridge event pattern against an event (test-pattern)", (*cli).cmdEvents},
	}
}

// Run runs the sluice command line and returns the process exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	return int(c.run(args))
}

func (c *cli) run(args []string) ExitCode {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		c.usage(cmds)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(c.stderr, "sluice: unknown command %q\n", args[0])
		c.usage(cmds)
		return ExitUsage
	}
	err := cmd.run(c, args[1:])
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if msg := err.Error(); msg != "" {
		// Errors name files; their names are not printed raw.
		fmt.Fprintf(c.stderr, "sluice %s: %s\n", sanitize(args[0]), sanitize(msg))
	}
	var coder Coder
	if errors.As(err, &coder) {
		return coder.ExitCode()
	}
	return ExitFailure
}

func (c *cli) usage(cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: sluice <command> [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'sluice <command> -h' for a command's flags.\n")
	fmt.Fprint(c.stderr, b.String())
}

// flags returns a FlagSet for a subcommand that writes its usage to stderr
// and reports errors instead of exiting.
func (c *cli) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: sluice %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a parse failure into a usage error. Flags may
// follow positional arguments (sluice lint a.json --json).
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fail(ExitUsage, "")
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
