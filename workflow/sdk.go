package workflow

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sluicehq/sluice/workflow/internal/sdkinput"
	"github.com/sluicehq/sluice/workflow/validate"
)

// integration is an AWS service integration of a Task state. Its parameters
// are checked against the field names of the aws-sdk-go-v2 input struct of
// the API it calls, so that a misspelt field fails Compile rather than the
// deployment or the execution. SNS and EventBridge are checked against
// mirrors of their input structs (workflow/internal/sdkinput): the sluice
// binary links no other use of those SDK packages.
type integration struct {
	// resource is the Task's Resource.
	resource string
	// kind, name and actions describe the main resource and its IAM needs.
	kind    ResourceKind
	name    string
	actions []string
	// field is the parameter the builder fills from the resolved ARN
	// ("TableName", "Bucket", "TopicArn", ...); value converts the ARN.
	field string
	value func(arn string) string
	// also lists further resources the call needs (a copy's source bucket).
	also []extraResource
	// input is the SDK input struct whose fields the parameters must name.
	input reflect.Type
	// params are the caller's parameters.
	params Params
	// perEntry puts field in every element of Entries (EventBridge).
	perEntry bool
}

type extraResource struct {
	kind    ResourceKind
	name    string
	actions []string
}

func identity(s string) string { return s }

func sdkTask(name string, in integration, props TaskProps) *Task {
	s := newTask(name, props)
	s.sdk = &in
	return s
}

// DynamoPutItem returns a Task that puts an item in the table with logical
// name table (arn:aws:states:::dynamodb:putItem). params are the
// dynamodb.PutItemInput fields except TableName, which Compile fills in.
func DynamoPutItem(name, table string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::dynamodb:putItem", kind: KindTable, name: table,
		actions: []string{"dynamodb:PutItem"}, field: "TableName", value: tableName,
		input: inputType[dynamodb.PutItemInput](), params: params,
	}, props)
}

// DynamoGetItem returns a Task that reads an item (dynamodb:getItem);
// params are dynamodb.GetItemInput fields except TableName.
func DynamoGetItem(name, table string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::dynamodb:getItem", kind: KindTable, name: table,
		actions: []string{"dynamodb:GetItem"}, field: "TableName", value: tableName,
		input: inputType[dynamodb.GetItemInput](), params: params,
	}, props)
}

// DynamoUpdateItem returns a Task that updates (or creates) an item
// (dynamodb:updateItem); params are dynamodb.UpdateItemInput fields except
// TableName.
func DynamoUpdateItem(name, table string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::dynamodb:updateItem", kind: KindTable, name: table,
		actions: []string{"dynamodb:UpdateItem"}, field: "TableName", value: tableName,
		input: inputType[dynamodb.UpdateItemInput](), params: params,
	}, props)
}

// S3GetObject returns a Task that reads an object of the bucket with
// logical name bucket (arn:aws:states:::aws-sdk:s3:getObject); params are
// s3.GetObjectInput fields except Bucket.
func S3GetObject(name, bucket string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:s3:getObject", kind: KindBucket, name: bucket,
		actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, field: "Bucket", value: bucketName,
		input: inputType[s3.GetObjectInput](), params: params,
	}, props)
}

// S3PutObject returns a Task that writes an object
// (arn:aws:states:::aws-sdk:s3:putObject); params are s3.PutObjectInput
// fields except Bucket.
func S3PutObject(name, bucket string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:s3:putObject", kind: KindBucket, name: bucket,
		actions: []string{"s3:PutObject"}, field: "Bucket", value: bucketName,
		input: inputType[s3.PutObjectInput](), params: params,
	}, props)
}

// S3CopyObject returns a Task that copies an object from the bucket with
// logical name source into the bucket with logical name bucket
// (arn:aws:states:::aws-sdk:s3:copyObject); params are s3.CopyObjectInput
// fields except Bucket, and must include CopySource ("bucket/key", URL
// encoded, with "?versionId=" for a version).
func S3CopyObject(name, bucket, source string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:s3:copyObject", kind: KindBucket, name: bucket,
		actions: []string{"s3:PutObject", "s3:PutObjectTagging"}, field: "Bucket", value: bucketName,
		also:  []extraResource{{KindBucket, source, []string{"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"}}},
		input: inputType[s3.CopyObjectInput](), params: params,
	}, props)
}

