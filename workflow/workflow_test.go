package workflow_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

var resolver = workflow.SyntheticResolver("000000000000", "us-east-1", "test")

func succeed(name string) *workflow.Succeed {
	return workflow.NewSucceed(name, workflow.SucceedProps{})
}

func pass(name string) *workflow.Pass { return workflow.NewPass(name, workflow.PassProps{}) }

func TestMisuse(t *testing.T) {
	tests := []struct {
		name      string
		build     func() workflow.Chainable
		opts      []workflow.CompileOption
		wantCodes []string
		wantPath  string
	}{
		{
			name: "second Next",
			build: func() workflow.Chainable {
				a := pass("A")
				a.Next(succeed("B"))
				a.Next(succeed("C"))
				return a
			},
			wantCodes: []string{workflow.CodeSecondNext},
			wantPath:  "States.A",
		},
		{
			name: "chain after terminal",
			build: func() workflow.Chainable {
				return workflow.NewChain(pass("A")).Next(succeed("B")).Next(pass("C"))
			},
			wantCodes: []string{workflow.CodeNextAfterTerminal},
			wantPath:  "States.A",
		},
		{
			name: "chain after choice without Afterwards",
			build: func() workflow.Chainable {
				c := workflow.NewChoice("C", workflow.ChoiceProps{}).When(workflow.IsPresent("$.x"), succeed("S")).Otherwise(succeed("T"))
				return workflow.NewChain(c).Next(pass("P"))
			},
			wantCodes: []string{workflow.CodeNextAfterTerminal},
		},
		{
			name: "state reused in two graphs",
			build: func() workflow.Chainable {
				shared := succeed("Shared")
				p := workflow.NewParallel("P", workflow.ParallelProps{}).Branch(shared)
				p.Next(shared)
				return p
			},
			wantCodes: []string{workflow.CodeStateReused},
		},
		{
			name: "duplicate names across nested graphs",
			build: func() workflow.Chainable {
				p := workflow.NewParallel("P", workflow.ParallelProps{}).Branch(succeed("Done"))
				p.Next(succeed("Done"))
				return p
			},
			wantCodes: []string{workflow.CodeDuplicateStateName},
		},
		{
			name: "choice without branches",
			build: func() workflow.Chainable {
				return workflow.NewChoice("C", workflow.ChoiceProps{}).Otherwise(succeed("S"))
			},
			wantCodes: []string{workflow.CodeChoiceWithoutBranches},
			wantPath:  "States.C.Choices",
		},
		{
			name: "second Otherwise",
			build: func() workflow.Chainable {
				return workflow.NewChoice("C", workflow.ChoiceProps{}).When(workflow.IsNull("$.x"), succeed("S")).
					Otherwise(succeed("T")).Otherwise(succeed("U"))
			},
			wantCodes: []string{workflow.CodeSecondOtherwise},
		},
		{
			name: "misspelt SDK field",
			build: func() workflow.Chainable {
				return workflow.DynamoPutItem("Put", "ledger", workflow.Params{"TableNme": "x", "Item": workflow.Params{}}, workflow.TaskProps{})
			},
			wantCodes: []string{workflow.CodeUnknownSDKField},
			wantPath:  "States.Put.Parameters.TableNme",
		},
		{
			name: "misspelt nested SDK field",
			build: func() workflow.Chainable {
				return workflow.EventBridgePutEvents("Emit", "bus", workflow.Params{
					"Entries": []any{workflow.Params{"Detail": "{}", "DetailTyp": "x", "Source": "s"}},
				}, workflow.TaskProps{})
			},
			wantCodes: []string{workflow.CodeUnknownSDKField},
			wantPath:  "States.Emit.Parameters.Entries[0].DetailTyp",
		},
		{
			name: "misspelt dynamic SDK field",
			build: func() workflow.Chainable {
				return workflow.SNSPublish("Tell", "alerts", workflow.Params{"Mesage.$": "$"}, workflow.TaskProps{})
			},
			wantCodes: []string{workflow.CodeUnknownSDKField},
			wantPath:  "States.Tell.Parameters.Mesage.$",
		},
		{
			name: "reserved SDK field",
			build: func() workflow.Chainable {
				return workflow.S3GetObject("Get", "data", workflow.Params{"Bucket": "other", "Key": "k"}, workflow.TaskProps{})
			},
			wantCodes: []string{workflow.CodeReservedSDKField},
		},
		{
			name: "no resolver",
			build: func() workflow.Chainable {
				return workflow.NewLambda("Fn", "validate", workflow.TaskProps{})
			},
			opts:      []workflow.CompileOption{},
			wantCodes: []string{workflow.CodeUnresolvedResource},
		},
		{
			name: "unknown resource",
			build: func() workflow.Chainable {
				return workflow.NewLambda("Fn", "nope", workflow.TaskProps{})
			},
			opts:      []workflow.CompileOption{workflow.WithResolver(workflow.StaticResolver{})},
			wantCodes: []string{workflow.CodeUnresolvedResource},
		},
		{
			name: "map without processor, parallel without branch",
			build: func() workflow.Chainable {
				m := workflow.NewMap("M", workflow.MapProps{})
				m.Next(workflow.NewParallel("P", workflow.ParallelProps{}))
				return m
			},
			wantCodes: []string{workflow.CodeNoItemProcessor, workflow.CodeNoBranches},
		},
		{
			name: "nil states",
			build: func() workflow.Chainable {
				a := pass("A")
				a.Next(nil)
				return a
			},
			wantCodes: []string{workflow.CodeNilState},
		},
		{
			name: "empty And, bad wait",
			build: func() workflow.Chainable {
				w := workflow.NewWait("W", workflow.WaitTime{}, workflow.WaitProps{})
				return workflow.NewChoice("C", workflow.ChoiceProps{}).When(workflow.And(), w)
			},
			wantCodes: []string{workflow.CodeBadCondition, workflow.CodeBadWait},
		},
		{
			name: "all misuse reported together",
			build: func() workflow.Chainable {
				a := pass("A")
				c := workflow.NewChoice("B", workflow.ChoiceProps{}).When(workflow.IsPresent("$.x"), succeed("A"))
				a.Next(c)
				a.Next(succeed("C"))
				workflow.NewChain(c).Next(pass("D"))
				return a
			},
			wantCodes: []string{workflow.CodeNextAfterTerminal, workflow.CodeDuplicateStateName, workflow.CodeSecondNext},
		},
		{
			name: "validation errors fail Compile",
			build: func() workflow.Chainable {
				return workflow.NewLambda("Fn", "validate", workflow.TaskProps{ResultPath: "not a path", TimeoutSeconds: 10})
			},
			wantCodes: []string{validate.CodeInvalidJSONPath},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			if opts == nil {
				opts = []workflow.CompileOption{workflow.WithResolver(resolver)}
			}
			got, err := workflow.Compile(tt.build(), opts...)
			if err == nil {
				b, _ := got.ASL()
				t.Fatalf("Compile succeeded, want %v:\n%s", tt.wantCodes, b)
			}
			is, ok := workflow.AsIssues(err)
			if !ok {
				t.Fatalf("error %T is not Issues: %v", err, err)
			}
			codes := is.Codes()
			for _, want := range tt.wantCodes {
				if !slices.Contains(codes, want) {
					t.Errorf("codes %v lack %s\n%v", codes, want, err)
				}
			}
			if tt.wantPath != "" && is[0].Path != tt.wantPath {
				t.Errorf("path = %q, want %q", is[0].Path, tt.wantPath)
			}
		})
	}
}

