package local_test

// The lossless harness: files of every built-in dataset and format run
// through the real pipeline (compiled ASL on the local engine, the real
// handlers, the embedded S3 and DynamoDB), and every outcome is checked
// against what the harness knows about the file it wrote, never against the
// pipeline's own counters. The rule it proves: every file that arrives ends
// LOADED (exactly its valid records in the table), REJECTED (a report in
// S3 naming the file and the row, line and field of a problem, nothing
// loaded) or FAILED (a named error whose cause names the state, the
// notification the alarm watches, and a clean re-run that loads it), or
// DUPLICATE when the same version arrives again; never stuck, never a
// panic, never an engine error escaping.
//
// lossless_gen_test.go writes the files, lossless_faults_test.go injects
// faults into every task state of the compiled machine,
// lossless_hostile_test.go feeds hostile inputs. SLUICE_LOSSLESS=big runs
// the larger sweep (more files, every fault pattern on both paths).

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/local/integrations"
)

// bigSweep reports whether the larger sweep was asked for.
func bigSweep() bool { return os.Getenv("SLUICE_LOSSLESS") == "big" }

// losslessSet is the built-in datasets plus shipments, a JSON-array
// dataset (no built-in one is), so that every reader runs end to end, and
// memos and rates (lossless_hostile_test.go), whose valid rows can make
// items DynamoDB refuses.
func losslessSet() *dataset.Set {
	return dataset.MustNewSet(dataset.Orders(), dataset.Customers(), dataset.Readings(), dataset.Catalog(), shipments(), memos(), rates())
}

// shipments is a JSON-array dataset that tolerates any number of bad rows
// as long as one is good (SkipBadRows with no rate).
func shipments() *dataset.Dataset {
	return &dataset.Dataset{
		Name:     "shipments",
		Prefix:   "incoming/shipments/",
		Suffixes: []string{".json", ".json.gz"},
		MinSize:  1,
		Format:   dataset.Format{Kind: dataset.JSON},
		Fields: []dataset.Field{
			{Name: "shipment_id", Type: dataset.String, Required: true, Pattern: `[A-Za-z0-9_-]+`, MaxLength: 64},
			{Name: "weight", Type: dataset.Decimal, Required: true, Min: "0", Max: "1000"},
			{Name: "shipped", Type: dataset.Date, Required: true},
			{Name: "fragile", Type: dataset.Bool},
			{Name: "note", Type: dataset.String, MaxLength: 200},
		},
		Key:       dataset.Key{Partition: "SHIP#{shipment_id}", Sort: "SHIPMENT"},
		RowErrors: dataset.RowErrors{Mode: dataset.SkipBadRows},
	}
}

// wantItem is one record the harness expects in the table: its key and
// attribute values (JSON text: `"NEW"`, `3`, `12.50`, `true`; numbers
// compare as exact decimals).
type wantItem struct {
	pk, sk string
	attrs  map[string]string
}

// badRow is a row the generator spoilt: where, and the problem the report
// must give it.
type badRow struct {
	line, row int64
	field     string // "" for a row-level problem (ragged_row, json_syntax, ...)
	code      string
}

// problem is a problem the report of a rejected file must name: one of
// codes, at line (0: any line).
type problem struct {
	line  int64
	codes []string
}

// fileCase is one file and what the harness knows about it.
type fileCase struct {
	name    string // subtest name
	dataset string
	file    string // file name: the last part of the key
	body    []byte
	// key, when set, is the S3 key put directly (Upload names keys after
	// the file's base name, so a key with "../" needs this).
	key string
	// items are the file's valid records; bad its spoilt rows.
	items []wantItem
	bad   []badRow
	// reject, when set, is the problem that rejects the file as a whole.
	reject *problem
	// unrouted: no dataset rule accepts the object (the unrouted rule
	// matches it).
	unrouted bool
	// allow, when set, lists the outcomes allowed instead of the one the
	// harness derives from the dataset's row-error policy.
	allow []local.Status
	// notLoaded names rows the file holds but that must not be loaded
	// (pk/sk): the reader must refuse them, not merge them silently.
	notLoaded []wantItem
}

