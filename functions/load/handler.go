package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/emf"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
)

// ObjectReader is the part of the S3 API the loader uses; *s3.Client
// satisfies it.
type ObjectReader interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Config is the loader's deployment configuration, read from the
// environment by functions/cmd/load (see ParseConfig).
type Config struct {
	// ItemsTable and ReferenceTable are the physical names of the items and
	// reference tables (SLUICE_TABLE_ITEMS, SLUICE_TABLE_REFERENCE).
	ItemsTable, ReferenceTable string
	// Datasets lists the dataset names the function accepts
	// (SLUICE_DATASETS, comma-separated); ReferenceDatasets those of them
	// whose items go to the reference table (SLUICE_REFERENCE_DATASETS).
	// Used by StaticTargets; a chunk of another dataset fails with
	// fnerr.ConfigError.
	Datasets, ReferenceDatasets []string
	// Concurrency is the number of batches written in parallel
	// (SLUICE_LOAD_CONCURRENCY). Default: 8.
	Concurrency int
	// DeadlineMargin is kept free before the Lambda deadline to report
	// LoadIncomplete instead of being killed (SLUICE_LOAD_DEADLINE_MARGIN).
	// Default: 10s.
	DeadlineMargin time.Duration
	// RetryWindow bounds retrying when the context has no deadline (the
	// local runtime). Default: 2m.
	RetryWindow time.Duration
	// Backoff shapes the delays between retries. Default: see Backoff.
	Backoff Backoff
	// Sets names, by dataset and attribute, the attributes written as
	// DynamoDB sets instead of lists (SLUICE_SET_ATTRIBUTES). Used by
	// StaticTargets.
	Sets map[string]map[string]SetType
	// Strict writes every item with a conditional PutItem instead of the
	// read-then-BatchWriteItem path (SLUICE_LOAD_STRICT=true). It closes
	// the race window described in docs/functions.md at the cost of one
	// request per item. Default: false.
	Strict bool
}

// Defaults of Config.
const (
	DefaultConcurrency    = 8
	DefaultDeadlineMargin = 10 * time.Second
	DefaultRetryWindow    = 2 * time.Minute
)

// Target is where and how the records of one dataset are written.
type Target struct {
	// Table is the physical table name.
	Table string
	// TTL, when set, gives items that lack the TTL attribute one computed
	// from another attribute (the transformer normally stages it already).
	TTL *TTL
	// Sets names the attributes written as DynamoDB sets: the staged JSON
	// array of such an attribute becomes a String Set (SS) or Number Set
	// (NS) instead of a List, and an empty one is not written (DynamoDB
	// has no empty set). Default: none, every array is a List.
	Sets map[string]SetType
}

// TTL derives an item's expiry attribute (epoch seconds) from a date or
// RFC 3339 timestamp attribute.
type TTL struct {
	// Attribute receives the expiry, such as "expires_at".
	Attribute string
	// From is the date or timestamp attribute, such as "ts".
	From string
	// After is added to From's value.
	After time.Duration
}

// Targets resolves a chunk's dataset name to its Target. The package
// functions/load/loadset builds one from a dataset.Set; the Lambda uses
// StaticTargets, so that its binary does not link the dataset package (whose
// expression engine defeats the linker's dead-code elimination and grows the
// zip by half).
type Targets interface {
	// Target returns the dataset's target or an error (an unknown dataset
	// is a *fnerr.ConfigError).
	Target(dataset string) (Target, error)
}

// StaticTargets is a fixed table of targets by dataset name.
type StaticTargets map[string]Target

// Target returns the dataset's entry or a *fnerr.ConfigError.
func (s StaticTargets) Target(name string) (Target, error) {
	t, ok := s[name]
	if !ok {
		return Target{}, &fnerr.ConfigError{Msg: fmt.Sprintf("load: unknown dataset %q", name)}
	}
	return t, nil
}

