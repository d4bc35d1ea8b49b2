package docs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/modroot"
)

// The layers and the forbidden arrows are the tables between these markers
// in architecture.md: the document is the single source of both.
const (
	layersBegin = "<!-- layers:begin -->"
	layersEnd   = "<!-- layers:end -->"
	arrowsBegin = "<!-- arrows:begin -->"
	arrowsEnd   = "<!-- arrows:end -->"
)

// row is a row of a Markdown table: its cells and its line.
type row struct {
	cells []string
	line  int
}

// tableRows returns the rows of the table between begin and end with
// ncells cells each, the header and separator rows left out.
func tableRows(doc []byte, begin, end string, ncells int) ([]row, error) {
	var rows []row
	in := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == begin:
			in = true
			continue
		case in && line == end:
			if len(rows) == 0 {
				return nil, fmt.Errorf("architecture.md:%d: no rows before %s", n, end)
			}
			return rows, nil
		case !in || !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| ---"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != ncells {
			return nil, fmt.Errorf("architecture.md:%d: want %d cells, got %d", n, ncells, len(cells))
		}
		if !backticked.MatchString(cells[0] + cells[1]) {
			continue // the header row
		}
		rows = append(rows, row{cells: cells, line: n})
	}
	return nil, fmt.Errorf("architecture.md: no %s ... %s table", begin, end)
}

// patterns returns the backticked package patterns of a cell.
func patterns(cell string) []string {
	var out []string
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// rule is one row of architecture.md's table of forbidden arrows: no
// package matching from may depend, directly or not, on a package matching
// never, unless it matches except.
type rule struct {
	from, never, except []string
	line                int // the row's line in architecture.md
}

// backticked is a pattern in a table cell.
var backticked = regexp.MustCompile("`([^`]+)`")

// parseRules reads the table of forbidden arrows: rows of
// "| from | never depends on | except | why |" whose first three cells hold
// backticked package patterns.
func parseRules(doc []byte) ([]rule, error) {
	rows, err := tableRows(doc, arrowsBegin, arrowsEnd, 4)
	if err != nil {
		return nil, err
	}
	rules := make([]rule, 0, len(rows))
	for _, r := range rows {
		ru := rule{from: patterns(r.cells[0]), never: patterns(r.cells[1]), except: patterns(r.cells[2]), line: r.line}
		if len(ru.from) == 0 || len(ru.never) == 0 || strings.TrimSpace(r.cells[3]) == "" {
			return nil, fmt.Errorf("architecture.md:%d: a rule needs from and never patterns and a reason", r.line)
		}
		rules = append(rules, ru)
	}
	return rules, nil
}

// layer is one row of architecture.md's table of layers.
type layer struct {
	name     string
	packages []string // patterns
	line     int
}

// parseLayers reads the table of layers: rows of
// "| layer | packages | what it is |".
func parseLayers(doc []byte) ([]layer, error) {
	rows, err := tableRows(doc, layersBegin, layersEnd, 3)
	if err != nil {
		return nil, err
	}
	var layers []layer
	for _, r := range rows {
		l := layer{name: strings.TrimSpace(r.cells[0]), packages: patterns(r.cells[1]), line: r.line}
		if len(l.packages) == 0 {
			return nil, fmt.Errorf("architecture.md:%d: layer %s has no packages", r.line, l.name)
		}
		layers = append(layers, l)
	}
	return layers, nil
}

// unplaced returns the module's packages that no layer holds.
func unplaced(g graph, layers []layer) []string {
	var out []string
	for p := range g.imports {
		if g.rel(p) == "" {
			continue
		}
		if !slices.ContainsFunc(layers, func(l layer) bool { return g.matchAny(l.packages, p) }) {
			out = append(out, g.short(p))
		}
	}
	slices.Sort(out)
	return out
}

// graph is an import graph: every package go list -deps prints, with its
// direct imports.
type graph struct {
	module  string              // the module path
	imports map[string][]string // import path -> direct imports
}

// rel returns the module-relative path of p ("." for the module's root
// package), or "" for a package outside the module.
func (g graph) rel(p string) string {
	switch {
	case p == g.module:
		return "."
	case strings.HasPrefix(p, g.module+"/"):
		return strings.TrimPrefix(p, g.module+"/")
	}
	return ""
}

// match reports whether the package p matches pattern: "./..." is every
// package of the module; "." the module's root package; "x/y" one package
// and "x/y/..." it and every package below it, relative to the module,
// unless the first element has a dot ("github.com/pulumi/..."), which
// makes it an import path outside the module.
func (g graph) match(pattern, p string) bool {
	first, _, _ := strings.Cut(pattern, "/")
	external := strings.Contains(first, ".") && first != "." && pattern != "./..."
	name := g.rel(p)
	if external {
		name = p
	} else if name == "" {
		return false
	}
	if pattern == "./..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return name == base || strings.HasPrefix(name, base+"/")
	}
	return name == pattern
}