func TestRetryCatchOrder(t *testing.T) {
	h := succeed("H")
	task := workflow.NewLambda("T", "fn", workflow.TaskProps{TimeoutSeconds: 5}).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{"Custom", asl.StatesALL}}).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTimeout}, MaxAttempts: 1}).
		AddCatch(h, workflow.CatchProps{}).
		AddCatch(h, workflow.CatchProps{Errors: []asl.ErrorName{"Custom"}})
	got := workflow.MustCompile(task, workflow.WithResolver(resolver))
	st := got.Machine.States[0].State.(*asl.Task)
	var retry, catch [][]asl.ErrorName
	for _, r := range st.Retry {
		retry = append(retry, r.ErrorEquals)
	}
	for _, c := range st.Catch {
		catch = append(catch, c.ErrorEquals)
	}
	want := [][]asl.ErrorName{{asl.StatesTimeout}, {asl.StatesALL}}
	if d := cmp.Diff(want, retry); d != "" {
		t.Errorf("Retry (-want +got):\n%s", d)
	}
	want = [][]asl.ErrorName{{"Custom"}, {asl.StatesALL}}
	if d := cmp.Diff(want, catch); d != "" {
		t.Errorf("Catch (-want +got):\n%s", d)
	}
}

// every condition constructor, to check that each operator can be built.
func allConditions() []workflow.Condition {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []workflow.Condition{
		workflow.StringEquals("$.s", "a"), workflow.StringEqualsPath("$.s", "$.t"),
		workflow.StringLessThan("$.s", "a"), workflow.StringLessThanPath("$.s", "$.t"),
		workflow.StringGreaterThan("$.s", "a"), workflow.StringGreaterThanPath("$.s", "$.t"),
		workflow.StringLessThanEquals("$.s", "a"), workflow.StringLessThanEqualsPath("$.s", "$.t"),
		workflow.StringGreaterThanEquals("$.s", "a"), workflow.StringGreaterThanEqualsPath("$.s", "$.t"),
		workflow.StringMatches("$.s", "*.csv"),
		workflow.NumericEquals("$.n", 1), workflow.NumericEqualsPath("$.n", "$.m"),
		workflow.NumericLessThan("$.n", 1.5), workflow.NumericLessThanPath("$.n", "$.m"),
		workflow.NumericGreaterThan("$.n", 1), workflow.NumericGreaterThanPath("$.n", "$.m"),
		workflow.NumericLessThanEquals("$.n", 1), workflow.NumericLessThanEqualsPath("$.n", "$.m"),
		workflow.NumericGreaterThanEquals("$.n", -2), workflow.NumericGreaterThanEqualsPath("$.n", "$.m"),
		workflow.BooleanEquals("$.b", true), workflow.BooleanEqualsPath("$.b", "$.c"),
		workflow.TimestampEquals("$.t", ts), workflow.TimestampEqualsPath("$.t", "$.u"),
		workflow.TimestampLessThan("$.t", ts), workflow.TimestampLessThanPath("$.t", "$.u"),
		workflow.TimestampGreaterThan("$.t", ts), workflow.TimestampGreaterThanPath("$.t", "$.u"),
		workflow.TimestampLessThanEquals("$.t", ts), workflow.TimestampLessThanEqualsPath("$.t", "$.u"),
		workflow.TimestampGreaterThanEquals("$.t", ts), workflow.TimestampGreaterThanEqualsPath("$.t", "$.u"),
		workflow.IsPresent("$.x"), workflow.IsNull("$.x"), workflow.IsString("$.x"),
		workflow.IsNumeric("$.x"), workflow.IsBoolean("$.x"), workflow.IsTimestamp("$.x"),
		workflow.And(workflow.IsPresent("$.x"), workflow.Or(workflow.IsNull("$.x"), workflow.Not(workflow.IsString("$.x")))),
	}
}

