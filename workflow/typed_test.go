package workflow_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// Types of an imaginary two-step pipeline.
type (
	upload struct {
		Bucket string `json:"bucket"`
		Key    string `json:"key"`
	}
	parsed struct {
		Rows  int64  `json:"rows"`
		Table string `json:"table"`
	}
	loadInput struct {
		Table string `json:"table"`
		Rows  int64  `json:"rows,omitempty"`
	}
	loaded struct {
		Written int64 `json:"written"`
	}
	badTag struct {
		A string `json:"a" maxBytes:"many"`
	}
)

var lambdaRetry = workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesALL}}

func twoSteps(rowsPath, tableKey string) workflow.Chainable {
	parse := workflow.LambdaTask[upload, parsed]("Parse", "parse", workflow.TaskProps{ResultPath: "$.parsed", TimeoutSeconds: 60}).
		AddRetry(lambdaRetry)
	load := workflow.LambdaTask[loadInput, loaded]("Load", "load", workflow.TaskProps{
		Parameters:     workflow.Params{tableKey: "$.parsed.table", "rows.$": rowsPath},
		ResultPath:     "$.loaded",
		TimeoutSeconds: 60,
	}).AddRetry(lambdaRetry)
	done := workflow.NewPass("Done", workflow.PassProps{Parameters: workflow.Params{"written.$": "$.loaded.written", "key.$": "$.key"}})
	return workflow.NewChain(parse).Next(load).Next(done)
}

func TestTypedDataFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def      workflow.Chainable
		opts     []workflow.CompileOption
		want     []string // "path code"
		warnings []string
	}{
		{name: "correct", def: twoSteps("$.parsed.rows", "table.$")},
		{
			name: "misspelt result field",
			def:  twoSteps("$.parsed.rwos", "table.$"),
			want: []string{"States.Load.Parameters.rows.$ " + validate.CodeUnknownPathField},
		},
		{
			name: "misspelt input field",
			def:  twoSteps("$.parsed.rows", "tabel.$"),
			want: []string{
				"States.Load.Parameters " + validate.CodeMissingInputField,
				"States.Load.Parameters.tabel.$ " + validate.CodeUnknownInputField,
			},
		},
		{
			name: "machine input type",
			def:  workflow.NewPass("Use", workflow.PassProps{Parameters: workflow.Params{"k.$": "$.kye"}}),
			opts: []workflow.CompileOption{workflow.WithInput[upload]()},
			want: []string{"States.Use.Parameters.k.$ " + validate.CodeUnknownPathField},
		},
		{
			name: "no input type: unchecked",
			def:  workflow.NewPass("Use", workflow.PassProps{Parameters: workflow.Params{"k.$": "$.kye"}}),
		},
		{
			name: "malformed size tag",
			def:  workflow.LambdaTask[badTag, loaded]("Bad", "bad", workflow.TaskProps{TimeoutSeconds: 5}).AddRetry(lambdaRetry),
			want: []string{"States.Bad " + workflow.CodeBadType},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]workflow.CompileOption{workflow.WithResolver(resolver), workflow.WithInput[upload]()}, tt.opts...)
			_, err := workflow.Compile(tt.def, opts...)
			var got []string
			if err != nil {
				is, ok := workflow.AsIssues(err)
				if !ok {
					t.Fatal(err)
				}
				for _, i := range is {
					got = append(got, i.Path+" "+i.Code)
				}
			}
			if tt.name == "no input type: unchecked" {
				if _, err := workflow.Compile(tt.def, workflow.WithResolver(resolver)); err != nil {
					t.Errorf("without WithInput: %v", err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapItemType(t *testing.T) {
	t.Parallel()
	m := workflow.NewDistributedMap("Each", workflow.DistributedMapProps{
		MapProps: workflow.MapProps{ItemSelector: workflow.Params{"key.$": "$$.Map.Item.Value.kye"}},
		ItemReader: &workflow.ItemReader{
			Bucket:       "data",
			Parameters:   workflow.Params{"Key": "items.json"},
			ReaderConfig: &asl.ReaderConfig{InputType: "JSON"},
			ItemType:     reflect.TypeFor[upload](),
		},
	}).ItemProcessor(workflow.NewPass("P", workflow.PassProps{}))
	_, err := workflow.Compile(m, workflow.WithResolver(resolver))
	is, ok := workflow.AsIssues(err)
	if !ok || len(is) != 1 || is[0].Code != validate.CodeUnknownPathField || is[0].Path != "States.Each.ItemSelector.key.$" {
		t.Fatalf("got %v", err)
	}
}

func TestMaxIterations(t *testing.T) {
	t.Parallel()
	build := func(max int) workflow.Chainable {
		poll := workflow.NewWait("Poll", workflow.WaitSeconds(10), workflow.WaitProps{})
		again := workflow.NewChoice("Again", workflow.ChoiceProps{MaxIterations: max}).
			When(workflow.BooleanEquals("$.more", true), poll).
			Otherwise(workflow.NewSucceed("Done", workflow.SucceedProps{}))
		poll.Next(again)
		return poll
	}
	codes := func(c *workflow.Compiled) []string {
		var out []string
		for _, w := range c.Warnings {
			out = append(out, w.Code)
		}
		return out
	}
	for _, tt := range []struct {
		max  int
		want []string
	}{
		{0, []string{validate.CodeUnboundedLoop}},
		{100, nil},
		{10000, []string{validate.CodeHistoryTooLong}},
	} {
		c, err := workflow.Compile(build(tt.max), workflow.WithResolver(resolver))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, codes(c)); diff != "" {
			t.Errorf("MaxIterations %d: warnings (-want +got):\n%s", tt.max, diff)
		}
	}
}

// ExampleLambdaTask shows the data-flow check: Load reads a field that
// Parse's output type does not have.
func ExampleLambdaTask() {
	_, err := workflow.Compile(twoSteps("$.parsed.rwos", "table.$"),
		workflow.WithInput[upload](), workflow.WithResolver(resolver))
	fmt.Println(err)
	// Output:
	// compile: States.Load.Parameters.rows.$: UnknownPathField: $.parsed.rwos: $.parsed (workflow_test.parsed) has no field "rwos" (did you mean "rows"?); it has: rows, table
}
