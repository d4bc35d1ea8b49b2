package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/internal/benchdef"
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
	benchRunWith(b, def, input, transitions, opts, nil)
}

// benchRunWith is benchRun with run options (after a virtual clock and
// the name "bench").
func benchRunWith(b *testing.B, def string, input any, transitions int, opts []engine.Option, ropts []engine.RunOption) {
	b.Helper()
	eng, err := engine.New(mustMachine(b, def), opts...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := eng.Run(ctx, input, append([]engine.RunOption{engine.WithClock(engine.NewVirtualClock(time.Unix(0, 0))), engine.WithExecutionName("bench")}, ropts...)...)
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

// BenchmarkChain200 runs a 200-state chain of Pass states with Parameters,
// the chain scripts/bench.sh compares with aws-local-stepfunctions.
func BenchmarkChain200(b *testing.B) {
	benchRun(b, chain(200), map[string]any{"v": "x"}, 200)
}

// inlineMap returns the Map of Pass -> Choice -> Pass scripts/bench.sh
// compares with aws-local-stepfunctions, and its input of n items.
func inlineMap(n int) (def string, input any) {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{"n": json.Number(strconv.Itoa(i))}
	}
	def = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{
		"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":1000,"Next":"Big"}],"Default":"Small"},
		"Big":{"Type":"Pass","Result":"big","End":true},
		"Small":{"Type":"Pass","Result":"small","End":true}}},"End":true}}}`
	return def, map[string]any{"items": items}
}

// BenchmarkInlineMap runs the 2,000-item inline Map of scripts/bench.sh
// (one execution, planned once).
func BenchmarkInlineMap(b *testing.B) {
	def, input := inlineMap(2000)
	benchRun(b, def, input, 3*2000+1)
}

// BenchmarkInlineMapNoHistory is BenchmarkInlineMap as sluice exec runs it
// without --history: the events are counted, not kept.
func BenchmarkInlineMapNoHistory(b *testing.B) {
	def, input := inlineMap(2000)
	benchRunWith(b, def, input, 3*2000+1, nil, []engine.RunOption{engine.WithoutHistory()})
}

// BenchmarkPlan plans the 2,000-item Map's machine: what a runtime that
// plans per execution pays again each time.
func BenchmarkPlan(b *testing.B) {
	def, _ := inlineMap(2000)
	m := mustMachine(b, def)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.New(m); err != nil {
			b.Fatal(err)
		}
	}
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

// BenchmarkPlanChain200 plans bench.sh's engine comparison: 200 Pass states
// that only name the next (what `sluice exec` plans once per process).
func BenchmarkPlanChain200(b *testing.B) {
	m := mustMachine(b, string(benchdef.PassChain(200)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.New(m); err != nil {
			b.Fatal(err)
		}
	}
}
