package local

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/enrich"
	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/local/dynamo"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/sluicehq/sluice/local/s3emu"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// errReadOnly is what a read-only runtime answers to a change.
var errReadOnly = errors.New("local: the runtime was opened read-only")

// OutboxFile is the file of the state directory that records what the
// pipeline published: SNS notifications and outcome events
// (integrations.ReadEvents reads the events back).
const OutboxFile = "outbox.jsonl"

// Account and region of the local ARNs.
const (
	Account = "000000000000"
	prefix  = "sluice-local"
)

// DefaultStateDir is where the local runtime keeps its state.
const DefaultStateDir = ".sluice"

// SecretsFile is the file of the state directory the local secret source
// reads (a JSON object of secret names to values; docs/local.md).
const SecretsFile = "secrets.json"

// Config configures Open.
type Config struct {
	// StateDir holds the local S3 objects, DynamoDB tables, outbox and
	// execution records. Default: DefaultStateDir. One process at a time
	// runs pipelines on a state directory (a second gets a
	// *StateDirBusyError naming the first); ReadOnly runtimes may open it
	// beside that one.
	StateDir string
	// ReadOnly opens the state directory for reading (sluice table scan,
	// report): it takes no lock, so it works while another process runs
	// pipelines on the directory, and reads the tables from a private
	// snapshot and the bucket as its journal stands. Executing a file on a
	// read-only runtime fails.
	ReadOnly bool
	// Stack selects the pipeline options (pipeline.StackOptions).
	// Default: "dev".
	Stack string
	// Datasets is the dataset set. Default: dataset.Builtin().
	Datasets *dataset.Set
	// S3Endpoint, when set, uses that S3-compatible server instead of the
	// embedded one.
	S3Endpoint string
	// DynamoDBEndpoint, when set, uses that DynamoDB-compatible server
	// (e.g. dynalite) instead of the embedded one.
	DynamoDBEndpoint string
	// Faults injects failures. Default: none.
	Faults *Faults
	// Fast runs Wait states and retry intervals on a virtual clock.
	Fast bool
	// Now, when set with Fast, is where each execution's virtual clock
	// starts: the executions' times ($$.State.EnteredTime, and so the
	// ledger's startedAt and claim lease) come from it. Default: time.Now.
	Now func() time.Time
	// Functions builds the in-process Lambda functions from the runtime's
	// clients. Default: the real Sluice handlers (Functions).
	Functions func(d Deps) ([]*integrations.FunctionSpec, error)
	// Observe, when set, receives every task attempt as it ends.
	Observe func(integrations.TaskEvent)
	// ChunkRecords overrides the transformer's records per chunk file
	// (0 keeps the function's default); small values exercise the
	// Distributed Map path on small files.
	ChunkRecords int
	// BatchExpressMaxBytes overrides the batch machine's
	// pipeline.BatchOptions.ExpressMaxBytes (0 keeps its default, 1 MiB):
	// small values hand small files to the per-file machine.
	BatchExpressMaxBytes int64
	// Calls, when set, records every AWS call the pipeline makes, by
	// principal: each function gets S3 and DynamoDB clients of its own
	// whose calls are recorded as that function (Deps.For), and the
	// state machine's task integrations, Distributed Map reads and writes
	// and child executions are recorded as awsapi.StateMachine. The
	// runtime's own calls (creating the bucket and tables, uploading a
	// file) are not: on AWS they are the deployment's and the user's.
	Calls *awsapi.CallLog
	// Crash, when set, kills the process with SIGKILL at that point: a
	// test hook (EnvCrash) for the crash harness. Default: none.
	Crash *CrashPoint
	// Secrets provides the secrets of HTTP enrichments (the deployed
	// enricher reads them from Secrets Manager). Default:
	// enrich.LocalSecrets reading StateDir/secrets.json, no environment
	// (sluice run adds SLUICE_SECRET_<NAME> variables; docs/local.md).
	Secrets enrich.SecretSource
	// EnrichHTTP makes the HTTP enrichment calls, whose plain-http URLs to
	// 127.0.0.1 are allowed locally (never deployed). Default: the
	// default client, trusting the system's certificate authorities
	// (SSL_CERT_FILE adds one).
	EnrichHTTP *http.Client

	// planned, when set, is called each time the runtime plans the state
	// machine (a test hook: the runtime plans once, in Open).
	planned func()
}

