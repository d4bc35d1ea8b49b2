package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluicehq/sluice/internal/eventmatch"
)

// EventsMain runs "sluice events <subcommand>" with args (the words after
// "events") and the given streams, and returns the exit status. It holds
// every piece of the command, so that any dispatcher can register it.
//
//	sluice events test-pattern --pattern FILE --event FILE
//
// is the local twin of "aws events test-event-pattern": it prints
// {"result": true} or {"result": false} and exits 0, or prints AWS's error
// and exits 1 when EventBridge would refuse the pattern
// (InvalidEventPatternException) or the event (ValidationException).
// Both files are read as text: numbers keep their written form and a
// repeated name counts, as they do on AWS. "-" reads standard input.
func EventsMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprint(stderr, "usage: sluice events test-pattern --pattern FILE --event FILE\n\n"+
			"Match an event against an EventBridge event pattern, as aws events test-event-pattern does.\n")
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return int(ExitUsage)
		}
		return int(ExitOK)
	}
	if args[0] != "test-pattern" {
		fmt.Fprintf(stderr, "sluice events: unknown subcommand %q\n", args[0])
		usage()
		return int(ExitUsage)
	}
	fs := flag.NewFlagSet("sluice events test-pattern", flag.ContinueOnError)
	fs.SetOutput(stderr)
	patternFile := fs.String("pattern", "", "the event pattern `file` (JSON); - for standard input")
	eventFile := fs.String("event", "", "the event `file` (JSON); - for standard input")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: sluice events test-pattern --pattern FILE --event FILE\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return int(ExitOK)
		}
		return int(ExitUsage)
	}
	if *patternFile == "" || *eventFile == "" || fs.NArg() != 0 || *patternFile == "-" && *eventFile == "-" {
		fs.Usage()
		return int(ExitUsage)
	}
	read := func(name string) ([]byte, error) {
		if name == "-" {
			return io.ReadAll(stdin)
		}
		return os.ReadFile(name)
	}
	pattern, err := read(*patternFile)
	if err != nil {
		fmt.Fprintf(stderr, "sluice events test-pattern: %v\n", err)
		return int(ExitUsage)
	}
	event, err := read(*eventFile)
	if err != nil {
		fmt.Fprintf(stderr, "sluice events test-pattern: %v\n", err)
		return int(ExitUsage)
	}
	result, err := TestEventPattern(pattern, event)
	if err != nil {
		var pe *eventmatch.PatternError
		var ee *eventmatch.EventError
		switch {
		case errors.As(err, &pe):
			fmt.Fprintf(stderr, "sluice events test-pattern: %s: %s: %v\n", *patternFile, pe.Code(), pe)
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "sluice events test-pattern: %s: %s: %v (%s)\n", *eventFile, ee.Code(), ee, ee.Reason)
		default:
			fmt.Fprintf(stderr, "sluice events test-pattern: %v\n", err)
		}
		return int(ExitFailure)
	}
	fmt.Fprintf(stdout, "{\"result\": %t}\n", result)
	return int(ExitOK)
}

// TestEventPattern is TestEventPattern's logic: the pattern is compiled
// first (a refused pattern is a *eventmatch.PatternError), then the event
// must be a JSON object with the envelope fields (else a
// *eventmatch.EventError), then it is matched.
func TestEventPattern(pattern, event []byte) (bool, error) {
	p, err := eventmatch.Compile(pattern)
	if err != nil {
		return false, err
	}
	e, err := eventmatch.ParseEvent(event)
	if err != nil {
		return false, err
	}
	if err := e.CheckEnvelope(); err != nil {
		return false, err
	}
	return p.Match(e), nil
}

// cmdEvents registers EventsMain in the dispatcher.
func (c *cli) cmdEvents(args []string) error {
	if code := EventsMain(args, c.stdin, c.stdout, c.stderr); code != int(ExitOK) {
		return fail(ExitCode(code), "")
	}
	return nil
}
