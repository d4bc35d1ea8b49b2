package local

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
)

// TestReconcileFindsAndRedrivesALostEvent uploads a file without routing
// its event (as if EventBridge lost it), then reconciles: the file is
// reported, redrive runs it to LOADED with the real handlers, and a second
// reconcile finds nothing left.
func TestReconcileFindsAndRedrivesALostEvent(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev, _, err := r.Upload(ctx, "customers", filepath.Join("..", "examples", "customers", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}

	got, err := r.Reconcile(ctx, ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := got.Report
	if !rep.Complete || rep.Checked != 1 || len(rep.Unaccounted) != 1 || len(got.Executions) != 0 {
		t.Fatalf("report: complete %v, checked %d, unaccounted %+v, executions %d", rep.Complete, rep.Checked, rep.Unaccounted, len(got.Executions))
	}
	f := rep.Unaccounted[0]
	if f.Key != ev.Key || f.VersionID != ev.VersionID || f.Size != ev.Size || f.Dataset != "customers" || f.Reason != reconcile.ReasonNoExecution || f.Redrive != "" {
		t.Errorf("unaccounted %+v, want %s version %s of customers, not redriven", f, ev.Key, ev.VersionID)
	}

	got, err = r.Reconcile(ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Executions) != 1 || got.Executions[0].Status != Loaded || got.Executions[0].RecordsLoaded != 8 {
		t.Fatalf("redrive: %d executions, first %+v", len(got.Executions), got.Executions)
	}
	if f := got.Report.Unaccounted[0]; f.Redrive != reconcile.RedriveStarted || !strings.HasSuffix(f.Execution, ":"+got.Executions[0].Execution) {
		t.Errorf("redrive outcome %s %s", f.Redrive, f.Execution)
	}
	if items, err := r.Items(ctx, "customers"); err != nil || len(items) != 8 {
		t.Errorf("customers table: %d items, %v; want 8", len(items), err)
	}

	got, err = r.Reconcile(ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := got.Report; !rep.Complete || rep.Checked != 1 || rep.Accounted != 1 || len(rep.Unaccounted) != 0 || len(got.Executions) != 0 {
		t.Errorf("after redrive: complete %v, checked %d, accounted %d, unaccounted %+v, executions %d",
			rep.Complete, rep.Checked, rep.Accounted, rep.Unaccounted, len(got.Executions))
	}
}

// TestReconcileNeverRedrivesUnroutedFiles: files no dataset's rule matches
// are reported, never run.
func TestReconcileNeverRedrivesUnroutedFiles(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir(), Functions: fakeFunctions(2)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, key := range []string{"README.md", "incoming/orders/notes.txt", "incoming/nobody/a.csv", "staging/orders/x/part-00000.jsonl"} {
		if _, err := r.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key), Body: strings.NewReader("x\n")}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.Reconcile(ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range got.Report.Unaccounted {
		keys = append(keys, f.Key)
		if f.Reason != reconcile.ReasonNoRule || f.Dataset != "" || f.Redrive != "" {
			t.Errorf("%s: reason %s dataset %q redrive %q", f.Key, f.Reason, f.Dataset, f.Redrive)
		}
	}
	want := "README.md incoming/nobody/a.csv incoming/orders/notes.txt"
	if strings.Join(keys, " ") != want || len(got.Executions) != 0 {
		t.Errorf("unaccounted %v, executions %d; want %s and none", keys, len(got.Executions), want)
	}
}

// TestReconcileRedrivesAKilledRun: a RUNNING claim whose execution no
// process runs (what kill -9 leaves) is an UnfinishedExecution; redrive
// loads the file under the name reconcile-<run id>-1, and a second run
// finds it accounted for.
func TestReconcileRedrivesAKilledRun(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev, _, err := r.Upload(ctx, "customers", filepath.Join("..", "examples", "customers", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := r.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s("RUNNING"), "execution": s(executionARN("killed")),
		"leaseUntil": s("2999-01-01T00:00:00Z"),
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Reconcile(ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Report.Unaccounted) != 1 || len(got.Executions) != 1 {
		t.Fatalf("unaccounted %+v, %d executions; want the killed run's file, redriven", got.Report.Unaccounted, len(got.Executions))
	}
	f, res := got.Report.Unaccounted[0], got.Executions[0]
	wantName := reconcile.ExecutionName(ev.Source()) + "-1"
	if f.Reason != reconcile.ReasonUnfinished || f.Status != "RUNNING" || f.Owner != executionARN("killed") || f.Redrive != reconcile.RedriveStarted ||
		res.Execution != wantName || res.Status != Loaded {
		t.Errorf("unaccounted %+v, execution %s %s; want UnfinishedExecution redriven as %s, LOADED", f, res.Execution, res.Status, wantName)
	}
	got, err = r.Reconcile(ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := got.Report; rep.Accounted != 1 || len(rep.Unaccounted) != 0 || len(got.Executions) != 0 {
		t.Errorf("after redrive: accounted %d, unaccounted %+v, executions %d", rep.Accounted, rep.Unaccounted, len(got.Executions))
	}
}

// TestReconcileLeavesBatchedPrefixesToTheBatches: with orders batched,
// Reconcile neither reports nor redrives the files under its prefix (as
// the deployed reconciler, told reconcile.Config.BatchPrefixes) but lists
// them as pending with their ledger status: one no batch ran yet, one a
// batch child killed with its process still claims (RUNNING); a lost
// customers upload is still reported and redriven. Not batched, the same
// orders files are unaccounted. An unknown batched dataset is an error.
func TestReconcileLeavesBatchedPrefixesToTheBatches(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	evs := upload(t, r, writeCSV(t, dir, "claimed.csv", 2), writeCSV(t, dir, "waiting.csv", 2))
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := r.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(evs[0].Source())), "status": s("RUNNING"), "execution": s(batchChildPrefix + "Files:killed"),
	}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Upload(ctx, "customers", filepath.Join("..", "examples", "customers", "customers.csv")); err != nil {
		t.Fatal(err)
	}

	got, err := r.Reconcile(ctx, ReconcileOptions{Batched: []string{"orders"}, Redrive: true})
	if err != nil {
		t.Fatal(err)
	}
	var unaccounted, redriven []string
	for _, f := range got.Report.Unaccounted {
		unaccounted = append(unaccounted, f.Key)
	}
	for _, e := range got.Executions {
		redriven = append(redriven, e.Key+" "+string(e.Status))
	}
	if d := cmp.Diff([]string{"incoming/customers/customers.csv"}, unaccounted); d != "" || got.Report.Listed != 1 {
		t.Errorf("unaccounted (-want +got):\n%s\nlisted %d, want 1 (the batched prefix is not listed, as deployed)", d, got.Report.Listed)
	}
	if d := cmp.Diff([]string{"incoming/customers/customers.csv LOADED"}, redriven); d != "" {
		t.Errorf("redriven (-want +got):\n%s", d)
	}
	want := []PendingBatch{{Dataset: "orders", Prefix: "incoming/orders/", Files: []PendingFile{
		{Key: evs[0].Key, VersionID: evs[0].VersionID, Size: evs[0].Size, Status: "RUNNING"},
		{Key: evs[1].Key, VersionID: evs[1].VersionID, Size: evs[1].Size},
	}}}
	if d := cmp.Diff(want, got.Pending, cmpopts.IgnoreFields(PendingFile{}, "LastModified")); d != "" {
		t.Errorf("pending (-want +got):\n%s", d)
	}
	for _, p := range got.Pending {
		for _, f := range p.Files {
			if age := time.Since(f.LastModified); age < 0 || age > time.Hour {
				t.Errorf("%s: last modified %s", f.Key, f.LastModified)
			}
		}
	}

	got, err = r.Reconcile(ctx, ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unaccounted = nil
	for _, f := range got.Report.Unaccounted {
		unaccounted = append(unaccounted, f.Key+" "+string(f.Reason))
	}
	wantNot := []string{"incoming/orders/claimed.csv " + string(reconcile.ReasonUnfinished), "incoming/orders/waiting.csv " + string(reconcile.ReasonNoExecution)}
	if d := cmp.Diff(wantNot, unaccounted); d != "" || len(got.Pending) != 0 {
		t.Errorf("not batched: unaccounted (-want +got):\n%s\npending %+v", d, got.Pending)
	}

	if _, err := r.Reconcile(ctx, ReconcileOptions{Batched: []string{"parcels"}}); err == nil || !strings.Contains(err.Error(), "parcels") {
		t.Errorf("unknown batched dataset: %v, want an error naming it", err)
	}
}