// Deps are what the in-process functions are built from.
type Deps struct {
	// S3 and DynamoDB are the runtime's clients (see For).
	S3       *s3.Client
	DynamoDB *dynamodb.Client
	// Datasets is the runtime's dataset set.
	Datasets *dataset.Set
	// Tables maps the logical table names ("items", "reference",
	// "ledger") to physical ones.
	Tables map[string]string
	// Bucket is the pipeline bucket.
	Bucket string
	// ChunkRecords is Config.ChunkRecords.
	ChunkRecords int
	// Metrics receives the functions' embedded metric format lines (the
	// state directory's MetricsFile); nil writes none.
	Metrics io.Writer
	// Stack is the Stack dimension of those metrics (Config.Stack).
	Stack string
	// For returns the clients a function (by logical name) uses: S3 and
	// DynamoDB, unless Config.Calls is set, when each principal gets
	// clients of its own that record its calls. Nil means S3 and DynamoDB.
	For func(principal string) (*s3.Client, *dynamodb.Client)
	// Secrets and EnrichHTTP are Config.Secrets and Config.EnrichHTTP.
	Secrets    enrich.SecretSource
	EnrichHTTP *http.Client
}

// clients returns the clients of principal (see For).
func (d Deps) clients(principal string) (*s3.Client, *dynamodb.Client) {
	if d.For == nil {
		return d.S3, d.DynamoDB
	}
	return d.For(principal)
}

// Runtime is the whole pipeline on one machine.
type Runtime struct {
	cfg     Config
	dir     string
	objects *s3emu.Store
	tables  *dynamo.Store
	servers []*server
	// S3 and DynamoDB are clients of the runtime's services, with the
	// runtime's own identity (their calls are not recorded).
	S3       *s3.Client
	DynamoDB *dynamodb.Client
	// Bucket is the pipeline bucket.
	Bucket string
	// Tables maps the logical table names ("items", "reference",
	// "ledger") to physical ones.
	Tables   map[string]string
	compiled *workflow.Compiled
	// engine is the pipeline planned once, in Open; every file runs on it.
	engine   *engine.Engine
	invoker  *integrations.Invoker
	outbox   *integrations.Outbox
	patterns map[string]map[string]any
	unrouted map[string]any
	// s3URL and ddbURL are the endpoints, for per-principal clients;
	// s3HTTP and ddbHTTP reach the embedded servers in process (nil for
	// an external endpoint, reached over TCP).
	s3URL, ddbURL   string
	s3HTTP, ddbHTTP *http.Client
	lock            *stateLock
	mu              sync.Mutex
	crash           *crasher
	// running holds the ARNs of the executions this runtime is running.
	running map[string]bool
	// batch is the batch machine (pipeline.BuildBatch), planned once as
	// batchEngine; children holds the ARNs of the running batch's child
	// executions that claimed a file.
	batch        *workflow.Compiled
	batchEngine  *engine.Engine
	batchInvoker *integrations.Invoker
	children     map[string]bool
	// handoffs are the per-file executions batches started for large
	// files (handOff), by ledger key: their execution names, and wg
	// waits for them.
	handoffs handoffs
	// archive indexes what the batches archived (UploadPending).
	archive archiveIndex
}

// Open starts the local services, creates the bucket (versioned) and tables
// if needed and compiles the pipeline with local ARNs.
func Open(ctx context.Context, cfg Config) (*Runtime, error) {
	cfg = cfg.withDefaults()
	dir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "executions"), 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	r := &Runtime{cfg: cfg, dir: dir, crash: newCrasher(cfg.Crash), running: map[string]bool{}, children: map[string]bool{}}
	ok := false
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	if !cfg.ReadOnly {
		if r.lock, err = lockStateDir(dir); err != nil {
			return nil, err
		}
	}
	if err := r.startS3(); err != nil {
		return nil, err
	}
	if err := r.startDynamoDB(); err != nil {
		return nil, err
	}
	r.S3, r.DynamoDB = newS3Client(r.s3URL, r.s3HTTP), newDynamoDBClient(r.ddbURL, r.ddbHTTP)
	res := workflow.SyntheticResolver(Account, Region, prefix)
	if err := r.compile(res); err != nil {
		return nil, err
	}
	if err := r.ensureResources(ctx); err != nil {
		return nil, err
	}
	if err := r.startInvoker(res); err != nil {
		return nil, err
	}
	if err := r.loadRules(); err != nil {
		return nil, err
	}
	if err := r.plan(); err != nil {
		return nil, err
	}
	ok = true
	return r, nil
}

