package enrich

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/records"
	"github.com/sluicehq/sluice/internal/jsonenc"
)

// ObjectReadWriter is the part of the S3 API the enricher uses;
// *s3.Client satisfies it.
type ObjectReadWriter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// ItemBatchGetter reads reference items; *dynamodb.Client satisfies it.
type ItemBatchGetter interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Config is the enricher's deployment configuration, read from the
// environment by functions/cmd/enrich (see ParseConfig).
type Config struct {
	// ItemsTable and ReferenceTable are the physical names of the items
	// and reference tables (SLUICE_TABLE_ITEMS, SLUICE_TABLE_REFERENCE);
	// lookups read the table of the referenced dataset.
	ItemsTable, ReferenceTable string
	// CacheSize bounds the reference cache in entries
	// (SLUICE_ENRICH_CACHE_SIZE). Default: 10000. Negative: no cache.
	CacheSize int
	// CacheTTL bounds the age of a cached reference item
	// (SLUICE_ENRICH_CACHE_TTL). Default: 5m.
	CacheTTL time.Duration
	// LookupAttempts bounds the BatchGetItem attempts for one block of
	// keys (UnprocessedKeys and transient errors) before the chunk fails
	// with fnerr.Retryable. Default: 8.
	LookupAttempts int
	// SecretARNs maps the secret names of HTTP enrichments
	// (dataset.HTTPAuth.Secret) to Secrets Manager ARNs
	// (SLUICE_ENRICH_SECRETS, a JSON object); main builds the
	// SecretsManager source from it.
	SecretARNs map[string]string
	// SecretTTL bounds the age of a cached secret value
	// (SLUICE_ENRICH_SECRET_TTL); a 401 or 403 re-reads it sooner.
	// Default: 5m.
	SecretTTL time.Duration
	// AllowLoopbackHTTP lets HTTP enrichments call http://127.0.0.1 (and
	// [::1]) URLs, which Compile accepts for local runs and tests. Never
	// set from the environment: a deployed enricher calls https only.
	AllowLoopbackHTTP bool
}

// Defaults of Config.
const (
	DefaultCacheSize      = 10000
	DefaultCacheTTL       = 5 * time.Minute
	DefaultLookupAttempts = 8
	DefaultSecretTTL      = 5 * time.Minute
)

// Stage is the contract.ChunkKey stage of the chunks the enricher writes.
const Stage = "enriched"

// blockSize is the number of records enriched together: one BatchGetItem
// (at most 100 keys) per lookup per block.
const blockSize = 100

// Handler enriches chunks. Set the exported fields before the first call; a
// Handler is then safe for concurrent use. It keeps the reference cache and
// the HTTP concurrency limits across invocations.
type Handler struct {
	// Log receives the function's JSON log lines (fnlog.New). Default:
	// none.
	Log *slog.Logger
	// S3 reads the chunk and writes the enriched chunk.
	S3 ObjectReadWriter
	// DB reads reference items.
	DB ItemBatchGetter
	// Datasets resolves the chunk's dataset (lookups must be resolved,
	// as NewSet does).
	Datasets *dataset.Set
	// HTTP makes the HTTP enrichment calls; its redirect policy is
	// replaced (no redirect is followed). Tests trust their TLS server's
	// certificate through it. Default: http.DefaultClient's transport,
	// no overall timeout (each attempt has the enrichment's Timeout).
	HTTP *http.Client
	// Secrets provides the secrets HTTP enrichments send (Auth); values
	// are cached for Config.SecretTTL. Default: none (an enrichment with
	// Auth fails the chunk with fnerr.ConfigError).
	Secrets SecretSource
	// Now is the ingest clock. Default: time.Now.
	Now func() time.Time
	// Config is the deployment configuration.
	Config Config
	// Sleep waits between retries. Default: a timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error

	once       sync.Once
	cache      *cache
	mu         sync.Mutex
	sems       map[string]chan struct{}
	files      map[string]*fileCalls
	secrets    secretCache
	clientOnce sync.Once
	httpClient *http.Client
	// plans holds each dataset's plan; bufs the kept output buffers
	// (buffer, keep). Both under mu.
	plans map[*dataset.Dataset]*plan
	bufs  [][]byte
	// mapOnly sends every record the map way (tests compare the paths).
	mapOnly bool
}