// machines are the golden cases: each covers a part of the DSL.
func machines() map[string]func() workflow.Chainable {
	return map[string]func() workflow.Chainable{
		"conditions": func() workflow.Chainable {
			c := workflow.NewChoice("Test", workflow.ChoiceProps{Comment: "every operator"})
			for i, cond := range allConditions() {
				c.When(cond, succeed("Match"+itoa(i)))
			}
			return c.Otherwise(workflow.NewFail("NoMatch", workflow.FailProps{Error: asl.StatesNoChoiceMatched, Cause: "no rule matched"}))
		},
		"chain": func() workflow.Chainable {
			wait := workflow.NewWait("Pause", workflow.WaitSeconds(5), workflow.WaitProps{})
			until := workflow.NewWait("Until", workflow.WaitTimestampPath("$.at"), workflow.WaitProps{})
			choice := workflow.NewChoice("Which", workflow.ChoiceProps{}).
				When(workflow.StringEquals("$.kind", "wait"), wait).
				Otherwise(until)
			return workflow.NewChain(workflow.NewPass("Start", workflow.PassProps{Result: map[string]int{"n": 1}, ResultPath: "$.init"})).
				Next(choice.Afterwards()).
				Next(workflow.NewPass("Join", workflow.PassProps{OutputPath: "$.init"})).
				Next(succeed("Done"))
		},
		"parallel": func() workflow.Chainable {
			failed := workflow.NewFail("Failed", workflow.FailProps{Error: "Demo.Failed", CausePath: "$.error.Cause"})
			p := workflow.NewParallel("Fanout", workflow.ParallelProps{ResultPath: "$.branches"}).
				Branch(
					workflow.NewLambda("Left", "left", workflow.TaskProps{TimeoutSeconds: 10}),
					workflow.NewChain(pass("Right1")).Next(pass("Right2")),
				).
				AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesBranchFailed}, IntervalSeconds: 3, MaxAttempts: 2, BackoffRate: 1.5, MaxDelaySeconds: 9, Jitter: workflow.JitterFull}).
				AddCatch(failed, workflow.CatchProps{ResultPath: "$.error"})
			p.Next(succeed("Done"))
			return p
		},
		"maps": func() workflow.Chainable {
			inline := workflow.NewMap("Each", workflow.MapProps{ItemsPath: "$.items", MaxConcurrency: 4, ResultPath: Null()}).
				ItemProcessor(workflow.NewLambda("Work", "work", workflow.TaskProps{TimeoutSeconds: 10}))
			dist := workflow.NewDistributedMap("Many", workflow.DistributedMapProps{
				MapProps:      workflow.MapProps{MaxConcurrency: 100, ItemSelector: workflow.Params{"item.$": "$$.Map.Item.Value"}},
				ExecutionType: "EXPRESS",
				Label:         "Many",
				ItemReader: &workflow.ItemReader{Bucket: "data", Parameters: workflow.Params{"Key.$": "$.manifest"},
					ReaderConfig: &asl.ReaderConfig{InputType: "JSON"}},
				ItemBatcher:                &asl.ItemBatcher{MaxItemsPerBatch: asl.Int(10)},
				ResultWriter:               &workflow.ResultWriter{Bucket: "data", Prefix: "results"},
				ToleratedFailurePercentage: 5,
			}).ItemProcessor(workflow.NewLambda("Batch", "work", workflow.TaskProps{TimeoutSeconds: 10}))
			return workflow.NewChain(inline).Next(dist).Next(succeed("Done"))
		},
		"sdk": func() workflow.Chainable {
			key := workflow.Params{"pk": workflow.Params{"S.$": "$.id"}}
			return workflow.NewChain(
				workflow.DynamoGetItem("Get", "ledger", workflow.Params{"Key": key}, workflow.TaskProps{ResultPath: "$.item", TimeoutSeconds: 5})).
				Next(workflow.DynamoUpdateItem("Update", "ledger", workflow.Params{"Key": key, "UpdateExpression": "SET n = :n",
					"ExpressionAttributeValues": workflow.Params{":n": workflow.Params{"N": "1"}}}, workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 5})).
				Next(workflow.S3PutObject("Put", "data", workflow.Params{"Key": "out.json", "Body.$": "$"}, workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 5})).
				Next(workflow.S3GetObject("GetObject", "data", workflow.Params{"Key": "out.json"}, workflow.TaskProps{ResultPath: Null(), TimeoutSeconds: 5})).
				Next(workflow.EventBridgePutEvents("Emit", "bus", workflow.Params{"Entries": []any{
					workflow.Params{"Detail.$": "$", "DetailType": "demo", "Source": "sluice"}}}, workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 5})).
				Next(workflow.StartExecution("Child", "child", workflow.Params{"Input.$": "$"}, workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 5})).
				Next(succeed("Done"))
		},
		"jsonata": func() workflow.Chainable {
			choice := workflow.NewChoice("Big", workflow.ChoiceProps{}).
				WhenWith(workflow.JSONataCondition(workflow.Expr("$states.input.n > 10")), succeed("Large"), workflow.RuleProps{Assign: map[string]any{"size": "large"}}).
				Otherwise(succeed("Small"))
			return workflow.NewChain(workflow.NewPass("Init", workflow.PassProps{
				Assign: map[string]any{"started": workflow.Expr("$states.context.State.EnteredTime")},
				Output: map[string]any{"n": workflow.Expr("$count($states.input.items)")},
			})).Next(workflow.NewWait("Pause", workflow.WaitExpr(workflow.Expr("$states.input.n")), workflow.WaitProps{})).
				Next(workflow.SNSPublish("Tell", "alerts", workflow.Params{"Message": workflow.Expr("$string($states.input)")}, workflow.TaskProps{TimeoutSeconds: 5})).
				Next(choice)
		},
	}
}

