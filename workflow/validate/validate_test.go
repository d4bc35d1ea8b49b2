package validate_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

func readDoc(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errorCodes returns the sorted, distinct codes of the Error issues.
func errorCodes(is validate.Issues) []string {
	codes := is.Errors().Codes()
	if len(codes) == 0 {
		return nil
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// TestMustShow: each bad definition in testdata has exactly one kind of
// error, with its own code, at the expected path.
func TestMustShow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		wantCode string
		wantPath string
	}{
		{"unreachable.asl.json", validate.CodeUnreachableState, "States.Orphan"},
		{"missing-next-target.asl.json", validate.CodeMissingNextTarget, "States.A.Next"},
		{"map-leaves-processor.asl.json", validate.CodeTransitionOutsideGraph, "States.Each.ItemProcessor.States.Work.Next"},
		{"states-all-not-last.asl.json", validate.CodeErrorAllNotLast, "States.Work.Catch[0].ErrorEquals"},
		{"choice-without-choices.asl.json", validate.CodeChoiceWithoutChoices, "States.Route.Choices"},
		{"backoff-below-one.asl.json", validate.CodeBackoffRateBelowOne, "States.Work.Retry[0].BackoffRate"},
		{"bad-jsonpath.asl.json", validate.CodeInvalidJSONPath, "States.A.InputPath"},
		{"duplicate-across-branches.asl.json", validate.CodeDuplicateStateName, "States.Fanout.Branches[1].States.Load"},
		{"next-and-end.asl.json", validate.CodeNextAndEnd, "States.A.End"},
		{"fail-with-next.asl.json", validate.CodeTransitionNotAllowed, "States.Boom.Next"},
		{"negative-wait.asl.json", validate.CodeNegativeWait, "States.Pause.Seconds"},
		{"unknown-intrinsic.asl.json", validate.CodeUnknownIntrinsic, "States.A.Parameters.id.$"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		if prev, dup := seen[tt.wantCode]; dup {
			t.Fatalf("%s and %s share code %s", prev, tt.file, tt.wantCode)
		}
		seen[tt.wantCode] = tt.file
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			_, issues, err := validate.Document(readDoc(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tt.wantCode}, errorCodes(issues)); diff != "" {
				t.Errorf("error codes (-want +got):\n%s\nissues:\n%v", diff, issues)
			}
			var paths []string
			for _, is := range issues.Errors() {
				paths = append(paths, is.Path)
			}
			if !slices.Contains(paths, tt.wantPath) {
				t.Errorf("no error at %s; got %v", tt.wantPath, paths)
			}
			if issues.Err() == nil {
				t.Error("Err() is nil for a definition with errors")
			}
		})
	}
}

func TestValidFile(t *testing.T) {
	t.Parallel()
	m, issues, err := validate.Document(readDoc(t, "valid.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 0 {
		t.Errorf("want no issues, got:\n%v", issues)
	}
	if issues.Err() != nil {
		t.Error("Err() is not nil")
	}
	if got := validate.Machine(m); len(got) != 0 {
		t.Errorf("Machine: want no issues, got:\n%v", got)
	}
}

func TestWarningsOnly(t *testing.T) {
	t.Parallel()
	_, issues, err := validate.Document(readDoc(t, "warnings-only.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if issues.Err() != nil {
		t.Fatalf("warnings must not make Err non-nil: %v", issues)
	}
	got := issues.Warnings().Codes()
	slices.Sort(got)
	want := []string{validate.CodeChoiceWithoutDefault, validate.CodeLambdaRetryMissing, validate.CodeTaskWithoutTimeout}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warning codes (-want +got):\n%s", diff)
	}
}

func TestSyntaxError(t *testing.T) {
	t.Parallel()
	_, _, err := validate.Document(readDoc(t, "syntax-error.asl.json"))
	var se *asl.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("want *asl.SyntaxError, got %v", err)
	}
	if se.Line != 5 {
		t.Errorf("line: want 5, got %d", se.Line)
	}
}

