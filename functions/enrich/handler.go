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
	// bufs keeps enriched-chunk buffers for the next invocations: a fresh
	// one of megabytes is cleared by the runtime first, which cost as much
	// as filling it.
	bufs sync.Pool
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
		fnlog.Failed(ctx, log, "enrich failed", err, expected(err))
	} else {
		log.Info("enriched", slog.Int64("records", out.Records))
	}
	return out, fnerr.Surface(err)
}

// expected reports whether err is an outcome the workflow handles (a
// rejection, a retried transient failure): logged as WARN, not ERROR.
func expected(err error) bool {
	var vf *fnerr.ValidationFailed
	var rt *fnerr.Retryable
	var li *fnerr.LoadIncomplete
	return errors.As(err, &vf) || errors.As(err, &rt) || errors.As(err, &li)
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

	meta := map[string]any{
		AttrSourceKey:  chunk.Source.Key,
		AttrIngestedAt: h.now().UTC().Format(dataset.TimestampLayout),
		AttrExecution:  chunk.ExecutionID,
	}
	if meta[AttrExecution] == "" {
		meta[AttrExecution] = ExecutionID(ctx)
	}
	if chunk.Source.VersionID != "" {
		meta[AttrSourceVersion] = chunk.Source.VersionID
	}
	buf, _ := h.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	reuse := false
	defer func() {
		// Only after a successful PutObject: S3 answered, so it read the
		// whole body, and the HTTP transport no longer does.
		if reuse && buf.Cap() <= maxEstimate {
			buf.Reset()
			h.bufs.Put(buf)
		}
	}()
	buf.Grow(outputEstimate(aws.ToInt64(obj.ContentLength), chunk.Records, meta))
	w := records.NewWriter(buf)
	r := records.NewJSONL(obj.Body, records.Limits{})
	block := make([]map[string]any, 0, blockSize)
	flush := func() error {
		if len(block) == 0 {
			return nil
		}
		if err := h.enrichBlock(ctx, ds, meta[AttrExecution].(string), block); err != nil {
			return err
		}
		for _, rec := range block {
			if err := w.Write(rec); err != nil {
				return fmt.Errorf("enrich: write record: %w", err)
			}
		}
		block = block[:0]
		return nil
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return contract.Chunk{}, &fnerr.Retryable{Op: "s3 GetObject", Err: fmt.Errorf("s3://%s/%s: %w", chunk.Bucket, chunk.Key, err)}
			}
			return contract.Chunk{}, &fnerr.Internal{Msg: fmt.Sprintf("enrich: s3://%s/%s: %v", chunk.Bucket, chunk.Key, err)}
		}
		v := rec.Values
		for k, m := range meta {
			v[k] = m
		}
		if _, ok := v[AttrLine]; !ok {
			v[AttrLine] = rec.Line
		}
		block = append(block, v)
		if len(block) == blockSize {
			if err := flush(); err != nil {
				return contract.Chunk{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return contract.Chunk{}, err
	}
	if err := w.Flush(); err != nil {
		return contract.Chunk{}, fmt.Errorf("enrich: %w", err)
	}
	out := chunk
	out.Key = contract.ChunkKey(chunk.Dataset, chunk.Source, Stage, chunk.Index)
	out.Records = w.Records()
	_, err = h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(out.Bucket),
		Key:           aws.String(out.Key),
		Body:          bytes.NewReader(buf.Bytes()),
		ContentLength: aws.Int64(int64(buf.Len())),
		ContentType:   aws.String("application/x-ndjson"),
	})
	if err != nil {
		return contract.Chunk{}, s3Error("PutObject", out.Bucket, out.Key, err)
	}
	reuse = true
	return out, nil
}

// maxEstimate caps outputEstimate: a larger chunk grows its buffer as it
// goes.
const maxEstimate = 16 << 20

// outputEstimate is the size to reserve for the enriched chunk: the input
// plus half again for the lookups' and calculations' fields, plus the
// metadata attributes of every record. Growing the buffer by doubling
// instead cost as much as writing the records (copies of megabytes, each
// new slice cleared first).
func outputEstimate(inputBytes, records int64, meta map[string]any) int {
	per := int64(len(`,"_line":`) + 20)
	for k, v := range meta {
		s, _ := v.(string)
		per += int64(len(k) + len(s) + 6)
	}
	n := inputBytes + inputBytes/2 + max(records, 0)*per
	if n < 0 || n > maxEstimate {
		return maxEstimate
	}
	return int(n)
}

// enrichBlock applies the lookups, the HTTP enrichments and the calculated
// fields to a block of records, in that order.
func (h *Handler) enrichBlock(ctx context.Context, ds *dataset.Dataset, exec string, block []map[string]any) error {
	for i := range ds.Enrichment.Lookups {
		if err := h.lookup(ctx, &ds.Enrichment.Lookups[i], block); err != nil {
			return err
		}
	}
	for i := range ds.Enrichment.HTTP {
		if err := h.callHTTP(ctx, ds, exec, &ds.Enrichment.HTTP[i], block); err != nil {
			return err
		}
	}
	if len(ds.Enrichment.Calculated) > 0 {
		for _, rec := range block {
			// A calculated field whose inputs are missing is left
			// absent; the others are still computed (dataset.Calculate).
			// A value no DynamoDB number holds fails the chunk, naming
			// the record: leaving it out would load an incomplete item
			// without a word, writing it would fail in the loader. (A
			// field computed from the row alone was checked by the
			// validator already; this is for those that need a lookup
			// or an HTTP result.)
			for _, err := range ds.Calculate(rec) {
				var fe dataset.FieldError
				if errors.As(err, &fe) && fe.Code == dataset.CodeNumberLimit {
					return &fnerr.Internal{Msg: fmt.Sprintf("enrich: %v line %v: calculated field %s (value %s): %s",
						rec[AttrSourceKey], rec[AttrLine], fe.Field, fe.Value, fe.Reason)}
				}
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