// plan plans the pipeline once, with the runtime's integrations: every
// file runs on that plan.
func (r *Runtime) plan() error {
	var err error
	if r.engine, err = engine.New(r.compiled.Machine,
		engine.WithInvoker(r.invoker),
		engine.WithObjectStore(r.invoker.ObjectStore()),
		engine.WithStateMachineName(machineName),
		engine.WithAccount(Region, Account),
	); err != nil {
		return fmt.Errorf("plan pipeline: %w", err)
	}
	if r.batchEngine, err = engine.New(r.batch.Machine,
		engine.WithInvoker(r.batchInvoker),
		engine.WithObjectStore(r.batchInvoker.ObjectStore()),
		engine.WithStateMachineName(batchMachineName),
		engine.WithAccount(Region, Account),
	); err != nil {
		return fmt.Errorf("plan batch machine: %w", err)
	}
	if r.cfg.planned != nil {
		r.cfg.planned()
	}
	return nil
}

// withDefaults fills in the defaults the Config fields document.
func (cfg Config) withDefaults() Config {
	if cfg.StateDir == "" {
		cfg.StateDir = DefaultStateDir
	}
	if cfg.Stack == "" {
		cfg.Stack = "dev"
	}
	if cfg.Secrets == nil {
		cfg.Secrets = enrich.LocalSecrets{File: filepath.Join(cfg.StateDir, SecretsFile)}
	}
	if cfg.Datasets == nil {
		cfg.Datasets = dataset.Builtin()
	}
	if cfg.Functions == nil {
		cfg.Functions = Functions
	}
	return cfg
}

// startS3 serves the embedded S3 from the state directory (unless
// Config.S3Endpoint names another server) and sets r.s3URL.
func (r *Runtime) startS3() error {
	if r.cfg.S3Endpoint != "" {
		r.s3URL = r.cfg.S3Endpoint
		return nil
	}
	open := s3emu.Open
	if r.cfg.ReadOnly {
		open = s3emu.OpenReadOnly
	}
	var err error
	if r.objects, err = open(filepath.Join(r.dir, "s3"), nil); err != nil {
		return err
	}
	srv, err := serve(s3emu.Handler(r.objects))
	if err != nil {
		return fmt.Errorf("local s3: %w", err)
	}
	r.servers = append(r.servers, srv)
	r.s3URL, r.s3HTTP = srv.URL, srv.Client
	return nil
}

// startDynamoDB serves the embedded DynamoDB from the state directory (a
// private snapshot of it when read-only), with the configured table
// faults, unless Config.DynamoDBEndpoint names another server, and sets
// r.ddbURL.
func (r *Runtime) startDynamoDB() error {
	if r.cfg.DynamoDBEndpoint != "" {
		r.ddbURL = r.cfg.DynamoDBEndpoint
		return nil
	}
	var tf dynamo.Faults
	if r.cfg.Faults != nil {
		tf = r.cfg.Faults.Table
	}
	var err error
	if r.cfg.ReadOnly {
		r.tables, err = dynamo.OpenSnapshot(filepath.Join(r.dir, "dynamodb"))
	} else {
		r.tables, err = dynamo.Open(filepath.Join(r.dir, "dynamodb"), tf)
	}
	if err != nil {
		return err
	}
	if r.crash != nil {
		r.tables.OnWrite(r.crash.wrote)
	}
	srv, err := serve(r.tables)
	if err != nil {
		return fmt.Errorf("local dynamodb: %w", err)
	}
	r.servers = append(r.servers, srv)
	r.ddbURL, r.ddbHTTP = srv.URL, srv.Client
	return nil
}

// compile builds the stack's pipeline with the local ARNs res resolves,
// and names the bucket and tables it uses.
func (r *Runtime) compile(res workflow.Resolver) error {
	opts, err := pipeline.StackOptions(r.cfg.Stack)
	if err != nil {
		return err
	}
	if r.compiled, err = pipeline.Build(res, opts); err != nil {
		return fmt.Errorf("compile pipeline: %w", err)
	}
	if r.batch, err = pipeline.BuildBatch(res, opts, pipeline.BatchOptions{ExpressMaxBytes: r.cfg.BatchExpressMaxBytes}); err != nil {
		return fmt.Errorf("compile batch machine: %w", err)
	}
	bucketARN, err := res.Resolve(workflow.KindBucket, pipeline.BucketData)
	if err != nil {
		return err
	}
	r.Bucket = bucketARN[strings.LastIndex(bucketARN, ":")+1:]
	r.Tables = map[string]string{}
	for _, logical := range []string{pipeline.TableLedger, string(dataset.TableItems), string(dataset.TableReference)} {
		arn, err := res.Resolve(workflow.KindTable, logical)
		if err != nil {
			return err
		}
		r.Tables[logical] = arn[strings.LastIndex(arn, "/")+1:]
	}
	return nil
}

