package local

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/local/integrations"
)

// fakeFunctions stand in for the real handlers so that this test pins the
// runtime's wiring (upload, routing, engine, integrations, ledger) on its
// own: validate rejects files whose name contains "bad", transform stages
// one record per line in chunks of chunk records, load puts each record.
func fakeFunctions(chunk int) func(d Deps) ([]*integrations.FunctionSpec, error) {
	return func(d Deps) ([]*integrations.FunctionSpec, error) {
		lines := func(ctx context.Context, bucket, key, version string) ([]string, error) {
			in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
			if version != "" {
				in.VersionId = aws.String(version)
			}
			out, err := d.S3.GetObject(ctx, in)
			if err != nil {
				return nil, &fnerr.Retryable{Op: "s3 GetObject", Err: err}
			}
			defer out.Body.Close()
			var ls []string
			sc := bufio.NewScanner(out.Body)
			for sc.Scan() {
				if sc.Text() != "" {
					ls = append(ls, sc.Text())
				}
			}
			return ls, sc.Err()
		}
		validate := integrations.Handler(func(ctx context.Context, ev contract.FileEvent) (contract.ValidateOutput, error) {
			ls, err := lines(ctx, ev.Bucket, ev.Key, ev.VersionID)
			if err != nil {
				return contract.ValidateOutput{}, err
			}
			if strings.Contains(ev.Key, "bad") {
				rep := `{"status":"rejected","reason":"line 3: quantity: not an integer","rows":2,"badRows":1,"errors":[{"line":3,"row":2,"field":"quantity","value":"x","code":"BadInt","reason":"not an integer"}]}`
				if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String("reports/orders/bad.report.json"), Body: strings.NewReader(rep)}); err != nil {
					return contract.ValidateOutput{}, err
				}
				return contract.ValidateOutput{}, &fnerr.ValidationFailed{Bucket: ev.Bucket, Key: ev.Key, Report: "reports/orders/bad.report.json", Rows: int64(len(ls)) - 1, BadRows: 1, Reason: "row 2: quantity: not an integer"}
			}
			return contract.ValidateOutput{Dataset: ev.Dataset, Source: ev.Source(), Format: "csv", Rows: int64(len(ls)) - 1}, nil
		})
		transform := integrations.Handler(func(ctx context.Context, in contract.TransformInput) (contract.TransformOutput, error) {
			ls, err := lines(ctx, in.Source.Bucket, in.Source.Key, in.Source.VersionID)
			if err != nil {
				return contract.TransformOutput{}, err
			}
			out := contract.TransformOutput{Dataset: in.Dataset, Source: in.Source, Manifest: contract.ManifestKey(in.Dataset, in.Source)}
			var chunks []contract.Chunk
			rows := ls[1:]
			for i := 0; i < len(rows); i += chunk {
				end := min(i+chunk, len(rows))
				var buf bytes.Buffer
				for _, r := range rows[i:end] {
					id := strings.SplitN(r, ",", 2)[0]
					b, _ := json.Marshal(map[string]string{"pk": "ORDER#" + id, "sk": "ORDER", "row": r})
					buf.Write(append(b, '\n'))
				}
				c := contract.Chunk{Dataset: in.Dataset, Bucket: d.Bucket, Key: contract.ChunkKey(in.Dataset, in.Source, "transformed", len(chunks)), Index: len(chunks), Records: int64(end - i), Source: in.Source}
				if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(c.Key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
					return out, err
				}
				chunks = append(chunks, c)
			}
			mb, _ := json.Marshal(chunks)
			if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(out.Manifest), Body: bytes.NewReader(mb)}); err != nil {
				return out, err
			}
			out.Records, out.ChunkCount = int64(len(rows)), len(chunks)
			if len(chunks) > 0 {
				out.First = chunks[0]
			}
			return out, nil
		})
		load := integrations.Handler(func(ctx context.Context, c contract.Chunk) (contract.LoadOutput, error) {
			ls, err := lines(ctx, c.Bucket, c.Key, "")
			if err != nil {
				return contract.LoadOutput{}, err
			}
			for _, l := range ls {
				var rec map[string]string
				_ = json.Unmarshal([]byte(l), &rec)
				item := map[string]ddbtypes.AttributeValue{}
				for k, v := range rec {
					item[k] = &ddbtypes.AttributeValueMemberS{Value: v}
				}
				if _, err := d.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Tables["items"]), Item: item}); err != nil {
					return contract.LoadOutput{}, &fnerr.Retryable{Op: "PutItem", Err: err}
				}
			}
			return contract.LoadOutput{Dataset: c.Dataset, Key: c.Key, Written: int64(len(ls))}, nil
		})
		enrich := integrations.Handler(func(ctx context.Context, c contract.Chunk) (contract.Chunk, error) { return c, nil })
		return []*integrations.FunctionSpec{{Name: "validate", Fn: validate}, {Name: "transform", Fn: transform}, {Name: "load", Fn: load}, {Name: "enrich", Fn: enrich}}, nil
	}
}