// S3HeadObject returns a Task that reads an object's metadata (its current
// VersionId, size and ETag) without its body
// (arn:aws:states:::aws-sdk:s3:headObject); params are s3.HeadObjectInput
// fields except Bucket. HeadObject needs s3:GetObject, and
// s3:GetObjectVersion when params give a VersionId. A missing key fails
// the task with S3.NotFoundException (HeadObject's 404 has no error code
// of its own).
func S3HeadObject(name, bucket string, params Params, props TaskProps) *Task {
	actions := []string{"s3:GetObject"}
	if _, ok := params["VersionId"]; ok {
		actions = append(actions, "s3:GetObjectVersion")
	} else if _, ok := params["VersionId.$"]; ok {
		actions = append(actions, "s3:GetObjectVersion")
	}
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:s3:headObject", kind: KindBucket, name: bucket,
		actions: actions, field: "Bucket", value: bucketName,
		input: inputType[s3.HeadObjectInput](), params: params,
	}, props)
}

// S3DeleteObjectVersion returns a Task that deletes one version of an
// object for good (arn:aws:states:::aws-sdk:s3:deleteObject with a
// VersionId, which needs s3:DeleteObjectVersion): unlike a delete marker,
// it never hides a newer version uploaded meanwhile. params are
// s3.DeleteObjectInput fields except Bucket, and should give VersionId.
func S3DeleteObjectVersion(name, bucket string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:s3:deleteObject", kind: KindBucket, name: bucket,
		actions: []string{"s3:DeleteObjectVersion"}, field: "Bucket", value: bucketName,
		input: inputType[s3.DeleteObjectInput](), params: params,
	}, props)
}

// SNSPublish returns a Task that publishes to the topic with logical name
// topic (arn:aws:states:::sns:publish); params are sns.PublishInput fields
// except TopicArn. Message may be a JSON object: Step Functions sends its
// text.
func SNSPublish(name, topic string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::sns:publish", kind: KindTopic, name: topic,
		actions: []string{"sns:Publish"}, field: "TopicArn", value: identity,
		input: inputType[sdkinput.PublishInput](), params: params,
	}, props)
}

// EventBridgePutEvents returns a Task that sends events to the bus with
// logical name bus (arn:aws:states:::events:putEvents); params are
// eventbridge.PutEventsInput fields, and Compile sets EventBusName in every
// element of Entries that has none.
func EventBridgePutEvents(name, bus string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::events:putEvents", kind: KindEventBus, name: bus,
		actions: []string{"events:PutEvents"}, field: "EventBusName", value: identity,
		input: inputType[sdkinput.PutEventsInput](), params: params, perEntry: true,
	}, props)
}

// StartExecution returns a Task that starts an execution of the state
// machine with logical name machine (arn:aws:states:::states:startExecution,
// request-response); params are sfn.StartExecutionInput fields except
// StateMachineArn (Input may be a JSON object).
func StartExecution(name, machine string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::states:startExecution", kind: KindStateMachine, name: machine,
		actions: []string{"states:StartExecution"}, field: "StateMachineArn", value: identity,
		input: inputType[sfn.StartExecutionInput](), params: params,
	}, props)
}

// DescribeExecution returns a Task that describes an execution of the state
// machine with logical name machine (Self for the compiled machine itself)
// through the AWS SDK integration
// (arn:aws:states:::aws-sdk:sfn:describeExecution); params are
// sfn.DescribeExecutionInput fields and must give ExecutionArn. The machine
// is reported with states:DescribeExecution, which the platform grants on
// that machine's executions only. The result is the API's output in
// PascalCase (Status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED,
// PENDING_REDRIVE); an unknown execution fails the task with
// Sfn.ExecutionDoesNotExistException.
func DescribeExecution(name, machine string, params Params, props TaskProps) *Task {
	return sdkTask(name, integration{
		resource: "arn:aws:states:::aws-sdk:sfn:describeExecution", kind: KindStateMachine, name: machine,
		actions: []string{"states:DescribeExecution"}, field: "", value: identity,
		input: inputType[sfn.DescribeExecutionInput](), params: params,
	}, props)
}