// expected returns the outcome a fault-free run must end in, derived from
// the dataset's declared policy (docs/datasets.md, RowErrors).
func (c fileCase) expected(ds *dataset.Dataset) local.Status {
	if c.reject != nil {
		return local.Rejected
	}
	rows := int64(len(c.items) + len(c.bad))
	bad := int64(len(c.bad))
	if rows == 0 {
		return local.Rejected // "A file with no data rows is always rejected."
	}
	p := ds.Policy()
	switch {
	case bad == 0:
		return local.Loaded
	case p.Mode != dataset.SkipBadRows || bad >= rows:
		return local.Rejected
	case p.MaxErrorRate == 0:
		return local.Loaded
	}
	// bad <= rate × rows, in exact arithmetic.
	rate := new(big.Rat).SetFloat64(p.MaxErrorRate)
	limit := new(big.Rat).Mul(rate, new(big.Rat).SetInt64(rows))
	if new(big.Rat).SetInt64(bad).Cmp(limit) <= 0 {
		return local.Loaded
	}
	return local.Rejected
}

// harness drives one local runtime.
type harness struct {
	t     testing.TB
	state string // state directory, kept across reopen
	files string // where case files are written
	cfg   local.Config
	rt    *local.Runtime
}

// openHarness opens a runtime with the given --inject specs and chunk size
// (0: the function's default) over a fresh state directory.
func openHarness(t *testing.T, chunkRecords int, faults ...string) *harness {
	t.Helper()
	return openHarnessWith(t, local.Config{ChunkRecords: chunkRecords}, faults...)
}

// openHarnessWith opens a runtime configured by cfg (its StateDir,
// Datasets, Faults and Fast are the harness's).
func openHarnessWith(t *testing.T, cfg local.Config, faults ...string) *harness {
	t.Helper()
	h := &harness{t: t, state: t.TempDir(), files: t.TempDir()}
	cfg.Datasets, cfg.Fast = losslessSet(), true
	h.cfg = cfg
	h.open(faults)
	t.Cleanup(func() {
		if h.rt != nil {
			h.rt.Close()
		}
	})
	return h
}

func (h *harness) open(faults []string) {
	h.t.Helper()
	f, err := local.ParseFaults(faults)
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := h.cfg
	cfg.StateDir, cfg.Faults = h.state, f
	if h.rt, err = local.Open(context.Background(), cfg); err != nil {
		h.t.Fatal(err)
	}
}

// reopen closes the runtime and opens it again on the same state with
// other faults (none: a clean re-run).
func (h *harness) reopen(faults ...string) {
	h.t.Helper()
	if err := h.rt.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.rt = nil
	h.open(faults)
}

// runTimeout bounds one file's run: a run that takes longer is stuck. It
// is a hang guard, far above any run's time, not a speed assertion.
const runTimeout = 3 * time.Minute

// submit uploads the case's file, routes its event and executes the
// pipeline as sluice run does. It returns nil when the unrouted rule took
// the event (checked against c.unrouted).
func (h *harness) submit(c fileCase) *local.FileResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	ev := h.upload(ctx, c)
	routed, err := h.rt.Route(ev)
	if err != nil {
		h.t.Fatalf("%s: route: %v", ev.Key, err)
	}
	if routed.Unrouted != c.unrouted {
		h.t.Fatalf("%s (%d bytes): unrouted = %v, want %v (routing %+v)", ev.Key, ev.Size, routed.Unrouted, c.unrouted, routed)
	}
	if c.unrouted {
		if len(routed.Datasets) != 0 {
			h.t.Fatalf("%s: both the unrouted rule and %v match", ev.Key, routed.Datasets)
		}
		return nil
	}
	if !slices.Equal(routed.Datasets, []string{c.dataset}) {
		h.t.Fatalf("%s routed to %v, want [%s]", ev.Key, routed.Datasets, c.dataset)
	}
	return h.execute(ctx, ev)
}

