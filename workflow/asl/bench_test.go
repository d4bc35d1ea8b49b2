package asl_test

import (
	"os"
	"testing"

	"github.com/sluicehq/sluice/internal/benchdef"
	"github.com/sluicehq/sluice/workflow/asl"
)

// BenchmarkUnmarshalChain200 decodes the 200-state Pass chain that
// `sluice exec` runs in bench.sh.
func BenchmarkUnmarshalChain200(b *testing.B) {
	doc := benchdef.PassChain(200)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := asl.Unmarshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalPipeline decodes the project's own compiled pipeline
// (Task states with Retry and Catch, Choice, Map, Parallel).
func BenchmarkUnmarshalPipeline(b *testing.B) {
	doc, err := os.ReadFile("../pipeline/testdata/prod.asl.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := asl.Unmarshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}