// Targets returns the StaticTargets of c: every name in Datasets to
// ItemsTable, or to ReferenceTable when it is also in ReferenceDatasets.
func (c Config) Targets() StaticTargets {
	ref := map[string]bool{}
	for _, n := range c.ReferenceDatasets {
		ref[n] = true
	}
	s := StaticTargets{}
	for _, n := range c.Datasets {
		t := Target{Table: c.ItemsTable, Sets: c.Sets[n]}
		if ref[n] {
			t.Table = c.ReferenceTable
		}
		s[n] = t
	}
	return s
}

// Handler loads staged chunks into DynamoDB. Set the exported fields before
// the first call; a Handler is then safe for concurrent use and keeps a
// small cache of source-object orders across invocations.
type Handler struct {
	// Log receives the function's JSON log lines (fnlog.New). Default:
	// none.
	Log *slog.Logger
	// Metrics receives one embedded metric format line per chunk loaded:
	// RecordsLoaded and RecordsStale of its dataset. Default: none.
	Metrics *emf.Logger
	// S3 reads the chunk and the source object's metadata.
	S3 ObjectReader
	// DB writes the items.
	DB DB
	// Targets resolves the chunk's dataset to its table.
	Targets Targets
	// Config is the deployment configuration.
	Config Config
	// Clock is the time source of backoff and the deadline. Default:
	// SystemClock.
	Clock Clock
	// Rand returns a uniform integer in [0, max) for jitter. Default:
	// math/rand/v2.
	Rand func(max int64) int64
	// Now stamps _ingested_at on records the enricher did not stamp.
	// Default: the Clock's time.
	Now func() time.Time

	mu     sync.Mutex
	orders map[contract.Object]string
}

// maxCachedOrders bounds the order cache: one entry per source file version
// seen by this instance.
const maxCachedOrders = 256

// Handle loads one chunk: every record becomes an item of the dataset's
// table, unless the table holds a newer version of the item (counted in
// Stale). If records remain unwritten at the deadline it returns
// *fnerr.LoadIncomplete; other failures come back as the fnerr types.
func (h *Handler) Handle(ctx context.Context, chunk contract.Chunk) (contract.LoadOutput, error) {
	log := fnlog.Or(h.Log).With(fnlog.File(chunk.ExecutionID, chunk.Dataset, chunk.Source)...).With(slog.Int("chunk", chunk.Index))
	log.Debug("loading", slog.String("chunkKey", chunk.Key), slog.Int64("records", chunk.Records))
	out, err := h.load(ctx, chunk)
	if err != nil {
		fnlog.Failed(ctx, log, "load failed", err, fnerr.Expected(err))
	} else {
		log.Info("loaded", slog.Int64("written", out.Written), slog.Int64("stale", out.Stale))
		fnlog.EmitRecords(ctx, log, h.Metrics, chunk.Dataset,
			emf.Metric{Name: contract.MetricRecordsLoaded, Value: float64(out.Written), Unit: emf.Count},
			emf.Metric{Name: contract.MetricRecordsStale, Value: float64(out.Stale), Unit: emf.Count})
	}
	return out, fnerr.Surface(err)
}

