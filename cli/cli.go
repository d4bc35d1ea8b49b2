package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	// ExitUsage: bad flags, an unknown command or name, unreadable input,
	// an invalid definition where a valid one is required.
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
	// prog is how the hints the CLI prints invoke sluice: "sluice" when it
	// is installed on PATH, else "go run ./cmd/sluice" (see progName). It
	// is found on first use (program): the few commands that print hints
	// pay for the PATH search, not every start.
	prog string
	// runtimeHook, when set, adjusts the local runtime's configuration of
	// sluice run: a test hook (a dataset set of the test's own, an HTTP
	// client trusting a test server). Never set by Run.
	runtimeHook func(*local.Config)
	// declarations, when set, replaces dataset.Declarations in `sluice
	// lint --datasets`: a test hook.
	declarations func() []*dataset.Dataset
}

// program returns how the hints the CLI prints invoke sluice (prog).
func (c *cli) program() string {
	if c.prog == "" {
		c.prog = progName()
	}
	return c.prog
}

// commandTable lists the subcommands by name, in the order `sluice --help`
// lists them. To add one, write `func (c *cli) fooCommand() *cobra.Command`
// in foo.go and add it here; a command still parsing its own flags with
// the standard flag package can be added as legacyCommand(name, summary,
// (*cli).cmdFoo) until it is converted. name is the command's Name()
// (TestCommandTableNames), so that a run of one command builds only it.
var commandTable = []struct {
	name  string
	build func(*cli) *cobra.Command
}{
	{"run", (*cli).runCommand},
	{"dev", (*cli).devCommand},
	{"table", (*cli).tableCommand},
	{"report", (*cli).reportCommand},
	{"reconcile", (*cli).reconcileCommand},
	{"transform", (*cli).transformCommand},
	{"asl", (*cli).aslCommand},
	{"graph", (*cli).graphCommand},
	{"lint", (*cli).lintCommand},
	{"exec", (*cli).execCommand},
	{"diff", (*cli).diffCommand},
	{"events", (*cli).eventsCommand},
	{"cost", (*cli).costCommand},
}

// commands returns the subcommands, in the order `sluice --help` lists
// them.
func (c *cli) commands() []*cobra.Command {
	cmds := make([]*cobra.Command, len(commandTable))
	for i, e := range commandTable {
		cmds[i] = e.build(c)
	}
	return cmds
}

// commandsFor returns the subcommands a run with args needs: only the one
// args names first, when it names one exactly, else all of them (help,
// completion, a flag before the command, an unknown or misspelt command:
// what lists or suggests the commands sees them all). Building all
// thirteen with their flags was about a tenth of what `sluice exec` did
// after the process started.
func (c *cli) commandsFor(args []string) []*cobra.Command {
	if len(args) > 0 {
		for _, e := range commandTable {
			if e.name == args[0] {
				return []*cobra.Command{e.build(c)}
			}
		}
	}
	return c.commands()
}

// Run runs the sluice command line and returns the process exit status.
// Help and command output go to stdout; errors, usage errors and progress
// go to stderr.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	startingHeap()
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	return int(c.execute(args))
}

func (c *cli) execute(args []string) ExitCode {
	root := c.rootWith(c.commandsFor(args))
	root.SetArgs(args)
	return c.executeRoot(root)
}

// executeRoot runs the command tree and turns its error into an exit code,
// printing the error (and, for a usage error, where help is) to stderr.
func (c *cli) executeRoot(root *cobra.Command) ExitCode {
	cmd, err := root.ExecuteC()
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) || errors.Is(err, pflag.ErrHelp) {
		return ExitOK
	}
	var coder Coder
	code := ExitFailure
	if errors.As(err, &coder) {
		code = coder.ExitCode()
	}
	if msg := err.Error(); msg != "" {
		// Errors name files; their names are not printed raw.
		fmt.Fprintf(c.stderr, "%s: %s\n", sanitize(cmd.CommandPath()), sanitize(msg))
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// helpTemplate is cobra's default help followed by the command's exit
// status, when it documents one (annotation "exit", set by exits).
const helpTemplate = `{{with (or .Long .Short)}}{{. | trimTrailingWhitespaces}}

{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}{{with index .Annotations "exit"}}
Exit status:
{{.}}{{end}}`

// exits documents a command's exit status for its help: what 0 and 1 mean
// for it; 2 is always a usage error.
func exits(ok, failure string) map[string]string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %d  %s\n", ExitOK, ok)
	if failure != "" {
		fmt.Fprintf(&b, "  %d  %s\n", ExitFailure, failure)
	}
	fmt.Fprintf(&b, "  %d  usage error: unknown command, flag or name, bad arguments, unreadable input\n", ExitUsage)
	return map[string]string{"exit": b.String()}
}

// root builds the whole command tree.
func (c *cli) root() *cobra.Command { return c.rootWith(c.commands()) }