func (g graph) matchAny(patterns []string, p string) bool {
	return slices.ContainsFunc(patterns, func(pat string) bool { return g.match(pat, p) })
}

// reach returns every package p depends on, directly or not, each with the
// package that imports it on a shortest path from p.
func (g graph) reach(p string) map[string]string {
	via := map[string]string{}
	queue := []string{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, d := range g.imports[q] {
			if _, seen := via[d]; !seen && d != p {
				via[d] = q
				queue = append(queue, d)
			}
		}
	}
	return via
}

// chain is the import path from p to d, as "p → x → d".
func (g graph) chain(p, d string, via map[string]string) string {
	steps := []string{g.short(d)}
	for q := via[d]; q != p; q = via[q] {
		steps = append(steps, g.short(q))
	}
	steps = append(steps, g.short(p))
	slices.Reverse(steps)
	return strings.Join(steps, " → ")
}

func (g graph) short(p string) string {
	if r := g.rel(p); r != "" {
		return r
	}
	return p
}

// forbids reports whether rule r's never pattern t bars the package p from
// depending on d. A package is never barred from its own layer ("cli/..."
// does not bar cli from a cli/x), nor, for "./...", from its own subtree.
func (g graph) forbids(t, p, d string) bool {
	if !g.match(t, d) {
		return false
	}
	if t == "./..." {
		r, dr := g.rel(p), g.rel(d)
		return !(dr == r || strings.HasPrefix(dr, r+"/"))
	}
	return !g.match(t, p)
}

// check returns the forbidden arrows found in g, one line each, and the
// except patterns no package needs (an exception must earn its place: the
// lead removes it once the move it waits for has landed).
func check(g graph, rules []rule) (arrows, stale []string) {
	var pkgs []string
	for p := range g.imports {
		if g.rel(p) != "" {
			pkgs = append(pkgs, p)
		}
	}
	slices.Sort(pkgs)
	needed := map[string]bool{} // "line:pattern" of the excepts used
	for _, p := range pkgs {
		via := g.reach(p)
		deps := make([]string, 0, len(via))
		for d := range via {
			deps = append(deps, d)
		}
		slices.Sort(deps)
		for _, r := range rules {
			if !g.matchAny(r.from, p) {
				continue
			}
			for _, d := range deps {
				if !slices.ContainsFunc(r.never, func(t string) bool { return g.forbids(t, p, d) }) {
					continue
				}
				exempt := false
				for _, e := range r.except {
					if g.match(e, p) {
						needed[fmt.Sprint(r.line, ":", e)] = true
						exempt = true
					}
				}
				if !exempt {
					arrows = append(arrows, fmt.Sprintf("architecture.md:%d: %s must never depend on %s: %s",
						r.line, g.short(p), g.short(d), g.chain(p, d, via)))
				}
			}
		}
	}
	for _, r := range rules {
		for _, e := range r.except {
			if !needed[fmt.Sprint(r.line, ":", e)] {
				stale = append(stale, fmt.Sprintf("architecture.md:%d: the exception %s is no longer needed: remove it", r.line, e))
			}
		}
	}
	return arrows, stale
}