// startInvoker builds the in-process functions over the runtime's clients,
// at the ARNs res resolves, and the invoker the executions run their tasks
// with.
func (r *Runtime) startInvoker(res workflow.Resolver) error {
	deps := Deps{S3: r.S3, DynamoDB: r.DynamoDB, Datasets: r.cfg.Datasets, Tables: r.Tables, Bucket: r.Bucket, ChunkRecords: r.cfg.ChunkRecords,
		Metrics: &appendFile{path: filepath.Join(r.dir, MetricsFile)}, Stack: r.cfg.Stack,
		Secrets: r.cfg.Secrets, EnrichHTTP: r.cfg.EnrichHTTP}
	if r.cfg.Calls != nil {
		deps.For = r.clientsFor
	}
	fns, err := r.cfg.Functions(deps)
	if err != nil {
		return fmt.Errorf("functions: %w", err)
	}
	for _, f := range fns {
		if f.ARN == "" {
			f.ARN, _ = res.Resolve(workflow.KindFunction, f.Name)
		}
	}
	r.outbox = integrations.NewOutbox(filepath.Join(r.dir, OutboxFile))
	smS3, _ := deps.clients(awsapi.StateMachine)
	invoker := func(principal string, s3c *s3.Client) *integrations.Invoker {
		return integrations.NewInvoker(integrations.InvokerConfig{
			Region: Region, Account: Account,
			Functions: fns, S3: s3c, DynamoDBEndpoint: r.ddbURL, DynamoDBTransport: transport(r.ddbHTTP), Outbox: r.outbox,
			Fault: r.cfg.Faults.task, Observe: r.cfg.Observe, Calls: r.cfg.Calls, Principal: principal,
			ExecutionStatus: r.ExecutionStatus,
			StartExecution:  r.handOff,
		})
	}
	r.invoker = invoker(awsapi.StateMachine, smS3)
	// The batch machine has a role of its own: its calls are recorded
	// as that principal's.
	r.batchInvoker = r.invoker
	if r.cfg.Calls != nil {
		batchS3, _ := deps.clients(awsapi.BatchMachine)
		r.batchInvoker = invoker(awsapi.BatchMachine, batchS3)
	}
	return nil
}

// loadRules loads the EventBridge rules the platform deploys (one per
// dataset, and the unrouted rule), as EventBridge sees them: round-tripped
// through JSON.
func (r *Runtime) loadRules() error {
	asDeployed := func(pattern map[string]any) map[string]any {
		b, _ := json.Marshal(pattern)
		var p map[string]any
		_ = json.Unmarshal(b, &p)
		return p
	}
	r.patterns = map[string]map[string]any{}
	for _, d := range r.cfg.Datasets.All() {
		r.patterns[d.Name] = asDeployed(routing.ForDataset(r.Bucket, d))
	}
	un, err := routing.Unrouted(r.Bucket, r.cfg.Datasets.All(), contract.InternalPrefixes())
	if err != nil {
		return err
	}
	r.unrouted = asDeployed(un)
	return nil
}

// clientsFor returns new S3 and DynamoDB clients whose calls Config.Calls
// records as principal.
func (r *Runtime) clientsFor(principal string) (*s3.Client, *dynamodb.Client) {
	rec := r.cfg.Calls.Record(principal)
	return newS3Client(r.s3URL, r.s3HTTP, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, rec) }),
		newDynamoDBClient(r.ddbURL, r.ddbHTTP, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, rec) })
}

// StateMachineARN is the local ARN of the pipeline state machine.
func (r *Runtime) StateMachineARN() string {
	return localMachineARN
}

// localMachineARN is the ARN the local executions run under.
var localMachineARN = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s-pipeline", Region, Account, prefix)

// Machine returns the compiled pipeline the runtime executes.
func (r *Runtime) Machine() *asl.StateMachine { return r.compiled.Machine }

// StateDir returns the absolute state directory.
func (r *Runtime) StateDir() string { return r.dir }