// rootWith builds the command tree with the subcommands cmds.
func (c *cli) rootWith(cmds []*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "sluice",
		Short: "run, check and explain Sluice pipelines on one machine",
		Long: "sluice runs the whole Sluice pipeline locally (embedded S3 and DynamoDB, the real\n" +
			"functions, the compiled state machine on the local engine) and checks, draws and\n" +
			"diffs state machines.",
		Version:       version(),
		Annotations:   exits("the command did what was asked", "the command ran and found a failure (see each command)"),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Runnable so that an unknown command reaches RunE, which exits 2
		// with suggestions; cobra's own unknown-command error has no
		// exit code.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				cmd.SetOut(c.stderr)
				cmd.Help()
				return fail(ExitUsage, "")
			}
			return unknownCommand(cmd, args[0])
		},
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetHelpTemplate(helpTemplate)
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if !cmd.HasParent() && cmd.Flags().NArg() > 0 {
			// `sluice reprot --list`: the misspelt command, not the
			// flag it does not know, is the mistake to report.
			return unknownCommand(cmd, cmd.Flags().Arg(0))
		}
		return &UsageError{Msg: err.Error()}
	})
	root.AddCommand(cmds...)
	for _, sub := range root.Commands() {
		if sub.Annotations == nil {
			sub.Annotations = exits("the command did what was asked", "the command ran and found a failure")
		}
	}
	root.InitDefaultCompletionCmd()
	if comp, _, err := root.Find([]string{"completion"}); err == nil && comp != root {
		comp.Short = "print a shell completion script (bash, zsh, fish or powershell)"
		group(comp)
		for _, cmd := range append(comp.Commands(), comp) {
			cmd.Annotations = exits("the script was printed", "")
		}
	}
	return root
}

// group makes cmd a command that only holds subcommands: without one, or
// with an unknown one, it is a usage error naming the valid ones.
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usagef("want a subcommand: %s", strings.Join(subcommandNames(cmd), ", "))
		}
		return unknownCommand(cmd, args[0])
	}
	return cmd
}

// unknownCommand is the usage error for `parent NAME` when NAME is not a
// subcommand: it suggests the nearest names and lists the valid ones.
func unknownCommand(parent *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q", name)
	parent.SuggestionsMinimumDistance = 2
	if sugg := parent.SuggestionsFor(name); len(sugg) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(sugg, " or "))
	}
	return usagef("%s (commands: %s)", msg, strings.Join(subcommandNames(parent), ", "))
}

func subcommandNames(cmd *cobra.Command) []string {
	var names []string
	for _, s := range cmd.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	return names
}

// legacyCommand adapts a command that parses its own arguments with the
// standard flag package (c.flags and parse) to the command tree. Its
// --help is its own flag set's usage, printed to stdout.
func legacyCommand(name, summary string, run func(c *cli, args []string) error) func(c *cli) *cobra.Command {
	return func(c *cli) *cobra.Command {
		return &cobra.Command{
			Use:                name,
			Short:              summary,
			DisableFlagParsing: true,
			RunE: func(_ *cobra.Command, args []string) error {
				return run(c, args)
			},
		}
	}
}

// flags returns a standard-library FlagSet for a legacyCommand: its usage
// (for -h/--help) goes to stdout, and errors are returned, not fatal.
func (c *cli) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stdout, "Usage:\n  sluice %s %s\n\nFlags:\n", name, usage)
		fs.SetOutput(c.stdout)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(c.stdout, "  --%s\t%s (default %q)\n", f.Name, f.Usage, f.DefValue)
		})
		fs.SetOutput(c.stderr)
	}
	return fs
}

// parse parses a legacyCommand's flags, turning a parse failure into a
// usage error. Flags may follow positional arguments (sluice lint a.json
// --json).
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

// version is the module version and VCS revision the binary was built
// from, as the go command stamped them (go build and go install record the
// revision when run in a git checkout; go run and go test do not).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version: built without module support)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += ", revision " + rev
		if when != "" {
			v += " of " + when
		}
		if modified {
			v += " with uncommitted changes"
		}
	} else {
		v += ", no VCS revision recorded (built by go run or go test, or outside a git checkout)"
	}
	return v + ", " + info.GoVersion
}

// progName is how the hints sluice prints (`sluice table scan …`) should
// invoke it so that they work when pasted: "sluice" when a sluice binary
// is on PATH (the README's `go install ./cmd/sluice`), else "go run
// ./cmd/sluice" when this process is a go run build, else the path it was
// started by. Inside a test binary it is "sluice", so output is stable.
func progName() string {
	if _, err := exec.LookPath("sluice"); err == nil {
		return "sluice"
	}
	exe, err := os.Executable()
	if err != nil || strings.TrimSuffix(filepath.Base(exe), ".exe") != "sluice" {
		return "sluice"
	}
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/sluice"
	}
	return os.Args[0]
}

// printJSON writes v to standard output as indented JSON, with <, > and &
// as they are (what --json prints is read by people and by jq, not put in
// HTML).
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