func (h *Handler) load(ctx context.Context, chunk contract.Chunk) (contract.LoadOutput, error) {
	out := contract.LoadOutput{Dataset: chunk.Dataset, Key: chunk.Key}
	if h.Targets == nil || h.S3 == nil || h.DB == nil {
		return out, &fnerr.ConfigError{Msg: "load: Handler needs S3, DB and Targets"}
	}
	target, err := h.Targets.Target(chunk.Dataset)
	if err != nil {
		return out, err
	}
	table := target.Table
	if table == "" {
		return out, &fnerr.ConfigError{Msg: fmt.Sprintf("load: no table configured for dataset %q", chunk.Dataset)}
	}
	clock := h.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	order, err := h.sourceOrder(ctx, chunk.Source)
	if err != nil {
		return out, err
	}
	obj, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(chunk.Bucket), Key: aws.String(chunk.Key)})
	if err != nil {
		return out, s3Error("GetObject", chunk.Bucket, chunk.Key, err)
	}
	defer obj.Body.Close()

	w := &writer{
		db:          h.DB,
		table:       table,
		order:       order,
		deadline:    h.deadline(ctx, clock),
		clock:       clock,
		backoff:     h.Config.Backoff,
		rnd:         h.Rand,
		concurrency: h.Config.Concurrency,
		strict:      h.Config.Strict,
	}
	if w.concurrency <= 0 {
		w.concurrency = DefaultConcurrency
	}
	now := clock.Now
	if h.Now != nil {
		now = h.Now
	}
	r := newReader(ctx, obj.Body, target.TTL, target.Sets, chunk, order, now().UTC().Format(TimestampLayout))
	c, err := w.write(ctx, r.next)
	out.Written, out.Stale = c.written, c.stale
	if err != nil {
		return out, err
	}
	if !r.eof {
		// Stopped before the end of the chunk: the records never read
		// are unwritten too (at least one, if the count is unknown).
		c.unwritten += max(chunk.Records-r.n, 1)
	}
	if c.unwritten > 0 {
		return out, &fnerr.LoadIncomplete{Written: c.written, Unwritten: c.unwritten, Err: w.lastError()}
	}
	return out, nil
}

// deadline is the Lambda deadline minus the margin, or RetryWindow from now
// when ctx has none. The margin never takes more than a quarter of the time
// left, so that a function with a short timeout still gets to write.
func (h *Handler) deadline(ctx context.Context, clock Clock) time.Time {
	if d, ok := ctx.Deadline(); ok {
		margin := h.Config.DeadlineMargin
		if margin <= 0 {
			margin = DefaultDeadlineMargin
		}
		if left := d.Sub(clock.Now()); margin > left/4 {
			margin = max(left/4, 0)
		}
		return d.Add(-margin)
	}
	window := h.Config.RetryWindow
	if window <= 0 {
		window = DefaultRetryWindow
	}
	return clock.Now().Add(window)
}

// sourceOrder returns the version order of a source object version: its
// LastModified in UTC with nanoseconds (fixed width, so strings compare in
// time order), then its version id (or ETag) to break ties the same way on
// every loader. See docs/functions.md.
func (h *Handler) sourceOrder(ctx context.Context, src contract.Object) (string, error) {
	h.mu.Lock()
	o, ok := h.orders[src]
	h.mu.Unlock()
	if ok {
		return o, nil
	}
	in := &s3.HeadObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key)}
	if src.VersionID != "" {
		in.VersionId = aws.String(src.VersionID)
	}
	head, err := h.S3.HeadObject(ctx, in)
	if err != nil {
		return "", s3Error("HeadObject", src.Bucket, src.Key, err)
	}
	o = Order(aws.ToTime(head.LastModified), src.VersionID, aws.ToString(head.ETag))
	h.mu.Lock()
	if h.orders == nil || len(h.orders) >= maxCachedOrders {
		h.orders = map[contract.Object]string{}
	}
	h.orders[src] = o
	h.mu.Unlock()
	return o, nil
}

// Order formats the version order of a source object: lastModified in UTC
// as 2006-01-02T15:04:05.000000000Z, a '/', then the version id, or when
// there is none the ETag. Orders compare as strings.
func Order(lastModified time.Time, versionID, etag string) string {
	tie := versionID
	if tie == "" {
		tie = etag
	}
	return lastModified.UTC().Format("2006-01-02T15:04:05.000000000Z") + "/" + tie
}

// reader turns the chunk's JSON Lines into records, completing each with
// the attributes the loader owns. A chunk holds one record a line (blank
// lines are skipped).
type reader struct {
	ctx   context.Context
	br    *bufio.Reader
	ttl   *TTL
	sets  map[string]SetType
	chunk contract.Chunk
	order string
	// ingested is the _ingested_at of records that lack one.
	ingested string
	n        int64 // records returned
	eof      bool  // the end of the chunk was reached

	// owned are the attributes the loader sets (see complete), encoded
	// once per chunk.
	owned []ownedField
	// line, buf, fields, extra and keyBuf are scratch space reused from
	// record to record.
	line   []byte
	buf    []byte
	fields []field
	extra  []field
	keyBuf []byte
}

