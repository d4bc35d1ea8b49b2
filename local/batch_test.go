package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// upload puts files into the orders prefix without running them, as files
// of a batch dataset land.
func upload(t *testing.T, r *Runtime, files ...string) []contract.FileEvent {
	t.Helper()
	var evs []contract.FileEvent
	for _, f := range files {
		ev, _, err := r.Upload(context.Background(), "orders", f)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func ledgerStatus(t *testing.T, r *Runtime, ev contract.FileEvent) string {
	t.Helper()
	out, err := r.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(r.Tables["ledger"]),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: contract.LedgerKey(ev.Source())}}})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := out.Item["status"].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func statuses(files []*FileResult) map[string]Status {
	out := map[string]Status{}
	for _, f := range files {
		out[filepath.Base(f.Key)] = f.Status
	}
	return out
}

func TestBatchTakesEveryPendingFileOnce(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	var files []string
	for i := range 6 {
		files = append(files, writeCSV(t, dir, fmt.Sprintf("o%02d.csv", i), 2))
	}
	files = append(files, writeCSV(t, dir, "bad.csv", 2))
	evs := upload(t, r, files...)
	// The batch lists in key order: bad.csv first.
	evs = append(evs[len(evs)-1:], evs[:len(evs)-1]...)

	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.BatchSummary{Dataset: "orders", Files: 7, Loaded: 6, Rejected: 1}
	if d := cmp.Diff(want, res.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if res.Status != engine.StatusSucceeded {
		t.Errorf("batch %s %s %s, want SUCCEEDED", res.Status, res.Error, res.Cause)
	}
	for i, ev := range evs {
		want := contract.StatusLoaded
		if strings.Contains(ev.Key, "bad") {
			want = contract.StatusRejected
		}
		if got := ledgerStatus(t, r, ev); got != want {
			t.Errorf("%s: ledger %q, want %q", ev.Key, got, want)
		}
		if f := res.Files[i]; f.Key != ev.Key || f.VersionID != ev.VersionID || string(f.Status) != want {
			t.Errorf("file %d: %s %s %s, want %s %s %s", i, f.Key, f.VersionID, f.Status, ev.Key, ev.VersionID, want)
		} else if want == contract.StatusLoaded && (f.RecordsIn != 2 || f.RecordsLoaded != 2) {
			t.Errorf("%s: %d records in, %d loaded, want 2 and 2", f.Key, f.RecordsIn, f.RecordsLoaded)
		}
	}
	// The fake loader keys items by row number: 2 items, written by 6 files.
	if got := scanCount(t, r); got != 2 {
		t.Errorf("%d items, want 2", got)
	}
	bad := res.Files[0]
	if bad.Status != Rejected || bad.Report == "" || bad.RecordsRejected != 1 {
		t.Errorf("the bad file: %+v, want REJECTED with its report and 1 bad row", bad)
	}
	// Settled: nothing pending, each version kept under processed/.
	if pending, err := r.Pending(context.Background(), "orders"); err != nil || len(pending) != 0 {
		t.Errorf("pending after the batch: %v %v, want none", pending, err)
	}
	for _, ev := range evs {
		key := contract.ProcessedPrefix + "orders/" + ev.VersionID + "/" + ev.Key
		if _, err := r.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key)}); err != nil {
			t.Errorf("no archive copy %s: %v", key, err)
		}
	}
	// One execution: one record beside the history.
	if names, _ := r.Executions(); len(names) != 1 || names[0] != res.Execution {
		t.Errorf("executions %v, want only the batch %s", names, res.Execution)
	}

	again, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Files != 0 || len(again.Files) != 0 || again.Status != engine.StatusSucceeded {
		t.Errorf("second batch: %+v %s, want no file", again.Summary, again.Status)
	}
	if got := scanCount(t, r); got != 2 {
		t.Errorf("%d items after the second batch, want 2", got)
	}
}

