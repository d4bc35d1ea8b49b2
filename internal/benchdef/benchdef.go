// Package benchdef builds the state machine definitions that the engine,
// model and validator benchmarks share with scripts/bench.sh, so that each
// benchmark measures the same document the whole-process comparison runs.
package benchdef

import (
	"fmt"
	"strings"
)

// PassChain is bench.sh's 200-state engine comparison for n states: Pass
// states S0 … S(n-1), each naming the next, the last ending the machine.
func PassChain(n int) []byte {
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
