package graph_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

// FuzzGraph: drawing any decodable machine never panics, is deterministic,
// and never lets a quote or a line break out of a label.
func FuzzGraph(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	more, _ := filepath.Glob(filepath.Join("..", "validate", "testdata", "*.json"))
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			t.Skip()
		}
		m, err := asl.Unmarshal(b)
		if err != nil {
			return
		}
		mm, d := graph.Mermaid(m), graph.Dot(m)
		if mm != graph.Mermaid(m) || d != graph.Dot(m) {
			t.Fatal("output is not deterministic")
		}
		for _, line := range strings.Split(strings.TrimSuffix(mm, "\n"), "\n") {
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in Mermaid line %q", line)
			}
		}
		unescape := strings.NewReplacer(`\\`, "", `\"`, "")
		for _, line := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
			if strings.Count(unescape.Replace(line), `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in dot line %q", line)
			}
		}
	})
}