// TestBatchLeavesLateFilesForTheNext: a file that lands while a batch runs
// (after its listing), and a newer version of a file the batch is
// processing, are not in that batch and are not hidden by its settling:
// the next batch takes both.
func TestBatchLeavesLateFilesForTheNext(t *testing.T) {
	dir := t.TempDir()
	first := writeCSV(t, dir, "a.csv", 2)
	late := writeCSV(t, dir, "late.csv", 3)
	var (
		r       *Runtime
		once    sync.Once
		lateEvs []contract.FileEvent
	)
	observe := func(e integrations.TaskEvent) {
		if e.State != "Validate" || e.Err != nil {
			return
		}
		once.Do(func() {
			lateEvs = upload(t, r, late)
			// A new version of a.csv while its old version is processed.
			if err := os.WriteFile(first, []byte("order_id,qty\n7,7\n8,8\n9,9\n"), 0o644); err != nil {
				t.Error(err)
			}
			lateEvs = append(lateEvs, upload(t, r, first)...)
		})
	}
	var err error
	r, err = Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	old := upload(t, r, first)[0]
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]Status{"a.csv": Loaded}, statuses(res.Files)); d != "" || res.Files[0].VersionID != old.VersionID {
		t.Fatalf("first batch (-want +got):\n%s (version %s, want %s)", d, res.Files[0].VersionID, old.VersionID)
	}
	pending, err := r.Pending(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"incoming/orders/a.csv", "incoming/orders/late.csv"}, pending); d != "" {
		t.Errorf("pending after the first batch (-want +got):\n%s", d)
	}
	next, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]Status{"a.csv": Loaded, "late.csv": Loaded}, statuses(next.Files)); d != "" {
		t.Errorf("next batch (-want +got):\n%s", d)
	}
	for _, ev := range lateEvs {
		if got := ledgerStatus(t, r, ev); got != contract.StatusLoaded {
			t.Errorf("%s version %s: ledger %q, want LOADED", ev.Key, ev.VersionID, got)
		}
	}
}

// TestBatchTakesOverAKilledChildsClaim: a claim held by a Standard batch
// child (of a batch machine from before the children were Express) that
// no running batch runs (its process was killed) is taken over by the
// next batch, whose Express child then owns it.
func TestBatchTakesOverAKilledChildsClaim(t *testing.T) {
	var (
		r      *Runtime
		seen   []string
		owners []string
	)
	child := batchChildPrefix + "Files:0b1f2c3d-killed"
	observe := func(e integrations.TaskEvent) {
		if e.State != "Validate" {
			return
		}
		killed, _ := r.ExecutionStatus(child)
		out, err := r.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(r.Tables["ledger"])})
		if err == nil && len(out.Items) == 1 {
			if s, ok := out.Items[0]["execution"].(*ddbtypes.AttributeValueMemberS); ok {
				owners = append(owners, s.Value)
			}
		}
		seen = append(seen, killed)
	}
	var err error
	r, err = Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := upload(t, r, writeCSV(t, t.TempDir(), "k.csv", 2))[0]
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := r.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s("RUNNING"), "execution": s(child),
		"leaseUntil": s(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
	}}); err != nil {
		t.Fatal(err)
	}
	if st, ok := r.ExecutionStatus(child); !ok || st != "ABORTED" {
		t.Errorf("a batch child with no batch running: %q %v, want ABORTED", st, ok)
	}
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Status != Loaded {
		for _, f := range res.Files {
			t.Logf("%+v", *f)
		}
		t.Fatalf("batch over a killed child's claim: %d files, want the file LOADED", len(res.Files))
	}
	if !slices.Equal(seen, []string{"ABORTED"}) {
		t.Errorf("during the batch, the killed child: %v, want ABORTED", seen)
	}
	express := fmt.Sprintf("arn:aws:states:%s:%s:express:%s/Files:", Region, Account, batchMachineName)
	if len(owners) != 1 || !strings.HasPrefix(owners[0], express) {
		t.Errorf("the claim's owner while the file ran: %v, want the batch's Express child (%s...)", owners, express)
	}
	var took bool
	for _, e := range res.Result.History {
		took = took || e.StateEnteredEventDetails != nil && e.StateEnteredEventDetails.Name == "TakeOver"
	}
	if !took {
		t.Error("the batch did not go through TakeOver")
	}
}

