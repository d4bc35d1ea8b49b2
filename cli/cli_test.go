package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// TestCommandLine checks the behaviour shared by every command, from the
// outside: where help goes, exit codes, suggestions, version, completion.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantStdout []string // substrings
		wantStderr []string // substrings
	}{
		{"version", []string{"--version"}, ExitOK, []string{"sluice ", "go1."}, nil},
		{"help run", []string{"help", "run"}, ExitOK, []string{"Usage:\n  sluice run", "--dataset string", "--state-dir string", "Exit status:\n  0  every file ended"}, nil},
		{"run --help", []string{"run", "--help"}, ExitOK, []string{"Usage:\n  sluice run", "--dataset string"}, nil},
		{"run -h", []string{"run", "-h"}, ExitOK, []string{"Usage:\n  sluice run"}, nil},
		{"--help", []string{"--help"}, ExitOK, []string{"Available Commands:", "  run ", "  table ", "  completion "}, nil},
		{"help", []string{"help"}, ExitOK, []string{"Available Commands:"}, nil},
		{"help table scan", []string{"help", "table", "scan"}, ExitOK, []string{"sluice table scan --dataset NAME", "--state-dir string"}, nil},
		{"table --help", []string{"table", "--help"}, ExitOK, []string{"scan "}, nil},
		{"no command", nil, ExitUsage, nil, []string{"Available Commands:"}},
		{"typo", []string{"rn"}, ExitUsage, nil, []string{`unknown command "rn"; did you mean run?`, "Run 'sluice --help' for usage."}},
		{"typo with flags", []string{"reprot", "--list"}, ExitUsage, nil, []string{"did you mean report?"}},
		{"unknown command", []string{"frobnicate"}, ExitUsage, nil, []string{`unknown command "frobnicate"`, "commands: asl, completion, cost, dev"}},
		{"unknown flag", []string{"lint", "--nope", "x.json"}, ExitUsage, nil, []string{"sluice lint: unknown flag: --nope", "Run 'sluice lint --help' for usage."}},
		{"single-dash long flag", []string{"asl", "-compact"}, ExitUsage, nil, []string{"unknown shorthand flag"}},
		{"flags after arguments", []string{"lint", validateTestdata + "valid.asl.json", "--json"}, ExitOK, []string{"[]"}, nil},
		{"completion bash", []string{"completion", "bash"}, ExitOK, []string{"# bash completion V2 for sluice", "__start_sluice"}, nil},
		{"completion zsh", []string{"completion", "zsh"}, ExitOK, []string{"#compdef sluice"}, nil},
		{"completion of an unknown shell", []string{"completion", "tcsh"}, ExitUsage, nil, []string{`unknown command "tcsh"`, "bash, fish, powershell, zsh"}},
		{"unknown stack", []string{"run", "--stack", "staging", "x.csv"}, ExitUsage, nil, []string{`unknown stack "staging" (want dev or prod)`}},
		{"completion fish", []string{"completion", "fish"}, ExitOK, []string{"complete -c sluice"}, nil},
		{"completion of a subcommand", []string{"__complete", "ru"}, ExitOK, []string{"run\t"}, nil},
		{"completion of a flag", []string{"__complete", "run", "--data"}, ExitOK, []string{"--dataset\t"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, "", tt.args...)
			if ExitCode(code) != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, stdout)
				}
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
			if tt.wantCode == ExitOK && strings.HasPrefix(tt.args[0], "-") && stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

// TestEveryCommandDocumentsItsExitStatus: each command's help ends with
// what its exit codes mean.
func TestEveryCommandDocumentsItsExitStatus(t *testing.T) {
	t.Parallel()
	c := &cli{prog: "sluice"}
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Annotations["exit"] == "" {
			t.Errorf("%s: no exit status in its help", cmd.CommandPath())
		}
		for _, sub := range cmd.Commands() {
			if sub.Name() != "help" && !strings.HasPrefix(sub.Name(), "__") {
				walk(sub)
			}
		}
	}
	walk(c.root())
}

// TestLegacyCommand: a command that still parses its flags with the
// standard flag package plugs into the tree with legacyCommand.
func TestLegacyCommand(t *testing.T) {
	t.Parallel()
	var got []string
	var gotName string
	cmd := legacyCommand("echo", "print the arguments", func(c *cli, args []string) error {
		fs := c.flags("echo", "[--name N] ARG...")
		name := fs.String("name", "", "a name")
		if err := parse(fs, args); err != nil {
			return err
		}
		got, gotName = fs.Args(), *name
		return nil
	})
	run := func(args ...string) (ExitCode, string) {
		var out, errb strings.Builder
		c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, prog: "sluice"}
		root := c.root()
		root.AddCommand(cmd(c))
		root.SetArgs(args)
		code := c.executeRoot(root)
		return code, out.String()
	}
	if code, _ := run("echo", "a", "--name", "x", "b"); code != ExitOK || strings.Join(got, " ") != "a b" || gotName != "x" {
		t.Errorf("echo: exit %d, args %q, name %q", code, got, gotName)
	}
	if code, out := run("echo", "--help"); code != ExitOK || !strings.Contains(out, "--name") {
		t.Errorf("echo --help: exit %d, stdout %q", code, out)
	}
	if code, _ := run("echo", "--bogus"); code != ExitUsage {
		t.Errorf("echo --bogus: exit %d, want %d", code, ExitUsage)
	}
}

// TestCommandTableNames: each commandTable entry builds the command it is
// named after, so that commandsFor builds the command a run names.
func TestCommandTableNames(t *testing.T) {
	t.Parallel()
	c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, prog: "sluice"}
	for _, e := range commandTable {
		if got := e.build(c).Name(); got != e.name {
			t.Errorf("commandTable entry %q builds the command %q", e.name, got)
		}
	}
}

// TestOneCommandTree: a run that names a command builds only it, and
// prints, for its help and its usage errors, exactly what the whole tree
// prints.
func TestOneCommandTree(t *testing.T) {
	t.Parallel()
	run := func(whole bool, args []string) (ExitCode, string, string) {
		var out, errb strings.Builder
		c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, prog: "sluice"}
		if !whole {
			return c.execute(args), out.String(), errb.String()
		}
		root := c.root()
		root.SetArgs(args)
		return c.executeRoot(root), out.String(), errb.String()
	}
	for _, e := range commandTable {
		for _, args := range [][]string{{e.name, "--help"}, {e.name, "--no-such-flag"}, {e.name, "-h", "extra"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				wantCode, wantOut, wantErr := run(true, args)
				code, out, errs := run(false, args)
				if code != wantCode {
					t.Errorf("exit %d, the whole tree %d", code, wantCode)
				}
				if diff := cmp.Diff(wantOut, out); diff != "" {
					t.Errorf("stdout (-whole tree +one command):\n%s", diff)
				}
				if diff := cmp.Diff(wantErr, errs); diff != "" {
					t.Errorf("stderr (-whole tree +one command):\n%s", diff)
				}
			})
		}
	}
}