// execute runs the pipeline on an event; an engine error (anything but a
// result) is a failure of the harness's rule.
func (h *harness) execute(ctx context.Context, ev contract.FileEvent) *local.FileResult {
	h.t.Helper()
	res, err := h.rt.Execute(ctx, ev)
	if err != nil {
		h.t.Fatalf("%s: Execute returned an error instead of an outcome: %v", ev.Key, err)
	}
	if ctx.Err() != nil {
		h.t.Fatalf("%s: the run was still going after %s (stuck): %s %s %s", ev.Key, runTimeout, res.Status, res.Error, res.Cause)
	}
	return res
}

func (h *harness) upload(ctx context.Context, c fileCase) contract.FileEvent {
	h.t.Helper()
	if c.key != "" {
		out, err := h.rt.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(h.rt.Bucket), Key: aws.String(c.key), Body: bytes.NewReader(c.body)})
		if err != nil {
			h.t.Fatalf("put %q: %v", c.key, err)
		}
		return contract.FileEvent{Dataset: c.dataset, Bucket: h.rt.Bucket, Key: c.key, VersionID: aws.ToString(out.VersionId), Size: int64(len(c.body)), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}
	}
	p := filepath.Join(h.files, c.file)
	if err := os.WriteFile(p, c.body, 0o644); err != nil {
		h.t.Fatal(err)
	}
	ev, _, err := h.rt.Upload(ctx, c.dataset, p)
	if err != nil {
		h.t.Fatalf("upload %q: %v", c.file, err)
	}
	return ev
}

// keyOf is the S3 key the case's file lands under.
func (h *harness) keyOf(c fileCase) string {
	if c.key != "" {
		return c.key
	}
	ds, err := h.rt.Datasets().Lookup(c.dataset)
	if err != nil {
		h.t.Fatal(err)
	}
	return ds.Prefix + c.file
}

// faultFree is how a case's run may end without faults.
func (h *harness) faultFree(c fileCase) []local.Status {
	if len(c.allow) > 0 {
		return c.allow
	}
	ds, err := h.rt.Datasets().Lookup(c.dataset)
	if err != nil {
		h.t.Fatal(err)
	}
	return []local.Status{c.expected(ds)}
}

// check asserts the rule on one outcome. faulted names the states whose
// faults may have suppressed a side effect (a notification, a ledger
// write, a quarantine copy).
func (h *harness) check(c fileCase, res *local.FileResult, faulted map[string]bool) {
	h.t.Helper()
	switch res.Status {
	case local.Loaded, local.Rejected, local.Failed, local.Duplicate:
	default:
		h.t.Errorf("%s: status %q is none of LOADED, REJECTED, FAILED, DUPLICATE", res.Key, res.Status)
		return
	}
	h.checkNoPanic(res)
	switch res.Status {
	case local.Loaded:
		h.checkLoaded(c, res)
	case local.Rejected:
		h.checkRejected(c, res, faulted)
	case local.Failed:
		h.checkFailed(res, faulted)
	}
	if res.Status != local.Duplicate && !faulted["Record"] && !faulted["RecordRejected"] && !faulted["RecordFailed"] && !faulted["ddb"] {
		h.checkLedger(res)
	}
}

// checkNoPanic fails on a function that panicked (the runtime reports a
// recovered panic as Runtime.ExitError, as Lambda does) or timed out.
func (h *harness) checkNoPanic(res *local.FileResult) {
	h.t.Helper()
	if res.Result == nil {
		return
	}
	crashed := func(name, cause *string) bool {
		n, c := aws.ToString(name), aws.ToString(cause)
		return n == "Runtime.ExitError" || n == "Sandbox.Timedout" || strings.Contains(c, "panic:")
	}
	for _, e := range res.Result.History {
		for _, d := range []*engine.ErrorDetails{e.LambdaFunctionFailedDetails, e.ExecutionFailedEventDetails} {
			if d != nil && crashed(d.Error, d.Cause) {
				h.t.Errorf("%s: a function crashed (%s): %s", res.Key, aws.ToString(d.Error), excerpt(aws.ToString(d.Cause), 600))
			}
		}
		if d := e.TaskFailedEventDetails; d != nil && crashed(d.Error, d.Cause) {
			h.t.Errorf("%s: a task crashed (%s): %s", res.Key, aws.ToString(d.Error), excerpt(aws.ToString(d.Cause), 600))
		}
	}
}

