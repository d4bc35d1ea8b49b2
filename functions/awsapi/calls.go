package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
)

// Call is one AWS API call as IAM authorises it: who made it, the IAM
// action and resource AWS checks, and the request's condition keys that
// the deployed policies test. One API operation may be several calls
// (CopyObject reads its source and writes its target; BatchWriteItem is
// authorised per table).
type Call struct {
	// Principal is the caller: a function's logical name ("load",
	// "reconcile") or StateMachine for the state machine's role.
	Principal string `json:"principal"`
	// Operation is the API operation ("S3.GetObject").
	Operation string `json:"operation"`
	// Action is the IAM action ("s3:GetObjectVersion"); empty when the
	// operation has no mapping here (Unmapped says why).
	Action string `json:"action"`
	// Resource is the resource ARN as the caller named it.
	Resource string `json:"resource"`
	// Context holds the request's condition keys ("s3:prefix").
	Context map[string]string `json:"context,omitempty"`
	// Unmapped names an operation the recorder cannot map to IAM, so a
	// new SDK call fails the proof until it is mapped.
	Unmapped string `json:"unmapped,omitempty"`
}

// StateMachine is the principal of the state machine's execution role.
const StateMachine = "state-machine"

// BatchMachine is the principal of the batch state machine's execution
// role (pipeline.BuildBatch).
const BatchMachine = "batch-machine"

func (c Call) key() string {
	var b strings.Builder
	b.WriteString(c.Principal + "\x00" + c.Operation + "\x00" + c.Action + "\x00" + c.Resource + "\x00" + c.Unmapped)
	for _, k := range slices.Sorted(maps.Keys(c.Context)) {
		b.WriteString("\x00" + k + "=" + c.Context[k])
	}
	return b.String()
}

// CallLog collects the distinct calls of a run. The zero value is not
// usable: set Region and Account (they build DynamoDB and Step Functions
// ARNs for names given without them). It is safe for concurrent use.
type CallLog struct {
	// Region and Account of the ARNs the log builds.
	Region, Account string
	// Stream, when set, receives each new distinct call as a JSON line
	// as it is recorded (for processes that end without a flush, such
	// as a Lambda function under the Runtime Interface Emulator).
	Stream io.Writer

	mu    sync.Mutex
	seen  map[string]bool
	calls []Call
}

// NewCallLog returns an empty log for the region and account.
func NewCallLog(region, account string) *CallLog {
	return &CallLog{Region: region, Account: account}
}

// Add records calls (duplicates are kept once). A nil log ignores them.
func (l *CallLog) Add(calls ...Call) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	for _, c := range calls {
		k := c.key()
		if !l.seen[k] {
			l.seen[k] = true
			l.calls = append(l.calls, c)
			if l.Stream != nil {
				b, _ := json.Marshal(c)
				_, _ = l.Stream.Write(append(b, '\n'))
			}
		}
	}
}

// Calls returns the distinct calls sorted by principal, action, resource.
func (l *CallLog) Calls() []Call {
	l.mu.Lock()
	out := slices.Clone(l.calls)
	l.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		return a.Resource < b.Resource
	})
	return out
}