// TestBatchExpressClaimWaitsForItsLease: Step Functions cannot say whether
// an Express execution still runs, so a claim an Express child holds is
// left alone (the file stays pending, DescribeOwner is not asked) until
// its lease, the five minutes an Express execution may last, has ended;
// the next batch after that takes the file.
func TestBatchExpressClaimWaitsForItsLease(t *testing.T) {
	now := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := upload(t, r, writeCSV(t, t.TempDir(), "e.csv", 2))[0]
	owner := fmt.Sprintf("arn:aws:states:%s:%s:express:%s/Files:killed:0b1f2c3d", Region, Account, batchMachineName)
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	lease := now.Add(pipeline.ExpressMaxSeconds * time.Second).Add(-time.Minute)
	if _, err := r.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s("RUNNING"), "execution": s(owner),
		"leaseUntil": s(lease.Format("2006-01-02T15:04:05.000Z")),
	}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Status != Duplicate {
		t.Fatalf("within the lease: %+v, want the file DUPLICATE (left to its owner)", res.Files)
	}
	for _, e := range res.Result.History {
		if d := e.StateEnteredEventDetails; d != nil && (d.Name == "DescribeOwner" || d.Name == "TakeOver") {
			t.Errorf("within the lease the batch entered %s: an Express owner cannot be described", d.Name)
		}
	}
	if got := ledgerStatus(t, r, ev); got != "RUNNING" {
		t.Errorf("ledger %q within the lease, want the owner's RUNNING", got)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); len(pending) != 1 {
		t.Errorf("pending %v within the lease, want the file", pending)
	}

	mu.Lock()
	now = now.Add(6 * time.Minute)
	mu.Unlock()
	res, err = r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Status != Loaded {
		t.Fatalf("after the lease: %+v, want the file LOADED", res.Files)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); len(pending) != 0 {
		t.Errorf("pending %v after the lease, want none", pending)
	}
}

// TestBatchHandsLargeFilesToThePerFileMachine: a file that stages more
// chunks than load inline cannot be loaded by an Express child (its
// Distributed Map): the child gives its claim up and starts the per-file
// machine on it, which loads it; the next batch settles it.
func TestBatchHandsLargeFilesToThePerFileMachine(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	evs := upload(t, r, writeCSV(t, dir, "a-large.csv", 6), writeCSV(t, dir, "b-small.csv", 2))
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.BatchSummary{Dataset: "orders", Files: 2, Loaded: 1, HandedOff: 1}
	if d := cmp.Diff(want, res.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if res.Status != engine.StatusSucceeded {
		t.Errorf("batch %s %s %s, want SUCCEEDED", res.Status, res.Error, res.Cause)
	}
	large := res.Files[0]
	if !large.HandedOff || large.Status != Loaded || large.RecordsLoaded != 6 || large.Execution == "" || large.Execution == res.Execution {
		t.Errorf("the large file: %+v, want handed off to a per-file execution that LOADED its 6 records", *large)
	}
	if got := ledgerStatus(t, r, evs[0]); got != contract.StatusLoaded {
		t.Errorf("large file: ledger %q, want LOADED", got)
	}
	var entered []string
	for _, e := range res.Result.History {
		if d := e.StateEnteredEventDetails; d != nil && (d.Name == "Release" || d.Name == "HandOff") {
			entered = append(entered, d.Name)
		}
	}
	if !slices.Equal(entered, []string{"Release", "HandOff"}) {
		t.Errorf("the batch entered %v, want Release then HandOff", entered)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); !slices.Equal(pending, []string{evs[0].Key}) {
		t.Errorf("pending after the first batch: %v, want the handed-off file (settled by the next)", pending)
	}

	next, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if next.Summary.Files != 1 || next.Summary.HandedOff != 0 || next.Summary.Unsettled != 0 || next.Status != engine.StatusSucceeded {
		t.Errorf("second batch: %+v %s, want the large file settled", next.Summary, next.Status)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); len(pending) != 0 {
		t.Errorf("pending after the second batch: %v, want none", pending)
	}
	key := contract.ProcessedPrefix + "orders/" + evs[0].VersionID + "/" + evs[0].Key
	if _, err := r.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key)}); err != nil {
		t.Errorf("no archive copy %s: %v", key, err)
	}
	if got := scanCount(t, r); got != 6 {
		t.Errorf("%d items, want 6 (loaded once)", got)
	}
}