// fileItems returns the items of the table whose source is key.
func (h *harness) fileItems(ds, key string) []map[string]any {
	h.t.Helper()
	items, err := h.rt.Items(context.Background(), ds)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []map[string]any
	for _, it := range items {
		if it[dataset.AttrSourceKey] == key {
			out = append(out, it)
		}
	}
	return out
}

// checkLoaded: the table holds exactly the file's valid records, with the
// values the harness wrote.
func (h *harness) checkLoaded(c fileCase, res *local.FileResult) {
	h.t.Helper()
	got := h.fileItems(c.dataset, res.Key)
	byKey := map[string]map[string]any{}
	for _, it := range got {
		k := fmt.Sprint(it[dataset.AttrPK]) + " | " + fmt.Sprint(it[dataset.AttrSK])
		if _, dup := byKey[k]; dup {
			h.t.Errorf("%s: item %s twice", res.Key, k)
		}
		byKey[k] = it
		if v := it[dataset.AttrSourceVersion]; v != res.VersionID {
			h.t.Errorf("%s: item %s has _source_version %v, want %s", res.Key, k, v, res.VersionID)
		}
		for attr, v := range it {
			if n, ok := v.(json.Number); ok && !dynamoNumber(string(n)) {
				// The embedded table keeps the digits; DynamoDB would
				// refuse the write.
				h.t.Errorf("%s: item %s: %s = %s is no DynamoDB number (38 significant digits, 1E-130 to below 1E+126)", res.Key, k, attr, excerpt(string(n), 60))
			}
		}
	}
	want := map[string]wantItem{}
	for _, w := range c.items {
		want[w.pk+" | "+w.sk] = w
	}
	var missing, extra []string
	for k, w := range want {
		it, ok := byKey[k]
		if !ok {
			missing = append(missing, k)
			continue
		}
		for attr, v := range w.attrs {
			if !sameValue(v, it[attr]) {
				b, _ := json.Marshal(it[attr])
				h.t.Errorf("%s: item %s: %s = %s, want %s", res.Key, k, attr, b, v)
			}
		}
	}
	for k := range byKey {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		h.t.Errorf("%s LOADED: %d items, want %d; missing %s; unexpected %s", res.Key, len(got), len(want), firstFew(missing), firstFew(extra))
	}
	for _, n := range c.notLoaded {
		if _, ok := byKey[n.pk+" | "+n.sk]; ok {
			h.t.Errorf("%s LOADED the row %s | %s, which the file does not hold as a valid row", res.Key, n.pk, n.sk)
		}
	}
	if len(c.bad) > 0 {
		// Bad rows tolerated by the policy: the report lists them.
		rep := h.report(res)
		if rep == nil {
			h.t.Errorf("%s LOADED with %d bad rows but no report", res.Key, len(c.bad))
			return
		}
		for i, b := range c.bad {
			if i >= 100 {
				break
			}
			if !rep.names(b) {
				h.t.Errorf("%s: the report does not name bad row %+v; it lists %s", res.Key, b, rep.summary())
			}
		}
	}
}

