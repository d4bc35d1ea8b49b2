package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
	"github.com/sluicehq/sluice/workflow/shape"
	"github.com/sluicehq/sluice/workflow/validate"
	"github.com/spf13/cobra"
)

// lintResult is one line of `sluice lint --json`.
type lintResult struct {
	File     string `json:"file"`
	Path     string `json:"path"`
	State    string `json:"state,omitempty"`
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	// Line and Col locate the issue's field (or, for an absent field, the
	// enclosing value) in the file, 1-based.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
}

// codeSyntaxError is the code of malformed JSON in --json output.
const codeSyntaxError = "SyntaxError"

// lintCommand validates ASL files, or with --stack the compiled pipeline.
func (c *cli) lintCommand() *cobra.Command {
	var asJSON, express, budgets, datasets bool
	var stack string
	cmd := &cobra.Command{
		Use:   "lint [--json] [--express] [--budgets] FILE... | --stack NAME | --datasets",
		Short: "validate ASL files",
		Long: "Validates state machine definitions (- reads standard input), printing each issue with\n" +
			"its file:line:col, state path and code. --stack NAME lints the pipeline compiled for\n" +
			"that stack instead, with its Go types; --budgets also prints the largest payload each\n" +
			"state can hold. --datasets lints the dataset declarations instead (fields, keys,\n" +
			"expressions, HTTP enrichments: https, headers, auth).",
		Example:     "  sluice lint my.asl.json\n  sluice lint --stack dev --budgets",
		Annotations: exits("every file is valid (warnings allowed)", "a file is invalid"),
		RunE: func(_ *cobra.Command, args []string) error {
			if datasets {
				if len(args) > 0 || stack != "" {
					return usagef("--datasets takes no files and no --stack")
				}
				return c.lintDatasets(asJSON)
			}
			if stack != "" {
				if len(args) > 0 {
					return usagef("--stack takes no files")
				}
				return c.lintStack(stack, asJSON, budgets)
			}
			return c.cmdLint(args, asJSON, express, budgets)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the issues as a JSON array")
	cmd.Flags().BoolVar(&express, "express", false, "validate for an Express state machine")
	cmd.Flags().StringVar(&stack, "stack", "", "lint the pipeline compiled for this stack (dev or prod) instead of files")
	cmd.Flags().BoolVar(&budgets, "budgets", false, "also print the largest payload each state can hold")
	cmd.Flags().BoolVar(&datasets, "datasets", false, "lint the dataset declarations (dataset.Declarations) instead of files")
	return cmd
}

// cmdLint exits 0 when all files are valid (warnings allowed), 1 when any
// is invalid, 2 when one cannot be read.
func (c *cli) cmdLint(files []string, asJSON, express, budgets bool) error {
	if len(files) == 0 {
		return usagef("no files given")
	}
	var opts []validate.Option
	if express {
		opts = append(opts, validate.WithType("EXPRESS"))
	}
	results := []lintResult{}
	invalid, unreadable := false, false
	for _, file := range files {
		b, err := c.readInput(file)
		if err != nil {
			fmt.Fprintf(c.stderr, "sluice lint: %s\n", sanitize(err.Error()))
			unreadable = true
			continue
		}
		_, issues, err := validate.Document(b, opts...)
		var se *asl.SyntaxError
		switch {
		case errors.As(err, &se):
			invalid = true
			line, col := syntaxPos(b, se)
			results = append(results, lintResult{File: file, Code: codeSyntaxError, Severity: validate.Error.String(),
				Message: se.Err.Error(), Line: line, Col: col})
			if !asJSON {
				c.printSyntaxError(file, b, se)
			}
			continue
		case err != nil:
			invalid = true
			fmt.Fprintf(c.stdout, "%s: %v\n", file, err)
			continue
		}
		if issues.HasErrors() {
			invalid = true
		}
		if budgets && !asJSON {
			if m, err := asl.Unmarshal(b); err == nil {
				c.printBudgets(file, m, opts...)
			}
		}
		offsets := validate.NewOffsets(b)
		for _, is := range issues {
			r := lintResult{File: file, Path: is.Path, State: is.State, Code: is.Code,
				Severity: is.Severity.String(), Message: is.Msg}
			if off, ok := offsets.Offset(is.Path); ok {
				r.Line, r.Col = asl.LineCol(b, int64(off))
			}
			results = append(results, r)
			if !asJSON {
				fmt.Fprintf(c.stdout, "%s: %s\n", file, is)
			}
		}
	}
	if asJSON {
		if err := c.printJSON(results); err != nil {
			return err
		}
	}
	switch {
	case unreadable:
		return fail(ExitUsage, "")
	case invalid:
		return fail(ExitFailure, "")
	}
	return nil
}

// lintStack lints the pipeline compiled for stack: Compile runs the
// validator with the Go types the pipeline declares, so the data-flow
// check and the payload budget know what each task returns. A data-flow
// finding is a compile error (exit 1).
func (c *cli) lintStack(stack string, asJSON, budgets bool) error {
	if stack != "dev" && stack != "prod" {
		return usagef("unknown --stack %q (want dev or prod)", stack)
	}
	file := "pipeline:" + stack
	results := []lintResult{}
	compiled, err := pipeline.Synthetic(stack)
	var issues validate.Issues
	if err != nil {
		is, ok := workflow.AsIssues(err)
		if !ok {
			return fail(ExitFailure, err.Error())
		}
		issues = is
	} else {
		issues = compiled.Warnings
	}
	for _, is := range issues {
		results = append(results, lintResult{File: file, Path: is.Path, State: is.State, Code: is.Code, Severity: is.Severity.String(), Message: is.Msg})
		if !asJSON {
			fmt.Fprintf(c.stdout, "%s: %s\n", file, is)
		}
	}
	if asJSON {
		if err := c.printJSON(results); err != nil {
			return err
		}
	} else if budgets && compiled != nil {
		c.printBudgets(file, compiled.Machine, validate.WithType(pipeline.Standard), validate.WithTypes(compiled.Types))
	}
	if err != nil {
		return fail(ExitFailure, "")
	}
	return nil
}

// Codes of `sluice lint --datasets` beyond dataset.Compile's.
const codeLocalOnlyURL = "LocalOnlyURL"

// lintDatasets compiles the dataset declarations together (NewSet) and
// prints every issue as file "dataset:<name>", path and code: an issue is
// an error (exit 1); an HTTP enrichment only a local run may call (plain
// http to 127.0.0.1) is a warning, since a deploy refuses it.
func (c *cli) lintDatasets(asJSON bool) error {
	decls := dataset.Declarations()
	if c.declarations != nil {
		decls = c.declarations()
	}
	results := []lintResult{}
	_, err := dataset.NewSet(decls...)
	var issues dataset.Issues
	if err != nil && !errors.As(err, &issues) {
		return fail(ExitFailure, err.Error())
	}
	for _, is := range issues {
		results = append(results, lintResult{File: "dataset:" + is.Dataset, Path: is.Path, Code: is.Code, Severity: validate.Error.String(), Message: is.Msg})
	}
	if err == nil {
		for _, d := range decls {
			for i, h := range d.Enrichment.HTTP {
				if !strings.HasPrefix(h.URL, "https://") {
					results = append(results, lintResult{File: "dataset:" + d.Name, Path: fmt.Sprintf("Enrichment.HTTP[%d].URL", i), Code: codeLocalOnlyURL,
						Severity: validate.Warning.String(), Message: fmt.Sprintf("%s calls plain http: local runs only; a deploy refuses it", h.URL)})
				}
			}
		}
	}
	if asJSON {
		if err := c.printJSON(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			sev := ""
			if r.Severity == validate.Warning.String() {
				sev = "warning: "
			}
			fmt.Fprintf(c.stdout, "%s: %s: %s%s: %s\n", r.File, r.Path, sev, r.Code, r.Message)
		}
	}
	if err != nil {
		return fail(ExitFailure, "")
	}
	return nil
}

// printBudgets prints the history bound of the execution and the payload
// bound of each state.
func (c *cli) printBudgets(file string, m *asl.StateMachine, opts ...validate.Option) {
	if h, ok := validate.History(m, opts...); ok {
		more := ""
		if h.Unknown {
			more = " or more (some part cannot be counted)"
		}
		fmt.Fprintf(c.stdout, "%s: history: up to %d events%s (%.0f%% of 25,000), along %s\n",
			file, h.Events, more, 100*float64(h.Events)/validate.MaxHistoryEvents, strings.Join(h.Path, " → "))
	}
	for _, p := range validate.Payloads(m, opts...) {
		if p.Bytes == shape.Unbounded {
			fmt.Fprintf(c.stdout, "%s: %s: payload: unbounded (some part of its %s has no declared bound)\n", file, p.Path, p.What)
			continue
		}
		fmt.Fprintf(c.stdout, "%s: %s: payload: up to %d bytes (%.0f%% of 256 KiB), its %s", file, p.Path, p.Bytes, 100*float64(p.Bytes)/validate.MaxPayloadSize, p.What)
		if p.Largest != "" {
			fmt.Fprintf(c.stdout, "; largest part %s", p.Largest)
		}
		fmt.Fprintln(c.stdout)
	}
}

// readInput reads a file, or standard input for "-".
func (c *cli) readInput(file string) ([]byte, error) {
	if file == "-" {
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return nil, fmt.Errorf("-: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(file)
}

// printSyntaxError renders file:line:col, the source line and a caret under
// the offending column.
func (c *cli) printSyntaxError(file string, src []byte, se *asl.SyntaxError) {
	c.printSyntaxErrorTo(c.stdout, file, src, se)
}

// printSyntaxErrorTo is printSyntaxError to another stream.
func (c *cli) printSyntaxErrorTo(w io.Writer, file string, src []byte, se *asl.SyntaxError) {
	ln, col := syntaxPos(src, se)
	fmt.Fprintf(w, "%s:%d:%d: %s: %v\n", file, ln, col, codeSyntaxError, se.Err)
	lines := strings.Split(string(src), "\n")
	if ln < 1 || ln > len(lines) {
		return
	}
	line := strings.TrimRight(lines[ln-1], "\r")
	fmt.Fprintf(w, "    %s\n", line)
	var caret strings.Builder
	for i := 0; i < col-1 && i < len(line); i++ {
		if line[i] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	fmt.Fprintf(w, "    %s^\n", caret.String())
}

// syntaxPos returns the line and column of the byte that made the JSON
// invalid. encoding/json's offset (and so SyntaxError's Line and Col) points
// just past that byte.
func syntaxPos(src []byte, se *asl.SyntaxError) (line, col int) {
	off := se.Offset
	if off > 0 && off <= int64(len(src)) {
		off--
	}
	return asl.LineCol(src, off)
}
