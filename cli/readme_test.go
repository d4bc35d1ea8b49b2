package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sluicehq/sluice/internal/golden"
)

// readmeMarker precedes each README block this test generates.
const readmeMarker = "<!-- output of a real run: go test ./cli -run TestREADMEOutputs -update rewrites it -->"

// readmeBlock is a generated block: the marker, then a console fence
// whose first line is the command ("$ sluice ARGS") and the rest its
// output.
var readmeBlock = regexp.MustCompile("(?s)" + regexp.QuoteMeta(readmeMarker) + "\n```console\n\\$ sluice ([^\n]*)\n(.*?)```\n")

// runVaries matches what differs between two runs of the same command:
// durations (0s, 27ms, 1m3s, 1.5µs) and execution names (their start
// time and file hash).
var runVaries = regexp.MustCompile(`\b\d{8}T\d{6}\.\d{6}-[0-9a-f]{8}\b|\b\d+(\.\d+)?(ns|µs|ms|s|m|h)(\d+(\.\d+)?(ms|s))*\b`)

// spaces are runs of blanks, whose width follows the durations'.
var spaces = regexp.MustCompile(` +`)

// steady is output with what varies between runs replaced.
func steady(out string) string {
	return spaces.ReplaceAllString(runVaries.ReplaceAllString(out, "T"), " ")
}

// TestREADMEOutputs runs the commands of the README's generated blocks,
// in order, in one fresh folder holding the examples (as on a clean clone
// with no .sluice yet), and compares their output with the README, times
// and execution names aside. With -update it writes the new output into
// the README. So the README shows what sluice prints today.
func TestREADMEOutputs(t *testing.T) {
	readmePath, err := filepath.Abs("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Abs("../examples")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlock.FindAllSubmatchIndex(readme, -1)
	if len(blocks) == 0 {
		t.Fatalf("README.md has no block after %q", readmeMarker)
	}
	dir := t.TempDir()
	if err := os.Symlink(examples, filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	// sluice cost reads the stacks' configuration next to the examples.
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"} {
		abs, err := filepath.Abs(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var updated bytes.Buffer
	last := 0
	for _, m := range blocks {
		cmdline := string(readme[m[2]:m[3]])
		want := string(readme[m[4]:m[5]])
		var stdout, stderr bytes.Buffer
		code := Run(strings.Fields(cmdline), strings.NewReader(""), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("sluice %s: exit %d\n%s", cmdline, code, stderr.String())
		}
		got := stdout.String()
		if diff := cmp.Diff(steady(want), steady(got)); diff != "" && !golden.Updating() {
			t.Errorf("README.md: the output of `sluice %s` is stale (-README +now, times and execution names aside); run go test ./cli -run TestREADMEOutputs -update:\n%s", cmdline, diff)
		}
		updated.Write(readme[last:m[4]])
		updated.WriteString(got)
		last = m[5]
	}
	updated.Write(readme[last:])
	if golden.Updating() && !bytes.Equal(updated.Bytes(), readme) {
		if err := os.WriteFile(readmePath, updated.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", readmePath)
	}
}

// TestREADMECommands checks the README's commands table against the
// command tree: every command sluice runs has a row (its path, e.g.
// "sluice table scan", opens the row's first cell), and every flag of it
// is named in its rows or in the paragraph under the table on the flags
// the commands share. So a command or flag added without a word in the
// README fails here.
func TestREADMECommands(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Commands\n")
	if !ok {
		t.Fatal("README.md has no ## Commands section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []string
	var shared strings.Builder // the text after the table
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| `sluice ") {
			rows = append(rows, line)
		} else if len(rows) > 0 && !strings.HasPrefix(line, "|") {
			shared.WriteString(line + "\n")
		}
	}
	var c cli
	var walk func(cmd *cobra.Command)
	checked := 0
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			if !sub.Hidden && sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
		if !cmd.Runnable() || !cmd.HasParent() {
			return
		}
		path := cmd.CommandPath()
		var mine string
		for _, r := range rows {
			if strings.HasPrefix(r, "| `"+path+" ") || strings.HasPrefix(r, "| `"+path+"`") {
				mine += r + "\n"
			}
		}
		if mine == "" {
			t.Errorf("README.md's commands table has no row for %s", path)
			return
		}
		checked++
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Hidden {
				return
			}
			long := regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `\b`)
			short := f.Shorthand != "" && strings.Contains(mine, "-"+f.Shorthand+" ")
			if !long.MatchString(mine) && !short && !long.MatchString(shared.String()) {
				t.Errorf("README.md's row for %s does not name --%s (%s)", path, f.Name, f.Usage)
			}
		})
	}
	walk(c.root())
	if checked < 10 {
		t.Errorf("only %d commands checked: the walk or the table's parsing is broken", checked)
	}
}