// checkRejected: a report in S3 names the file and a problem with its row,
// line and field (or the whole-file reason); nothing of the file is in the
// table; the rejection was announced.
func (h *harness) checkRejected(c fileCase, res *local.FileResult, faulted map[string]bool) {
	h.t.Helper()
	if items := h.fileItems(c.dataset, res.Key); len(items) > 0 {
		h.t.Errorf("%s REJECTED but %d of its items are in the table", res.Key, len(items))
	}
	if !strings.Contains(res.Cause, res.Key) {
		h.t.Errorf("%s REJECTED: the reason does not name the file: %q", res.Key, res.Cause)
	}
	rep := h.report(res)
	if rep == nil {
		h.t.Errorf("%s REJECTED without a report in S3 (reason %q)", res.Key, res.Cause)
		return
	}
	if rep.Status != "rejected" || rep.Reason == "" || rep.Source.Key != res.Key {
		h.t.Errorf("%s: report status %q reason %q source %q", res.Key, rep.Status, rep.Reason, rep.Source.Key)
	}
	located := false
	for _, p := range rep.Errors {
		switch {
		case p.Code == "" || p.Reason == "":
			h.t.Errorf("%s: report problem without code or reason: %+v", res.Key, p)
		case p.Row > 0 && p.Line > 0 && (p.Field != "" || rowCodes[p.Code]):
			located = true
		case p.Row == 0 && (p.Line > 0 || fileCodes[p.Code]):
			located = true
		}
	}
	if !located {
		h.t.Errorf("%s: no problem of the report names a row and field, a line, or a whole-file reason: %s", res.Key, rep.summary())
	}
	switch {
	case c.reject != nil:
		if !rep.has(*c.reject) {
			h.t.Errorf("%s: the report lacks a problem %+v: %s", res.Key, *c.reject, rep.summary())
		}
	case len(c.bad) > 0:
		if !rep.names(c.bad[0]) {
			h.t.Errorf("%s: the report does not name the first bad row %+v: %s", res.Key, c.bad[0], rep.summary())
		}
	case len(c.items) == 0:
		if !rep.has(problem{codes: []string{"no_rows", "empty_file"}}) {
			h.t.Errorf("%s: a file without rows is rejected for %s", res.Key, rep.summary())
		}
	}
	if !faulted["Quarantine"] {
		if _, err := h.rt.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(h.rt.Bucket),
			Key: aws.String(contract.QuarantinePrefix + c.dataset + "/" + res.VersionID + "/" + res.Key)}); err != nil {
			h.t.Errorf("%s: no quarantined copy: %v", res.Key, err)
		}
	}
	if !faulted["NotifyRejected"] && h.notification("NotifyRejected", res) == nil {
		h.t.Errorf("%s REJECTED without a rejection notification", res.Key)
	}
}

// rowCodes are problems of a whole row (no field to name).
var rowCodes = map[string]bool{"ragged_row": true, "bad_quote": true, "json_syntax": true, "json_too_deep": true, "not_an_object": true, "duplicate_name": true}

// fileCodes are whole-file problems that have no line.
var fileCodes = map[string]bool{"empty_file": true, "no_rows": true, "suffix_mismatch": true, "size_out_of_bounds": true, "too_many_bad_rows": true,
	"gzip": true, "gzip_ratio": true}

var injectedRe = regexp.MustCompile(`injected by sluice --inject [^"\\]*`)

// checkFailed: a named error whose cause names the failing state, the
// failure notification (unless its own step was faulted).
func (h *harness) checkFailed(res *local.FileResult, faulted map[string]bool) {
	h.t.Helper()
	if res.Error != "Sluice.FileFailed" {
		h.t.Errorf("%s FAILED with %q, want the alarmed Sluice.FileFailed (cause %s)", res.Key, res.Error, excerpt(res.Cause, 300))
	}
	state := failingState(h.rt, res)
	if state == "" {
		h.t.Errorf("%s FAILED but its history shows no failing state", res.Key)
		return
	}
	// The cause must name the state by itself: the injected message
	// (which quotes the --inject spec) does not count.
	if cause := injectedRe.ReplaceAllString(res.Cause, ""); !strings.Contains(cause, state) {
		h.t.Errorf("%s FAILED in %s, but the cause does not name it: %s", res.Key, state, excerpt(res.Cause, 300))
	}
	if faulted["NotifyFailed"] {
		return
	}
	n := h.notification("NotifyFailed", res)
	if n == nil {
		h.t.Errorf("%s FAILED without a failure notification", res.Key)
		return
	}
	if n["state"] != state || n["error"] == nil || n["cause"] == nil {
		h.t.Errorf("%s: the failure notification does not name the state %s with an error and cause: %v", res.Key, state, n)
	}
}