// ownedField is an attribute the loader sets: always, or when the record
// lacks it.
type ownedField struct {
	field
	always bool
}

// maxLineBytes bounds a chunk line (an item is at most 400 KB: a longer
// line fails anyway, this keeps it from filling memory first).
const maxLineBytes = MaxBatchBytes

func newReader(ctx context.Context, body io.Reader, ttl *TTL, sets map[string]SetType, chunk contract.Chunk, order, ingested string) *reader {
	r := &reader{ctx: ctx, br: bufio.NewReaderSize(body, 64<<10), ttl: ttl, sets: sets, chunk: chunk, order: order, ingested: ingested}
	r.owned = append(r.owned, ownedField{stringField(AttrSourceOrder, order), true}, ownedField{stringField(AttrSourceKey, chunk.Source.Key), false})
	if v := chunk.Source.VersionID; v != "" {
		r.owned = append(r.owned, ownedField{stringField(AttrSourceVersion, v), false})
	}
	if ingested != "" {
		r.owned = append(r.owned, ownedField{stringField(AttrIngestedAt, ingested), false})
	}
	if e := chunk.ExecutionID; e != "" {
		r.owned = append(r.owned, ownedField{stringField(AttrExecution, e), false})
	}
	return r
}

// readLine returns the next non-blank line, or io.EOF.
func (r *reader) readLine() ([]byte, error) {
	for {
		r.line = r.line[:0]
		var err error
		for {
			var part []byte
			part, err = r.br.ReadSlice('\n')
			if len(r.line)+len(part) > maxLineBytes {
				return nil, fmt.Errorf("line longer than %d bytes", maxLineBytes)
			}
			r.line = append(r.line, part...)
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if line := bytes.TrimSpace(r.line); len(line) > 0 {
			return line, nil
		}
		if err == io.EOF {
			return nil, io.EOF
		}
	}
}

func (r *reader) next() (*record, error) {
	line, err := r.readLine()
	if err != nil {
		if err == io.EOF {
			r.eof = true
			return nil, io.EOF
		}
		if r.ctx.Err() != nil {
			// The body read failed because the invocation is ending:
			// the rest of the chunk is unwritten, not malformed.
			return nil, r.ctx.Err()
		}
		return nil, &fnerr.Internal{Msg: fmt.Sprintf("load: s3://%s/%s record %d: %v", r.chunk.Bucket, r.chunk.Key, r.n+1, err)}
	}
	r.n++
	var fields []field
	var ok bool
	r.buf, fields, ok = transcode(line, r.buf[:0], r.fields[:0])
	if ok && len(r.sets) > 0 && slices.ContainsFunc(fields, func(f field) bool { _, set := r.sets[string(f.name)]; return set }) {
		ok = false // a set attribute: applySets checks and converts it
	}
	if !ok {
		item, err := parseItem(line)
		if err == nil {
			err = applySets(item, r.sets)
		}
		if err != nil {
			return nil, &fnerr.Internal{Msg: fmt.Sprintf("load: s3://%s/%s record %d: %v", r.chunk.Bucket, r.chunk.Key, r.n, err)}
		}
		fields = fieldsOf(item)
	}
	pk, sk, ok := r.key(fields)
	if !ok {
		return nil, &fnerr.Internal{Msg: fmt.Sprintf("load: s3://%s/%s record %d: pk and sk must be non-empty strings", r.chunk.Bucket, r.chunk.Key, r.n)}
	}
	fields, extra := r.complete(fields)
	r.fields, r.extra = fields[:0], extra[:0]
	size, n := 0, 2
	for _, fs := range [2][]field{fields, extra} {
		for i := range fs {
			size += len(fs[i].name) + fs[i].size
			n += len(fs[i].name) + len(fs[i].enc) + 4
		}
	}
	if size > MaxItemBytes {
		return nil, &fnerr.Internal{Msg: fmt.Sprintf("load: s3://%s/%s record %d (%s/%s): item of about %d bytes exceeds DynamoDB's 400 KB", r.chunk.Bucket, r.chunk.Key, r.n, pk, sk, size)}
	}
	return &record{line: r.n, pk: pk, sk: sk, item: appendItemJSON(make([]byte, 0, n), fields, extra), size: size}, nil
}

// find returns the index of the field named name, or -1.
func find(fields []field, name string) int {
	for i := range fields {
		if string(fields[i].name) == name {
			return i
		}
	}
	return -1
}

// key returns the record's pk and sk, if both are non-empty strings. The
// two strings share one allocation (records keep them until written).
func (r *reader) key(fields []field) (pk, sk string, ok bool) {
	i, j := find(fields, AttrPK), find(fields, AttrSK)
	if i < 0 || j < 0 {
		return "", "", false
	}
	var ok1, ok2 bool
	r.keyBuf, ok1 = fields[i].appendValue(r.keyBuf[:0])
	n := len(r.keyBuf)
	r.keyBuf, ok2 = fields[j].appendValue(r.keyBuf)
	if !ok1 || !ok2 || n == 0 || n == len(r.keyBuf) {
		return "", "", false
	}
	both := string(r.keyBuf)
	return both[:n], both[n:], true
}

// stringOf returns the value of the field named name, if it is a
// non-empty string (stringAttr for fields).
func stringOf(fields []field, name string) (string, bool) {
	i := find(fields, name)
	if i < 0 {
		return "", false
	}
	s, ok := fields[i].stringValue()
	return s, ok && s != ""
}

// complete sets the version attribute and, when the enricher did not run,
// the source, ingest-time and execution attributes; it adds the TTL
// attribute if the transformer did not. It replaces attributes in fields
// and returns the attributes the record lacks apart (extra, in r.extra's
// space), for appendItemJSON to merge without moving fields.
//
// Fields sorted by name (as staged) stay sorted, so that the table need not
// sort them again: extra is then in name order too. Otherwise the
// additions are appended to fields, in the order they were made, and extra
// is empty.
func (r *reader) complete(fields []field) (_, extra []field) {
	sorted := slices.IsSortedFunc(fields, byName)
	extra = r.extra[:0]
	for _, o := range r.owned {
		switch i := find(fields, string(o.name)); {
		case i < 0:
			extra = append(extra, o.field)
		case o.always:
			fields[i] = o.field
		}
	}
	if t := r.ttl; t != nil && find(fields, t.Attribute) < 0 && find(extra, t.Attribute) < 0 {
		if from, ok := stringOf(fields, t.From); ok {
			if at, ok := parseTime(from); ok {
				n := strconv.FormatInt(at.Add(t.After).Unix(), 10)
				extra = append(extra, field{name: []byte(t.Attribute), enc: []byte(`{"N":"` + n + `"}`), size: len(n) + 1})
			}
		}
	}
	if !sorted {
		return append(fields, extra...), extra[:0]
	}
	slices.SortFunc(extra, byName)
	return fields, extra
}

// byName orders fields by name.
func byName(a, b field) int { return bytes.Compare(a.name, b.name) }

func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// s3Error maps an S3 failure to the fnerr type the workflow acts on.
func s3Error(op, bucket, key string, err error) error {
	msg := fmt.Sprintf("s3 %s s3://%s/%s: %v", op, bucket, key, err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &fnerr.Retryable{Op: "s3 " + op, Err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "PermanentRedirect":
			return &fnerr.ConfigError{Msg: msg}
		case "NoSuchKey", "NotFound", "NoSuchVersion":
			return &fnerr.Internal{Msg: msg}
		}
	}
	return &fnerr.Retryable{Op: "s3 " + op, Err: fmt.Errorf("s3://%s/%s: %w", bucket, key, err)}
}