func Null() string { return workflow.Null }

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func compileCase(t *testing.T, name string, build func() workflow.Chainable) *workflow.Compiled {
	t.Helper()
	opts := []workflow.CompileOption{workflow.WithResolver(resolver)}
	if name == "jsonata" {
		opts = append(opts, workflow.WithQueryLanguage(asl.JSONata))
	}
	got, err := workflow.Compile(build(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestGolden(t *testing.T) {
	for name, build := range machines() {
		t.Run(name, func(t *testing.T) {
			got := compileCase(t, name, build)
			b, err := got.ASL()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".asl.json")
			golden.CheckASL(t, path, b) // and the golden file re-encodes to itself
			// Compiling twice gives the same bytes.
			b2, _ := compileCase(t, name, build).ASL()
			if !bytes.Equal(b, b2) {
				t.Error("Compile is not deterministic")
			}
		})
	}
}

func TestEveryOperator(t *testing.T) {
	got := compileCase(t, "conditions", machines()["conditions"])
	seen := map[asl.Operator]bool{}
	var walk func(r asl.ChoiceRule)
	walk = func(r asl.ChoiceRule) {
		if r.Operator != "" {
			seen[r.Operator] = true
		}
		for _, x := range append(r.And, r.Or...) {
			walk(x)
		}
		if r.Not != nil {
			walk(*r.Not)
		}
	}
	for _, r := range got.Machine.States[0].State.(*asl.Choice).Choices {
		walk(r)
	}
	for _, op := range asl.Operators {
		if !seen[op] {
			t.Errorf("no condition constructor produced %s", op)
		}
	}
}

func TestResources(t *testing.T) {
	got := compileCase(t, "sdk", machines()["sdk"])
	type row struct {
		Kind    workflow.ResourceKind
		Name    string
		ARN     string
		Actions []string
	}
	var rows []row
	for _, r := range got.Resources {
		rows = append(rows, row(r))
	}
	want := []row{
		{workflow.KindTable, "ledger", "arn:aws:dynamodb:us-east-1:000000000000:table/test-ledger", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}},
		{workflow.KindEventBus, "bus", "arn:aws:events:us-east-1:000000000000:event-bus/test-bus", []string{"events:PutEvents"}},
		{workflow.KindBucket, "data", "arn:aws:s3:::test-data-000000000000", []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}},
		{workflow.KindStateMachine, "child", "arn:aws:states:us-east-1:000000000000:stateMachine:test-child", []string{"states:StartExecution"}},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("Resources (-want +got):\n%s", d)
	}
	if _, ok := got.Resource(workflow.KindTable, "ledger"); !ok {
		t.Error("Resource(table, ledger) not found")
	}
}