// failingState returns the top-level state whose failure was caught into
// the failure path: the last one entered before NotifyFailed (or Failed).
func failingState(rt *local.Runtime, res *local.FileResult) string {
	if res.Result == nil {
		return ""
	}
	top := rt.Machine().States
	last := ""
	for _, e := range res.Result.History {
		d := e.StateEnteredEventDetails
		if d == nil {
			continue
		}
		// The failure path starts at NotifyFailed, or at RejectionFailed
		// for a failure on the rejected path.
		if d.Name == "RejectionFailed" || d.Name == "NotifyFailed" || d.Name == "RecordFailed" || d.Name == "Failed" {
			return last
		}
		if _, ok := top.Get(d.Name); ok {
			last = d.Name
		}
	}
	return ""
}

// notification returns the message the state published for res's
// execution, or nil.
func (h *harness) notification(state string, res *local.FileResult) map[string]any {
	for _, e := range h.rt.Outbox().Entries() {
		if e.State != state {
			continue
		}
		in, _ := e.Message.(map[string]any)
		msg, _ := in["Message"].(map[string]any)
		if exec, _ := msg["execution"].(string); msg["key"] == res.Key && strings.HasSuffix(exec, ":"+res.Execution) {
			return msg
		}
	}
	return nil
}

// checkLedger: the ledger records the outcome, which is what lets a failed
// file be claimed again and a finished one be a duplicate.
func (h *harness) checkLedger(res *local.FileResult) {
	h.t.Helper()
	st, owner := h.ledgerItem(res)
	if res.Status == local.Failed && st == "RUNNING" && owner != "" && !strings.HasSuffix(owner, ":"+res.Execution) {
		// The execution failed before taking the claim over from
		// another: it leaves that claim alone, and the next run takes it.
		return
	}
	if st != string(res.Status) {
		h.t.Errorf("%s ended %s but the ledger says %q", res.Key, res.Status, st)
	}
}

// killedClaim writes the claim a run killed with kill -9 leaves: RUNNING,
// naming an execution no process runs, its lease far from over.
func (h *harness) killedClaim(ev contract.FileEvent) {
	h.t.Helper()
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	if _, err := h.rt.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(h.rt.Tables["ledger"]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s("RUNNING"),
		"execution":  s("arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:killed-" + contract.RunID(ev.Source())),
		"leaseUntil": s(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
	}}); err != nil {
		h.t.Fatal(err)
	}
}

// ledgerStatus returns the ledger's status of res's file version ("" when
// there is no ledger item).
func (h *harness) ledgerStatus(res *local.FileResult) string {
	h.t.Helper()
	st, _ := h.ledgerItem(res)
	return st
}

// ledgerItem returns the ledger's status and owner (execution ARN) of
// res's file version ("" when there is no ledger item).
func (h *harness) ledgerItem(res *local.FileResult) (status, owner string) {
	h.t.Helper()
	out, err := h.rt.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(h.rt.Tables["ledger"]),
		Key:            map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "FILE#" + h.rt.Bucket + "/" + res.Key + "#" + res.VersionID}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if st, ok := out.Item["status"].(*ddbtypes.AttributeValueMemberS); ok {
		status = st.Value
	}
	if ex, ok := out.Item["execution"].(*ddbtypes.AttributeValueMemberS); ok {
		owner = ex.Value
	}
	return status, owner
}

// report is the part of the validation report the harness reads.
type report struct {
	Source struct {
		Key string `json:"key"`
	} `json:"source"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	Rows   int64  `json:"rows"`
	Errors []struct {
		Line   int64  `json:"line"`
		Row    int64  `json:"row"`
		Field  string `json:"field"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func (r *report) names(b badRow) bool {
	for _, p := range r.Errors {
		if p.Line == b.line && p.Row == b.row && p.Field == b.field && p.Code == b.code {
			return true
		}
	}
	return false
}

func (r *report) has(want problem) bool {
	for _, p := range r.Errors {
		if slices.Contains(want.codes, p.Code) && (want.line == 0 || p.Line == want.line) {
			return true
		}
	}
	return false
}

func (r *report) summary() string {
	var parts []string
	for i, p := range r.Errors {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(r.Errors)))
			break
		}
		parts = append(parts, fmt.Sprintf("{line %d row %d field %q code %s: %s}", p.Line, p.Row, p.Field, p.Code, excerpt(p.Reason, 80)))
	}
	return fmt.Sprintf("status %s reason %q rows %d errors [%s]", r.Status, r.Reason, r.Rows, strings.Join(parts, ", "))
}