func readRules(t *testing.T) []rule {
	t.Helper()
	doc, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseRules(doc)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// TestArchitecture checks the repository's import graph (go list -deps
// ./...) against architecture.md's forbidden arrows.
func TestArchitecture(t *testing.T) {
	rules := readRules(t)
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.Bytes())
	}
	mcmd := exec.Command("go", "list", "-m", "-f", "{{.Path}}")
	mcmd.Dir = root
	modOut, err := mcmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	g := graph{module: strings.TrimSpace(string(modOut)), imports: map[string][]string{}}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			g.imports[f[0]] = f[1:]
		}
	}
	if _, ok := g.imports[g.module+"/workflow/asl"]; !ok {
		t.Fatalf("go list -deps printed no %s/workflow/asl: wrong module %q?", g.module, g.module)
	}
	doc, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := parseLayers(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range unplaced(g, layers) {
		t.Errorf("package %s is in no layer of architecture.md: place it there", p)
	}
	arrows, stale := check(g, rules)
	for _, a := range arrows {
		t.Error(a)
	}
	for _, s := range stale {
		t.Error(s)
	}
}

// TestArchitectureRulesCatch proves that the rules of architecture.md fail
// the check when an arrow they forbid is added, over synthetic graphs; and
// that the arrows the layering allows pass.
func TestArchitectureRulesCatch(t *testing.T) {
	const mod = "example.com/sluice"
	rules := readRules(t)
	// allowed is a graph of arrows the layering allows, one per layer.
	allowed := map[string][]string{
		"":                           {"platform", "github.com/pulumi/pulumi/sdk/v3/go/pulumi"},
		"cmd/sluice":                 {"cli"},
		"cmd/preview":                {"platform"},
		"cli":                        {"local", "engine", "workflow", "workflow/validate", "dataset", "functions/load"},
		"platform":                   {"workflow", "workflow/pipeline", "dataset", "functions/fnerr", "local", "github.com/pulumi/pulumi/sdk/v3/go/pulumi"},
		"platform/iamproof":          {"local"},
		"local":                      {"engine", "functions/load", "dataset", "workflow/pipeline"},
		"engine":                     {"workflow/asl", "workflow/jsonata", "workflow/jsonpath", "workflow/intrinsic", "internal/jsonenc"},
		"functions/load":             {"dataset", "functions/fnerr", "internal/jsonenc", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		"functions/fnerr":            nil,
		"dataset":                    {"internal/jsonenc"},
		"dataset/routing":            {"dataset", "dataset/routing/eventmatch"},
		"workflow":                   {"workflow/asl", "workflow/validate", "internal/jsonenc"},
		"workflow/pipeline":          {"workflow", "functions/fnerr"},
		"workflow/validate":          {"workflow/asl", "workflow/jsonata"},
		"workflow/jsonata":           {"internal/hashalg"},
		"workflow/jsonpath":          nil,
		"workflow/intrinsic":         {"workflow/jsonpath"},
		"workflow/asl":               nil,
		"internal/jsonenc":           nil,
		"internal/hashalg":           nil,
		"dataset/routing/eventmatch": nil,
		"internal/golden":            {"workflow/asl"},
	}
	build := func(extra map[string][]string) graph {
		g := graph{module: mod, imports: map[string][]string{}}
		full := func(p string) string {
			if p == "" {
				return mod
			}
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
				return p
			}
			return mod + "/" + p
		}
		for _, m := range []map[string][]string{allowed, extra} {
			for p, deps := range m {
				for _, d := range deps {
					g.imports[full(p)] = append(g.imports[full(p)], full(d))
					if _, ok := g.imports[full(d)]; !ok {
						g.imports[full(d)] = nil
					}
				}
				if _, ok := g.imports[full(p)]; !ok {
					g.imports[full(p)] = nil
				}
			}
		}
		return g
	}
	if arrows, _ := check(build(nil), rules); len(arrows) > 0 {
		t.Fatalf("the allowed graph breaks a rule:\n%s", strings.Join(arrows, "\n"))
	}
	for _, tt := range []struct {
		name  string
		add   map[string][]string
		wantP string // the package reported
		wantD string // the dependency reported
	}{
		{"the model imports a package of ours", map[string][]string{"workflow/asl": {"internal/jsonenc"}}, "workflow/asl", "internal/jsonenc"},
		{"the engine imports the builder", map[string][]string{"engine": {"workflow"}}, "engine", "workflow"},
		{"the engine imports the pipeline through a helper", map[string][]string{"engine/mock": {"workflow/pipeline"}, "engine": {"engine/mock"}}, "engine", "workflow/pipeline"},
		{"the library imports the functions", map[string][]string{"workflow/jsonata": {"functions/fnerr"}}, "workflow/jsonata", "functions/fnerr"},
		{"the library imports the engine", map[string][]string{"workflow/graph": {"engine"}}, "workflow/graph", "engine"},
		{"a function imports the local runtime", map[string][]string{"functions/load": {"local"}}, "functions/load", "local"},
		{"a function imports the platform", map[string][]string{"functions/fnerr": {"platform/naming"}}, "functions/fnerr", "platform/naming"},
		{"the datasets import a function", map[string][]string{"dataset": {"functions/fnerr"}}, "dataset", "functions/fnerr"},
		{"the local runtime imports the platform", map[string][]string{"local/s3": {"platform/naming"}}, "local/s3", "platform/naming"},
		{"the platform imports the CLI", map[string][]string{"platform": {"cli"}}, "platform", "cli"},
		{"the CLI reaches Pulumi", map[string][]string{"cli": {"platform/naming"}, "platform/naming": {"github.com/pulumi/pulumi/sdk/v3/go/pulumi"}}, "cli", "github.com/pulumi/pulumi/sdk/v3/go/pulumi"},
		{"the engine reaches Pulumi", map[string][]string{"engine": {"github.com/pulumi/pulumi/sdk/v3/go/pulumi"}}, "engine", "github.com/pulumi/pulumi/sdk/v3/go/pulumi"},
		{"an internal helper imports the engine", map[string][]string{"internal/golden": {"engine"}}, "internal/golden", "engine"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			arrows, _ := check(build(tt.add), rules)
			want := " " + tt.wantP + " must never depend on " + tt.wantD + ":"
			if !slices.ContainsFunc(arrows, func(a string) bool { return strings.Contains(a, want) }) {
				t.Errorf("no arrow%s reported; got:\n%s", want, strings.Join(arrows, "\n"))
			}
		})
	}
}

