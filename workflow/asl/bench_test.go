package asl_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
)

// chainDefinition is bench.sh's engine comparison: n Pass states, each
// naming the next.
func chainDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if i < n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		}
	}
	b.WriteString("}}\n")
	return []byte(b.String())
}

// BenchmarkUnmarshalChain200 decodes the 200-state Pass chain that
// `sluice exec` runs in bench.sh.
func BenchmarkUnmarshalChain200(b *testing.B) {
	doc := chainDefinition(200)
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
