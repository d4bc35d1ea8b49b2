package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
)

const (
	bucket  = "pipeline"
	ledger  = "ledger"
	machine = "arn:aws:states:us-east-1:000000000000:stateMachine:pipeline"
)

// now is the reference time of every run; objects are written relative
// to it on the fake S3's own clock.
var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// env is a versioned in-process S3 whose clock moves only when told, the
// ledger in minidyn and a recording execution starter.
type env struct {
	s3      *s3.Client
	clock   gofakes3.TimeSourceAdvancer
	db      *minidyn.Client
	starter *starter
	h       *Handler
	log     *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := gofakes3.FixedTimeSource(now.Add(-10 * 24 * time.Hour))
	srv := httptest.NewServer(gofakes3.New(s3mem.New(s3mem.WithTimeSource(clock)), gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0)).Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutBucketVersioning(t.Context(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	db := minidyn.NewClient()
	if err := minidyn.AddTable(t.Context(), db, ledger, "pk", ""); err != nil {
		t.Fatal(err)
	}
	e := &env{s3: client, clock: clock, db: db, starter: &starter{}, log: &bytes.Buffer{}}
	e.h = &Handler{
		S3: client, Ledger: db, Starter: e.starter, Log: e.log,
		Config: Config{Bucket: bucket, LedgerTable: ledger, Rules: builtinRules(t), Grace: DefaultGrace, StateMachineARN: machine},
		Now:    func() time.Time { return now },
		Sleep:  func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
	return e
}

// builtinRules are the rules the platform deploys for the shipped datasets.
func builtinRules(t *testing.T) Rules {
	t.Helper()
	r := Rules{}
	for _, d := range dataset.Builtin().All() {
		s, err := routing.Marshal(routing.ForDataset(bucket, d))
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			t.Fatal(err)
		}
		r[d.Name] = p
	}
	return r
}

// object is what the test wrote.
type object struct {
	key, version, etag string
	size               int64
	modified           time.Time
}

// put writes body at key when the fake clock reads now+at.
func (e *env) put(t *testing.T, at time.Duration, key, body string) object {
	t.Helper()
	e.setClock(now.Add(at))
	out, err := e.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(body))
	return object{key: key, version: aws.ToString(out.VersionId), etag: hex.EncodeToString(sum[:]), size: int64(len(body)), modified: now.Add(at)}
}

func (e *env) setClock(to time.Time) {
	if d := to.Sub(e.clock.Now()); d > 0 {
		e.clock.Advance(d)
	}
}

func (e *env) remove(t *testing.T, at time.Duration, key string) {
	t.Helper()
	e.setClock(now.Add(at))
	if _, err := e.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
}

// claim writes the ledger item an execution's Claim state writes.
func (e *env) claim(t *testing.T, o object) {
	t.Helper()
	pk := "FILE#" + bucket + "/" + o.key + "#" + o.version
	if _, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(ledger), Item: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "status": &ddbtypes.AttributeValueMemberS{Value: "LOADED"},
	}}); err != nil {
		t.Fatal(err)
	}
}

// starter records StartExecution calls and refuses the names in exists.
type starter struct {
	mu     sync.Mutex
	calls  []*sfn.StartExecutionInput
	exists map[string]bool
}

func (s *starter) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, in)
	if s.exists[aws.ToString(in.Name)] {
		return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists")}
	}
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:pipeline:" + aws.ToString(in.Name))}, nil
}

// scenario is a bucket holding one object of every kind.
type scenario struct {
	loaded, lost, notes, readme, overwritten1, overwritten2, empty, customers object
}

