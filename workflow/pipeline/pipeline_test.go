package pipeline

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonpath"
	"github.com/sluicehq/sluice/workflow/validate"
)

var stacks = []string{"dev", "prod"}

func synthetic(t *testing.T, stack string) *workflow.Compiled {
	t.Helper()
	c, err := Synthetic(stack)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGolden(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			c := synthetic(t, stack)
			got, err := c.ASL()
			if err != nil {
				t.Fatal(err)
			}
			path := "testdata/" + stack + ".asl.json"
			golden.CheckASL(t, path, got)
		})
	}
}

func TestValidates(t *testing.T) {
	for _, stack := range stacks {
		c := synthetic(t, stack)
		if len(c.Warnings) > 0 {
			t.Errorf("%s: warnings:\n%v", stack, c.Warnings)
		}
		if is := validate.Machine(c.Machine, validate.WithType(Standard)); len(is) > 0 {
			t.Errorf("%s: validate.Machine:\n%v", stack, is)
		}
		if is := validate.Machine(c.Machine, validate.WithType(Standard), validate.WithTypes(c.Types)); len(is) > 0 {
			t.Errorf("%s: validate.Machine with the declared types:\n%v", stack, is)
		}
	}
}

// TestErrorNames checks that every function error name in the machine is
// the reflected type name of an fnerr type, and that the names the pipeline
// relies on are used where they must be.
func TestErrorNames(t *testing.T) {
	fnTypes := map[asl.ErrorName]bool{}
	for _, e := range []any{fnerr.ValidationFailed{}, fnerr.Retryable{}, fnerr.LoadIncomplete{},
		fnerr.EnrichmentFailed{}, fnerr.ConfigError{}, fnerr.Internal{}} {
		fnTypes[asl.ErrorName(reflect.TypeOf(e).Name())] = true
	}
	for name, want := range map[asl.ErrorName]string{
		errValidationFailed: "ValidationFailed",
		errRetryable:        "Retryable",
		errLoadIncomplete:   "LoadIncomplete",
	} {
		if string(name) != want || !fnTypes[name] {
			t.Errorf("error name %q, want fnerr type %q", name, want)
		}
	}
	c := synthetic(t, "prod")
	known := func(n asl.ErrorName) bool {
		s := string(n)
		return fnTypes[n] || strings.HasPrefix(s, "States.") || strings.HasPrefix(s, "Lambda.") || strings.HasPrefix(s, "DynamoDB.") || strings.HasPrefix(s, "Sfn.")
	}
	lambdaErrs := []asl.ErrorName{asl.LambdaServiceException, asl.LambdaAWSLambdaException, asl.LambdaSdkClientException, asl.LambdaTooManyRequestsException, errRetryable}
	lambdas := 0
	forEachState(c.Machine.States, func(name string, st asl.State) {
		h, ok := st.(asl.Handler)
		if !ok {
			return
		}
		eh := h.Handling()
		for _, r := range eh.Retry {
			for _, n := range r.ErrorEquals {
				if !known(n) {
					t.Errorf("%s: Retry names unknown error %q", name, n)
				}
			}
		}
		for _, k := range eh.Catch {
			for _, n := range k.ErrorEquals {
				if !known(n) {
					t.Errorf("%s: Catch names unknown error %q", name, n)
				}
			}
		}
		task, ok := st.(*asl.Task)
		if !ok || !strings.HasPrefix(task.Resource, "arn:aws:lambda:") {
			return
		}
		lambdas++
		if task.TimeoutSeconds == nil {
			t.Errorf("%s: Lambda task without TimeoutSeconds", name)
		}
		if len(eh.Retry) == 0 {
			t.Errorf("%s: Lambda task without Retry", name)
			return
		}
		r := eh.Retry[0]
		for _, n := range lambdaErrs {
			if !slices.Contains(r.ErrorEquals, n) {
				t.Errorf("%s: first retrier lacks %s", name, n)
			}
		}
		if r.JitterStrategy != "FULL" || r.MaxDelaySeconds == nil || r.BackoffRate == nil {
			t.Errorf("%s: retrier without FULL jitter, MaxDelaySeconds or BackoffRate", name)
		}
	})
	if lambdas != 6 {
		t.Errorf("found %d Lambda tasks, want 6", lambdas)
	}
	// The rejected path is taken on ValidationFailed from Validate and
	// Transform.
	for _, name := range []string{"Validate", "Transform"} {
		st, _ := c.Machine.States.Get(name)
		catch := st.(*asl.Task).Catch
		if len(catch) == 0 || !slices.Equal(catch[0].ErrorEquals, []asl.ErrorName{asl.ErrorName(fnerr.NameOf(&fnerr.ValidationFailed{}))}) || catch[0].Next != "ParseRejection" {
			t.Errorf("%s: first catcher = %+v, want ValidationFailed -> ParseRejection", name, catch)
		}
	}
}