// report reads the validation report of res from the bucket (nil if none).
func (h *harness) report(res *local.FileResult) *report {
	h.t.Helper()
	if res.Report == "" {
		return nil
	}
	out, err := h.rt.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(h.rt.Bucket), Key: aws.String(res.Report)})
	if err != nil {
		h.t.Errorf("%s: report %s: %v", res.Key, res.Report, err)
		return nil
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		h.t.Errorf("%s: report %s is not JSON: %v", res.Key, res.Report, err)
		return nil
	}
	return &r
}

// runCase runs one case without faults and checks its outcome is one the
// harness expects. An unrouted case is also executed as if its event had
// reached the pipeline (a rule changed under it): it must not load.
func (h *harness) runCase(c fileCase) *local.FileResult {
	h.t.Helper()
	res := h.submit(c)
	if res == nil {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		ev := contract.FileEvent{Dataset: c.dataset, Bucket: h.rt.Bucket, Key: h.keyOf(c), Size: int64(len(c.body))}
		head, err := h.rt.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(h.rt.Bucket), Key: aws.String(ev.Key)})
		if err != nil {
			h.t.Fatal(err)
		}
		ev.VersionID = aws.ToString(head.VersionId)
		res = h.execute(ctx, ev)
	}
	h.check(c, res, nil)
	if want := h.faultFree(c); !slices.Contains(want, res.Status) {
		h.t.Errorf("%s ended %s (%s %s), want %v", res.Key, res.Status, res.Error, excerpt(res.Cause, 400), want)
	}
	return res
}

// dynamoNumber reports whether the decimal text n is a number DynamoDB
// stores: at most 38 significant digits, zero or a magnitude from 1E-130
// to below 1E+126 (the DynamoDB developer guide, "Number").
func dynamoNumber(n string) bool {
	r, ok := new(big.Rat).SetString(n)
	if !ok {
		return false
	}
	if r.Sign() == 0 {
		return true
	}
	digits := strings.Trim(strings.NewReplacer("-", "", "+", "", ".", "").Replace(n), "0")
	if len(digits) > 38 {
		return false
	}
	abs := new(big.Rat).Abs(r)
	ten := big.NewInt(10)
	hi := new(big.Rat).SetInt(new(big.Int).Exp(ten, big.NewInt(126), nil))
	lo := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(ten, big.NewInt(130), nil))
	return abs.Cmp(hi) < 0 && abs.Cmp(lo) >= 0
}

// sameValue compares an expected JSON text with an item attribute:
// numbers as exact decimals, anything else by its JSON encoding.
func sameValue(want string, got any) bool {
	if n, ok := got.(json.Number); ok {
		a, ok1 := new(big.Rat).SetString(want)
		b, ok2 := new(big.Rat).SetString(string(n))
		return ok1 && ok2 && a.Cmp(b) == 0
	}
	b, err := json.Marshal(got)
	return err == nil && string(b) == want
}

func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstFew(s []string) string {
	if len(s) > 5 {
		return fmt.Sprintf("%v … (%d)", s[:5], len(s))
	}
	return fmt.Sprint(s)
}

// heapWatch samples the heap while a case runs and reports its peak growth,
// to show hostile inputs are read in bounded memory.
type heapWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	base uint64
	peak atomic.Uint64
}

func watchHeap() *heapWatch {
	runtime.GC()
	w := &heapWatch{stop: make(chan struct{}), base: heapObjects()}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
				if n := heapObjects(); n > w.peak.Load() {
					w.peak.Store(n)
				}
			}
		}
	}()
	return w
}

// growth stops the watch and returns the peak heap above the start.
func (w *heapWatch) growth() uint64 {
	close(w.stop)
	w.done.Wait()
	if p := w.peak.Load(); p > w.base {
		return p - w.base
	}
	return 0
}

// heapObjects returns the bytes of heap objects (live and not yet swept),
// read without stopping the world.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// recorder is a testing.TB that records failures instead of failing: the
// harness's self-test runs it against broken functions.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Helper() {}