func (r *Runtime) ensureResources(ctx context.Context) error {
	_, err := r.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(r.Bucket)})
	if err != nil {
		if _, err := r.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(r.Bucket)}); err != nil {
			return fmt.Errorf("create bucket %s: %w", r.Bucket, err)
		}
	}
	if _, err := r.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(r.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return fmt.Errorf("bucket %s versioning: %w", r.Bucket, err)
	}
	for logical, name := range r.Tables {
		if _, err := r.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}); err == nil {
			continue
		}
		in := &dynamodb.CreateTableInput{
			TableName:            aws.String(name),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		}
		if logical != pipeline.TableLedger {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS})
			in.KeySchema = append(in.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange})
		}
		if _, err := r.DynamoDB.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create table %s: %w", name, err)
		}
		// An external server (dynalite, DynamoDB Local, DynamoDB) may
		// answer ResourceNotFoundException until the table is ACTIVE.
		if r.cfg.DynamoDBEndpoint != "" {
			w := dynamodb.NewTableExistsWaiter(r.DynamoDB, func(o *dynamodb.TableExistsWaiterOptions) {
				o.MinDelay, o.MaxDelay = 20*time.Millisecond, 2*time.Second
			})
			if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
				return fmt.Errorf("table %s did not become ACTIVE: %w", name, err)
			}
		}
	}
	return nil
}

// Close stops the services and flushes the journals.
func (r *Runtime) Close() error {
	var errs []error
	for _, s := range r.servers {
		errs = append(errs, s.Close())
	}
	if r.objects != nil {
		errs = append(errs, r.objects.Close())
	}
	if r.tables != nil {
		errs = append(errs, r.tables.Close())
	}
	errs = append(errs, r.lock.release())
	return errors.Join(errs...)
}

// Status is how a file's run ended.
type Status string

// The statuses of a file.
const (
	Loaded    Status = contract.StatusLoaded
	Rejected  Status = contract.StatusRejected
	Failed    Status = contract.StatusFailed
	Duplicate Status = contract.StatusDuplicate
)

// FileResult is what happened to one file.
type FileResult struct {
	// Key, Dataset and VersionID name the file's object version.
	Key       string `json:"key"`
	Dataset   string `json:"dataset"`
	VersionID string `json:"versionId,omitempty"`
	// Status is how the run ended; the counts are the execution's.
	Status          Status `json:"status"`
	RecordsIn       int64  `json:"records_in"`
	RecordsLoaded   int64  `json:"records_loaded"`
	RecordsRejected int64  `json:"records_rejected"`
	// HandedOff is set for a file of a batch that the batch handed to the
	// per-file machine (a large file): Status is what that execution
	// recorded in the ledger, and Execution is its name. The next batch
	// settles the file.
	HandedOff bool `json:"handedOff,omitempty"`
	// Report is the key of the validation report in the bucket, if any;
	// History the path of the execution's history file.
	Report  string `json:"report,omitempty"`
	History string `json:"history,omitempty"`
	// Error and Cause say why a run failed or was rejected.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// Execution is the execution's name.
	Execution string `json:"execution,omitempty"`
	// Duration is the execution's wall time; Output its output and Result
	// the engine's whole result (history included).
	Duration time.Duration  `json:"-"`
	Output   any            `json:"-"`
	Result   *engine.Result `json:"-"`
	// WallTimes maps history event ids to the wall-clock time they were
	// recorded, when the execution ran on virtual time (--fast).
	WallTimes map[int64]time.Time `json:"-"`
	// Reused reports that the object was unchanged since the last upload,
	// so its existing version's event was delivered again.
	Reused bool `json:"reused,omitempty"`
}

// Upload puts a local file under the dataset's prefix. When the current
// version of that key already has the same content, nothing is written and
// the existing version is returned (reused = true), as S3 would deliver the
// same object version again on a duplicate event.
func (r *Runtime) Upload(ctx context.Context, ds, file string) (ev contract.FileEvent, reused bool, err error) {
	return r.UploadProgress(ctx, ds, file, nil)
}

// UploadProgress is Upload reporting the bytes sent so far to progress
// (which may be nil) as the body streams.
func (r *Runtime) UploadProgress(ctx context.Context, ds, file string, progress func(done, total int64)) (ev contract.FileEvent, reused bool, err error) {
	u, err := r.openFile(ds, file)
	if err != nil {
		return ev, false, err
	}
	defer u.f.Close()
	return r.put(ctx, u, progress)
}

// pendingUpload is a local file about to go under its dataset's prefix: the
// open file, the key it goes to, its size and MD5 (a single-part upload's
// ETag; empty until hashed or uploaded).
type pendingUpload struct {
	d    *dataset.Dataset
	file string
	f    *os.File
	key  string
	size int64
	sum  string
}

// openUpload opens file for dataset ds and hashes it; the caller closes
// u.f.
func (r *Runtime) openUpload(ds, file string) (*pendingUpload, error) {
	u, err := r.openFile(ds, file)
	if err != nil {
		return nil, err
	}
	if err := u.hash(); err != nil {
		u.f.Close()
		return nil, err
	}
	return u, nil
}