func TestWarnings(t *testing.T) {
	// A Lambda task without the Lambda retrier compiles, with a warning.
	got := compileCase(t, "parallel", machines()["parallel"])
	is := got.Warnings
	if len(is) != 1 || is[0].Code != validate.CodeLambdaRetryMissing || is[0].Severity != validate.Warning {
		t.Errorf("Warnings = %v, want one %s", is, validate.CodeLambdaRetryMissing)
	}
}

func TestCompileTwice(t *testing.T) {
	// Compiling the same builder graph twice gives the same machine: Compile
	// does not consume or change the states.
	start := machines()["parallel"]()
	a, err := workflow.Compile(start, workflow.WithResolver(resolver))
	if err != nil {
		t.Fatal(err)
	}
	b, err := workflow.Compile(start, workflow.WithResolver(resolver))
	if err != nil {
		t.Fatal(err)
	}
	ab, _ := a.ASL()
	bb, _ := b.ASL()
	if !bytes.Equal(ab, bb) {
		t.Errorf("second Compile differs:\n%s", cmp.Diff(string(ab), string(bb)))
	}
}

func TestNestedSDKFields(t *testing.T) {
	// Map values of struct type (SNS MessageAttributes) are checked too.
	task := workflow.SNSPublish("Tell", "alerts", workflow.Params{
		"Message":           "hi",
		"MessageAttributes": workflow.Params{"kind": workflow.Params{"DataType": "String", "StringVal": "x"}},
	}, workflow.TaskProps{TimeoutSeconds: 5})
	_, err := workflow.Compile(task, workflow.WithResolver(resolver))
	is, _ := workflow.AsIssues(err)
	if len(is) != 1 || is[0].Code != workflow.CodeUnknownSDKField || is[0].Path != "States.Tell.Parameters.MessageAttributes.kind.StringVal" {
		t.Errorf("issues = %v", err)
	}
}

