package validate_test

import (
	"testing"

	"github.com/sluicehq/sluice/internal/benchdef"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// BenchmarkMachineChain200 validates bench.sh's 200-state Pass chain, as
// `sluice exec` does before running it: errors only, the definition's size
// given (so not encoded again), no issue found.
func BenchmarkMachineChain200(b *testing.B) {
	doc := benchdef.PassChain(200)
	m, err := asl.Unmarshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if is := validate.Machine(m, validate.WithErrorsOnly(), validate.WithDefinitionSize(len(doc))).Errors(); len(is) > 0 {
			b.Fatal(is)
		}
	}
}