func forEachState(states asl.States, f func(string, asl.State)) {
	for _, ns := range states {
		f(ns.Name, ns.State)
		switch s := ns.State.(type) {
		case *asl.Parallel:
			for _, b := range s.Branches {
				forEachState(b.States, f)
			}
		case *asl.Map:
			if p := s.Processor(); p != nil {
				forEachState(p.States, f)
			}
		}
	}
}

// pathRE finds the JSONPaths into the contract documents, in plain paths
// and inside intrinsic function calls.
var pathRE = regexp.MustCompile(`\$\.(validation|transform|load)((?:\.[A-Za-z0-9_]+)*)`)

// TestContractPaths checks every $.validation.*, $.transform.* and $.load.*
// path in the machine against the json tags of the functions/contract
// types, and every top-level event field against contract.FileEvent.
func TestContractPaths(t *testing.T) {
	roots := map[string]reflect.Type{
		"validation": reflect.TypeFor[contract.ValidateOutput](),
		"transform":  reflect.TypeFor[contract.TransformOutput](),
		"load":       reflect.TypeFor[contract.LoadOutput](),
	}
	for _, stack := range stacks {
		b, err := synthetic(t, stack).ASL()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range pathRE.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
			typ := roots[m[1]]
			for _, field := range strings.Split(strings.TrimPrefix(m[2], "."), ".") {
				if field == "" {
					continue
				}
				next, ok := jsonField(typ, field)
				if !ok {
					t.Errorf("%s: %s: %s has no json field %q", stack, m[0], typ.Name(), field)
					break
				}
				typ = next
			}
		}
		for root := range roots {
			if !seen[root] {
				t.Errorf("%s: no path into $.%s found; is the test still looking at the right machine?", stack, root)
			}
		}
		// Event fields read at the top level come from FileEvent.
		// (Inside the Map, $.chunk and $.enrich are the ItemSelector's.)
		for _, m := range regexp.MustCompile(`(?:^|[^$])\$\.([a-zA-Z]+)`).FindAllStringSubmatch(string(b), -1) {
			switch m[1] {
			case "validation", "transform", "load", "chunks", "summary", "error", "rejection", "lease",
				"claim", "owner", "notifyError", "recordError", "publishError", "chunk", "enrich",
				"Status": // DescribeOwner's ResultSelector reads the DescribeExecution output
				continue
			}
			if _, ok := jsonField(reflect.TypeFor[contract.FileEvent](), m[1]); !ok {
				t.Errorf("%s: $.%s is not a FileEvent field", stack, m[1])
			}
		}
	}
	// The negative case: a misspelt path is caught.
	if _, ok := jsonField(reflect.TypeFor[contract.TransformOutput](), "chunkcount"); ok {
		t.Error("jsonField accepted a misspelt tag")
	}
}

// jsonField returns the type of the field of struct t whose json name is
// name.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

func TestResources(t *testing.T) {
	c := synthetic(t, "dev")
	got := map[string][]string{}
	for _, r := range c.Resources {
		got[string(r.Kind)+" "+r.Name+" "+r.ARN] = r.Actions
	}
	want := map[string][]string{
		"dynamodb:table ledger arn:aws:dynamodb:us-east-1:000000000000:table/sluice-dev-ledger":         {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"events:event-bus outcomes arn:aws:events:us-east-1:000000000000:event-bus/sluice-dev-outcomes": {"events:PutEvents"},
		"lambda:function enrich arn:aws:lambda:us-east-1:000000000000:function:sluice-dev-enrich":       {"lambda:InvokeFunction"},
		"lambda:function load arn:aws:lambda:us-east-1:000000000000:function:sluice-dev-load":           {"lambda:InvokeFunction"},
		"lambda:function transform arn:aws:lambda:us-east-1:000000000000:function:sluice-dev-transform": {"lambda:InvokeFunction"},
		"lambda:function validate arn:aws:lambda:us-east-1:000000000000:function:sluice-dev-validate":   {"lambda:InvokeFunction"},
		"s3:bucket data arn:aws:s3:::sluice-dev-data-000000000000": {"s3:AbortMultipartUpload", "s3:GetObject", "s3:GetObjectTagging",
			"s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:ListMultipartUploadParts", "s3:PutObject", "s3:PutObjectTagging"},
		"sns:topic alerts arn:aws:sns:us-east-1:000000000000:sluice-dev-alerts": {"sns:Publish"},
		"states:state-machine self ": {"states:DescribeExecution", "states:StartExecution", "states:StopExecution"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Resources (-want +got):\n%s", d)
	}
}

func TestOptions(t *testing.T) {
	r := workflow.SyntheticResolver(SyntheticAccount, SyntheticRegion, "x")
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"defaults", Options{}, ""},
		{"express parent", Options{Type: "EXPRESS"}, "Distributed Map"},
		{"bad child type", Options{MapExecutionType: "FAST"}, "MapExecutionType"},
		{"bad backoff", Options{Retry: RetryOptions{BackoffRate: 0.5}}, "BackoffRate"},
		{"negative", Options{MaxConcurrency: -1}, "negative"},
		{"threshold", Options{InlineMaxChunks: 8}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Build(r, tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.o.InlineMaxChunks == 8 {
				st, _ := c.Machine.States.Get("Route")
				var v float64
				_ = json.Unmarshal(st.(*asl.Choice).Choices[1].Value, &v)
				if v != 8 {
					t.Errorf("threshold = %v, want 8", v)
				}
			}
		})
	}
	if _, err := Synthetic("staging"); err == nil {
		t.Error("Synthetic(staging) succeeded")
	}
}

