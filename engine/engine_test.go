package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func mustMachine(t testing.TB, def string) *asl.StateMachine {
	t.Helper()
	m, err := asl.Unmarshal([]byte(def))
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// run runs def, planned with opts, on input with a virtual clock.
func run(t testing.TB, def, input string, opts ...engine.Option) engine.Result {
	t.Helper()
	return runWith(t, def, input, opts)
}

// runWith is run with run options, applied after run's defaults (a virtual
// clock at epoch, seed 7, name exec-1).
func runWith(t testing.TB, def, input string, opts []engine.Option, ropts ...engine.RunOption) engine.Result {
	t.Helper()
	eng, err := engine.New(mustMachine(t, def), opts...)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ropts = append([]engine.RunOption{engine.WithClock(engine.NewVirtualClock(epoch)), engine.WithRandSeed(7), engine.WithExecutionName("exec-1")}, ropts...)
	res, err := eng.Run(context.Background(), mustJSON(t, input), ropts...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// outcome is the comparable part of a Result.
type outcome struct {
	Status engine.Status
	Output any
	Error  string
	Cause  string
}

func outcomeOf(r engine.Result) outcome {
	return outcome{Status: r.Status, Output: r.Output, Error: r.Error, Cause: r.Cause}
}

// funcInvoker answers every Task with fn.
func funcInvoker(fn func(req engine.TaskRequest) (any, error)) engine.Option {
	return engine.WithInvoker(engine.InvokerFunc(func(_ context.Context, req engine.TaskRequest) (any, error) { return fn(req) }))
}

func TestRun(t *testing.T) {
	t.Parallel()
	echo := funcInvoker(func(req engine.TaskRequest) (any, error) { return req.Input, nil })
	tests := []struct {
		name  string
		def   string
		input string
		opts  []engine.Option
		want  outcome
	}{
		{
			name:  "pass io processing",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.x","k":"lit","f.$":"States.Format('x={}', $.x)"},"ResultPath":"$.res","OutputPath":"$.res","End":true}}}`,
			input: `{"in":{"x":3}}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"v":3,"k":"lit","f":"x=3"}`)},
		},
		{
			name:  "result path null keeps input",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"ResultPath":null,"End":true}}}`,
			input: `{"keep":true}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"keep":true}`)},
		},
		{
			name: "string matches with escapes",
			def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
				{"Variable":"$.s","StringMatches":"log-*.\\*","Next":"Yes"}],"Default":"No"},
				"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
			input: `{"s":"log-2026.*"}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: "yes"},
		},
		{
			name: "timestamp and boolean logic",
			def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
				{"And":[{"Variable":"$.t","TimestampGreaterThan":"2026-01-01T00:00:00Z"},{"Not":{"Variable":"$.x","IsNull":true}}],"Next":"Yes"}],"Default":"No"},
				"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
			input: `{"t":"2026-11-26T10:00:00.5+01:00","x":1}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: "yes"},
		},
		{
			name:  "no choice matched",
			def:   `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input: `{"n":2}`,
			want:  outcome{Status: engine.StatusFailed, Error: "States.NoChoiceMatched", Cause: "No Matches!"},
		},
		{
			name:  "wait negative seconds path",
			def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.w","End":true}}}`,
			input: `{"w":-1}`,
			want: outcome{Status: engine.StatusFailed, Error: "States.Runtime",
				Cause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter references a negative value: $.w == -1"},
		},
		{
			name:  "fail with paths",
			def:   `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`,
			input: `{"e":"Bad","c":"because"}`,
			want:  outcome{Status: engine.StatusFailed, Error: "Bad", Cause: "because"},
		},
		{
			name: "catch with result path",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Catch":[{"ErrorEquals":["DynamoDB.ConditionalCheckFailedException"],"ResultPath":"$.err","Next":"Done"}],"End":true},
				"Done":{"Type":"Succeed"}}}`,
			input: `{"id":1}`,
			opts: []engine.Option{funcInvoker(func(engine.TaskRequest) (any, error) {
				return nil, &engine.TaskError{Name: "DynamoDB.ConditionalCheckFailedException", Cause: "exists"}
			})},
			want: outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"id":1,"err":{"Error":"DynamoDB.ConditionalCheckFailedException","Cause":"exists"}}`)},
		},
		{
			name:  "states runtime is not caught",
			def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","OutputPath":"$.missing","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"End":true},"Done":{"Type":"Succeed"}}}`,
			input: `{}`,
			opts:  []engine.Option{echo},
			want: outcome{Status: engine.StatusFailed, Error: "States.Runtime",
				Cause: "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']"},
		},
		{
			name: "inline map with item selector",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"xs":["a","b"],"k":9}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `[{"i":0,"v":"a","k":9},{"i":1,"v":"b","k":9}]`)},
		},
		{
			name: "parallel branches",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
				{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.x","End":true}}}],"End":true}}}`,
			input: `{"x":"two"}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: []any{json.Number("1"), "two"}},
		},
		{
			name: "tolerated failures",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"OK"},
				"F":{"Type":"Fail","Error":"Two"},"OK":{"Type":"Succeed"}}},"End":true}}}`,
			input: `[1,2,3]`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `[1,{"Error":"Two"},3]`)},
		},
		{
			name: "jsonata output and assign",
			def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"total":"{% $sum($states.input.xs) %}"},"Output":"{% $states.input.xs %}","Next":"B"},
				"B":{"Type":"Pass","Output":{"total":"{% $total %}","n":"{% $count($states.input) %}"},"End":true}}}`,
			input: `{"xs":[1,2,3]}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"total":6,"n":3}`)},
		},
		{
			name: "variables: map children read outer, cannot write it",
			def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"x":"outer"},"Result":[1,2],"Next":"M"},
				"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"y":"inner"},"Parameters":{"x.$":"$x"},"End":true}}},"Next":"B"},
				"B":{"Type":"Pass","Parameters":{"x.$":"$x","items.$":"$"},"End":true}}}`,
			input: `{}`,
			want:  outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"x":"outer","items":[{"x":"outer"},{"x":"outer"}]}`)},
		},
		{
			name:  "fail without error or cause",
			def:   `{"StartAt":"F","States":{"F":{"Type":"Fail"}}}`,
			input: `{}`,
			want:  outcome{Status: engine.StatusFailed},
		},
		{
			name:  "payload limit",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			input: `{"big":"` + strings.Repeat("x", 300) + `"}`,
			opts:  []engine.Option{engine.WithPayloadLimit(100)},
			want:  outcome{Status: engine.StatusFailed, Error: "States.DataLimitExceeded", Cause: "The input to the execution exceeds the maximum number of bytes service limit."},
		},
		{
			name:  "execution timeout on the virtual clock",
			def:   `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			input: `{}`,
			want:  outcome{Status: engine.StatusTimedOut, Error: "States.Timeout", Cause: "The execution timed out."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := outcomeOf(run(t, tt.def, tt.input, tt.opts...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		retrier     string
		failures    int
		wantCalls   int
		wantStatus  engine.Status
		wantElapsed time.Duration
	}{
		{"backoff", `{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":3}`, 3, 4, engine.StatusSucceeded, (2 + 6 + 18) * time.Second},
		{"max delay caps", `{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":3,"MaxDelaySeconds":5}`, 3, 4, engine.StatusSucceeded, (2 + 5 + 5) * time.Second},
		{"exhausted", `{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":2}`, 5, 3, engine.StatusFailed, 3 * time.Second},
		{"max attempts zero", `{"ErrorEquals":["States.ALL"],"MaxAttempts":0}`, 1, 1, engine.StatusFailed, 0},
		{"no match", `{"ErrorEquals":["Other"]}`, 1, 1, engine.StatusFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			inv := funcInvoker(func(engine.TaskRequest) (any, error) {
				if int(calls.Add(1)) <= tt.failures {
					return nil, &engine.TaskError{Name: "Lambda.ServiceException", Cause: "busy"}
				}
				return "ok", nil
			})
			clock := engine.NewVirtualClock(epoch)
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":[` + tt.retrier + `],"End":true}}}`
			res := runWith(t, def, `{}`, []engine.Option{inv}, engine.WithClock(clock))
			if res.Status != tt.wantStatus {
				t.Errorf("status = %s (%s: %s), want %s", res.Status, res.Error, res.Cause, tt.wantStatus)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if got := clock.Now().Sub(epoch); got != tt.wantElapsed {
				t.Errorf("virtual time spent = %v, want %v", got, tt.wantElapsed)
			}
		})
	}
}

func TestMapMaxConcurrency(t *testing.T) {
	t.Parallel()
	const items = 24
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			var inFlight, peak atomic.Int32
			var mu sync.Mutex
			cond := sync.NewCond(&mu)
			inv := funcInvoker(func(req engine.TaskRequest) (any, error) {
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				// Hold each task until the limit is reached (or everything
				// that can start has), proving the iterations overlap.
				mu.Lock()
				cond.Broadcast()
				for int(peak.Load()) < limit && int(inFlight.Load()) < limit {
					cond.Wait()
				}
				mu.Unlock()
				inFlight.Add(-1)
				return req.Input, nil
			})
			def := fmt.Sprintf(`{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":%d,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true}}},"End":true}}}`, limit)
			xs := make([]string, items)
			for i := range xs {
				xs[i] = fmt.Sprint(i)
			}
			res := run(t, def, "["+strings.Join(xs, ",")+"]", inv)
			if res.Status != engine.StatusSucceeded {
				t.Fatalf("status %s: %s %s", res.Status, res.Error, res.Cause)
			}
			if got := int(peak.Load()); got != limit {
				t.Errorf("peak concurrency = %d, want %d", got, limit)
			}
			if got := len(res.Output.([]any)); got != items {
				t.Errorf("results = %d, want %d", got, items)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`
	var observed []engine.EventType
	res := runWith(t, def, `{"a":1}`, []engine.Option{funcInvoker(func(engine.TaskRequest) (any, error) { return map[string]any{"ok": true}, nil })},
		engine.WithObserver(func(e engine.Event) { observed = append(observed, e.Type) }))
	if len(observed) != len(res.History) || observed[len(observed)-1] != engine.ExecutionSucceeded {
		t.Errorf("observer saw %v", observed)
	}
	type ev struct {
		Type     engine.EventType
		ID, Prev int64
	}
	var got []ev
	for _, e := range res.History {
		got = append(got, ev{e.Type, e.ID, e.PreviousEventID})
	}
	want := []ev{
		{engine.ExecutionStarted, 1, 0},
		{"PassStateEntered", 2, 1},
		{"PassStateExited", 3, 2},
		{"TaskStateEntered", 4, 3},
		{engine.LambdaFunctionScheduled, 5, 4},
		{engine.LambdaFunctionStarted, 6, 5},
		{engine.LambdaFunctionSucceeded, 7, 6},
		{"TaskStateExited", 8, 7},
		{engine.ExecutionSucceeded, 9, 8},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(res.History)
	if err != nil {
		t.Fatal(err)
	}
	var back engine.History
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(res.History) || !strings.HasPrefix(string(b), `{"events":[{"timestamp":`) {
		t.Errorf("history JSON does not round-trip: %s", b)
	}
	var wrapped struct {
		Events engine.History `json:"events"`
	}
	if err := json.Unmarshal(b, &wrapped); err != nil || len(wrapped.Events) != len(res.History) {
		t.Errorf("history as a bare events array: %d events, %v", len(wrapped.Events), err)
	}
	if d := back[4].LambdaFunctionScheduledDetails; d == nil || d.Input != `{"a":1}` {
		t.Errorf("LambdaFunctionScheduled details = %+v", d)
	}
}

func TestHistoryLimit(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`
	res := run(t, def, `{}`, engine.WithHistoryLimit(50))
	if res.Status != engine.StatusFailed || res.Error != "States.Runtime" {
		t.Fatalf("got %s %s %s, want FAILED States.Runtime", res.Status, res.Error, res.Cause)
	}
	if len(res.History) != 50 || res.History[49].Type != engine.ExecutionFailed {
		t.Errorf("history has %d events ending with %s, want 50 ending with ExecutionFailed", len(res.History), res.History[len(res.History)-1].Type)
	}
	if want := "The execution reached the maximum number of history events (50)."; res.Cause != want {
		t.Errorf("cause = %q, want %q", res.Cause, want)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	inv := engine.InvokerFunc(func(ctx context.Context, _ engine.TaskRequest) (any, error) {
		cancel()
		<-ctx.Done()
		return nil, ctx.Err()
	})
	eng, err := engine.New(mustMachine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}`),
		engine.WithInvoker(inv))
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Run(ctx, map[string]any{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res.Status != engine.StatusAborted {
		t.Errorf("status = %s, want ABORTED", res.Status)
	}
	if last := res.History[len(res.History)-1].Type; last != engine.ExecutionAborted {
		t.Errorf("last event = %s", last)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def, want string
	}{
		{"unknown start", `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`, "StartAt"},
		{"unknown next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, "unknown state"},
		{"neither next nor end", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, "exactly one of Next and End"},
		{"empty choices", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[],"Default":"B"},"B":{"Type":"Succeed"}}}`, "at least one rule"},
		{"bad path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.[","End":true}}}`, "engine: States.A.InputPath: "},
		{"bad path in a branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","OutputPath":"$.[","End":true}}}],"End":true}}}`, "engine: States.P.Branches[0]: States.B.OutputPath: "},
		{"bad intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Nope(1)"},"End":true}}}`, "engine: States.A.Parameters: "},
		{"bad jsonata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% (1 + %}","End":true}}}`, "Output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := engine.New(mustMachine(t, tt.def))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestTaskTimeouts(t *testing.T) {
	t.Parallel()
	// A task that blocks until its context ends: only the engine's timers
	// can end it. The test asserts the outcome, not the duration.
	block := engine.InvokerFunc(func(ctx context.Context, _ engine.TaskRequest) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	// A task that heartbeats, then finishes.
	beating := engine.InvokerFunc(func(ctx context.Context, _ engine.TaskRequest) (any, error) {
		engine.Heartbeat(ctx)
		return "done", nil
	})
	tests := []struct {
		name, field string
		inv         engine.Invoker
		want        outcome
	}{
		{"timeout", `"TimeoutSeconds":1`, block, outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"Error":"States.Timeout"}`)}},
		{"heartbeat", `"TimeoutSeconds":30,"HeartbeatSeconds":1`, block, outcome{Status: engine.StatusSucceeded, Output: mustJSON(t, `{"Error":"States.HeartbeatTimeout"}`)}},
		{"heartbeat kept", `"HeartbeatSeconds":5`, beating, outcome{Status: engine.StatusSucceeded, Output: "done"}},
	}
	// A virtual clock (sluice run --fast) skips waits, not the work of a
	// task: a hanging task times out on it too.
	clocks := []struct {
		name  string
		clock func() engine.Clock
	}{
		{"real", func() engine.Clock { return engine.RealClock{} }},
		{"virtual", func() engine.Clock { return engine.NewVirtualClock(epoch) }},
	}
	for _, c := range clocks {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r",` + tt.field + `,"Catch":[{"ErrorEquals":["States.Timeout","States.HeartbeatTimeout"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`
				got := outcomeOf(runWith(t, def, `{}`, []engine.Option{engine.WithInvoker(tt.inv)}, engine.WithClock(c.clock())))
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestRandSeedReproducible(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()","n.$":"States.MathRandom(1, 1000000)"},"End":true}}}`
	a := runWith(t, def, `{}`, nil, engine.WithRandSeed(42))
	b := runWith(t, def, `{}`, nil, engine.WithRandSeed(42))
	c := runWith(t, def, `{}`, nil, engine.WithRandSeed(43))
	if diff := cmp.Diff(a.Output, b.Output); diff != "" {
		t.Errorf("same seed, different output (-a +b):\n%s", diff)
	}
	if cmp.Equal(a.Output, c.Output) {
		t.Errorf("different seeds, same output %v", a.Output)
	}
}

func TestEvaluationFailedEvent(t *testing.T) {
	t.Parallel()
	res := run(t, `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"x":"{% $nope %}"},"End":true}}}`, `{}`)
	var got *engine.EvaluationFailedDetails
	for _, e := range res.History {
		if e.Type == engine.EvaluationFailed {
			got = e.EvaluationFailedEventDetails
		}
	}
	want := &engine.EvaluationFailedDetails{Error: "States.QueryEvaluationError", State: "A", Location: "Output/x",
		Cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output/x' returned nothing (undefined)."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EvaluationFailed details (-want +got):\n%s", diff)
	}
}

// TestJSONataBudget runs an expression that would produce 10^8 values: it
// fails the state with States.QueryEvaluationError, as a failing JSONata
// expression does on AWS, instead of exhausting memory.
func TestJSONataBudget(t *testing.T) {
	t.Parallel()
	res := run(t, `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"x":"{% [1..10000].([1..10000]) %}"},"End":true}}}`, `{}`)
	got := outcomeOf(res)
	want := outcome{Status: engine.StatusFailed, Error: "States.QueryEvaluationError",
		Cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '[1..10000].([1..10000])' specified for the field 'Output/x' threw an error during evaluation. U1011: The expression produced more than 5000000 values: it exceeds the evaluation budget of this implementation"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestContextObjectOptions(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"ctx.$":"$$"},"End":true}}}`
	var token string
	inv := funcInvoker(func(req engine.TaskRequest) (any, error) {
		token = req.TaskToken
		return req.Input.(map[string]any)["ctx"], nil
	})
	res := run(t, def, `{"k":1}`, inv, engine.WithStateMachineName("pipeline"), engine.WithRoleARN("arn:aws:iam::1:role/r"),
		engine.WithAccount("eu-west-1", "111122223333"))
	want := mustJSON(t, `{
		"Execution":{"Id":"arn:aws:states:eu-west-1:111122223333:execution:pipeline:exec-1","Input":{"k":1},"Name":"exec-1",
			"RoleArn":"arn:aws:iam::1:role/r","StartTime":"2026-11-26T12:00:00.000Z","RedriveCount":0},
		"StateMachine":{"Id":"arn:aws:states:eu-west-1:111122223333:stateMachine:pipeline","Name":"pipeline"},
		"State":{"Name":"T","EnteredTime":"2026-11-26T12:00:00.000Z","RetryCount":0},
		"Task":{"Token":"`+token+`"}}`)
	if token == "" {
		t.Error("no task token for a .waitForTaskToken resource")
	}
	if diff := cmp.Diff(want, res.Output); diff != "" {
		t.Errorf("context object (-want +got):\n%s", diff)
	}
}

// TestEngineSharedAcrossRuns: one plan serves concurrent executions, each
// with its own run options (name, clock, observer).
func TestEngineSharedAcrossRuns(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name","at.$":"$$.State.EnteredTime"},"End":true}}}`
	eng, err := engine.New(mustMachine(t, def))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	results := make([]engine.Result, n)
	observed := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			results[i], err = eng.Run(context.Background(), map[string]any{},
				engine.WithExecutionName(fmt.Sprintf("run-%d", i)),
				engine.WithClock(engine.NewVirtualClock(epoch.Add(time.Duration(i)*time.Hour))),
				engine.WithObserver(func(engine.Event) { observed[i]++ }))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, res := range results {
		want := map[string]any{"name": fmt.Sprintf("run-%d", i), "at": epoch.Add(time.Duration(i)*time.Hour + time.Minute).Format("2006-01-02T15:04:05.000Z")}
		if diff := cmp.Diff(want, res.Output); diff != "" {
			t.Errorf("run %d output (-want +got):\n%s", i, diff)
		}
		if observed[i] != len(res.History) {
			t.Errorf("run %d: observer saw %d events of %d", i, observed[i], len(res.History))
		}
	}
	if got := eng.Runs(); got != n {
		t.Errorf("Runs() = %d, want %d", got, n)
	}
}

// TestWithoutHistory: an execution run without keeping its history ends
// the same, its observer sees the same events, and the history limit still
// counts them.
func TestWithoutHistory(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	tests := []struct {
		name   string
		limit  int
		status engine.Status
	}{{"no limit", -1, engine.StatusSucceeded}, {"over the limit", 20, engine.StatusFailed}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var kept, discarded []engine.EventType
			input := `{"items":[1,2,3,4,5,6,7,8]}`
			want := runWith(t, def, input, []engine.Option{engine.WithHistoryLimit(tt.limit), engine.WithMaxConcurrency(1)},
				engine.WithObserver(func(e engine.Event) { kept = append(kept, e.Type) }))
			got := runWith(t, def, input, []engine.Option{engine.WithHistoryLimit(tt.limit), engine.WithMaxConcurrency(1)},
				engine.WithObserver(func(e engine.Event) { discarded = append(discarded, e.Type) }), engine.WithoutHistory())
			if got.Status != tt.status {
				t.Errorf("status %s (%s), want %s", got.Status, got.Cause, tt.status)
			}
			if diff := cmp.Diff(outcomeOf(want), outcomeOf(got)); diff != "" {
				t.Errorf("outcome (-with history +without):\n%s", diff)
			}
			if len(got.History) != 0 || len(want.History) != len(kept) {
				t.Errorf("history: %d events kept without history (want 0), %d with (observer saw %d)", len(got.History), len(want.History), len(kept))
			}
			if diff := cmp.Diff(kept, discarded); diff != "" {
				t.Errorf("observed events (-with history +without):\n%s", diff)
			}
		})
	}
}

// TestPayloadLimitWithoutHistory: a run that keeps no history (nobody reads
// the events' payload texts, so they are not written) still fails a state
// whose output is over the payload limit, exactly as a run that keeps it.
func TestPayloadLimitWithoutHistory(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"big":"` + strings.Repeat("x", 300) + `"},"Next":"Q"},"Q":{"Type":"Pass","End":true}}}`
	opts := []engine.Option{engine.WithPayloadLimit(100)}
	with := outcomeOf(runWith(t, def, `{}`, opts))
	without := outcomeOf(runWith(t, def, `{}`, opts, engine.WithoutHistory()))
	if with.Error != "States.DataLimitExceeded" {
		t.Fatalf("with history: error %q, want States.DataLimitExceeded", with.Error)
	}
	if diff := cmp.Diff(with, without); diff != "" {
		t.Errorf("outcome (-with history +without):\n%s", diff)
	}
}