func (e *env) scenario(t *testing.T) scenario {
	t.Helper()
	var s scenario
	e.put(t, -9*24*time.Hour, "incoming/orders/ancient.csv", "order_id\n1\n")                   // before the lookback window
	s.overwritten1 = e.put(t, -3*time.Hour, "incoming/orders/overwritten.csv", "order_id\n1\n") // claimed, then replaced
	e.put(t, -3*time.Hour, "incoming/orders/deleted.csv", "order_id\n1\n")
	s.loaded = e.put(t, -2*time.Hour, "incoming/orders/loaded.csv", "order_id\n2\n")
	s.lost = e.put(t, -2*time.Hour, "incoming/orders/lost.csv", "order_id\n3\n")
	s.notes = e.put(t, -2*time.Hour, "incoming/orders/notes.txt", "not data")
	s.readme = e.put(t, -2*time.Hour, "README.md", "# drop files under incoming/")
	s.empty = e.put(t, -2*time.Hour, "incoming/orders/empty.csv", "")
	s.customers = e.put(t, -2*time.Hour, "incoming/customers/c.csv", "customer_id\nC1\n")
	e.put(t, -2*time.Hour, "staging/orders/0123/transformed/part-00000.jsonl", "{}\n") // the pipeline's own
	e.put(t, -2*time.Hour, "reports/orders/0123-x.report.json", "{}")
	e.remove(t, -90*time.Minute, "incoming/orders/deleted.csv")
	s.overwritten2 = e.put(t, -time.Hour, "incoming/orders/overwritten.csv", "order_id\n1\n2\n")
	e.put(t, -5*time.Minute, "incoming/orders/fresh.csv", "order_id\n9\n") // within the grace period
	e.claim(t, s.overwritten1)
	e.claim(t, s.loaded)
	e.claim(t, s.customers)
	return s
}

// file is the File a test expects for o.
func file(o object, ds string, reason Reason) File {
	return File{Bucket: bucket, Key: o.key, VersionID: o.version, Size: o.size, ETag: o.etag, LastModified: o.modified,
		AgeSeconds: int64(now.Sub(o.modified) / time.Second), Dataset: ds, Reason: reason}
}

// ignoreDetail compares Files without their prose.
var ignoreDetail = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Detail" }, cmp.Ignore())

func TestReconcileReportsEveryUnaccountedVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.scenario(t)
	rep, err := e.h.Handle(t.Context(), Request{ID: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{
		Bucket: bucket, Now: now, GraceSeconds: 900, LookbackSeconds: 7 * 86400,
		// ancient, overwritten (v2), loaded, lost, notes.txt, README.md,
		// empty, customers, fresh; not deleted.csv, staging/ or reports/.
		Listed: 9, Recent: 1, Old: 1, Checked: 7, Accounted: 2,
		Unaccounted: []File{
			file(s.readme, "", ReasonNoRule),
			file(s.empty, "", ReasonNoRule),
			file(s.lost, "orders", ReasonNoExecution),
			file(s.notes, "", ReasonNoRule),
			file(s.overwritten2, "orders", ReasonNoExecution),
		},
		Complete: true,
	}
	if diff := cmp.Diff(want, rep, ignoreDetail); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if len(e.starter.calls) != 0 {
		t.Errorf("redrive is off, yet %d executions were started", len(e.starter.calls))
	}

	lines := logLines(t, e.log)
	var warned []string
	for _, l := range lines {
		if l["msg"] == "unaccounted file" {
			if l["level"] != "WARN" || l["bucket"] != bucket || l["versionId"] == "" || l["reason"] == "" || l["invocation"] != "run-1" {
				t.Errorf("log line %v", l)
			}
			warned = append(warned, l["key"].(string))
		}
	}
	if diff := cmp.Diff([]string{s.readme.key, s.empty.key, s.lost.key, s.notes.key, s.overwritten2.key}, warned); diff != "" {
		t.Errorf("logged files (-want +got):\n%s", diff)
	}
	emf := metricsLine(t, lines)
	if got := emf["UnaccountedFiles"]; got != 5.0 || emf["CheckedFiles"] != 7.0 || emf["ReconcileIncomplete"] != 0.0 || emf["Bucket"] != bucket {
		t.Errorf("metrics %v", emf)
	}
}

func TestRedriveStartsWhatTheRuleWouldHave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.scenario(t)
	e.h.Config.Redrive = true
	name := func(o object) string {
		return "reconcile-" + contract.RunID(contract.Object{Bucket: bucket, Key: o.key, VersionID: o.version})
	}
	e.starter.exists = map[string]bool{name(s.overwritten2): true}
	rep, err := e.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	// Only the files a dataset's rule matches, in listing order.
	if len(e.starter.calls) != 2 {
		t.Fatalf("%d StartExecution calls, want 2 (lost.csv, overwritten.csv)", len(e.starter.calls))
	}
	for i, o := range []object{s.lost, s.overwritten2} {
		in := e.starter.calls[i]
		if aws.ToString(in.StateMachineArn) != machine || aws.ToString(in.Name) != name(o) {
			t.Errorf("call %d: machine %s name %s", i, aws.ToString(in.StateMachineArn), aws.ToString(in.Name))
		}
		// What the rule's input transformer writes for this object's event.
		want := `{"dataset":"orders","bucket":"pipeline","key":"` + o.key + `","versionId":"` + o.version + `","size":` +
			jsonNumber(o.size) + `,"etag":"` + o.etag + `","eventTime":"` + o.modified.Format("2006-01-02T15:04:05Z") + `"}`
		if got := aws.ToString(in.Input); got != want {
			t.Errorf("call %d input\n got %s\nwant %s", i, got, want)
		}
	}
	byKey := map[string]File{}
	for _, f := range rep.Unaccounted {
		byKey[f.Key] = f
	}
	if f := byKey[s.lost.key]; f.Redrive != RedriveStarted || !strings.HasSuffix(f.Execution, ":"+name(s.lost)) {
		t.Errorf("lost.csv: %s %s", f.Redrive, f.Execution)
	}
	if f := byKey[s.overwritten2.key]; f.Redrive != RedriveAlreadyStarted || f.Execution != name(s.overwritten2) {
		t.Errorf("overwritten.csv: %s %s", f.Redrive, f.Execution)
	}
	for _, k := range []string{s.notes.key, s.readme.key, s.empty.key} {
		if f := byKey[k]; f.Redrive != "" {
			t.Errorf("%s matches no dataset's rule, yet redrive %q", k, f.Redrive)
		}
	}
	if rep.Redriven != 1 {
		t.Errorf("Redriven = %d, want 1", rep.Redriven)
	}

	// At most MaxRedrives per run; the rest wait for the next.
	e2 := newEnv(t)
	e2.scenario(t)
	e2.h.Config.Redrive, e2.h.Config.MaxRedrives = true, 1
	rep, err = e2.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []Redrive
	for _, f := range rep.Unaccounted {
		if f.Dataset != "" {
			outcomes = append(outcomes, f.Redrive)
		}
	}
	if diff := cmp.Diff([]Redrive{RedriveStarted, RedriveDeferred}, outcomes); diff != "" {
		t.Errorf("outcomes with MaxRedrives 1 (-want +got):\n%s", diff)
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// pagedS3 wraps the S3 client. It pages listings itself, as S3 does
// (gofakes3's in-memory backend sets IsTruncated without the next
// markers): entries in key order, common prefixes counting as one, each
// page ending at NextKeyMarker and NextVersionIdMarker. It can also ignore
// the delimiter (as the local store does), rewrite sizes and count calls.
type pagedS3 struct {
	VersionLister
	ignoreDelimiter bool
	sizes           map[string]int64
	onCall          func()
	calls           int
}

// entry is one element of a version listing.
type entry struct {
	key, version string
	prefix       bool
	v            s3types.ObjectVersion
	marker       s3types.DeleteMarkerEntry
	deleted      bool
}

func (p *pagedS3) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	p.calls++
	if p.onCall != nil {
		p.onCall()
	}
	full := *in
	full.MaxKeys, full.KeyMarker, full.VersionIdMarker = nil, nil, nil
	if p.ignoreDelimiter {
		full.Delimiter = nil
	}
	out, err := p.VersionLister.ListObjectVersions(ctx, &full, opts...)
	if err != nil {
		return nil, err
	}
	if aws.ToBool(out.IsTruncated) {
		return nil, errors.New("pagedS3: the test bucket holds more than one page")
	}
	var all []entry
	for _, cp := range out.CommonPrefixes {
		all = append(all, entry{key: aws.ToString(cp.Prefix), prefix: true})
	}
	for _, v := range out.Versions {
		if n, ok := p.sizes[aws.ToString(v.Key)]; ok {
			v.Size = aws.Int64(n)
		}
		all = append(all, entry{key: aws.ToString(v.Key), version: aws.ToString(v.VersionId), v: v})
	}
	for _, d := range out.DeleteMarkers {
		all = append(all, entry{key: aws.ToString(d.Key), version: aws.ToString(d.VersionId), marker: d, deleted: true})
	}
	slices.SortStableFunc(all, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	start := 0
	if km := aws.ToString(in.KeyMarker); km != "" {
		vm := aws.ToString(in.VersionIdMarker)
		start = len(all)
		for i, e := range all {
			if e.key == km && e.version == vm {
				start = i + 1
				break
			}
			if e.key > km {
				start = i
				break
			}
		}
	}
	page := all[start:]
	res := &s3.ListObjectVersionsOutput{IsTruncated: aws.Bool(false)}
	if n := int(aws.ToInt32(in.MaxKeys)); n > 0 && len(page) > n {
		page = page[:n]
		last := page[n-1]
		res.IsTruncated, res.NextKeyMarker = aws.Bool(true), aws.String(last.key)
		if last.version != "" {
			res.NextVersionIdMarker = aws.String(last.version)
		}
	}
	for _, e := range page {
		switch {
		case e.prefix:
			res.CommonPrefixes = append(res.CommonPrefixes, s3types.CommonPrefix{Prefix: aws.String(e.key)})
		case e.deleted:
			res.DeleteMarkers = append(res.DeleteMarkers, e.marker)
		default:
			res.Versions = append(res.Versions, e.v)
		}
	}
	return res, nil
}

func TestPagesAndListingShapesGiveTheSameReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.scenario(t)
	want, err := e.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int32{1, 2, 3, 1000} {
		for _, ignore := range []bool{false, true} {
			h := *e.h
			lister := &pagedS3{VersionLister: e.s3, ignoreDelimiter: ignore}
			h.S3, h.Config.PageSize = lister, size
			got, err := h.Handle(t.Context(), Request{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("page size %d, delimiter ignored %v (-want +got):\n%s", size, ignore, diff)
			}
			if size == 1 && lister.calls < 10 {
				t.Errorf("page size 1: %d listing requests", lister.calls)
			}
		}
	}
}

func TestFilesBeyondEventBridgeNumericRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	huge := e.put(t, -time.Hour, "incoming/orders/huge.csv", "order_id\n1\n")
	giant := e.put(t, -time.Hour, "incoming/orders/giant.txt", "x")
	e.h.S3 = &pagedS3{VersionLister: e.s3, sizes: map[string]int64{huge.key: 5_000_000_001, giant.key: 6_000_000_000}}
	// A dataset whose rule takes any size of .csv under incoming/orders/.
	e.h.Config.Rules = Rules{"orders": decode(t, `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["pipeline"]},"object":{"key":[{"wildcard":"incoming/orders/*.csv"}],"size":[{"numeric":[">=",1]}]}}}`)}
	e.h.Config.Redrive = true
	rep, err := e.h.Handle(t.Context(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, f := range rep.Unaccounted {
		got[f.Key] = [2]string{f.Dataset, string(f.Reason)}
	}
	want := map[string][2]string{
		huge.key:  {"orders", string(ReasonBeyondNumericRange)},
		giant.key: {"", string(ReasonBeyondNumericRange)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(e.starter.calls) != 1 || !strings.Contains(aws.ToString(e.starter.calls[0].Input), `"size":5000000001`) {
		t.Errorf("want one redrive, of huge.csv with its size: %v", e.starter.calls)
	}
}

func TestStopsBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	// The top level lists README.md and the prefixes incoming/, reports/
	// and staging/: two pages of two. incoming/ starts with
	// incoming/customers/c.csv and incoming/orders/ancient.csv.
	tests := []struct {
		name           string
		budget         time.Duration
		wantCalls      int
		wantNotChecked []string
		wantUnchecked  int
	}{
		{"between prefixes", 90 * time.Second, 2, []string{"incoming/"}, 1},
		{"within a prefix", 150 * time.Second, 3, []string{"incoming/ after key incoming/orders/ancient.csv"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.scenario(t)
			deadline := time.Now().Add(time.Hour)
			ctx, cancel := context.WithDeadline(t.Context(), deadline)
			defer cancel()
			// The run's clock starts budget before the margin, and
			// each listing request takes a minute of it.
			clock := deadline.Add(-DefaultDeadlineMargin - tt.budget)
			// The deadline is real, so the run's clock is today while the
			// scenario's objects are dated around now: the lookback
			// window moves with the gap, leaving ancient.csv outside it
			// and the rest inside, as in the other tests.
			e.h.Config.Lookback = clock.Sub(now) + DefaultLookback
			lister := &pagedS3{VersionLister: e.s3, onCall: func() { clock = clock.Add(time.Minute) }}
			e.h.S3, e.h.Config.PageSize = lister, 2
			e.h.Now = func() time.Time { return clock }
			rep, err := e.h.Handle(ctx, Request{})
			if err != nil {
				t.Fatal(err)
			}
			if lister.calls != tt.wantCalls {
				t.Errorf("%d listing requests, want %d", lister.calls, tt.wantCalls)
			}
			if rep.Complete || rep.Unchecked != tt.wantUnchecked || !cmp.Equal(rep.NotChecked, tt.wantNotChecked) {
				t.Errorf("complete %v, unchecked %d, not checked %q", rep.Complete, rep.Unchecked, rep.NotChecked)
			}
			emf := metricsLine(t, logLines(t, e.log))
			if _, ok := emf["UnaccountedFiles"]; ok || emf["ReconcileIncomplete"] != 1.0 {
				t.Errorf("an incomplete run that found nothing must not clear the alarm: %v", emf)
			}
		})
	}
}

func TestLedgerUnprocessedKeys(t *testing.T) {
	t.Parallel()
	t.Run("retried", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.scenario(t)
		var mu sync.Mutex
		refused := 0
		minidyn.EmulateUnprocessedItems(e.db, ledger, func(int, map[string]ddbtypes.AttributeValue) bool {
			mu.Lock()
			defer mu.Unlock()
			refused++
			return refused <= 4
		})
		rep, err := e.h.Handle(t.Context(), Request{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Complete || rep.Accounted != 2 || len(rep.Unaccounted) != 5 {
			t.Errorf("complete %v accounted %d unaccounted %d", rep.Complete, rep.Accounted, len(rep.Unaccounted))
		}
	})
	t.Run("forever", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.scenario(t)
		minidyn.EmulateUnprocessedItems(e.db, ledger, func(int, map[string]ddbtypes.AttributeValue) bool { return true })
		rep, err := e.h.Handle(t.Context(), Request{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Complete || rep.Unchecked != 7 || rep.Checked != 0 || len(rep.Unaccounted) != 0 {
			t.Errorf("complete %v unchecked %d checked %d unaccounted %d", rep.Complete, rep.Unchecked, rep.Checked, len(rep.Unaccounted))
		}
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(e *env)
		wantType string
	}{
		{"no bucket", func(e *env) { e.h.Config.Bucket = "" }, "ConfigError"},
		{"no rules", func(e *env) { e.h.Config.Rules = nil }, "ConfigError"},
		{"redrive without a machine", func(e *env) { e.h.Config.Redrive, e.h.Config.StateMachineARN = true, "" }, "ConfigError"},
		{"redrive without a starter", func(e *env) { e.h.Config.Redrive, e.h.Starter = true, nil }, "ConfigError"},
		{"bucket missing", func(e *env) { e.h.Config.Bucket = "gone" }, "ConfigError"},
		{"ledger missing", func(e *env) { e.h.Config.LedgerTable = "gone" }, "ConfigError"},
		{"ledger keeps failing", func(e *env) { minidyn.EmulateFailure(e.db, minidyn.FailureConditionInternalServerError) }, "Retryable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.put(t, -time.Hour, "incoming/orders/a.csv", "order_id\n1\n")
			tt.setup(e)
			_, err := e.h.Handle(t.Context(), Request{})
			if got := fnerr.NameOf(err); got != tt.wantType {
				t.Errorf("error %v has type %q, want %q", err, got, tt.wantType)
			}
		})
	}
}

func TestMetricsDocument(t *testing.T) {
	t.Parallel()
	rep := &Report{Bucket: "b", Checked: 4, Redriven: 1, Complete: true, Unaccounted: make([]File, 3)}
	got := Metrics(rep, time.UnixMilli(1764151200000))
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Bucket":"b","CheckedFiles":4,"ReconcileIncomplete":0,"RedrivenFiles":1,"UnaccountedFiles":3,` +
		`"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Bucket"]],"Metrics":[{"Name":"CheckedFiles","Unit":"Count"},` +
		`{"Name":"ReconcileIncomplete","Unit":"Count"},{"Name":"RedrivenFiles","Unit":"Count"},{"Name":"UnaccountedFiles","Unit":"Count"}],` +
		`"Namespace":"Sluice"}],"Timestamp":1764151200000}}`
	if string(b) != want {
		t.Errorf("metrics\n got %s\nwant %s", b, want)
	}
}

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// metricsLine returns the embedded metric format document of a run, after
// checking its shape.
func metricsLine(t *testing.T, lines []map[string]any) map[string]any {
	t.Helper()
	for _, l := range lines {
		meta, ok := l["_aws"].(map[string]any)
		if !ok {
			continue
		}
		directives, _ := meta["CloudWatchMetrics"].([]any)
		if len(directives) != 1 {
			t.Fatalf("CloudWatchMetrics %v", meta)
		}
		d := directives[0].(map[string]any)
		if d["Namespace"] != contract.MetricNamespace || !cmp.Equal(d["Dimensions"], []any{[]any{contract.DimensionBucket}}) {
			t.Errorf("directive %v", d)
		}
		for _, m := range d["Metrics"].([]any) {
			name := m.(map[string]any)["Name"].(string)
			if _, ok := l[name].(float64); !ok {
				t.Errorf("metric %s has no value in %v", name, l)
			}
		}
		return l
	}
	t.Fatal("no embedded metric format document logged")
	return nil
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBatchedPrefixesAreLeftToTheBatches: the files of a dataset processed
// in batches wait for no event, so the reconciler neither reports nor
// starts them (it would race the batch that takes them); the other
// datasets' files are reconciled as before.
func TestBatchedPrefixesAreLeftToTheBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.h.Config.Redrive = true
	e.h.Config.BatchPrefixes = []string{"incoming/orders/"}
	pending := e.put(t, -2*time.Hour, "incoming/orders/pending.csv", "order_id\n3\n")
	lost := e.put(t, -2*time.Hour, "incoming/customers/lost.csv", "customer_id\nC9\n")
	rep, err := e.h.Handle(t.Context(), Request{ID: "run-batch"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Unaccounted {
		got = append(got, f.Key+" "+string(f.Reason))
	}
	if diff := cmp.Diff([]string{lost.key + " " + string(ReasonNoExecution)}, got); diff != "" {
		t.Errorf("unaccounted (-want +got):\n%s", diff)
	}
	for _, c := range e.starter.calls {
		if strings.Contains(aws.ToString(c.Input), pending.key) {
			t.Errorf("the reconciler started the batched file %s", pending.key)
		}
	}
	if len(e.starter.calls) != 1 {
		t.Errorf("%d executions started, want 1 (the customers file)", len(e.starter.calls))
	}
}

func TestParseConfigBatchPrefixes(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		contract.EnvBucket: bucket, contract.EnvTableLedger: ledger,
		contract.EnvReconcileRules:         `{"orders":{"source":["aws.s3"]}}`,
		contract.EnvReconcileBatchPrefixes: `["incoming/orders/"]`,
	}
	c, err := ParseConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"incoming/orders/"}, c.BatchPrefixes); diff != "" {
		t.Errorf("BatchPrefixes (-want +got):\n%s", diff)
	}
	env[contract.EnvReconcileBatchPrefixes] = "incoming/orders/"
	if _, err := ParseConfig(func(k string) string { return env[k] }); err == nil {
		t.Error("a prefix that is not a JSON array parsed")
	}
}