type executionKey struct{}

// WithExecutionID returns a context carrying the workflow execution id
// written as _execution (the local runtime sets it).
func WithExecutionID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, executionKey{}, id)
}

// ExecutionID returns the execution id of ctx: the one set by
// WithExecutionID, else the Lambda request id, else "". It is used when
// the chunk does not carry its execution (contract.Chunk.ExecutionID).
func ExecutionID(ctx context.Context) string {
	if id, ok := ctx.Value(executionKey{}).(string); ok {
		return id
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// Metadata attributes written on every record (the dataset package's
// names).
const (
	AttrSourceKey     = dataset.AttrSourceKey
	AttrSourceVersion = dataset.AttrSourceVersion
	AttrLine          = dataset.AttrLine
	AttrIngestedAt    = dataset.AttrIngestedAt
	AttrExecution     = dataset.AttrExecution
)

// Handle enriches one chunk and returns the enriched chunk.
func (h *Handler) Handle(ctx context.Context, chunk contract.Chunk) (contract.Chunk, error) {
	log := fnlog.Or(h.Log).With(fnlog.File(chunk.ExecutionID, chunk.Dataset, chunk.Source)...).With(slog.Int("chunk", chunk.Index))
	log.Debug("enriching", slog.String("chunkKey", chunk.Key), slog.Int64("records", chunk.Records))
	out, err := h.enrich(ctx, chunk)
	if err != nil {
		fnlog.Failed(ctx, log, "enrich failed", err, fnerr.Expected(err))
	} else {
		log.Info("enriched", slog.Int64("records", out.Records))
	}
	return out, fnerr.Surface(err)
}

func (h *Handler) init() {
	h.once.Do(func() {
		size := h.Config.CacheSize
		if size == 0 {
			size = DefaultCacheSize
		}
		ttl := h.Config.CacheTTL
		if ttl == 0 {
			ttl = DefaultCacheTTL
		}
		h.cache = newCache(size, ttl)
		h.sems = map[string]chan struct{}{}
		h.files = map[string]*fileCalls{}
		h.plans = map[*dataset.Dataset]*plan{}
	})
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) enrich(ctx context.Context, chunk contract.Chunk) (contract.Chunk, error) {
	h.init()
	if h.S3 == nil || h.Datasets == nil {
		return contract.Chunk{}, &fnerr.ConfigError{Msg: "enrich: Handler needs S3 and Datasets"}
	}
	ds, err := h.Datasets.Lookup(chunk.Dataset)
	if err != nil {
		return contract.Chunk{}, &fnerr.ConfigError{Msg: "enrich: " + err.Error()}
	}
	if len(ds.Enrichment.Lookups) > 0 && h.DB == nil {
		return contract.Chunk{}, &fnerr.ConfigError{Msg: "enrich: Handler needs DB for the lookups of " + ds.Name}
	}
	obj, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(chunk.Bucket), Key: aws.String(chunk.Key)})
	if err != nil {
		return contract.Chunk{}, s3Error("GetObject", chunk.Bucket, chunk.Key, err)
	}
	defer obj.Body.Close()

	p := h.plan(ds)
	exec := chunk.ExecutionID
	if exec == "" {
		exec = ExecutionID(ctx)
	}
	// The metadata every record gets, boxed and encoded once.
	type metaAttr struct {
		slot int
		val  any
		enc  []byte
	}
	meta := []metaAttr{{slot: p.sourceKey, val: chunk.Source.Key}, {slot: p.ingestedAt, val: h.now().UTC().Format(dataset.TimestampLayout)}, {slot: p.execution, val: exec}}
	if chunk.Source.VersionID != "" {
		meta = append(meta, metaAttr{slot: p.sourceVersion, val: chunk.Source.VersionID})
	}
	metaBytes := 0
	for i := range meta {
		meta[i].enc = jsonenc.AppendString(nil, meta[i].val.(string))
		metaBytes += len(p.keys[meta[i].slot]) + len(meta[i].enc) + 1
	}
	out := h.buffer(outputEstimate(aws.ToInt64(obj.ContentLength), chunk.Records, metaBytes))
	reuse := false
	defer func() {
		// Only after a successful PutObject: S3 answered, so it read the
		// whole body, and the HTTP transport no longer does.
		if reuse {
			h.keep(out)
		}
	}()
	r := records.NewJSONL(obj.Body, records.Limits{})
	b := p.block()
	defer p.keep(b)
	memo := make([]map[string]refKey, len(ds.Enrichment.Lookups))
	for i := range memo {
		memo[i] = map[string]refKey{}
	}
	var n int64
	flush := func() error {
		if len(b.entries) == 0 {
			return nil
		}
		if err := h.enrichBlock(ctx, ds, exec, b, memo); err != nil {
			return err
		}
		for i := range b.entries {
			var err error
			if out, err = b.appendEntry(out, &b.entries[i]); err != nil {
				return fmt.Errorf("enrich: write record: %w", err)
			}
		}
		n += int64(len(b.entries))
		b.reset()
		return nil
	}
	for {
		text, err := r.NextLine()
		if err == io.EOF {
			break
		}
		if err == nil && !(p.lines && !h.mapOnly && b.addLine(text, r.Line())) {
			var rec records.Record
			if rec, err = r.Decode(text); err == nil {
				b.addRecord(rec.Values, rec.Line)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return contract.Chunk{}, &fnerr.Retryable{Op: "s3 GetObject", Err: fmt.Errorf("s3://%s/%s: %w", chunk.Bucket, chunk.Key, err)}
			}
			return contract.Chunk{}, &fnerr.Internal{Msg: fmt.Sprintf("enrich: s3://%s/%s: %v", chunk.Bucket, chunk.Key, err)}
		}
		e := &b.entries[len(b.entries)-1]
		for _, m := range meta {
			b.set(e, m.slot, m.val, m.enc)
		}
		b.setLine(e)
		if len(b.entries) == blockSize {
			if err := flush(); err != nil {
				return contract.Chunk{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return contract.Chunk{}, err
	}
	res := chunk
	res.Key = contract.ChunkKey(chunk.Dataset, chunk.Source, Stage, chunk.Index)
	res.Records = n
	_, err = h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(res.Bucket),
		Key:           aws.String(res.Key),
		Body:          bytes.NewReader(out),
		ContentLength: aws.Int64(int64(len(out))),
		ContentType:   aws.String("application/x-ndjson"),
	})
	if err != nil {
		return contract.Chunk{}, s3Error("PutObject", res.Bucket, res.Key, err)
	}
	reuse = true
	return res, nil
}

// plan returns the dataset's plan, made once per dataset and kept.
func (h *Handler) plan(ds *dataset.Dataset) *plan {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.plans[ds]; p != nil {
		return p
	}
	if len(h.plans) >= maxPlans {
		clear(h.plans) // datasets of Sets no longer used
	}
	p := newPlan(ds)
	h.plans[ds] = p
	return p
}

// maxPlans bounds the plans a Handler keeps.
const maxPlans = 256

// Output buffers kept for the next invocations: at most maxKeptBuffers of
// at most maxEstimate bytes each.
const maxKeptBuffers = 4

// buffer returns an empty output buffer of at least size bytes, a kept
// one when there is one. A fresh buffer of megabytes is cleared (and its
// pages faulted in) by the runtime first, which cost as much as filling
// it; a sync.Pool lost its buffers at every garbage collection, so most
// chunks paid that.
func (h *Handler) buffer(size int) []byte {
	h.mu.Lock()
	var buf []byte
	if n := len(h.bufs); n > 0 {
		buf, h.bufs = h.bufs[n-1], h.bufs[:n-1]
	}
	h.mu.Unlock()
	if cap(buf) >= size {
		return buf[:0]
	}
	// Rounded up to a whole MiB, so that a kept buffer fits the next
	// chunk of about the same size instead of being replaced by one a
	// few bytes larger.
	return make([]byte, 0, min((size+1<<20-1)&^(1<<20-1), maxEstimate))
}

// keep keeps buf for a later invocation.
func (h *Handler) keep(buf []byte) {
	if cap(buf) > maxEstimate {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bufs) < maxKeptBuffers {
		h.bufs = append(h.bufs, buf[:0])
	}
}

// maxEstimate caps outputEstimate: a larger chunk grows its buffer as it
// goes.
const maxEstimate = 16 << 20

// outputEstimate is the size to reserve for the enriched chunk: the input
// plus half again for the lookups' and calculations' fields, plus the
// metadata attributes (metaBytes) and _line of every record. Growing the
// buffer by doubling instead cost as much as writing the records (copies
// of megabytes, each new slice cleared first).
func outputEstimate(inputBytes, records int64, metaBytes int) int {
	per := int64(len(`,"_line":`)+20) + int64(metaBytes)
	n := inputBytes + inputBytes/2 + max(records, 0)*per
	if n < 0 || n > maxEstimate {
		return maxEstimate
	}
	return int(n)
}

// enrichBlock applies the lookups, the HTTP enrichments and the calculated
// fields to a block of records, in that order.
func (h *Handler) enrichBlock(ctx context.Context, ds *dataset.Dataset, exec string, b *block, memo []map[string]refKey) error {
	p := b.p
	for i := range ds.Enrichment.Lookups {
		if err := h.lookup(ctx, &ds.Enrichment.Lookups[i], &p.lookups[i], b, memo[i]); err != nil {
			return err
		}
	}
	if len(ds.Enrichment.HTTP) > 0 {
		// The plan sends every record of such a dataset the map way.
		recs := make([]map[string]any, len(b.entries))
		for i := range b.entries {
			recs[i] = b.entries[i].m
		}
		for i := range ds.Enrichment.HTTP {
			if err := h.callHTTP(ctx, ds, exec, &ds.Enrichment.HTTP[i], recs); err != nil {
				return err
			}
		}
	}
	if len(ds.Enrichment.Calculated) == 0 {
		return nil
	}
	for i := range b.entries {
		e := &b.entries[i]
		// A calculated field whose inputs are missing is left absent; the
		// others are still computed (dataset.Calculate). A value no
		// DynamoDB number holds fails the chunk, naming the record:
		// leaving it out would load an incomplete item without a word,
		// writing it would fail in the loader. (A field computed from the
		// row alone was checked by the validator already; this is for
		// those that need a lookup or an HTTP result.)
		rec := e.m
		if rec == nil && b.arith(e) {
			continue
		}
		if rec == nil {
			// The line path: Calculate gets a record of just the names
			// it reads and writes.
			if b.calc == nil {
				b.calc = make(map[string]any, len(p.calcNames))
			}
			rec = b.calc
			clear(rec)
			for _, name := range p.calcNames {
				if v, ok := b.get(e, name); ok {
					rec[name] = v
				}
			}
		}
		for _, err := range ds.Calculate(rec) {
			var fe dataset.FieldError
			if errors.As(err, &fe) && fe.Code == dataset.CodeNumberLimit {
				src, _ := b.get(e, AttrSourceKey)
				line, _ := b.get(e, AttrLine)
				return &fnerr.Internal{Msg: fmt.Sprintf("enrich: %v line %v: calculated field %s (value %s): %s",
					src, line, fe.Field, fe.Value, fe.Reason)}
			}
		}
		if e.m != nil {
			continue
		}
		for ci := range ds.Enrichment.Calculated {
			s := p.calcSlots[ci]
			v, ok := rec[p.names[s]]
			if !ok {
				b.remove(e, s)
				continue
			}
			if err := b.setValue(e, s, v); err != nil {
				return &fnerr.Internal{Msg: fmt.Sprintf("enrich: calculated field %s: %v", p.names[s], err)}
			}
		}
	}
	return nil
}

// s3Error maps an S3 failure to the fnerr type the workflow acts on.
func s3Error(op, bucket, key string, err error) error {
	msg := fmt.Sprintf("s3 %s s3://%s/%s: %v", op, bucket, key, err)
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