// broken returns the real functions with one of them made to misbehave
// the way the harness must catch.
func broken(kind string) func(d local.Deps) ([]*integrations.FunctionSpec, error) {
	return func(d local.Deps) ([]*integrations.FunctionSpec, error) {
		fns, err := local.Functions(d)
		if err != nil {
			return nil, err
		}
		field := func(payload any, name string) string {
			m, _ := payload.(map[string]any)
			s, _ := m[name].(string)
			return s
		}
		// firstKey reads the key of the first record of a chunk.
		firstKey := func(ctx context.Context, payload any) map[string]ddbtypes.AttributeValue {
			out, err := d.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(field(payload, "bucket")), Key: aws.String(field(payload, "key"))})
			if err != nil {
				return nil
			}
			defer out.Body.Close()
			var rec map[string]any
			if json.NewDecoder(out.Body).Decode(&rec) != nil {
				return nil
			}
			return map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprint(rec["pk"])}, "sk": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprint(rec["sk"])}}
		}
		for _, f := range fns {
			orig := f.Fn
			switch {
			case kind == "loses an item" && f.Name == "load":
				f.Fn = func(ctx context.Context, payload any) (any, error) {
					out, err := orig(ctx, payload)
					if k := firstKey(ctx, payload); err == nil && k != nil {
						_, err = d.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(d.Tables["items"]), Key: k})
					}
					return out, err
				}
			case kind == "changes a value" && f.Name == "load":
				f.Fn = func(ctx context.Context, payload any) (any, error) {
					out, err := orig(ctx, payload)
					if k := firstKey(ctx, payload); err == nil && k != nil {
						_, err = d.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(d.Tables["items"]), Key: k,
							UpdateExpression:          aws.String("SET quantity = :q"),
							ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":q": &ddbtypes.AttributeValueMemberN{Value: "999"}}})
					}
					return out, err
				}
			case kind == "inflates the whole file" && f.Name == "validate":
				f.Fn = func(ctx context.Context, payload any) (any, error) {
					out, err := d.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(field(payload, "bucket")), Key: aws.String(field(payload, "key"))})
					if err != nil {
						return nil, err
					}
					defer out.Body.Close()
					zr, err := gzip.NewReader(out.Body)
					if err != nil {
						return nil, err
					}
					all, _ := io.ReadAll(zr)
					res, err := orig(ctx, payload)
					runtime.KeepAlive(all)
					return res, err
				}
			case kind == "panics" && f.Name == "transform":
				f.Fn = func(ctx context.Context, payload any) (any, error) { panic("harness self-test") }
			case kind == "rejects without a report" && f.Name == "validate":
				f.Fn = func(ctx context.Context, payload any) (any, error) {
					return nil, &fnerr.ValidationFailed{Bucket: field(payload, "bucket"), Key: field(payload, "key"), Reason: "no reason"}
				}
			}
		}
		return fns, nil
	}
}

// TestLosslessHarnessCatches runs the harness against functions broken in
// the ways it exists to catch, and checks that it reports each: a harness
// that cannot fail proves nothing.
func TestLosslessHarnessCatches(t *testing.T) {
	for kind, want := range map[string]string{
		"loses an item":            "missing [ORDER#",
		"changes a value":          ": quantity = 999, want",
		"panics":                   "a function crashed (Runtime.ExitError)",
		"rejects without a report": "REJECTED without a report in S3",
		"inflates the whole file":  "the heap grew by",
	} {
		t.Run(kind, func(t *testing.T) {
			h := openHarnessWith(t, local.Config{Functions: broken(kind)})
			rec := &recorder{TB: t}
			h.t = rec
			c := generators["orders"].generate(newRand(kind), "self", 4, 0, false)
			if kind == "inflates the whole file" {
				c = fileCase{name: "self-bomb", dataset: "orders", file: "self-bomb.csv.gz"}
				gzipCases[0].build(kits[0], &c)
				runHostile(h, c)
			} else {
				h.runCase(c)
			}
			for _, e := range rec.errs {
				if strings.Contains(e, want) {
					return
				}
			}
			t.Errorf("the harness did not report %q; it reported %q", want, rec.errs)
		})
	}
}