func TestWithoutValidation(t *testing.T) {
	build := func() workflow.Chainable {
		return workflow.NewPass("P", workflow.PassProps{ResultPath: "not a path"})
	}
	if _, err := workflow.Compile(build()); err == nil {
		t.Fatal("an invalid ResultPath compiled with validation on")
	}
	if _, err := workflow.Compile(build(), workflow.WithoutValidation()); err != nil {
		t.Fatalf("WithoutValidation: %v", err)
	}
}

func TestIssueOrder(t *testing.T) {
	// Compile reports its findings in the validator's order: numbers in
	// brackets compare as numbers (Branches[2] before Branches[10]), and the
	// error text keeps the "compile: " prefix on every line.
	p := workflow.NewParallel("Fanout", workflow.ParallelProps{})
	var want []string
	for i := range 11 {
		name := fmt.Sprintf("Tell%d", i)
		p.Branch(workflow.SNSPublish(name, "alerts", workflow.Params{"Mesage": "hi"}, workflow.TaskProps{TimeoutSeconds: 5}))
		want = append(want, fmt.Sprintf("States.Fanout.Branches[%d].States.%s.Parameters.Mesage", i, name))
	}
	_, err := workflow.Compile(p, workflow.WithResolver(resolver))
	is, ok := workflow.AsIssues(err)
	if !ok {
		t.Fatalf("error %T is not Issues: %v", err, err)
	}
	var got []string
	for _, x := range is {
		got = append(got, x.Path)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issue paths (-want +got):\n%s", diff)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) || !strings.HasPrefix(lines[len(lines)-1], "compile: States.Fanout.Branches[10].") {
		t.Errorf("error text:\n%v", err)
	}
}

func TestWaitFormsAndLiteralTask(t *testing.T) {
	// The Wait forms the golden machines do not use, and a Task with a
	// literal resource (an activity), compile to the ASL fields they name.
	until := time.Date(2026, 12, 24, 18, 0, 0, 0, time.FixedZone("CET", 3600))
	const activity = "arn:aws:states:us-east-1:000000000000:activity:approve"
	start := workflow.NewWait("Delay", workflow.WaitSecondsPath("$.delay"), workflow.WaitProps{}).
		Next(workflow.NewWait("Until", workflow.WaitUntil(until), workflow.WaitProps{})).
		Next(workflow.NewTask("Approve", activity, workflow.TaskProps{TimeoutSeconds: 60}))
	got, err := workflow.Compile(start, workflow.WithResolver(resolver))
	if err != nil {
		t.Fatal(err)
	}
	st := func(name string) asl.State {
		s, ok := got.Machine.States.Get(name)
		if !ok {
			t.Fatalf("no state %s", name)
		}
		return s
	}
	if w := st("Delay").(*asl.Wait); w.SecondsPath != "$.delay" || w.Seconds != nil {
		t.Errorf("Delay: SecondsPath = %q, Seconds = %v", w.SecondsPath, w.Seconds)
	}
	if w := st("Until").(*asl.Wait); w.Timestamp != "2026-12-24T17:00:00Z" {
		t.Errorf("Until: Timestamp = %q, want the time in UTC", w.Timestamp)
	}
	if task := st("Approve").(*asl.Task); task.Resource != activity {
		t.Errorf("Approve: Resource = %q", task.Resource)
	}
	if len(got.Resources) != 0 {
		t.Errorf("Resources = %v, want none for a literal resource", got.Resources)
	}
}
