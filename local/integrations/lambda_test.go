package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

// outcome is the comparable part of an engine.Result.
type outcome struct {
	Status       engine.Status
	Output       any
	Error, Cause string
}

// runMachine runs def on input with inv answering its tasks.
func runMachine(t *testing.T, inv engine.Invoker, def, input string) engine.Result {
	t.Helper()
	m, err := asl.Unmarshal([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(m, engine.WithInvoker(inv))
	if err != nil {
		t.Fatal(err)
	}
	in, err := engine.DecodeJSON([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLambdaThroughEngine runs functions through the engine both ways a
// state machine reaches them: the lambda:invoke envelope (whose fields a
// ResultSelector picks) and a plain function ARN (the bare result), and
// checks that an error is named by its Go type, as aws-lambda-go names it.
func TestLambdaThroughEngine(t *testing.T) {
	t.Parallel()
	type notReady struct{ error }
	inv := NewInvoker(InvokerConfig{Region: "us-east-1", Account: "123456789012", Functions: []*FunctionSpec{
		{Name: "double", Fn: func(_ context.Context, p any) (any, error) {
			n, _ := p.(map[string]any)["n"].(json.Number).Int64()
			return map[string]any{"n": n * 2}, nil
		}},
		{Name: "broken", Fn: func(context.Context, any) (any, error) { return nil, &notReady{errors.New("not ready")} }},
	}})
	def := `{"StartAt":"Env","States":{
		"Env":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"double","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload","s.$":"$.StatusCode","v.$":"$.ExecutedVersion"},"Next":"Bare"},
		"Bare":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","InputPath":"$.p","Next":"Broken"},
		"Broken":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:broken","End":true}}}`
	res := runMachine(t, inv, def, `{"n":2}`)
	want := outcome{Status: engine.StatusFailed, Error: "notReady", Cause: `{"errorMessage":"not ready","errorType":"notReady"}`}
	if diff := cmp.Diff(want, outcome{res.Status, res.Output, res.Error, res.Cause}); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	var outputs []string
	for _, e := range res.History {
		if d := e.TaskSucceededEventDetails; d != nil {
			outputs = append(outputs, d.Output)
		}
		if d := e.LambdaFunctionSucceededDetails; d != nil {
			outputs = append(outputs, d.Output)
		}
	}
	if len(outputs) != 2 || !strings.Contains(outputs[0], `"StatusCode":200`) || !strings.Contains(outputs[0], `"Payload":{"n":4}`) || outputs[1] != `{"n":8}` {
		t.Errorf("task outputs = %q", outputs)
	}
}

// TestHandler checks the typed adapter: the payload decodes into the
// handler's input type, and a payload that does not decode fails with the
// decoder's error type, as the Lambda runtime reports it.
func TestHandler(t *testing.T) {
	t.Parallel()
	type in struct {
		Key string `json:"key"`
	}
	type out struct {
		Rows int `json:"rows"`
	}
	h := Handler(func(_ context.Context, e in) (out, error) {
		if e.Key == "" {
			return out{}, errors.New("no key")
		}
		return out{Rows: len(e.Key)}, nil
	})
	inv := NewInvoker(InvokerConfig{Functions: []*FunctionSpec{{Name: "count", Fn: h}}})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:count","End":true}}}`
	tests := []struct {
		input string
		want  outcome
	}{
		{`{"key":"abc"}`, outcome{Status: engine.StatusSucceeded, Output: map[string]any{"rows": json.Number("3")}}},
		{`{}`, outcome{Status: engine.StatusFailed, Error: "errorString", Cause: `{"errorMessage":"no key","errorType":"errorString"}`}},
		{`{"key":1}`, outcome{Status: engine.StatusFailed, Error: "UnmarshalTypeError",
			Cause: `{"errorMessage":"json: cannot unmarshal number into Go struct field in.key of type string","errorType":"UnmarshalTypeError"}`}},
	}
	for _, tt := range tests {
		res := runMachine(t, inv, def, tt.input)
		if diff := cmp.Diff(tt.want, outcome{res.Status, res.Output, res.Error, res.Cause}); diff != "" {
			t.Errorf("input %s (-want +got):\n%s", tt.input, diff)
		}
	}
}

func TestFunctionName(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]string{
		"load": "load",
		"arn:aws:lambda:eu-west-1:123456789012:function:load:live": "load",
		"123456789012:function:load":                               "load",
		"load:$LATEST":                                             "load",
	} {
		if got := functionName(ref); got != want {
			t.Errorf("functionName(%q) = %q, want %q", ref, got, want)
		}
	}
}
