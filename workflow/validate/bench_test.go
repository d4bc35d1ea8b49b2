package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// BenchmarkMachineChain200 validates bench.sh's 200-state Pass chain, as
// `sluice exec` does before running it: errors only, the definition's size
// given (so not encoded again), no issue found.
func BenchmarkMachineChain200(b *testing.B) {
	var s strings.Builder
	s.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < 200; i++ {
		if i > 0 {
			s.WriteByte(',')
		}
		if i == 199 {
			fmt.Fprintf(&s, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&s, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	s.WriteString(`}}`)
	doc := []byte(s.String())
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