// TestUnresolved checks that a resolver missing a resource fails Build with
// the state named.
func TestUnresolved(t *testing.T) {
	r := workflow.StaticResolver{workflow.KindFunction: {FunctionValidate: "arn:aws:lambda:us-east-1:1:function:v"}}
	_, err := Build(r, Options{})
	is, ok := workflow.AsIssues(err)
	if !ok {
		t.Fatalf("err = %v, want Issues", err)
	}
	if !slices.Contains(is.Codes(), workflow.CodeUnresolvedResource) {
		t.Errorf("codes = %v", is.Codes())
	}
}

// TestFailuresNameTheirState checks that every catcher leading to the
// failure path assigns failedState the name of its own state, and that the
// notification, the ledger and the Fail state's cause use it: an alarm
// must say where the file failed.
func TestFailuresNameTheirState(t *testing.T) {
	for _, stack := range stacks {
		c := synthetic(t, stack)
		catchers := 0
		forEachState(c.Machine.States, func(name string, st asl.State) {
			h, ok := st.(asl.Handler)
			if !ok {
				return
			}
			for _, k := range h.Handling().Catch {
				// The rejected path's catchers reach NotifyFailed through
				// RejectionFailed, which drops the rejection.
				if k.Next != "NotifyFailed" && k.Next != "RejectionFailed" {
					continue
				}
				catchers++
				var assign map[string]string
				if err := json.Unmarshal(k.Assign, &assign); err != nil || assign[varFailedState] != name {
					t.Errorf("%s: %s: catcher to the failure path assigns %s, want %s = %q", stack, name, k.Assign, varFailedState, name)
				}
			}
		})
		if catchers != 13 {
			t.Errorf("%s: %d catchers lead to NotifyFailed, want 13 (Claim, ReadClaim, DescribeOwner, TakeOver, Validate, Transform, Enrich, Load, LoadChunks, Record; Quarantine, NotifyRejected, RecordRejected through RejectionFailed)", stack, catchers)
		}
		b, err := c.ASL()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"state.$": "$failedState"`, `"S.$": "$failedState"`, `"CausePath": "States.Format('{} failed: {}', $failedState, $.error.Cause)"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s: the machine lacks %s", stack, want)
			}
		}
	}
}

// inputEnv resolves "$..." paths against an execution input.
type inputEnv struct{ input any }

func (e inputEnv) Resolve(p *jsonpath.Path) (any, error) { return p.Get(e.input) }

// TestLedgerKeyIsContractLedgerKey evaluates every ledger item key the
// machine writes or updates ({"pk": {"S.$": ...}}) against execution
// inputs and expects contract.LedgerKey, which the reconciler reads the
// ledger with. The unversioned case goes through the NoVersion state,
// which sets versionId to contract.NullVersion before any ledger state.
func TestLedgerKeyIsContractLedgerKey(t *testing.T) {
	b, err := synthetic(t, "dev").ASL()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if pk, ok := x["pk"].(map[string]any); ok {
				if s, ok := pk["S.$"].(string); ok {
					exprs = append(exprs, s)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(exprs) < 4 {
		t.Fatalf("found %d ledger keys, want Claim, Record, RecordRejected and RecordFailed", len(exprs))
	}
	for _, o := range []contract.Object{
		{Bucket: "data", Key: "incoming/orders/a b#c.csv", VersionID: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"},
		{Bucket: "data", Key: "incoming/readings/r.jsonl", VersionID: contract.NullVersion},
	} {
		input := map[string]any{"bucket": o.Bucket, "key": o.Key, "versionId": o.VersionID}
		for _, e := range exprs {
			call, err := intrinsic.Parse(e)
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			got, err := call.Eval(inputEnv{input})
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			if want := contract.LedgerKey(o); got != want {
				t.Errorf("%s on %+v = %v, want %q", e, o, got, want)
			}
		}
	}
}