// WriteJSONLines writes the calls, one JSON object a line.
func (l *CallLog) WriteJSONLines(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, c := range l.Calls() {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	return nil
}

// Record returns an aws-sdk-go-v2 API option that records every call a
// client makes as principal. Attach it to a client's options
// (s3.NewFromConfig(cfg, func(o *s3.Options) { o.APIOptions =
// append(o.APIOptions, log.Record("load")) })) or to aws.Config.APIOptions.
// The call is recorded once the SDK has validated its input (a call that
// fails validation never reaches AWS), whether or not it then succeeds, as
// AWS authorises it before anything else. A nil log records nothing.
func (l *CallLog) Record(principal string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		if l == nil {
			return nil
		}
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("SluiceRecordCall",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				l.Add(l.Map(principal, in.Parameters)...)
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}

// S3ObjectARN, S3BucketARN, TableARN name resources as IAM does.
func S3ObjectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// S3BucketARN is a bucket's ARN.
func S3BucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

// TableARN is a DynamoDB table's ARN in the log's region and account.
func (l *CallLog) TableARN(table string) string {
	if strings.HasPrefix(table, "arn:") {
		return table
	}
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", l.Region, l.Account, table)
}

// Map returns the IAM calls one SDK operation input stands for. The
// mapping follows the Service Authorization Reference: an object read with
// a version id is s3:GetObjectVersion, HeadObject needs s3:GetObject (or
// ...Version), ListObjectVersions is s3:ListBucketVersions with s3:prefix
// and s3:delimiter, a batch operation is authorised per table, CopyObject
// reads its source and writes its target. An input with no mapping here
// comes back as one Call whose Unmapped names it.
func (l *CallLog) Map(principal string, params any) []Call {
	c := func(op, action, resource string, ctx map[string]string) Call {
		return Call{Principal: principal, Operation: op, Action: action, Resource: resource, Context: ctx}
	}
	objAction := func(base string, version *string) string {
		if aws.ToString(version) != "" {
			return base + "Version"
		}
		return base
	}
	listCtx := func(prefix, delimiter *string) map[string]string {
		m := map[string]string{}
		if prefix != nil {
			m["s3:prefix"] = *prefix
		}
		if delimiter != nil {
			m["s3:delimiter"] = *delimiter
		}
		return m
	}
	switch in := params.(type) {
	case *s3.GetObjectInput:
		return []Call{c("S3.GetObject", objAction("s3:GetObject", in.VersionId), S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.HeadObjectInput:
		return []Call{c("S3.HeadObject", objAction("s3:GetObject", in.VersionId), S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.PutObjectInput:
		return []Call{c("S3.PutObject", "s3:PutObject", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.CreateMultipartUploadInput:
		return []Call{c("S3.CreateMultipartUpload", "s3:PutObject", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.UploadPartInput:
		return []Call{c("S3.UploadPart", "s3:PutObject", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.CompleteMultipartUploadInput:
		return []Call{c("S3.CompleteMultipartUpload", "s3:PutObject", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.AbortMultipartUploadInput:
		return []Call{c("S3.AbortMultipartUpload", "s3:AbortMultipartUpload", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.DeleteObjectInput:
		return []Call{c("S3.DeleteObject", objAction("s3:DeleteObject", in.VersionId), S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil)}
	case *s3.CopyObjectInput:
		src, version, _ := strings.Cut(aws.ToString(in.CopySource), "?versionId=")
		var v *string
		if version != "" {
			v = &version
		}
		return []Call{
			c("S3.CopyObject", objAction("s3:GetObject", v), "arn:aws:s3:::"+strings.TrimPrefix(src, "/"), nil),
			c("S3.CopyObject", "s3:PutObject", S3ObjectARN(aws.ToString(in.Bucket), aws.ToString(in.Key)), nil),
		}
	case *s3.ListObjectsV2Input:
		return []Call{c("S3.ListObjectsV2", "s3:ListBucket", S3BucketARN(aws.ToString(in.Bucket)), listCtx(in.Prefix, in.Delimiter))}
	case *s3.ListObjectVersionsInput:
		return []Call{c("S3.ListObjectVersions", "s3:ListBucketVersions", S3BucketARN(aws.ToString(in.Bucket)), listCtx(in.Prefix, in.Delimiter))}
	case *dynamodb.GetItemInput:
		return []Call{c("DynamoDB.GetItem", "dynamodb:GetItem", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.PutItemInput:
		return []Call{c("DynamoDB.PutItem", "dynamodb:PutItem", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.UpdateItemInput:
		return []Call{c("DynamoDB.UpdateItem", "dynamodb:UpdateItem", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.DeleteItemInput:
		return []Call{c("DynamoDB.DeleteItem", "dynamodb:DeleteItem", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.QueryInput:
		return []Call{c("DynamoDB.Query", "dynamodb:Query", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.ScanInput:
		return []Call{c("DynamoDB.Scan", "dynamodb:Scan", l.TableARN(aws.ToString(in.TableName)), nil)}
	case *dynamodb.BatchGetItemInput:
		var out []Call
		for _, t := range slices.Sorted(maps.Keys(in.RequestItems)) {
			out = append(out, c("DynamoDB.BatchGetItem", "dynamodb:BatchGetItem", l.TableARN(t), nil))
		}
		return out
	case *dynamodb.BatchWriteItemInput:
		var out []Call
		for _, t := range slices.Sorted(maps.Keys(in.RequestItems)) {
			out = append(out, c("DynamoDB.BatchWriteItem", "dynamodb:BatchWriteItem", l.TableARN(t), nil))
		}
		return out
	case *sfn.StartExecutionInput:
		return []Call{c("SFN.StartExecution", "states:StartExecution", aws.ToString(in.StateMachineArn), nil)}
	case *sfn.DescribeExecutionInput:
		return []Call{c("SFN.DescribeExecution", "states:DescribeExecution", aws.ToString(in.ExecutionArn), nil)}
	case *sfn.StopExecutionInput:
		return []Call{c("SFN.StopExecution", "states:StopExecution", aws.ToString(in.ExecutionArn), nil)}
	case *secretsmanager.GetSecretValueInput:
		// The enricher names its secrets by full ARN (config
		// enrichmentSecrets), which is what IAM matches.
		return []Call{c("SecretsManager.GetSecretValue", "secretsmanager:GetSecretValue", aws.ToString(in.SecretId), nil)}
	}
	name := fmt.Sprintf("%T", params)
	return []Call{{Principal: principal, Operation: strings.TrimPrefix(name, "*"), Unmapped: "no IAM mapping for " + name + " in functions/awsapi (CallLog.Map)"}}
}

// EnvRecordCalls names the file a function's main appends its calls to
// (RecordFromEnv); unset on AWS, where nothing is recorded.
const EnvRecordCalls = "SLUICE_RECORD_CALLS"

// RecordFromEnv attaches the call recorder to cfg when the environment
// names a file in EnvRecordCalls: every client built from cfg then appends
// its calls, as principal, to that file (JSON Lines). It returns the file
// to close, or nil when recording is off. Region and account of the ARNs
// are cfg's region and account (default "000000000000").
func RecordFromEnv(cfg *aws.Config, principal string, getenv func(string) string) (io.Closer, error) {
	path := getenv(EnvRecordCalls)
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("awsapi: %s: %w", EnvRecordCalls, err)
	}
	account := getenv("SLUICE_ACCOUNT_ID")
	if account == "" {
		account = "000000000000"
	}
	l := &CallLog{Region: cfg.Region, Account: account, Stream: f}
	cfg.APIOptions = append(cfg.APIOptions, l.Record(principal))
	return f, nil
}