// TestArchitectureStaleException checks that an exception no package needs
// is reported, so that the table shrinks as the layering is fixed.
func TestArchitectureStaleException(t *testing.T) {
	g := graph{module: "m", imports: map[string][]string{"m/a": {"m/b"}, "m/b": nil, "m/c": nil}}
	rules := []rule{{from: []string{"a", "c"}, never: []string{"b"}, except: []string{"a", "c"}, line: 7}}
	arrows, stale := check(g, rules)
	if len(arrows) != 0 {
		t.Errorf("arrows = %q, want none (a is exempt)", arrows)
	}
	want := []string{"architecture.md:7: the exception c is no longer needed: remove it"}
	if diff := cmp.Diff(want, stale); diff != "" {
		t.Errorf("stale (-want +got):\n%s", diff)
	}
}

// TestArchitectureRulesParse checks the table's syntax errors are reported
// with their line.
func TestArchitectureRulesParse(t *testing.T) {
	for _, tt := range []struct {
		name, doc, wantErr string
	}{
		{"no table", "# x\n", "no <!-- arrows:begin -->"},
		{"three cells", arrowsBegin + "\n| `a` | `b` | c |\n" + arrowsEnd + "\n", "architecture.md:2: want 4 cells, got 3"},
		{"no reason", arrowsBegin + "\n| `a` | `b` | | |\n" + arrowsEnd + "\n", "architecture.md:2: a rule needs"},
		{"empty", arrowsBegin + "\n" + arrowsEnd + "\n", "architecture.md:2: no rows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRules([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestUnplaced checks that a package no layer of architecture.md holds is
// reported, over a synthetic graph.
func TestUnplaced(t *testing.T) {
	doc, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := parseLayers(doc)
	if err != nil {
		t.Fatal(err)
	}
	const mod = "example.com/sluice"
	g := graph{module: mod, imports: map[string][]string{
		mod: nil, mod + "/workflow/asl": nil, mod + "/engine/mock": nil, mod + "/cmd/sluice": nil,
		mod + "/pipeline": nil, mod + "/tools/gen": nil, "github.com/pulumi/pulumi/sdk/v3/go/pulumi": nil,
	}}
	if diff := cmp.Diff([]string{"pipeline", "tools/gen"}, unplaced(g, layers)); diff != "" {
		t.Errorf("unplaced (-want +got):\n%s", diff)
	}
}
