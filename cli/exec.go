package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/engine/mock"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
	"github.com/spf13/cobra"
)

// execResult is the one JSON object `sluice exec` prints.
type execResult struct {
	Status string  `json:"status"`
	Output any     `json:"output"`
	Error  *string `json:"error"`
	Cause  *string `json:"cause"`
}

// execOptions are the flags of `sluice exec`.
type execOptions struct {
	defFile, inFile, mocksFile, mockConfig, testCase, machine, historyFile, name, cpuProfile string
	fast, express                                                                            bool
}

// execCommand runs an ASL definition on the local engine.
func (c *cli) execCommand() *cobra.Command {
	var o execOptions
	cmd := &cobra.Command{
		Use:   "exec --definition DEF.json [--input IN.json] [--mocks MOCKS.json | --mock-config FILE --test-case NAME] [--fast] [--history FILE] [--cpuprofile FILE]",
		Short: "run an ASL definition on the local engine",
		Long: "Runs a state machine definition on the local engine and prints one JSON object:\n" +
			"{status, output, error, cause}. Task states call canned results from --mocks or an\n" +
			"AWS Step Functions Local --mock-config.",
		Annotations: exits("the execution ran, whatever its status (see status in the output)", ""),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdExec(args, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.defFile, "definition", "", "ASL definition file (- reads standard input)")
	fs.StringVar(&o.inFile, "input", "", "execution input JSON file (- reads standard input); default {}")
	fs.StringVar(&o.mocksFile, "mocks", "", "canned Task results: {\"<Resource>\": [{\"state\", \"input\", \"return\"|\"throw\"}]}")
	fs.StringVar(&o.mockConfig, "mock-config", "", "AWS Step Functions Local MockConfigFile")
	fs.StringVar(&o.testCase, "test-case", "", "test case of --mock-config to use")
	fs.StringVar(&o.machine, "state-machine", "", "state machine of --mock-config (default: the only one, or the definition file's base name)")
	fs.BoolVar(&o.fast, "fast", false, "virtual clock: Wait states and retry intervals take no time")
	fs.StringVar(&o.historyFile, "history", "", "write the execution history (GetExecutionHistory JSON) to this file")
	fs.StringVar(&o.name, "name", "", "execution name (default: a random UUID)")
	fs.BoolVar(&o.express, "express", false, "run as an Express state machine (no Execution.RedriveCount in the context object)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole command to this file (go tool pprof)")
	return cmd
}

// cmdExec exits 0 whenever the execution ran (whatever its status) and 2
// on a usage error, an unreadable file or an invalid definition.
func (c *cli) cmdExec(args []string, o execOptions) error {
	switch {
	case o.defFile == "":
		return usagef("--definition is required")
	case len(args) > 0:
		return usagef("unexpected arguments %q", args)
	case o.mocksFile != "" && o.mockConfig != "":
		return usagef("--mocks and --mock-config are exclusive")
	case (o.mockConfig == "") != (o.testCase == ""):
		return usagef("--mock-config and --test-case go together")
	case o.defFile == "-" && o.inFile == "-":
		return usagef("only one of --definition and --input may read standard input")
	}
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer stopProfile()
	}
	src, err := c.readInput(o.defFile)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := asl.Unmarshal(src)
	if err != nil {
		var se *asl.SyntaxError
		if errors.As(err, &se) {
			line, col := syntaxPos(src, se)
			return usagef("%s:%d:%d: invalid JSON: %v", o.defFile, line, col, se.Err)
		}
		return usagef("%s: invalid definition: %v", o.defFile, err)
	}
	// Only errors stop an execution; the analyses that only warn are for
	// sluice lint.
	// The size Step Functions checks against its 1 MiB is the definition
	// as sent: the file's own bytes, compacted (what the validator would
	// otherwise compute by encoding the decoded machine again).
	vopts := []validate.Option{validate.WithErrorsOnly(), validate.WithDefinitionSize(compactSize(src))}
	if o.express {
		vopts = append(vopts, validate.WithType("EXPRESS"))
	}
	if issues := validate.Machine(m, vopts...).Errors(); len(issues) > 0 {
		return usagef("%s: invalid definition:\n%v", o.defFile, issues)
	}
	var input any = map[string]any{}
	if o.inFile != "" {
		b, err := c.readInput(o.inFile)
		if err != nil {
			return usagef("%v", err)
		}
		if input, err = engine.DecodeJSON(b); err != nil {
			return usagef("%s: invalid JSON input: %v", o.inFile, err)
		}
	}
	opts := []engine.Option{}
	switch {
	case o.mocksFile != "":
		b, err := c.readInput(o.mocksFile)
		if err != nil {
			return usagef("%v", err)
		}
		inv, err := mock.ParseTasks(b)
		if err != nil {
			return usagef("%s: %v", o.mocksFile, err)
		}
		opts = append(opts, engine.WithInvoker(inv))
	case o.mockConfig != "":
		b, err := c.readInput(o.mockConfig)
		if err != nil {
			return usagef("%v", err)
		}
		cfg, err := mock.ParseConfig(b)
		if err != nil {
			return usagef("%s: %v", o.mockConfig, err)
		}
		smName := o.machine
		if smName == "" && len(cfg.StateMachines) != 1 {
			smName = strings.TrimSuffix(filepath.Base(o.defFile), filepath.Ext(o.defFile))
			smName = strings.TrimSuffix(smName, ".asl")
		}
		inv, err := mock.NewConfig(cfg, smName, o.testCase)
		if err != nil {
			return usagef("%s: %v", o.mockConfig, err)
		}
		opts = append(opts, engine.WithInvoker(inv))
		if smName != "" {
			opts = append(opts, engine.WithStateMachineName(smName))
		}
	}
	var ropts []engine.RunOption
	if o.fast {
		ropts = append(ropts, engine.WithClock(engine.NewVirtualClock(engine.RealClock{}.Now())))
	}
	if o.name != "" {
		ropts = append(ropts, engine.WithExecutionName(o.name))
	}
	if o.historyFile == "" {
		// Nobody reads the history: keep only its count (the limit).
		ropts = append(ropts, engine.WithoutHistory())
	}
	if o.express {
		opts = append(opts, engine.WithExpress())
	}
	eng, err := engine.New(m, opts...)
	if err != nil {
		return usagef("%s: invalid definition: %v", o.defFile, err)
	}
	res, runErr := eng.Run(context.Background(), input, ropts...)
	if runErr != nil && res.Status == "" {
		return usagef("%v", runErr)
	}
	out := execResult{Status: string(res.Status), Output: res.Output}
	if res.Status != engine.StatusSucceeded {
		out.Output = nil
		if res.Error != "" {
			out.Error = &res.Error
		}
		if res.Cause != "" {
			out.Cause = &res.Cause
		}
	}
	if o.historyFile != "" {
		b, err := json.MarshalIndent(res.History, "", "  ")
		if err != nil {
			return fail(ExitFailure, fmt.Sprintf("--history: %v", err))
		}
		if err := os.WriteFile(o.historyFile, append(b, '\n'), 0o644); err != nil {
			return fail(ExitFailure, fmt.Sprintf("--history: %v", err))
		}
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// compactSize is the length of src (valid JSON) without its insignificant
// white space.
func compactSize(src []byte) int {
	var buf bytes.Buffer
	buf.Grow(len(src))
	if json.Compact(&buf, src) != nil {
		return len(src)
	}
	return buf.Len()
}