// openFile opens file for dataset ds without hashing it: put hashes it
// only when the key already holds an object of its size, and otherwise
// takes the MD5 the store computes as it writes, so that a new file is
// read and hashed once, not twice. The caller closes u.f.
func (r *Runtime) openFile(ds, file string) (*pendingUpload, error) {
	if r.cfg.ReadOnly {
		return nil, errReadOnly
	}
	d, err := r.cfg.Datasets.Lookup(ds)
	if err != nil {
		return nil, err
	}
	f, st, err := OpenInput(file)
	if err != nil {
		return nil, err
	}
	return &pendingUpload{d: d, file: file, f: f, key: d.Prefix + path.Base(filepath.ToSlash(file)), size: st.Size()}, nil
}

// hash sets u.sum to the file's MD5.
func (u *pendingUpload) hash() error {
	if _, err := u.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := md5.New()
	if _, err := io.Copy(h, u.f); err != nil {
		return err
	}
	u.sum = hex.EncodeToString(h.Sum(nil))
	return nil
}

// event is the S3 event of the upload's object in bucket as version.
func (u *pendingUpload) event(bucket, version string) contract.FileEvent {
	return contract.FileEvent{Dataset: u.d.Name, Bucket: bucket, Key: u.key, VersionID: version, Size: u.size, ETag: u.sum}
}

// put writes the upload's object unless the key's current version already
// has its content (reused).
func (r *Runtime) put(ctx context.Context, u *pendingUpload, progress func(done, total int64)) (ev contract.FileEvent, reused bool, err error) {
	if head, err := r.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(u.key)}); err == nil &&
		aws.ToInt64(head.ContentLength) == u.size {
		if u.sum == "" {
			if err := u.hash(); err != nil {
				return ev, false, err
			}
		}
		if strings.Trim(aws.ToString(head.ETag), `"`) == u.sum {
			return u.event(r.Bucket, aws.ToString(head.VersionId)), true, nil
		}
	}
	if _, err := u.f.Seek(0, io.SeekStart); err != nil {
		return ev, false, err
	}
	var body io.Reader = u.f
	if progress != nil || r.crash != nil {
		body = &countingReader{r: u.f, total: u.size, progress: func(done, total int64) {
			r.crash.uploaded(done)
			if progress != nil {
				progress(done, total)
			}
		}}
	}
	out, err := r.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(u.key), Body: body, ContentLength: aws.Int64(u.size)})
	if err != nil {
		return ev, false, fmt.Errorf("pendingUpload %s: %w", u.file, err)
	}
	if u.sum == "" {
		// A single-part PUT's ETag is the body's MD5.
		if etag := strings.Trim(aws.ToString(out.ETag), `"`); isMD5Hex(etag) {
			u.sum = etag
		} else if err := u.hash(); err != nil {
			return ev, false, err
		}
	}
	return u.event(r.Bucket, aws.ToString(out.VersionId)), false, nil
}

// isMD5Hex reports whether s is an MD5 in lower-case hex.
func isMD5Hex(s string) bool {
	if len(s) != 2*md5.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Routing is which of the deployed EventBridge rules an S3 "Object
// Created" event matches.
type Routing struct {
	// Datasets are the datasets whose rule matches (at most one: dataset
	// prefixes do not overlap).
	Datasets []string
	// Unrouted reports that the unrouted rule matches: no dataset accepts
	// the object, and the deployed platform puts its event in the
	// unrouted queue, which raises the unrouted-files alarm.
	Unrouted bool
}

// Route returns the rules an S3 "Object Created" event for ev matches, as
// deployed: the datasets' rules and the unrouted rule. Every object matches
// exactly one of them, except those the pipeline writes itself (under
// contract.InternalPrefixes), which match none; Route reports any other
// outcome as an error.
func (r *Runtime) Route(ev contract.FileEvent) (Routing, error) {
	b, _ := json.Marshal(routing.S3ObjectCreated(newID(), Account, Region, time.Now().UTC().Format(time.RFC3339), ev.Bucket, ev.Key, ev.VersionID, ev.ETag, ev.Size))
	var event map[string]any
	_ = json.Unmarshal(b, &event)
	var out Routing
	for _, d := range r.cfg.Datasets.All() {
		ok, err := routing.Match(r.patterns[d.Name], event)
		if err != nil {
			return Routing{}, fmt.Errorf("rule of dataset %s: %w", d.Name, err)
		}
		if ok {
			out.Datasets = append(out.Datasets, d.Name)
		}
	}
	ok, err := routing.Match(r.unrouted, event)
	if err != nil {
		return Routing{}, fmt.Errorf("unrouted rule: %w", err)
	}
	out.Unrouted = ok
	internal := false
	for _, p := range contract.InternalPrefixes() {
		internal = internal || strings.HasPrefix(ev.Key, p)
	}
	matched := len(out.Datasets)
	if out.Unrouted {
		matched++
	}
	switch {
	case internal && matched > 0, !internal && matched != 1:
		return out, fmt.Errorf("s3://%s/%s (%d bytes) matches %d rules (datasets %v, unrouted %v): every object must match exactly one, the pipeline's own none",
			ev.Bucket, ev.Key, ev.Size, matched, out.Datasets, out.Unrouted)
	}
	return out, nil
}

// Execute runs the pipeline for one file event and records its history
// under the state directory.
func (r *Runtime) Execute(ctx context.Context, ev contract.FileEvent) (*FileResult, error) {
	return r.ExecuteNamed(ctx, ev, "")
}

// machineName is the local pipeline's state machine name.
const machineName = prefix + "-pipeline"

// executionARN returns the ARN of the local execution called name.
func executionARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", Region, Account, machineName, name)
}