// TestBatchHandsFilesLargerThanExpressMaxBytes: a file larger than the
// batch's ExpressMaxBytes is not run in the Express child at all: the
// child asks the ledger (no outcome yet) and starts the per-file machine,
// which loads it; the next batch finds the outcome in the ledger and
// settles the file without running its stages.
func TestBatchHandsFilesLargerThanExpressMaxBytes(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, BatchExpressMaxBytes: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	evs := upload(t, r, writeCSV(t, t.TempDir(), "big.csv", 3))
	entered := func(res *engine.Result, names ...string) []string {
		var got []string
		for _, e := range res.History {
			if d := e.StateEnteredEventDetails; d != nil && slices.Contains(names, d.Name) {
				got = append(got, d.Name)
			}
		}
		return got
	}
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pipeline.BatchSummary{Dataset: "orders", Files: 1, HandedOff: 1}, res.Summary); d != "" {
		t.Errorf("first batch summary (-want +got):\n%s", d)
	}
	if got := entered(res.Result, "LargeLedger", "HandOff", "File", "Claim"); !slices.Equal(got, []string{"LargeLedger", "HandOff"}) {
		t.Errorf("first batch entered %v, want LargeLedger then HandOff (no per-file stages in the Express child)", got)
	}
	if f := res.Files[0]; !f.HandedOff || f.Status != Loaded || f.RecordsLoaded != 3 {
		t.Errorf("the file: %+v, want handed off and LOADED with 3 records", *f)
	}
	next, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pipeline.BatchSummary{Dataset: "orders", Files: 1, Loaded: 1}, next.Summary); d != "" {
		t.Errorf("second batch summary (-want +got):\n%s", d)
	}
	if got := entered(next.Result, "LargeLedger", "LargeOutcome", "Archive", "Settle", "HandOff", "File"); !slices.Equal(got, []string{"LargeLedger", "LargeOutcome", "Archive", "Settle"}) {
		t.Errorf("second batch entered %v, want the ledger's outcome settled", got)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); len(pending) != 0 {
		t.Errorf("pending after the second batch: %v, want none", pending)
	}
	if got := ledgerStatus(t, r, evs[0]); got != contract.StatusLoaded {
		t.Errorf("ledger %q, want LOADED", got)
	}
	if got := scanCount(t, r); got != 3 {
		t.Errorf("%d items, want 3 (loaded once)", got)
	}
}

// TestBatchLeavesARunningHandOffToItsExecution: a file a batch handed to
// the per-file machine whose execution still runs when the next batch
// comes is left to it: the Express child's claim fails, DescribeOwner asks
// about the per-file execution (which the batch role may describe) and
// the file is kept pending, unsettled by this batch, its claim untouched.
func TestBatchLeavesARunningHandOffToItsExecution(t *testing.T) {
	calls := awsapi.NewCallLog(Region, Account)
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Calls: calls})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := upload(t, r, writeCSV(t, t.TempDir(), "slow.csv", 2))[0]
	owner := executionARN("20261207T070000.000000-handoff")
	defer r.markRunning(owner)()
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := r.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s(contract.StatusRunning), "execution": s(owner),
		"leaseUntil": s(time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")),
	}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Status != Duplicate || res.Summary.Failed != 0 || res.Status != engine.StatusSucceeded {
		t.Fatalf("batch %s %+v: want the file left to its running execution (DUPLICATE, kept)", res.Status, res.Summary)
	}
	described := 0
	for _, c := range calls.Calls() {
		if c.Principal == awsapi.BatchMachine && c.Action == "states:DescribeExecution" && c.Resource == owner {
			described++
		}
	}
	if described != 1 {
		t.Errorf("the batch described the claim's owner %s %d times, want once", owner, described)
	}
	if got := ledgerStatus(t, r, ev); got != contract.StatusRunning {
		t.Errorf("ledger %q, want the running execution's claim untouched", got)
	}
	if pending, _ := r.Pending(context.Background(), "orders"); len(pending) != 1 {
		t.Errorf("pending %v, want the file (its execution's outcome is settled by a later batch)", pending)
	}
}

