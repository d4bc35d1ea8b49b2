package graph_test

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

func load(t *testing.T, name string) *asl.StateMachine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGolden(t *testing.T) {
	t.Parallel()
	visited := map[string]bool{"Route": true, "Fanout": true, "Validate": true, "Enrich": true, "Enriched": true, "Load": true}
	for _, name := range []string{"pipeline", "jsonata", "names"} {
		m := load(t, name+".asl.json")
		golden.Check(t, "testdata/"+name+".mmd", []byte(graph.Mermaid(m)))
		golden.Check(t, "testdata/"+name+".dot", []byte(graph.Dot(m)))
		if name == "pipeline" {
			golden.Check(t, "testdata/"+name+".path.mmd", []byte(graph.MermaidWithPath(m, visited)))
			golden.Check(t, "testdata/"+name+".path.dot", []byte(graph.DotWithPath(m, visited)))
			golden.Check(t, "testdata/"+name+".path.svg", []byte(graph.SVG(m, visited)+"\n"))
		}
	}
}

// TestSVG: the drawing is well-formed XML with one box per state (nested
// states included) and one arrow per transition, labels escaped.
func TestSVG(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pipeline", "jsonata", "names"} {
		m := load(t, name+".asl.json")
		svg := graph.SVG(m, nil)
		dec := xml.NewDecoder(strings.NewReader(svg))
		states, arrows := 0, 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed XML: %v", name, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				switch {
				case se.Name.Local == "g":
					states++
				case se.Name.Local == "line", se.Name.Local == "path" && len(se.Attr) > 0 && se.Attr[0].Name.Local == "d" && strings.HasPrefix(se.Attr[0].Value, "M") && strings.Contains(se.Attr[0].Value, "H"):
					arrows++
				}
			}
		}
		if want := strings.Count(graph.Mermaid(m), "-->") + strings.Count(graph.Mermaid(m), "-.->"); states == 0 || arrows == 0 || arrows > want {
			t.Errorf("%s: %d states, %d arrows (Mermaid has %d edges including start and end markers)", name, states, arrows, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	m := load(t, "pipeline.asl.json")
	first := graph.Mermaid(m) + graph.Dot(m)
	for i := 0; i < 20; i++ {
		if got := graph.Mermaid(m) + graph.Dot(m); got != first {
			t.Fatal("output differs between runs")
		}
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	m := load(t, "pipeline.asl.json")
	mm := graph.Mermaid(m)
	if !strings.Contains(mm, `"Reject #34;bad#34; #60;file> #35;1"`) {
		t.Errorf("Mermaid label not escaped:\n%s", mm)
	}
	d := graph.Dot(m)
	if !strings.Contains(d, `label="Reject \"bad\" <file> #1"`) {
		t.Errorf("dot label not escaped:\n%s", d)
	}
}

func TestFeatures(t *testing.T) {
	t.Parallel()
	m := load(t, "pipeline.asl.json")
	mm := graph.Mermaid(m)
	for _, want := range []string{
		`-.->|"ValidationFailed, States.Timeout"|`, // catch: dashed, labelled
		`-->|"$.size > 1000000"|`,                  // choice rule
		`-->|"$.kind == #34;csv#34; and not ($.empty == true)"|`,
		`-->|"default"|`,
		`subgraph s2["Fanout (Parallel)"]`,
		`m0["Gone (missing)"]:::missing`, // a Next to nowhere
		`g_start --> s0`,
	} {
		if !strings.Contains(mm, want) {
			t.Errorf("Mermaid output lacks %s", want)
		}
	}
	d := graph.Dot(m)
	for _, want := range []string{`style="dashed"`, "lhead=cluster_s2", "ltail=cluster_s2", "subgraph cluster_s2_b1 {"} {
		if !strings.Contains(d, want) {
			t.Errorf("dot output lacks %s", want)
		}
	}
}

func TestNilAndEmpty(t *testing.T) {
	t.Parallel()
	for _, m := range []*asl.StateMachine{nil, {}, {StartAt: "X", States: asl.States{{Name: "X", State: nil}}}} {
		if !strings.HasPrefix(graph.Mermaid(m), "flowchart TD\n") || !strings.HasPrefix(graph.Dot(m), "digraph {\n") {
			t.Errorf("bad output for %+v", m)
		}
	}
}