// ExecuteNamed is Execute with the execution's name (a redrive names its
// executions); "" names it after the time and the file version.
func (r *Runtime) ExecuteNamed(ctx context.Context, ev contract.FileEvent, name string) (*FileResult, error) {
	if r.cfg.ReadOnly {
		return nil, errReadOnly
	}
	if name == "" {
		name = fmt.Sprintf("%s-%s", time.Now().UTC().Format("20060102T150405.000000"), contract.RunID(ev.Source())[:8])
	}
	arn := executionARN(name)
	defer r.markRunning(arn)()
	opts, wall := r.runOptions(name, nil)
	var input any
	b, _ := json.Marshal(ev)
	_ = json.Unmarshal(b, &input)
	start := time.Now()
	res, err := r.engine.Run(ctx, input, opts...)
	if err != nil {
		return nil, err
	}
	if res.Status != engine.StatusSucceeded {
		r.recordEnd(ctx, arn, b, &res)
	}
	fr := &FileResult{Key: ev.Key, Dataset: ev.Dataset, VersionID: ev.VersionID, Execution: name, Duration: time.Since(start), Output: res.Output, Result: &res}
	if len(wall) > 0 {
		fr.WallTimes = wall
	}
	hist := filepath.Join(r.dir, "executions", name+".history.json")
	if hb, err := json.MarshalIndent(res.History, "", "  "); err == nil {
		if err := os.WriteFile(hist, hb, 0o644); err == nil {
			fr.History = hist
		}
	}
	r.recordMapRuns(res.History, awsapi.StateMachine, r.StateMachineARN())
	summarize(fr, &res)
	if fr.Status == Rejected && fr.Report != "" && fr.RecordsIn == 0 {
		// The rejected path's output names the report but carries no
		// counts; the report has them.
		if rep, err := r.readJSON(ctx, fr.Report); err == nil {
			fr.RecordsIn, fr.RecordsRejected = Count(rep["rows"]), Count(rep["badRows"])
		}
	}
	rec := executionRecord{Result: fr, Machine: r.compiled.Machine, Output: res.Output, Started: start.UTC(), Ended: start.Add(fr.Duration).UTC(), WallTimes: fr.WallTimes}
	if rb, err := json.MarshalIndent(rec, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(r.dir, "executions", name+".result.json"), rb, 0o644)
	}
	return fr, nil
}

// recordMapRuns records, as the state machine's role, what Step Functions
// does for each Distributed Map run in history: start the child
// executions (states:StartExecution on the machine itself) and follow them
// (states:DescribeExecution on the run's executions,
// arn:...:execution:<machine>/<map run>:<child>).
func (r *Runtime) recordMapRuns(history engine.History, principal, machineARN string) {
	if r.cfg.Calls == nil {
		return
	}
	for _, e := range history {
		if e.Type != engine.MapRunStarted || e.MapRunStartedEventDetails == nil {
			continue
		}
		run := e.MapRunStartedEventDetails.MapRunARN
		exec := strings.Replace(run, ":mapRun:", ":execution:", 1) + ":" + newID()
		r.cfg.Calls.Add(
			awsapi.Call{Principal: principal, Operation: "StepFunctions.MapRun", Action: "states:StartExecution", Resource: machineARN},
			awsapi.Call{Principal: principal, Operation: "StepFunctions.MapRun", Action: "states:DescribeExecution", Resource: exec},
		)
	}
}

