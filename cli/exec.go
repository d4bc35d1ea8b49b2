package cli

import (
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
)

// execResult is the one JSON object `sluice exec` prints.
type execResult struct {
	Status string  `json:"status"`
	Output any     `json:"output"`
	Error  *string `json:"error"`
	Cause  *string `json:"cause"`
}

// cmdExec runs an ASL definition on the local engine. It exits 0 whenever the
// execution ran (whatever its status) and 2 on a usage error, an unreadable
// file or an invalid definition.
func (c *cli) cmdExec(args []string) error {
	fs := c.flags("exec", "--definition DEF.json [--input IN.json] [--mocks MOCKS.json | --mock-config FILE --test-case NAME] [--fast] [--history FILE]")
	defFile := fs.String("definition", "", "ASL definition file (- reads standard input)")
	inFile := fs.String("input", "", "execution input JSON file (- reads standard input); default {}")
	mocksFile := fs.String("mocks", "", "canned Task results: {\"<Resource>\": [{\"state\", \"input\", \"return\"|\"throw\"}]}")
	mockConfig := fs.String("mock-config", "", "AWS Step Functions Local MockConfigFile")
	testCase := fs.String("test-case", "", "test case of --mock-config to use")
	machine := fs.String("state-machine", "", "state machine of --mock-config (default: the only one, or the definition file's base name)")
	fast := fs.Bool("fast", false, "virtual clock: Wait states and retry intervals take no time")
	historyFile := fs.String("history", "", "write the execution history (GetExecutionHistory JSON) to this file")
	name := fs.String("name", "", "execution name (default: a random UUID)")
	express := fs.Bool("express", false, "run as an Express state machine (no Execution.RedriveCount in the context object)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *defFile == "":
		fs.Usage()
		return usagef("--definition is required")
	case len(fs.Args()) > 0:
		return usagef("unexpected arguments %q", fs.Args())
	case *mocksFile != "" && *mockConfig != "":
		return usagef("--mocks and --mock-config are exclusive")
	case (*mockConfig == "") != (*testCase == ""):
		return usagef("--mock-config and --test-case go together")
	case *defFile == "-" && *inFile == "-":
		return usagef("only one of --definition and --input may read standard input")
	}
	src, err := c.readInput(*defFile)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := asl.Unmarshal(src)
	if err != nil {
		var se *asl.SyntaxError
		if errors.As(err, &se) {
			line, col := syntaxPos(src, se)
			return usagef("%s:%d:%d: invalid JSON: %v", *defFile, line, col, se.Err)
		}
		return usagef("%s: invalid definition: %v", *defFile, err)
	}
	var vopts []validate.Option
	if *express {
		vopts = append(vopts, validate.WithType("EXPRESS"))
	}
	if issues := validate.Machine(m, vopts...).Errors(); len(issues) > 0 {
		return usagef("%s: invalid definition:\n%v", *defFile, issues)
	}
	var input any = map[string]any{}
	if *inFile != "" {
		b, err := c.readInput(*inFile)
		if err != nil {
			return usagef("%v", err)
		}
		if input, err = engine.DecodeJSON(b); err != nil {
			return usagef("%s: invalid JSON input: %v", *inFile, err)
		}
	}
	opts := []engine.Option{}
	switch {
	case *mocksFile != "":
		b, err := c.readInput(*mocksFile)
		if err != nil {
			return usagef("%v", err)
		}
		inv, err := mock.ParseTasks(b)
		if err != nil {
			return usagef("%s: %v", *mocksFile, err)
		}
		opts = append(opts, engine.WithInvoker(inv))
	case *mockConfig != "":
		b, err := c.readInput(*mockConfig)
		if err != nil {
			return usagef("%v", err)
		}
		cfg, err := mock.ParseConfig(b)
		if err != nil {
			return usagef("%s: %v", *mockConfig, err)
		}
		smName := *machine
		if smName == "" && len(cfg.StateMachines) != 1 {
			smName = strings.TrimSuffix(filepath.Base(*defFile), filepath.Ext(*defFile))
			smName = strings.TrimSuffix(smName, ".asl")
		}
		inv, err := mock.NewConfig(cfg, smName, *testCase)
		if err != nil {
			return usagef("%s: %v", *mockConfig, err)
		}
		opts = append(opts, engine.WithInvoker(inv))
		if smName != "" {
			opts = append(opts, engine.WithStateMachineName(smName))
		}
	}
	if *fast {
		opts = append(opts, engine.WithClock(engine.NewVirtualClock(engine.RealClock{}.Now())))
	}
	if *name != "" {
		opts = append(opts, engine.WithExecutionName(*name))
	}
	if *express {
		opts = append(opts, engine.WithExpress())
	}
	eng, err := engine.New(m, opts...)
	if err != nil {
		return usagef("%s: invalid definition: %v", *defFile, err)
	}
	res, runErr := eng.Run(context.Background(), input)
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
	if *historyFile != "" {
		b, err := json.MarshalIndent(res.History, "", "  ")
		if err != nil {
			return fail(ExitFailure, fmt.Sprintf("history: %v", err))
		}
		if err := os.WriteFile(*historyFile, append(b, '\n'), 0o644); err != nil {
			return fail(ExitFailure, fmt.Sprintf("history: %v", err))
		}
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
