package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
)

// describer answers DescribeExecution from a map of ARN to status; an ARN
// it lacks does not exist.
type describer map[string]sfntypes.ExecutionStatus

func (d describer) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	st, ok := d[aws.ToString(in.ExecutionArn)]
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist")}
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: st}, nil
}

// ledgerItem writes a ledger item with status and execution for o.
func (e *env) ledgerItem(t *testing.T, o object, status, execution string) {
	t.Helper()
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(ledger), Item: map[string]ddbtypes.AttributeValue{
		"pk": s("FILE#" + bucket + "/" + o.key + "#" + o.version), "status": s(status), "execution": s(execution),
	}}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) ledgerStatus(t *testing.T, o object) string {
	t.Helper()
	out, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(ledger),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "FILE#" + bucket + "/" + o.key + "#" + o.version}}})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Item["status"].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// TestUnfinishedClaimsAreRedriven: a RUNNING claim whose execution ended,
// and FAILED, TIMED_OUT and ABORTED items, are unaccounted and redriven
// under names that make a second run start nothing and that stop after
// MaxAttempts; a RUNNING claim of a running execution, and LOADED, are
// accounted.
func TestUnfinishedClaimsAreRedriven(t *testing.T) {
	e := newEnv(t)
	exec := func(name string) string { return "arn:aws:states:us-east-1:000000000000:execution:pipeline:" + name }
	running := e.put(t, -2*time.Hour, "incoming/orders/running.csv", "order_id\n1\n")
	killed := e.put(t, -2*time.Hour, "incoming/orders/killed.csv", "order_id\n2\n")
	forgotten := e.put(t, -2*time.Hour, "incoming/orders/forgotten.csv", "order_id\n3\n")
	failed := e.put(t, -2*time.Hour, "incoming/orders/failed.csv", "order_id\n4\n")
	timedOut := e.put(t, -2*time.Hour, "incoming/orders/timedout.csv", "order_id\n5\n")
	aborted := e.put(t, -2*time.Hour, "incoming/orders/aborted.csv", "order_id\n6\n")
	exhausted := e.put(t, -2*time.Hour, "incoming/orders/exhausted.csv", "order_id\n7\n")
	loaded := e.put(t, -2*time.Hour, "incoming/orders/loaded.csv", "order_id\n8\n")
	runID := func(o object) string {
		return ExecutionName(contract.Object{Bucket: bucket, Key: o.key, VersionID: o.version, Size: o.size})
	}
	e.ledgerItem(t, running, "RUNNING", exec("a"))
	e.ledgerItem(t, killed, "RUNNING", exec("b"))
	e.ledgerItem(t, forgotten, "RUNNING", exec("gone-long-ago"))
	e.ledgerItem(t, failed, "FAILED", exec(runID(failed))) // the first redrive's
	e.ledgerItem(t, timedOut, "TIMED_OUT", exec("d"))
	e.ledgerItem(t, aborted, "ABORTED", exec(runID(aborted)+"-2"))
	e.ledgerItem(t, exhausted, "FAILED", exec(runID(exhausted)+"-3"))
	e.ledgerItem(t, loaded, "LOADED", exec("e"))
	e.h.Executions = describer{exec("a"): sfntypes.ExecutionStatusRunning, exec("b"): sfntypes.ExecutionStatusAborted}
	e.h.Config.Redrive = true

	rep, err := e.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Status, Redrive, Execution string
	}
	byKey := map[string]got{}
	for _, f := range rep.Unaccounted {
		if f.Reason != ReasonUnfinished {
			t.Errorf("%s: reason %s, want %s", f.Key, f.Reason, ReasonUnfinished)
		}
		byKey[f.Key] = got{f.Status, string(f.Redrive), strings.TrimPrefix(f.Execution, exec(""))}
	}
	want := map[string]got{
		killed.key:    {"RUNNING", "started", runID(killed) + "-1"},
		forgotten.key: {"RUNNING", "started", runID(forgotten) + "-1"},
		failed.key:    {"FAILED", "started", runID(failed) + "-2"},
		timedOut.key:  {"TIMED_OUT", "started", runID(timedOut) + "-1"},
		aborted.key:   {"ABORTED", "started", runID(aborted) + "-3"},
		exhausted.key: {"FAILED", "exhausted", ""},
	}
	if d := cmp.Diff(want, byKey); d != "" {
		t.Errorf("unaccounted (-want +got):\n%s", d)
	}
	if rep.Accounted != 2 || rep.Redriven != 5 {
		t.Errorf("accounted %d, redriven %d; want 2 (running, loaded) and 5", rep.Accounted, rep.Redriven)
	}

	// A second run over the same ledger starts nothing new.
	e.starter.exists = map[string]bool{}
	for _, c := range e.starter.calls {
		e.starter.exists[aws.ToString(c.Name)] = true
	}
	rep, err = e.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Redriven != 0 {
		t.Errorf("the second run started %d executions, want 0", rep.Redriven)
	}
}

// TestRecordEnd: a status change event of an execution that still holds
// its RUNNING claim records the end; one whose claim moved on (recorded,
// taken over) changes nothing; an event of no file is ignored.
func TestRecordEnd(t *testing.T) {
	e := newEnv(t)
	e.h.Recorder = e.db
	o := e.put(t, -time.Hour, "incoming/orders/x.csv", "order_id\n1\n")
	input, _ := json.Marshal(contract.FileEvent{Dataset: "orders", Bucket: bucket, Key: o.key, VersionID: o.version, Size: o.size})
	arn := "arn:aws:states:us-east-1:000000000000:execution:pipeline:x"
	event := func(status, execution string, in *string) Request {
		return Request{ID: "ev", DetailType: contract.DetailTypeExecutionStatus, Detail: &ExecutionStatusChange{
			ExecutionARN: execution, Status: status, Input: in, StopDate: now.UnixMilli()}}
	}
	in := string(input)
	tests := []struct {
		name, ledger, status, execution string
		input                           *string
		wantRecorded                    bool
		wantLedger                      string
	}{
		{"timed out", "RUNNING", "TIMED_OUT", arn, &in, true, "TIMED_OUT"},
		{"aborted", "RUNNING", "ABORTED", arn, &in, true, "ABORTED"},
		{"failed unrecorded", "RUNNING", "FAILED", arn, &in, true, "FAILED"},
		{"recorded by itself", "REJECTED", "FAILED", arn, &in, false, "REJECTED"},
		{"taken over", "RUNNING", "ABORTED", arn + "-old", &in, false, "RUNNING"},
		{"succeeded", "RUNNING", "SUCCEEDED", arn, &in, false, "RUNNING"},
		{"no input", "RUNNING", "FAILED", arn, nil, false, "RUNNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.ledgerItem(t, o, tt.ledger, arn)
			rep, err := e.h.Handle(t.Context(), event(tt.status, tt.execution, tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Ended == nil || rep.Ended.Recorded != tt.wantRecorded {
				t.Errorf("ended %+v, want recorded %v", rep.Ended, tt.wantRecorded)
			}
			if st := e.ledgerStatus(t, o); st != tt.wantLedger {
				t.Errorf("the ledger says %s, want %s", st, tt.wantLedger)
			}
		})
	}
}