// recordEnd does what the deployed execution-status rule does with a
// failed, timed-out or aborted execution: the reconciler's RecordEnd
// writes the end on the execution's claim, if the claim is still its own
// (the Failed path's RecordFailed may not have been able to). A failure to
// record is left to the next run, which takes the claim over anyway.
func (r *Runtime) recordEnd(ctx context.Context, arn string, input []byte, res *engine.Result) {
	in := string(input)
	// Deployed, the reconcile function makes this write (the rule's
	// target), so its calls are recorded as that function's.
	ddb := r.DynamoDB
	if r.cfg.Calls != nil {
		_, ddb = r.clientsFor(functionReconcile)
	}
	h := &reconcile.Handler{Recorder: ddb, Config: reconcile.Config{LedgerTable: r.Tables[pipeline.TableLedger]}}
	_, _ = h.RecordEnd(context.WithoutCancel(ctx), reconcile.Request{DetailType: contract.DetailTypeExecutionStatus, Detail: &reconcile.ExecutionStatusChange{
		ExecutionARN: arn, Status: string(res.Status), Input: &in, Error: &res.Error, Cause: &res.Cause, StopDate: time.Now().UnixMilli(),
	}})
}

// ExecutionStatus returns what DescribeExecution would say of the local
// execution with that ARN: RUNNING while this runtime runs it, SUCCEEDED
// or FAILED once its result is recorded under the state directory, and
// ABORTED for one that left no result: its process ended without
// finishing it (killed, crashed), as the state directory's lock proves,
// since this runtime holds it and so no other process is running. An ARN
// of another machine is unknown (false).
func (r *Runtime) ExecutionStatus(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, executionARN(""))
	if !ok {
		return r.batchExecutionStatus(arn)
	}
	return r.recordedStatus(arn, name)
}

// markRunning records that this runtime runs the execution arn (so
// DescribeExecution answers RUNNING for it) and returns the func that
// forgets it when the execution ends.
func (r *Runtime) markRunning(arn string) (done func()) {
	r.mu.Lock()
	r.running[arn] = true
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.running, arn)
		r.mu.Unlock()
	}
}

// recordedStatus is ExecutionStatus of the execution arn called name,
// of either machine: RUNNING, the status its record under the state
// directory gives, or ABORTED.
func (r *Runtime) recordedStatus(arn, name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", false
	}
	r.mu.Lock()
	running := r.running[arn]
	r.mu.Unlock()
	if running {
		return "RUNNING", true
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "executions", name+".result.json"))
	if err != nil {
		return "ABORTED", true
	}
	var rec struct {
		Result struct {
			Status Status `json:"status"`
		} `json:"result"`
	}
	if json.Unmarshal(b, &rec) != nil {
		return "ABORTED", true
	}
	if rec.Result.Status == Failed {
		return "FAILED", true
	}
	return "SUCCEEDED", true
}

// summarize fills the status and counts from the execution output.
func summarize(fr *FileResult, res *engine.Result) {
	if res.Status != engine.StatusSucceeded {
		fr.Status, fr.Error, fr.Cause = Failed, res.Error, res.Cause
		return
	}
	out, _ := res.Output.(map[string]any)
	switch s, _ := out["status"].(string); s {
	case string(Loaded), string(Rejected), string(Duplicate):
		fr.Status = Status(s)
	default:
		fr.Status, fr.Error, fr.Cause = Failed, "Sluice.UnknownOutcome", fmt.Sprintf("execution output has status %q", s)
	}
	fr.RecordsIn = Count(out["records"])
	fr.RecordsLoaded = Count(out["loaded"])
	fr.RecordsRejected = Count(out["rejected"])
	if reason, ok := out["reason"].(string); ok {
		// A rejection's reason is the ValidationFailed message, which names
		// the report as "(report s3://bucket/key)".
		if m := reportRe().FindStringSubmatch(reason); m != nil {
			fr.Report = m[1]
		}
		fr.Cause = reason
	}
	if rep, ok := out["report"].(string); ok && rep != "" {
		fr.Report = rep
	}
}

// reportRe is compiled on first use, not at start-up.
var reportRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(report s3://[^/]+/([^)]+)\)`) })

// Count reads a count from a decoded JSON value (a json.Number or a Go
// number); anything else counts 0.
func Count(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, _ := n.Float64()
			return int64(f)
		}
		return i
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}

// Datasets returns the runtime's dataset set.
func (r *Runtime) Datasets() *dataset.Set { return r.cfg.Datasets }

// countingReader reports the bytes read through it.
type countingReader struct {
	r        io.Reader
	done     int64
	total    int64
	progress func(done, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	c.progress(c.done, c.total)
	return n, err
}

// newID returns a random identifier in UUID form.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
