package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/spf13/cobra"
)

// eventsCommand holds the EventBridge commands.
func (c *cli) eventsCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:         "events",
		Short:       "test an EventBridge event pattern against an event (test-pattern), list the outcome events published locally (outbox)",
		Annotations: exits("the command did what was asked", "EventBridge would refuse the pattern or the event"),
	})
	cmd.AddCommand(c.eventsTestPatternCommand(), c.eventsOutboxCommand())
	return cmd
}

// eventsOutboxCommand prints the outcome events the local pipeline
// published (integrations.Outbox), as a rule's target on the stack's
// outcome bus would receive them, one JSON object a line; with --pattern
// only those the rule's event pattern matches, as EventBridge matches.
func (c *cli) eventsOutboxCommand() *cobra.Command {
	var stateDir, patternFile string
	cmd := &cobra.Command{
		Use:   "outbox [--pattern FILE] [--state-dir DIR]",
		Short: "print the outcome events the local pipeline published, as a rule's target receives them",
		Long: "Prints the events the local pipeline put on the stack's outcome bus (one per file:\n" +
			"LOADED, REJECTED, FAILED or DUPLICATE; docs/events.md), oldest first, one JSON object a\n" +
			"line, as a rule's target receives them. --pattern keeps those an EventBridge rule with\n" +
			"that event pattern would match.",
		Example:     "  sluice events outbox --pattern docs/patterns/rejected-orders.json",
		Annotations: exits("the events were printed (none when nothing was published)", "the outbox or the pattern could not be read, or EventBridge would refuse the pattern"),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdEventsOutbox(args, stateDir, patternFile)
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", local.DefaultStateDir, "the local state the pipeline ran in")
	cmd.Flags().StringVar(&patternFile, "pattern", "", "print only the events this EventBridge event pattern `file` matches")
	return cmd
}

func (c *cli) cmdEventsOutbox(args []string, stateDir, patternFile string) error {
	if len(args) != 0 {
		return usagef("want no arguments, got %q", args)
	}
	var pattern *eventmatch.Pattern
	if patternFile != "" {
		text, err := os.ReadFile(patternFile)
		if err != nil {
			return fail(ExitFailure, err.Error())
		}
		if pattern, err = eventmatch.Compile(text); err != nil {
			var pe *eventmatch.PatternError
			if errors.As(err, &pe) {
				return fail(ExitFailure, fmt.Sprintf("%s: %s: %v", patternFile, pe.Code(), pe))
			}
			return fail(ExitFailure, fmt.Sprintf("%s: %v", patternFile, err))
		}
	}
	events, err := integrations.ReadEvents(filepath.Join(stateDir, local.OutboxFile))
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	w := bufio.NewWriter(c.stdout)
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			return fail(ExitFailure, err.Error())
		}
		if pattern != nil {
			if ok, err := pattern.MatchText(b); err != nil || !ok {
				continue
			}
		}
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		return fail(ExitFailure, err.Error())
	}
	return nil
}

// eventsTestPatternCommand is the local twin of "aws events
// test-event-pattern": it prints {"result": true} or {"result": false} and
// exits 0, or prints AWS's error and exits 1 when EventBridge would refuse
// the pattern (InvalidEventPatternException) or the event
// (ValidationException). Both files are read as text: numbers keep their
// written form and a repeated name counts, as they do on AWS. "-" reads
// standard input.
func (c *cli) eventsTestPatternCommand() *cobra.Command {
	var patternFile, eventFile string
	cmd := &cobra.Command{
		Use:   "test-pattern --pattern FILE --event FILE",
		Short: "match an event against an EventBridge event pattern, as aws events test-event-pattern does",
		Long: "Matches an event against an EventBridge event pattern, as aws events test-event-pattern\n" +
			"does, and prints {\"result\": true} or {\"result\": false}. Both files are read as text,\n" +
			"so 300.0 stays 300.0 and a repeated name counts; - reads standard input (for one of them).",
		Example: "  sluice events test-pattern --pattern rule.json --event event.json",
		Annotations: exits("the event was matched; the result is printed",
			"EventBridge would refuse the pattern (InvalidEventPatternException) or the event (ValidationException)"),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdEventsTestPattern(args, patternFile, eventFile)
		},
	}
	cmd.Flags().StringVar(&patternFile, "pattern", "", "the event pattern `file` (JSON); - for standard input")
	cmd.Flags().StringVar(&eventFile, "event", "", "the event `file` (JSON); - for standard input")
	return cmd
}

func (c *cli) cmdEventsTestPattern(args []string, patternFile, eventFile string) error {
	switch {
	case patternFile == "" || eventFile == "":
		return usagef("want --pattern FILE and --event FILE")
	case len(args) != 0:
		return usagef("want no arguments, got %q", args)
	case patternFile == "-" && eventFile == "-":
		return usagef("only one of --pattern and --event can read standard input")
	}
	read := func(name string) ([]byte, error) {
		if name == "-" {
			return io.ReadAll(c.stdin)
		}
		return os.ReadFile(name)
	}
	pattern, err := read(patternFile)
	if err != nil {
		return fail(ExitUsage, err.Error())
	}
	event, err := read(eventFile)
	if err != nil {
		return fail(ExitUsage, err.Error())
	}
	result, err := TestEventPattern(pattern, event)
	if err != nil {
		var pe *eventmatch.PatternError
		var ee *eventmatch.EventError
		switch {
		case errors.As(err, &pe):
			return fail(ExitFailure, fmt.Sprintf("%s: %s: %v", patternFile, pe.Code(), pe))
		case errors.As(err, &ee):
			return fail(ExitFailure, fmt.Sprintf("%s: %s: %v (%s)", eventFile, ee.Code(), ee, ee.Reason))
		default:
			return fail(ExitFailure, err.Error())
		}
	}
	fmt.Fprintf(c.stdout, "{\"result\": %t}\n", result)
	return nil
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
