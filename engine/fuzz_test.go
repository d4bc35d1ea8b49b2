package engine_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

// FuzzRun plans and runs arbitrary definitions: the engine must never panic
// and must always end an execution with a status.
func FuzzRun(f *testing.F) {
	if b, err := os.ReadFile("testdata/exec/retry.asl.json"); err == nil {
		f.Add(b, []byte(`{"a":1}`))
	}
	f.Add([]byte(chain(3)), []byte(`{"v":1}`))
	f.Add([]byte(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.s","StringMatches":"a*\\*","Next":"E"}],"Default":"E"},"E":{"Type":"Succeed"}}}`), []byte(`{"s":"ab*"}`))
	f.Add([]byte(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Map","Items":"{% $states.input %}","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Output":"{% $states.input * 2 %}","End":true}}},"End":true}}}`), []byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, def, input []byte) {
		if len(def) > 1<<13 || len(input) > 1<<12 {
			return
		}
		m, err := asl.Unmarshal(def)
		if err != nil {
			return
		}
		in, err := engine.DecodeJSON(input)
		if err != nil {
			return
		}
		inv := engine.InvokerFunc(func(_ context.Context, req engine.TaskRequest) (any, error) { return req.Input, nil })
		eng, err := engine.New(m, engine.WithInvoker(inv), engine.WithHistoryLimit(500))
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := eng.Run(ctx, in, engine.WithClock(engine.NewVirtualClock(time.Unix(0, 0))))
		if err == nil && res.Status == "" {
			t.Fatal("execution ended without a status")
		}
	})
}