// TestBatchFailedFileStaysPending: a file that FAILED is recorded FAILED,
// fails the batch (its alarm) without stopping the others, and stays
// pending, so the next batch runs it again.
func TestBatchFailedFileStaysPending(t *testing.T) {
	state := t.TempDir()
	faults, _ := ParseFaults([]string{"task:Transform=Internal"})
	dir := t.TempDir()
	r, err := Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(10), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	evs := upload(t, r, writeCSV(t, dir, "f1.csv", 2), writeCSV(t, dir, "f2.csv", 2))
	res, err := r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != engine.StatusFailed || res.Error != string(pipeline.ErrBatchFilesFailed) {
		t.Errorf("batch %s %s, want FAILED %s", res.Status, res.Error, pipeline.ErrBatchFilesFailed)
	}
	if res.Summary.Failed != 2 || res.Summary.Files != 2 {
		t.Errorf("summary %+v, want 2 files, 2 failed", res.Summary)
	}
	for _, f := range res.Files {
		if f.Status != Failed || !strings.HasPrefix(f.Cause, "Transform failed") {
			t.Errorf("%s: %s %s %q, want FAILED naming Transform", f.Key, f.Status, f.Error, f.Cause)
		}
	}
	for _, ev := range evs {
		if got := ledgerStatus(t, r, ev); got != contract.StatusFailed {
			t.Errorf("%s: ledger %q, want FAILED", ev.Key, got)
		}
	}
	r.Close()
	r, err = Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(10), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err = r.ExecuteBatch(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]Status{"f1.csv": Loaded, "f2.csv": Loaded}, statuses(res.Files)); d != "" {
		t.Errorf("re-run batch (-want +got):\n%s", d)
	}
}

// countLists makes r's own S3 client count its ListObjectsV2 requests (one
// per page) in n.
func countLists(r *Runtime, n *atomic.Int64) {
	r.S3 = s3.New(r.S3.Options(), func(o *s3.Options) {
		o.APIOptions = append(slices.Clone(o.APIOptions), func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("CountListObjectsV2",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if _, ok := in.Parameters.(*s3.ListObjectsV2Input); ok {
						n.Add(1)
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	})
}

// TestUploadPendingListsTheArchiveOnce: UploadPending lists a dataset's
// processed/ archive once, not once per file (which made `sluice run
// --batch` slow down as the archive grew), and lists it again after a
// batch of the dataset archived more files, so that what that batch took
// is not uploaded again.
func TestUploadPendingListsTheArchiveOnce(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lists atomic.Int64
	countLists(r, &lists)
	dir := t.TempDir()
	var files []string
	for i := range 5 {
		files = append(files, writeCSV(t, dir, fmt.Sprintf("f%d.csv", i), i+1))
	}
	pend := func(file string) bool {
		t.Helper()
		_, processed, err := r.UploadPending(ctx, "orders", file, nil)
		if err != nil {
			t.Fatal(err)
		}
		return processed
	}
	batch := func() {
		t.Helper()
		res, err := r.ExecuteBatch(ctx, "orders")
		if err != nil || res.Status != engine.StatusSucceeded {
			t.Fatalf("batch: %v %+v", err, res)
		}
	}
	// counted returns the ListObjectsV2 requests f makes.
	counted := func(f func()) int64 {
		before := lists.Load()
		f()
		return lists.Load() - before
	}

	if n := counted(func() {
		for _, f := range files {
			if pend(f) {
				t.Errorf("%s: processed before any batch", f)
			}
		}
	}); n != 1 {
		t.Errorf("first upload of %d files: %d ListObjectsV2 requests, want 1", len(files), n)
	}
	batch()

	more := writeCSV(t, dir, "more.csv", 2)
	if n := counted(func() {
		for _, f := range files {
			if !pend(f) {
				t.Errorf("%s: uploaded again after the batch took it", f)
			}
		}
		if pend(more) {
			t.Error("more.csv: processed before any batch took it")
		}
	}); n != 1 {
		t.Errorf("second upload of %d files after a batch: %d ListObjectsV2 requests, want 1 (the archive listed once)", len(files)+1, n)
	}
	batch()
	if !pend(more) {
		t.Error("more.csv: uploaded again after the second batch took it (the index was not refreshed)")
	}
}

// BenchmarkUploadPending is one `sluice run --batch` of 50 files against
// a dataset whose archive holds 2,000 processed files: each iteration
// starts with the archive not yet indexed, as a new run does.
func BenchmarkUploadPending(b *testing.B) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: b.TempDir(), Functions: fakeFunctions(10)})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for i := range 2000 {
		key := fmt.Sprintf("%sorders/v%019d/incoming/orders/old-%04d.csv", contract.ProcessedPrefix, i+1, i)
		if _, err := r.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key), Body: strings.NewReader("order_id,qty\n1,1\n")}); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	var files []string
	for i := range 50 {
		p := filepath.Join(dir, fmt.Sprintf("new-%02d.csv", i))
		if err := os.WriteFile(p, fmt.Appendf(nil, "order_id,qty\n%d,1\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	b.ResetTimer()
	for range b.N {
		r.archive.forget("orders")
		for _, f := range files {
			if _, _, err := r.UploadPending(ctx, "orders", f, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