// payload checks the parameters, resolves the resource and returns the
// Parameters (or Arguments) object.
func (in *integration) payload(c *compiler, p, state string) []byte {
	checkFields(c, p, state, in.input, in.params)
	arn := c.resolve(p, state, in.kind, in.name, in.actions...)
	for _, x := range in.also {
		c.resolve(p, state, x.kind, x.name, x.actions...)
	}
	out := Params{}
	for k, v := range in.params {
		if !in.perEntry && in.field != "" && (k == in.field || k == in.field+".$") {
			c.add(validate.Issue{Path: p + "." + k, State: state, Code: CodeReservedSDKField, Msg: fmt.Sprintf("%s is set from the resolved %s %q; do not pass it", in.field, in.kind, in.name)})
			continue
		}
		out[k] = v
	}
	if arn != "" && in.field != "" {
		val := in.value(arn)
		if in.perEntry {
			out["Entries"] = withEntryField(out["Entries"], in.field, val)
		} else {
			out[in.field] = val
		}
	}
	return c.encode(p, state, out)
}

// withEntryField returns a copy of entries with field set in every object
// element that lacks it (and its ".$" form).
func withEntryField(entries any, field, val string) any {
	var list []any
	switch e := entries.(type) {
	case []any:
		list = e
	case []Params:
		for _, x := range e {
			list = append(list, x)
		}
	default:
		return entries
	}
	out := make([]any, len(list))
	for i, x := range list {
		m, ok := x.(Params)
		if !ok {
			out[i] = x
			continue
		}
		cp := Params{}
		for k, v := range m {
			cp[k] = v
		}
		if _, ok := cp[field]; !ok {
			if _, ok := cp[field+".$"]; !ok {
				cp[field] = val
			}
		}
		out[i] = cp
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// checkFields reports every key of v (a JSON object template) that names no
// exported field of struct type t, recursing into nested structs, slices of
// structs and maps of structs. Keys ending in ".$" take dynamic values and
// are checked by name only.
func checkFields(c *compiler, p, state string, t reflect.Type, v any) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return
	}
	m, ok := v.(Params)
	if !ok {
		if v != nil {
			c.add(validate.Issue{Path: p, State: state, Code: CodeBadParameters, Msg: fmt.Sprintf("want an object for %s, got %T", t.Name(), v)})
		}
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, dynamic := strings.CutSuffix(k, ".$")
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() || len(f.Index) != 1 {
			msg := fmt.Sprintf("%s has no field %q", t.Name(), name)
			if s := suggest(t, name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			c.add(validate.Issue{Path: p + "." + k, State: state, Code: CodeUnknownSDKField, Msg: msg})
			continue
		}
		if dynamic {
			continue
		}
		checkValue(c, p+"."+k, state, f.Type, m[k])
	}
}

// checkValue recurses into a field value of type t.
func checkValue(c *compiler, p, state string, t reflect.Type, v any) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		checkFields(c, p, state, t, v)
	case reflect.Slice:
		et := t.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() != reflect.Struct {
			return
		}
		switch list := v.(type) {
		case []any:
			for i, x := range list {
				checkFields(c, p+"["+itoa(i)+"]", state, et, x)
			}
		case []Params:
			for i, x := range list {
				checkFields(c, p+"["+itoa(i)+"]", state, et, x)
			}
		}
	case reflect.Map:
		et := t.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		m, ok := v.(Params)
		if !ok || et.Kind() != reflect.Struct {
			return
		}
		for k, x := range m {
			if strings.HasSuffix(k, ".$") {
				continue
			}
			checkFields(c, p+"."+k, state, et, x)
		}
	}
}

// suggest returns the field of t whose name equals name ignoring case, if
// any, else the field at edit distance 1 or 2.
func suggest(t reflect.Type, name string) string {
	best, bestD := "", 3
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if strings.EqualFold(f.Name, name) {
			return f.Name
		}
		if d := distance(strings.ToLower(f.Name), strings.ToLower(name)); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
