package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
)

// chain returns a machine of n Pass states in a row.
func chain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"i":%d,"v.$":"$.v"},"End":true}`, i, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"i":%d,"v.$":"$.v"},"Next":"S%d"}`, i, i, i+1)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

func benchRun(b *testing.B, def string, input any, transitions int, opts ...engine.Option) {
	b.Helper()
	eng, err := engine.New(mustMachine(b, def), opts...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := eng.Run(ctx, input, engine.WithClock(engine.NewVirtualClock(time.Unix(0, 0))), engine.WithExecutionName("bench"))
		if err != nil || res.Status != engine.StatusSucceeded {
			b.Fatalf("%v %s %s", err, res.Error, res.Cause)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(transitions), "ns/transition")
}

// BenchmarkTransition measures one state transition: a two-state machine.
func BenchmarkTransition(b *testing.B) {
	benchRun(b, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`, map[string]any{"v": "x"}, 2)
}

// BenchmarkChain200 runs a 200-state chain of Pass states with Parameters.
func BenchmarkChain200(b *testing.B) {
	benchRun(b, chain(200), map[string]any{"v": "x"}, 200)
}

// BenchmarkInlineMap10k runs a 10,000-item inline Map of Pass+Choice. Its
// history exceeds AWS's 25,000 events, so the limit is lifted.
func BenchmarkInlineMap10k(b *testing.B) {
	items := make([]any, 10000)
	for i := range items {
		items[i] = map[string]any{"n": i}
	}
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{
		"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":5000,"Next":"Big"}],"Default":"Small"},
		"Big":{"Type":"Pass","Result":"big","End":true},
		"Small":{"Type":"Pass","Result":"small","End":true}}},"End":true}}}`
	benchRun(b, def, items, 3*10000+1, engine.WithHistoryLimit(-1))
}
