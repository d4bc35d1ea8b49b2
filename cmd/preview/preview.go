package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/modroot"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/cfn"
	"github.com/sluicehq/sluice/platform/iamproof"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/packager"
)

// Exit codes.
const (
	exitOK = iota
	exitFailure
	exitUsage
)

// fallbackPackager builds functions that have a main package and uses a
// placeholder zip (with a warning) for those that do not.
type fallbackPackager struct {
	root        string
	build       *platform.BuildPackager
	placeholder platform.PlaceholderPackager
	stderr      io.Writer
}

// Package builds fn, or writes a placeholder when it has no main package.
func (p *fallbackPackager) Package(fn string) (platform.Package, error) {
	if _, err := os.Stat(filepath.Join(p.root, "functions", "cmd", fn, "main.go")); err != nil {
		fmt.Fprintf(p.stderr, "preview: functions/cmd/%s not found: using a placeholder zip\n", fn)
		return p.placeholder.Package(fn)
	}
	return p.build.Package(fn)
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "dev", "stack whose Pulumi.<stack>.yaml configures the run")
	config := fs.String("config", "", "stack configuration file (default: Pulumi.<stack>.yaml at the module root)")
	asJSON := fs.Bool("json", false, "print the resources as JSON")
	diff := fs.String("diff", "", "print the changes against an earlier --json output")
	samOut := fs.String("sam", "", "write the stack as a CloudFormation template (derived from the same resources; deployable with sam deploy) to this file")
	noBuild := fs.Bool("no-build", false, "do not build the functions (placeholder zips and hashes)")
	iam := fs.Bool("iam", false, "prove the stack's IAM allows every AWS call of a full local run (docs/iam.md); exit 1 on a denied call or an unexplained grant")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: preview [--stack NAME] [--config FILE] [--json | --diff BASE.json | --sam FILE | --iam [--json]] [--no-build]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "preview: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *iam {
		if *diff != "" || *samOut != "" {
			fmt.Fprintln(stderr, "preview: --iam takes no --diff or --sam")
			return exitUsage
		}
		return proveIAM(*stack, *config, *asJSON, stdout, stderr)
	}
	if err := preview(*stack, *config, *asJSON, *diff, *samOut, *noBuild, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "preview: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func preview(stack, config string, asJSON bool, diff, samOut string, noBuild bool, stdout, stderr io.Writer) error {
	root, err := modroot.Dir()
	if err != nil {
		return err
	}
	if config == "" {
		config = filepath.Join(root, "Pulumi."+stack+".yaml")
	}
	values, err := offline.LoadStackFile(config)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sluice-preview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var pk platform.Packager = platform.PlaceholderPackager{Dir: tmp}
	if !noBuild {
		bp := &platform.BuildPackager{ModuleRoot: root, Progress: stderr}
		bp.Prebuild(append(slices.Clone(platform.FunctionNames), platform.FunctionReconcile)...)
		pk = &fallbackPackager{root: root, build: bp, placeholder: platform.PlaceholderPackager{Dir: tmp}, stderr: stderr}
	}
	if samOut != "" {
		return writeTemplate(stack, values, pk, samOut, noBuild, stdout, stderr)
	}
	res, err := offline.Run(stack, values, platform.Options{Packager: pk})
	if err != nil {
		return err
	}
	doc := offline.NewDocument(res)
	switch {
	case diff != "":
		b, err := os.ReadFile(diff)
		if err != nil {
			return err
		}
		var base offline.Document
		if err := json.Unmarshal(b, &base); err != nil {
			return fmt.Errorf("%s: %w", diff, err)
		}
		return offline.RenderDiff(stdout, stack, offline.Diff(base, doc))
	case asJSON:
		return offline.RenderJSON(stdout, doc)
	}
	return offline.Render(stdout, doc)
}

// writeTemplate runs the program for stack under mocks and writes the
// CloudFormation template derived from its resources (platform/cfn) to
// path. Each function's Code is its zip's path relative to the template;
// with noBuild, the path the build would write (build/lambda), which the
// run did not build.
func writeTemplate(stack string, values map[string]string, pk platform.Packager, path string, noBuild bool, stdout, stderr io.Writer) error {
	res, err := offline.Run(stack, values, platform.Options{Packager: pk})
	if err != nil {
		return err
	}
	root, err := modroot.Dir()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	codePath := func(zip string) string {
		if noBuild {
			fn := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(zip), "placeholder-"), ".zip")
			zip = filepath.Join(packager.DefaultDir(root), fn+"_"+packager.DefaultGOOS+"_"+packager.DefaultGOARCH+".zip")
		}
		if rel, err := filepath.Rel(dir, zip); err == nil {
			return filepath.ToSlash(rel)
		}
		return zip
	}
	exp, err := cfn.New(res, cfn.Options{CodePath: codePath})
	if err != nil {
		return err
	}
	b, err := exp.YAML()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	if noBuild {
		fmt.Fprintf(stderr, "preview: --no-build: the template's Code names zips under %s that this run did not build\n", packager.DefaultDir(root))
	}
	fmt.Fprintf(stdout, "wrote %s: %d resources\n", path, len(exp.Template.Resources))
	return nil
}

// proveIAM runs the program under mocks for stack (functions are not
// built: the proof reads policies, not code), records a full local run
// and proves its calls against the stack's IAM (platform/iamproof).
func proveIAM(stack, config string, asJSON bool, stdout, stderr io.Writer) int {
	root, err := modroot.Dir()
	if err != nil {
		fmt.Fprintf(stderr, "preview: %v\n", err)
		return exitFailure
	}
	if config == "" {
		config = filepath.Join(root, "Pulumi."+stack+".yaml")
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "preview --iam: %v\n", err)
		return exitFailure
	}
	sim, err := iamproof.FindSimulator(root)
	if err != nil {
		return fail(err)
	}
	values, err := offline.LoadStackFile(config)
	if err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp("", "sluice-preview-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	res, err := offline.Run(stack, values, platform.Options{Packager: platform.PlaceholderPackager{Dir: tmp}})
	if err != nil {
		return fail(err)
	}
	rep, err := iamproof.Check(context.Background(), root, res, sim, nil)
	if err != nil {
		return fail(err)
	}
	if asJSON {
		err = iamproof.RenderJSON(stdout, rep)
	} else {
		err = iamproof.Render(stdout, rep)
	}
	if err != nil {
		return fail(err)
	}
	if f := rep.Failures(); len(f) > 0 {
		fmt.Fprintf(stderr, "preview --iam: stack %s: %d failure(s); the first: %s\n", stack, len(f), f[0])
		return exitFailure
	}
	return exitOK
}
