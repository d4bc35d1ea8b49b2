package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
)

// ExecutionStatusChange is the detail of a contract.DetailTypeExecutionStatus event
// (the fields the function reads).
type ExecutionStatusChange struct {
	ExecutionARN    string `json:"executionArn"`
	StateMachineARN string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	// Input is the execution input, a JSON text (a contract.FileEvent for
	// the pipeline); null when too large to include.
	Input *string `json:"input"`
	// Error and Cause are the execution's, when it failed.
	Error *string `json:"error"`
	Cause *string `json:"cause"`
	// StopDate is when it ended, in milliseconds since the epoch.
	StopDate int64 `json:"stopDate"`
}

// endError is the error recorded for an end whose event carries none.
var endError = map[string]string{"FAILED": "Sluice.ExecutionFailed", "TIMED_OUT": "States.Timeout", "ABORTED": "Sluice.ExecutionAborted"}

// Ended is what RecordEnd did with one status change event.
type Ended struct {
	// Execution and Status are the event's.
	Execution string `json:"execution"`
	Status    string `json:"status"`
	// Key is the ledger key of the execution's file version ("" when the
	// input names none).
	Key string `json:"key,omitempty"`
	// Recorded reports that the ledger item was still the execution's
	// RUNNING claim and now holds Status; otherwise Note says why not
	// (the execution recorded its own outcome, or another execution has
	// taken the claim over, or the event is not about a file).
	Recorded bool   `json:"recorded"`
	Note     string `json:"note,omitempty"`
}

// RecordEnd records in the ledger the end of an execution of the pipeline
// that could not record it itself: a status change event's FAILED,
// TIMED_OUT or ABORTED on the execution's RUNNING claim. The update is
// conditional on the claim still naming the execution, so it never
// overwrites an outcome or another execution's claim, and a second
// delivery of the event changes nothing. The next event for the file (or
// the reconciler's redrive) may then claim the file again. It logs one
// line (level WARN when it recorded), which with the platform's alarms on
// the machine's failed, timed-out and aborted executions makes the end
// visible.
func (h *Handler) RecordEnd(ctx context.Context, req Request) (*Ended, error) {
	d := req.Detail
	if d == nil {
		return nil, &fnerr.Internal{Msg: "reconcile: execution status change without detail"}
	}
	end := &Ended{Execution: d.ExecutionARN, Status: d.Status}
	log := slog.New(slog.NewJSONHandler(h.log(), nil))
	defer func() {
		level := slog.LevelInfo
		if end.Recorded {
			level = slog.LevelWarn
		}
		attrs := []any{slog.String("execution", end.Execution), slog.String("status", end.Status), slog.String("ledgerKey", end.Key),
			slog.Bool("recorded", end.Recorded), slog.String("note", end.Note)}
		if req.ID != "" {
			attrs = append(attrs, slog.String("invocation", req.ID))
		}
		log.Log(context.Background(), level, "execution ended", attrs...)
	}()
	ended := false
	for _, s := range contract.EndedStatuses() {
		ended = ended || s == d.Status
	}
	if !ended || d.ExecutionARN == "" {
		end.Note = "not an execution end this function records"
		return end, nil
	}
	var ev contract.FileEvent
	if d.Input == nil || json.Unmarshal([]byte(*d.Input), &ev) != nil || ev.Bucket == "" || ev.Key == "" {
		// A Distributed Map child execution, or an input too large to
		// be included: the scheduled run finds the claim through
		// DescribeExecution instead.
		end.Note = "the execution input names no file"
		return end, nil
	}
	if h.Recorder == nil || h.Config.LedgerTable == "" {
		return end, &fnerr.ConfigError{Msg: "reconcile: recording an execution's end needs Recorder and the ledger table"}
	}
	end.Key = contract.LedgerKey(ev.Source())
	at := time.Now().UTC()
	if d.StopDate > 0 {
		at = time.UnixMilli(d.StopDate).UTC()
	}
	str := func(p *string, def string) string {
		if p == nil || *p == "" {
			return def
		}
		return *p
	}
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	_, err := h.Recorder.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(h.Config.LedgerTable),
		Key:                 map[string]ddbtypes.AttributeValue{"pk": s(end.Key)},
		UpdateExpression:    aws.String("SET #status = :status, #error = :error, #cause = :cause, #finishedAt = :at"),
		ConditionExpression: aws.String("#status = :running AND #execution = :execution"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#error": "error", "#cause": "cause",
			"#finishedAt": "finishedAt", "#execution": "execution"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":status": s(d.Status), ":running": s(contract.StatusRunning), ":execution": s(d.ExecutionARN),
			":error": s(str(d.Error, endError[d.Status])),
			":cause": s(str(d.Cause, "the execution ended "+d.Status+" without recording an outcome")),
			":at":    s(at.Format(time.RFC3339Nano)),
		},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		end.Note = "the ledger no longer holds this execution's RUNNING claim (it recorded its outcome, or another execution took the claim over)"
		return end, nil
	case err != nil:
		return end, awsapi.Classify(fmt.Sprintf("dynamodb UpdateItem %s %s", h.Config.LedgerTable, end.Key), err)
	}
	end.Recorded = true
	return end, nil
}