func writeCSV(t *testing.T, dir, name string, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("order_id,qty\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// notifications counts the SNS notifications in r's outbox (the outcome
// events are counted by outcome_test.go).
func notifications(r *Runtime) int {
	n := 0
	for _, e := range r.Outbox().Entries() {
		if e.Kind == "sns:publish" {
			n++
		}
	}
	return n
}

func scanCount(t *testing.T, r *Runtime) int {
	t.Helper()
	out, err := r.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(r.Tables["items"])})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}

func submit(t *testing.T, r *Runtime, file string) *FileResult {
	t.Helper()
	ctx := context.Background()
	ev, _, err := r.Upload(ctx, "orders", file)
	if err != nil {
		t.Fatal(err)
	}
	routed, err := r.Route(ev)
	if err != nil || len(routed.Datasets) != 1 || routed.Datasets[0] != "orders" || routed.Unrouted {
		t.Fatalf("route %s: %+v %v", ev.Key, routed, err)
	}
	res, err := r.Execute(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRuntimePaths(t *testing.T) {
	files := t.TempDir()
	state := t.TempDir()
	faults, _ := ParseFaults([]string{"task:LoadChunk@0=Lambda.ServiceException"})
	r, err := Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(2), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	small := writeCSV(t, files, "small.csv", 1)
	if res := submit(t, r, small); res.Status != Loaded || res.RecordsLoaded != 1 {
		t.Fatalf("small file: %+v", res)
	}
	if res := submit(t, r, small); res.Status != Duplicate {
		t.Fatalf("same file again: %+v", res)
	}
	big := writeCSV(t, files, "big.csv", 5) // 3 chunks: the Distributed Map path
	if res := submit(t, r, big); res.Status != Loaded || res.RecordsLoaded != 5 {
		t.Fatalf("chunked file: %+v (%s: %s)", res, res.Error, res.Cause)
	}
	bad := writeCSV(t, files, "bad.csv", 2)
	res := submit(t, r, bad)
	if res.Status != Rejected || res.Report != "reports/orders/bad.report.json" {
		t.Fatalf("bad file: %+v", res)
	}
	if n := scanCount(t, r); n != 5 {
		t.Errorf("items = %d, want 5 (1 overwritten by the chunked file's ORDER#1)", n)
	}
	if n := notifications(r); n != 1 {
		t.Errorf("want one rejection notification, got %d", n)
	}
	list, err := r.S3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(r.Bucket), Prefix: aws.String("quarantine/")})
	if err != nil || len(list.Contents) != 1 {
		t.Errorf("quarantine holds %d objects (%v), want 1", len(list.Contents), err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	// State survives: a new runtime over the same directory sees the items
	// and the ledger, so the same file is still a duplicate.
	r, err = Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(2), Fast: true, Faults: &Faults{}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := scanCount(t, r); n != 5 {
		t.Errorf("after reopen: items = %d, want 5", n)
	}
	if res := submit(t, r, small); res.Status != Duplicate {
		t.Errorf("after reopen, same file: %s", res.Status)
	}
}

func TestRuntimeFailedFileAlarms(t *testing.T) {
	faults, _ := ParseFaults([]string{"task:Load=Lambda.ServiceException"})
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := submit(t, r, writeCSV(t, t.TempDir(), "x.csv", 3))
	if res.Status != Failed || res.Error != "Sluice.FileFailed" {
		t.Fatalf("want FAILED with Sluice.FileFailed, got %s %s %s", res.Status, res.Error, res.Cause)
	}
	if n := notifications(r); n != 1 {
		t.Errorf("a failed file must notify: %d notifications", n)
	}
}

func TestTimelineCountsRetriesAndRecords(t *testing.T) {
	faults, _ := ParseFaults([]string{"task:Validate@0=Lambda.ServiceException"})
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := submit(t, r, writeCSV(t, t.TempDir(), "five.csv", 5))
	steps := map[string]Step{}
	for _, s := range TimelineAt(res.Result.History, nil) {
		steps[s.State] = s
	}
	if s := steps["Validate"]; s.Retries != 1 || s.Records != 5 || len(s.Errors) != 1 || s.Errors[0] != "Lambda.ServiceException" {
		t.Errorf("Validate step = %+v", s)
	}
	if s := steps["Transform"]; s.Records != 5 {
		t.Errorf("Transform step = %+v", s)
	}
	if s := steps["LoadChunk"]; s.Entries != 3 || s.Records != 5 {
		t.Errorf("LoadChunk step = %+v (want 3 entries, 5 records)", s)
	}
}

func TestReportOfRejectedFile(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := submit(t, r, writeCSV(t, t.TempDir(), "bad.csv", 2))
	var html bytes.Buffer
	if err := r.Report(context.Background(), "", &html); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{res.Key, "REJECTED", "quantity", "not an integer", "<svg", "Validate", "Quarantine", "flowchart"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if err := r.Report(context.Background(), "no-such-execution", &html); err == nil {
		t.Error("unknown execution: want an error")
	}
}

// TestUnfinishedClaimIsTakenOver: a run that fails while the ledger is
// unreachable cannot record FAILED itself; the runtime records the end as
// the deployed execution-status rule does, and the next run of the same
// version loads it at once. A RUNNING claim left by a process that died
// (written here as a killed run leaves it) is taken over at once too, and
// a RUNNING claim of an execution still running in this runtime makes the
// event a duplicate.
func TestUnfinishedClaimIsTakenOver(t *testing.T) {
	state := t.TempDir()
	faults, _ := ParseFaults([]string{"task:Load=Internal", "task:RecordFailed=DynamoDB.InternalServerError"})
	r, err := Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(10), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	file := writeCSV(t, t.TempDir(), "x.csv", 3)
	if res := submit(t, r, file); res.Status != Failed || !strings.HasPrefix(res.Cause, "Load failed: ") {
		t.Fatalf("first run: %s %s %q, want FAILED naming Load", res.Status, res.Error, res.Cause)
	}
	r.Close()
	r, err = Open(context.Background(), Config{StateDir: state, Functions: fakeFunctions(10), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if res := submit(t, r, file); res.Status != Loaded {
		t.Errorf("re-run after an unrecorded failure: %s %s %s, want LOADED", res.Status, res.Error, res.Cause)
	}

	// A killed run's claim: RUNNING, naming an execution no process runs.
	other := writeCSV(t, t.TempDir(), "y.csv", 3)
	ev, _, err := r.Upload(context.Background(), "orders", other)
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := r.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(r.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s("RUNNING"), "execution": s(executionARN("killed-long-ago")),
		"leaseUntil": s(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
	}}); err != nil {
		t.Fatal(err)
	}
	if st, ok := r.ExecutionStatus(executionARN("killed-long-ago")); !ok || st != "ABORTED" {
		t.Errorf("ExecutionStatus of a dead process's execution: %q %v, want ABORTED", st, ok)
	}
	res, err := r.Execute(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Loaded {
		t.Errorf("run over a killed run's claim: %s %s %s, want LOADED", res.Status, res.Error, res.Cause)
	}
	var took bool
	for _, e := range res.Result.History {
		took = took || e.StateEnteredEventDetails != nil && e.StateEnteredEventDetails.Name == "TakeOver"
	}
	if !took {
		t.Error("the run did not go through TakeOver")
	}
}

// TestRunningOwnerMakesADuplicate: while one execution of a version runs,
// another event for it is a duplicate and writes nothing.
func TestRunningOwnerMakesADuplicate(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	fns := func(d Deps) ([]*integrations.FunctionSpec, error) {
		specs, err := fakeFunctions(10)(d)
		for _, f := range specs {
			if f.Name == "validate" {
				orig := f.Fn
				f.Fn = func(ctx context.Context, payload any) (any, error) {
					select {
					case entered <- struct{}{}:
						<-release
					default:
					}
					return orig(ctx, payload)
				}
			}
		}
		return specs, err
	}
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fns, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev, _, err := r.Upload(context.Background(), "orders", writeCSV(t, t.TempDir(), "z.csv", 3))
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan *FileResult)
	go func() {
		res, _ := r.Execute(context.Background(), ev)
		first <- res
	}()
	<-entered
	dup, err := r.Execute(context.Background(), ev)
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if dup.Status != Duplicate {
		t.Errorf("a second event while the first execution runs: %s %s, want DUPLICATE", dup.Status, dup.Cause)
	}
	if res := <-first; res == nil || res.Status != Loaded {
		t.Errorf("the first execution: %+v, want LOADED", res)
	}
}

// TestRuntimePlansOnce: a runtime plans its stack's state machine once, in
// Open, and runs every file on that plan; what differs per file (the
// execution's name, its virtual clock) still differs.
func TestRuntimePlansOnce(t *testing.T) {
	plans := 0
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clockStarts := []time.Time{start, start.Add(time.Hour)}
	now := func() time.Time {
		next := clockStarts[0]
		clockStarts = clockStarts[1:]
		return next
	}
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true, Now: now,
		planned: func() { plans++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	a := submit(t, r, writeCSV(t, dir, "a.csv", 3))
	b := submit(t, r, writeCSV(t, dir, "b.csv", 5))
	if plans != 1 || r.engine.Runs() != 2 {
		t.Errorf("planned the machine %d times and ran %d executions on the plan made in Open for two files, want 1 and 2", plans, r.engine.Runs())
	}
	for i, tt := range []struct {
		res     *FileResult
		records int64
		started time.Time
	}{{a, 3, start}, {b, 5, start.Add(time.Hour)}} {
		if tt.res.Status != Loaded || tt.res.RecordsLoaded != tt.records {
			t.Errorf("file %d: %s, %d records loaded; want LOADED, %d", i, tt.res.Status, tt.res.RecordsLoaded, tt.records)
		}
		if got := tt.res.Result.History[0].Timestamp; !got.Equal(tt.started) {
			t.Errorf("file %d: execution started at %s on its clock, want %s", i, got, tt.started)
		}
	}
	if a.Execution == b.Execution || a.Result.ExecutionARN == b.Result.ExecutionARN {
		t.Errorf("both files ran as execution %s (%s)", a.Execution, a.Result.ExecutionARN)
	}
}

// TestUploadETagAndReuse: an upload's event carries the object's ETag (its
// MD5) whether the file was hashed before the PUT or not, and a file is
// reused only when the key's current object has its content: the same
// bytes again are reused, the same size with other bytes and another size
// are uploaded.
func TestUploadETagAndReuse(t *testing.T) {
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	file := filepath.Join(t.TempDir(), "u.csv")
	header := "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n"
	var last contract.FileEvent
	for i, tt := range []struct {
		body   string
		reused bool
	}{
		{"A1,C1,2026-01-01,S,1,1.00,USD,NEW\n", false},
		{"A1,C1,2026-01-01,S,1,1.00,USD,NEW\n", true},  // the same bytes
		{"A1,C1,2026-01-01,S,2,1.00,USD,NEW\n", false}, // the same size
		{"A1,C1,2026-01-01,S,22,1.00,USD,NEW\n", false},
	} {
		body := header + tt.body
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		ev, reused, err := r.Upload(context.Background(), "orders", file)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum([]byte(body))
		if reused != tt.reused || ev.ETag != hex.EncodeToString(sum[:]) || ev.Size != int64(len(body)) {
			t.Errorf("upload %d: reused %v, ETag %s, size %d; want %v, %x, %d", i, reused, ev.ETag, ev.Size, tt.reused, sum, len(body))
		}
		if reused && ev.VersionID != last.VersionID {
			t.Errorf("upload %d: reused version %s, want the last upload's %s", i, ev.VersionID, last.VersionID)
		}
		if !reused && ev.VersionID == last.VersionID {
			t.Errorf("upload %d: version %s again, want a new one", i, ev.VersionID)
		}
		head, err := r.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(ev.Key)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Trim(aws.ToString(head.ETag), `"`); got != ev.ETag {
			t.Errorf("upload %d: the object's ETag is %s, the event's %s", i, got, ev.ETag)
		}
		last = ev
	}
}