func TestSchemaError(t *testing.T) {
	t.Parallel()
	m, issues, err := validate.Document(readDoc(t, "schema-error.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		t.Error("want a nil machine for a document that does not decode")
	}
	want := validate.Issues{{Path: "States.A.End", Code: validate.CodeSchemaError}}
	if diff := cmp.Diff(want, issues, cmp.Comparer(func(a, b validate.Issue) bool { return a.Path == b.Path && a.Code == b.Code })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// doc wraps states (the inside of a States object) into a machine starting
// at the first one.
func doc(startAt, states string) string {
	return `{"StartAt":"` + startAt + `","States":{` + states + `}}`
}

const (
	sqsTask = `"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":30`
	ok      = `"Done":{"Type":"Succeed"}`
)

func TestCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		opts     []validate.Option
		wantCode string // "" means: no errors
		wantPath string
	}{
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, nil, validate.CodeMissingStartAt, "StartAt"},
		{"unknown StartAt", doc("B", `"A":{"Type":"Succeed"}`), nil, validate.CodeUnknownStartAt, "StartAt"},
		{"empty States", `{"StartAt":"A","States":{}}`, nil, validate.CodeEmptyStates, "States"},
		{"missing Next", doc("A", `"A":{"Type":"Pass"}`), nil, validate.CodeMissingTransition, "States.A"},
		{"choice with End", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Done"}],"Default":"Done","End":true},`+ok), nil, validate.CodeTransitionNotAllowed, "States.A.End"},
		{"succeed with Next", doc("A", `"A":{"Type":"Succeed","Next":"A"}`), nil, validate.CodeTransitionNotAllowed, "States.A.Next"},
		{"field of another type", doc("A", `"A":{"Type":"Wait","Seconds":1,"Parameters":{},"End":true}`), nil, validate.CodeFieldNotAllowed, "States.A.Parameters"},
		{"unknown field", doc("A", `"A":{"Type":"Pass","Bogus":1,"End":true}`), nil, validate.CodeSchemaError, "States.A.Bogus"},
		{"Parameters in JSONata", doc("A", `"A":{"Type":"Pass","QueryLanguage":"JSONata","Parameters":{},"End":true}`), nil, validate.CodeFieldNotInQueryLanguage, "States.A.Parameters"},
		{"Arguments in JSONPath", doc("A", `"A":{`+sqsTask+`,"Arguments":{},"End":true}`), nil, validate.CodeFieldNotInQueryLanguage, "States.A.Arguments"},
		{"bad query language", doc("A", `"A":{"Type":"Pass","QueryLanguage":"XPath","End":true}`), nil, validate.CodeInvalidQueryLanguage, "States.A.QueryLanguage"},
		{"JSONPath state in JSONata machine", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`, nil, validate.CodeInvalidQueryLanguage, "States.A.QueryLanguage"},
		{"rule without operator", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceRuleOperator, "States.A.Choices[0]"},
		{"rule with two operators", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"IsNull":false,"Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceRuleOperator, "States.A.Choices[0]"},
		{"StringEquals with a number", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":1,"Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceOperandType, "States.A.Choices[0].StringEquals"},
		{"timestamp not RFC 3339", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","TimestampEquals":"2026-01-02 10:00","Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceOperandType, "States.A.Choices[0].TimestampEquals"},
		{"nested rule with Next", doc("A", `"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsPresent":true,"Next":"Done"},"Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceRuleNext, "States.A.Choices[0].Not.Next"},
		{"comparison without Variable", doc("A", `"A":{"Type":"Choice","Choices":[{"IsPresent":true,"Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeChoiceRuleVariable, "States.A.Choices[0].Variable"},
		{"JSONata rule without Condition", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Next":"Done"}],"Default":"Done"},` + ok + `}}`, nil, validate.CodeChoiceRuleCondition, "States.A.Choices[0].Condition"},
		{"wait without duration", doc("A", `"A":{"Type":"Wait","End":true}`), nil, validate.CodeWaitDuration, "States.A"},
		{"wait with two durations", doc("A", `"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), nil, validate.CodeWaitDuration, "States.A"},
		{"wait bad timestamp", doc("A", `"A":{"Type":"Wait","Timestamp":"tomorrow","End":true}`), nil, validate.CodeInvalidTimestamp, "States.A.Timestamp"},
		{"MaxAttempts negative", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":-1}],"End":true}`), nil, validate.CodeRetryOutOfRange, "States.A.Retry[0].MaxAttempts"},
		{"IntervalSeconds zero", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":0}],"End":true}`), nil, validate.CodeRetryOutOfRange, "States.A.Retry[0].IntervalSeconds"},
		{"MaxDelaySeconds too big", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxDelaySeconds":31622401}],"End":true}`), nil, validate.CodeRetryOutOfRange, "States.A.Retry[0].MaxDelaySeconds"},
		{"jitter", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"JitterStrategy":"SOME"}],"End":true}`), nil, validate.CodeInvalidJitterStrategy, "States.A.Retry[0].JitterStrategy"},
		{"States.ALL not alone", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.ALL","States.Timeout"]}],"End":true}`), nil, validate.CodeErrorAllNotAlone, "States.A.Retry[0].ErrorEquals"},
		{"empty ErrorEquals", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":[]}],"End":true}`), nil, validate.CodeEmptyErrorEquals, "States.A.Retry[0].ErrorEquals"},
		{"timeout and path", doc("A", `"A":{`+sqsTask+`,"TimeoutSecondsPath":"$.t","End":true}`), nil, validate.CodeMutuallyExclusiveFields, "States.A.TimeoutSecondsPath"},
		{"timeout zero", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":0,"End":true}`), nil, validate.CodeValueOutOfRange, "States.A.TimeoutSeconds"},
		{"heartbeat not below timeout", doc("A", `"A":{`+sqsTask+`,"HeartbeatSeconds":30,"End":true}`), nil, validate.CodeHeartbeatNotBelowTimeout, "States.A.HeartbeatSeconds"},
		{"task without resource", doc("A", `"A":{"Type":"Task","TimeoutSeconds":3,"End":true}`), nil, validate.CodeMissingResource, "States.A.Resource"},
		{"resource not an ARN", doc("A", `"A":{"Type":"Task","Resource":"my-function","TimeoutSeconds":3,"End":true}`), nil, validate.CodeInvalidResource, "States.A.Resource"},
		{"resource in another partition", doc("A", `"A":{"Type":"Task","Resource":"arn:aws-cn:states:::sqs:sendMessage","TimeoutSeconds":3,"End":true}`), nil, "", ""},
		{"fail Error and ErrorPath", doc("A", `"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), nil, validate.CodeMutuallyExclusiveFields, "States.A.ErrorPath"},
		{"parallel without branches", doc("A", `"A":{"Type":"Parallel","Branches":[],"End":true}`), nil, validate.CodeParallelWithoutBranches, "States.A.Branches"},
		{"map without processor", doc("A", `"A":{"Type":"Map","End":true}`), nil, validate.CodeMapProcessor, "States.A"},
		{"map with both processors", doc("A", `"A":{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"Iterator":{"StartAt":"C","States":{"C":{"Type":"Succeed"}}},"End":true}`), nil, validate.CodeMapProcessor, "States.A.Iterator"},
		{"map bad mode", doc("A", `"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), nil, validate.CodeInvalidEnum, "States.A.ItemProcessor.ProcessorConfig.Mode"},
		{"ItemReader in INLINE", doc("A", `"A":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), nil, validate.CodeDistributedOnly, "States.A.ItemReader"},
		{"ProcessorConfig in a branch", doc("A", `"A":{"Type":"Parallel","Branches":[{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}}],"End":true}`), nil, validate.CodeProcessorConfigOutsideMap, "States.A.Branches[0].ProcessorConfig"},
		{"Next into a branch", doc("P", `"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}],"Next":"A"},"A":{"Type":"Pass","Next":"B"}`), nil, validate.CodeTransitionOutsideGraph, "States.A.Next"},
		{"dynamic value not a string", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":1},"End":true}`), nil, validate.CodeInvalidDynamicValue, "States.A.Parameters.x.$"},
		{"wildcard in ResultPath", doc("A", `"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), nil, validate.CodeInvalidReferencePath, "States.A.ResultPath"},
		{"ResultPath into context", doc("A", `"A":{"Type":"Pass","ResultPath":"$$.Execution","End":true}`), nil, validate.CodeInvalidReferencePath, "States.A.ResultPath"},
		{"bad JSONPath in a template", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"$..["},"End":true}`), nil, validate.CodeInvalidJSONPath, "States.A.Parameters.x.$"},
		{"intrinsic arity", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"States.UUID($.a)"},"End":true}`), nil, validate.CodeIntrinsicArity, "States.A.Parameters.x.$"},
		{"intrinsic syntax", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"States.Format('a'"},"End":true}`), nil, validate.CodeInvalidIntrinsic, "States.A.Parameters.x.$"},
		{"JSONata syntax", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% 1 + %}","End":true}}}`, nil, validate.CodeInvalidJSONata, "States.A.Output"},
		{"JSONata not wrapped", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"a":"{% 1 + 1"},"End":true}}}`, nil, validate.CodeJSONataNotWrapped, "States.A.Output.a"},
		{"two JSONata expressions in one string", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.a %} and {% $states.input.b %}","End":true}}}`, nil, validate.CodeJSONataNotWrapped, "States.A.Output"},
		{"unknown field in a rule", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","Commment":"typo","Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeSchemaError, "States.A.Choices[0].Commment"},
		{"unknown field in a nested rule", doc("A", `"A":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsNull":true},{"Variable":"$.b","IsNull":true,"Bogus":1}],"Next":"Done"}],"Default":"Done"},`+ok), nil, validate.CodeSchemaError, "States.A.Choices[0].And[1].Bogus"},
		{"unknown field in a retrier", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempt":2}],"End":true}`), nil, validate.CodeSchemaError, "States.A.Retry[0].MaxAttempt"},
		{"unknown field in a catcher", doc("A", `"A":{`+sqsTask+`,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done","Result":"$.e"}],"Next":"Done"},`+ok), nil, validate.CodeSchemaError, "States.A.Catch[0].Result"},
		{"null Next", doc("A", `"A":{"Type":"Pass","Next":null,"End":true}`), nil, validate.CodeSchemaError, "States.A.Next"},
		{"null Retry", doc("A", `"A":{`+sqsTask+`,"Retry":null,"End":true}`), nil, validate.CodeSchemaError, "States.A.Retry"},
		{"null StartAt", `{"StartAt":null,"States":{"A":{"Type":"Succeed"}}}`, nil, validate.CodeSchemaError, "StartAt"},
		{"null in a retrier", doc("A", `"A":{`+sqsTask+`,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":null}],"End":true}`), nil, validate.CodeSchemaError, "States.A.Retry[0].MaxAttempts"},
		{"null Next in a rule", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":null}],"Default":"Done"},`+ok), nil, validate.CodeSchemaError, "States.A.Choices[0].Next"},
		{"JSONata string TimeoutSeconds in JSONPath", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":"{% 3 %}","End":true}`), nil, validate.CodeFieldNotInQueryLanguage, "States.A.TimeoutSeconds"},
		{"bad variable name", doc("A", `"A":{"Type":"Pass","Assign":{"1x":1},"End":true}`), nil, validate.CodeInvalidVariableName, "States.A.Assign.1x"},
		{"variable assigned later is a warning", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"$v"},"Next":"B"},"B":{"Type":"Pass","Assign":{"v":1},"End":true}`), nil, "", ""},
		{"variable assigned by a catcher", doc("A", `"A":{`+sqsTask+`,"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"failed":true},"Next":"B"}],"End":true},"B":{"Type":"Pass","Parameters":{"x.$":"$failed"},"End":true}`), nil, "", ""},
		{"variable assigned by a choice rule", doc("C", `"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Assign":{"v":1},"Next":"B"}],"Default":"B"},"B":{"Type":"Pass","Parameters":{"x.$":"$v"},"End":true}`), nil, "", ""},
		{"null ResultPath is a value", doc("A", `"A":{"Type":"Pass","ResultPath":null,"OutputPath":null,"Result":null,"End":true}`), nil, "", ""},
		{"variable from outer scope", doc("A", `"A":{"Type":"Pass","Assign":{"v":1},"Next":"P"},"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"x.$":"$v"},"End":true}}}],"End":true}`), nil, "", ""},
		{"express .sync", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","TimeoutSeconds":30,"End":true}`), []validate.Option{validate.WithType("EXPRESS")}, validate.CodeExpressUnsupportedIntegration, "States.A.Resource"},
		{"express child .sync", doc("M", `"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":30,"Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}},"End":true}`), nil, validate.CodeExpressUnsupportedIntegration, "States.M.ItemProcessor.States.T.Resource"},
		{"standard child .sync in an express machine", doc("M", `"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","TimeoutSeconds":30,"End":true}}},"End":true}`), []validate.Option{validate.WithType("EXPRESS")}, "", ""},
		{"inline map in an express machine", doc("M", `"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","TimeoutSeconds":30,"End":true}}},"End":true}`), []validate.Option{validate.WithType("EXPRESS")}, validate.CodeExpressUnsupportedIntegration, "States.M.ItemProcessor.States.T.Resource"},
		{"standard .sync", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","TimeoutSeconds":30,"End":true}`), nil, "", ""},
		{"express activity", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:eu-west-1:123456789012:activity:approve","TimeoutSeconds":30,"End":true}`), []validate.Option{validate.WithType("EXPRESS")}, validate.CodeExpressActivity, "States.A.Resource"},
		{"too large", doc("A", `"A":{"Type":"Succeed"}`), []validate.Option{validate.WithDefinitionSize(validate.MaxDefinitionSize + 1)}, validate.CodeDefinitionTooLarge, ""},
		{"name too long", doc(strings.Repeat("n", 81), `"`+strings.Repeat("n", 81)+`":{"Type":"Succeed"}`), nil, validate.CodeInvalidStateName, "States." + strings.Repeat("n", 81)},
		{"duplicate in one graph", doc("A", `"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}`), nil, validate.CodeDuplicateStateName, "States.A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, issues, err := validate.Document([]byte(tt.doc), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.wantCode != "" {
				want = []string{tt.wantCode}
			}
			if diff := cmp.Diff(want, errorCodes(issues)); diff != "" {
				t.Fatalf("error codes (-want +got):\n%s\nissues:\n%v", diff, issues)
			}
			if tt.wantCode == "" {
				return
			}
			for _, is := range issues.Errors() {
				if is.Path == tt.wantPath {
					return
				}
			}
			t.Errorf("no %s at %q:\n%v", tt.wantCode, tt.wantPath, issues)
		})
	}
}

func TestWarningCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		opts     []validate.Option
		wantCode string
		wantPath string
	}{
		{"variable maybe unassigned", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"$v"},"Next":"B"},"B":{"Type":"Pass","Assign":{"v":1},"End":true}`), nil, validate.CodeVariableMaybeUnassigned, "States.A.Parameters.x.$"},
		{"undefined JSONata variable", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $nobody %}","End":true}}}`, nil, validate.CodeUndefinedVariable, "States.A.Output"},
		{"undefined variable", doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"$nobody"},"End":true}`), nil, validate.CodeUndefinedVariable, "States.A.Parameters.x.$"},
		{"JSONata variable read before assigned", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $v %}","Next":"B"},"B":{"Type":"Pass","Assign":{"v":1},"End":true}}}`, nil, validate.CodeVariableMaybeUnassigned, "States.A.Output"},
		{"distributed map does not see outer variables", doc("A", `"A":{"Type":"Pass","Assign":{"v":1},"Next":"M"},"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"x.$":"$v"},"End":true}}},"End":true}`), nil, validate.CodeVariableMaybeUnassigned, "States.M.ItemProcessor.States.B.Parameters.x.$"},
		{"branch variables stay in the branch", doc("P", `"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"v":1},"End":true}}}],"Next":"A"},"A":{"Type":"Pass","Parameters":{"x.$":"$v"},"End":true}`), nil, validate.CodeVariableMaybeUnassigned, "States.A.Parameters.x.$"},
		{"express distributed map", doc("A", `"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), []validate.Option{validate.WithType("EXPRESS")}, validate.CodeExpressDistributedMap, "States.A.ItemProcessor.ProcessorConfig.Mode"},
		{"tolerated failure on INLINE", doc("A", `"A":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), nil, validate.CodeDistributedOnly, "States.A.ToleratedFailureCount"},
		{"lambda without retry", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":3,"End":true}`), nil, validate.CodeLambdaRetryMissing, "States.A.Retry"},
		{"choice without default", doc("A", `"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Done"}]},`+ok), nil, validate.CodeChoiceWithoutDefault, "States.A"},
		{"task without timeout", doc("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}`), nil, validate.CodeTaskWithoutTimeout, "States.A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, issues, err := validate.Document([]byte(tt.doc), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if errs := issues.Errors(); len(errs) > 0 {
				t.Fatalf("want no errors, got:\n%v", errs)
			}
			var got []string
			for _, is := range issues.Warnings() {
				got = append(got, is.Code+" at "+is.Path)
			}
			if diff := cmp.Diff([]string{tt.wantCode + " at " + tt.wantPath}, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIssuesSortedAndCapped(t *testing.T) {
	t.Parallel()
	var states []string
	for i := 0; i < 12; i++ {
		states = append(states, `"S`+string(rune('a'+i))+`":{"Type":"Pass","Next":"Nowhere"}`)
	}
	b := []byte(doc("Sa", strings.Join(states, ",")))
	_, issues, err := validate.Document(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(issues, func(a, b validate.Issue) int { return strings.Compare(a.Path, b.Path) }) {
		t.Errorf("issues not sorted by path:\n%v", issues)
	}
	_, capped, _ := validate.Document(b, validate.WithMaxIssues(5))
	if len(capped) != 6 {
		t.Fatalf("want 5 issues and a TooManyIssues, got %d:\n%v", len(capped), capped)
	}
	last := capped[len(capped)-1]
	if last.Code != validate.CodeTooManyIssues || last.Severity != validate.Error {
		t.Errorf("last issue: got %+v", last)
	}
}

func TestIssuesInDocumentOrder(t *testing.T) {
	// Issues come state by state as the document lists them (Zeta before
	// Alpha), the states of a Parallel's branches right after it, and the
	// machine's own fields first.
	t.Parallel()
	b := []byte(`{"StartAt":"Zeta","TimeoutSeconds":-1,"States":{
		"Zeta":{"Type":"Pass","ResultPath":"bad","Next":"Fan"},
		"Fan":{"Type":"Parallel","Next":"Alpha","Branches":[
			{"StartAt":"Y","States":{"Y":{"Type":"Pass","ResultPath":"bad","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Pass","ResultPath":"bad","End":true}}}]},
		"Alpha":{"Type":"Pass","ResultPath":"bad","End":true}}}`)
	_, issues, err := validate.Document(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range issues.Errors() {
		got = append(got, is.Path)
	}
	want := []string{
		"TimeoutSeconds",
		"States.Zeta.ResultPath",
		"States.Fan.Branches[0].States.Y.ResultPath",
		"States.Fan.Branches[1].States.B.ResultPath",
		"States.Alpha.ResultPath",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issue paths (-want +got):\n%s", diff)
	}
}

func TestRetryPathsSortNumerically(t *testing.T) {
	t.Parallel()
	var retry []string
	for i := 0; i < 11; i++ {
		retry = append(retry, `{"ErrorEquals":["E"],"BackoffRate":0.5}`)
	}
	b := []byte(doc("A", `"A":{`+sqsTask+`,"Retry":[`+strings.Join(retry, ",")+`],"End":true}`))
	_, issues, _ := validate.Document(b)
	var got []string
	for _, is := range issues.Errors() {
		got = append(got, strings.TrimPrefix(is.Path, "States.A."))
	}
	if len(got) != 11 || got[2] != "Retry[2].BackoffRate" || got[10] != "Retry[10].BackoffRate" {
		t.Errorf("got %v", got)
	}
}

func TestMachineNil(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff([]string{validate.CodeSchemaError}, validate.Machine(nil).Codes()); diff != "" {
		t.Error(diff)
	}
}

// TestErrorsOnly: WithErrorsOnly reports the same errors as a full
// validation and none of the warnings only the data flow and the budgets
// raise.
func TestErrorsOnly(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.asl.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	docs := map[string]string{
		"path type mismatch":        doc("A", `"A":{"Type":"Pass","Result":"text","ResultPath":"$.items","Next":"M"},"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`),
		"variable maybe unassigned": doc("A", `"A":{"Type":"Pass","Parameters":{"x.$":"$v"},"Next":"B"},"B":{"Type":"Pass","Assign":{"v":1},"End":true}`),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	flowOnly := map[string]bool{validate.CodePathTypeMismatch: true, validate.CodePayloadTooLarge: true, validate.CodeHistoryTooLong: true,
		validate.CodeUnboundedLoop: true, validate.CodeUnknownInputField: true, validate.CodeMissingInputField: true}
	sawFlowWarning := false
	for name, d := range docs {
		m, err := asl.Unmarshal([]byte(d))
		if err != nil {
			continue // a syntax or schema case: nothing to compare
		}
		full, errorsOnly := validate.Machine(m), validate.Machine(m, validate.WithErrorsOnly())
		if diff := cmp.Diff(full.Errors(), errorsOnly.Errors()); diff != "" {
			t.Errorf("%s: errors (-full +errors only):\n%s", name, diff)
		}
		for _, is := range full.Warnings() {
			sawFlowWarning = sawFlowWarning || flowOnly[is.Code]
		}
		for _, is := range errorsOnly.Warnings() {
			if flowOnly[is.Code] {
				t.Errorf("%s: errors only still warns %s at %s", name, is.Code, is.Path)
			}
		}
	}
	if !sawFlowWarning {
		t.Error("no case raised a data-flow warning in a full validation: the test checks nothing")
	}
}
