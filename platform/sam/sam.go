package sam

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/build"
	"github.com/sluicehq/sluice/internal/eventpattern"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/events"
	"github.com/sluicehq/sluice/platform/orchestration"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/platform/security"
	"github.com/sluicehq/sluice/platform/storage"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Logical IDs of the template's fixed resources.
const (
	IDKey          = "Key"
	IDBucket       = "DataBucket"
	IDBucketPolicy = "DataBucketPolicy"
	IDTopic        = "AlertsTopic"
	IDQueue        = "DeadLetterQueue"
	IDQueuePolicy  = "DeadLetterQueuePolicy"
	IDMachine      = "Pipeline"
	IDMachineLogs  = "PipelineLogs"
	IDEventsRole   = "EventsRole"
)

// Options configure the export.
type Options struct {
	// Datasets to route. Default: dataset.Builtin().
	Datasets *dataset.Set
	// CodeDir holds the function zips, relative to the template. Default:
	// "build/lambda" (where functions/build writes).
	CodeDir string
}

// FunctionID returns the logical ID of a function ("ValidateFunction").
func FunctionID(fn string) string { return title(fn) + "Function" }

// TableID returns the logical ID of a table ("ItemsTable").
func TableID(logical string) string { return title(logical) + "Table" }

// RuleID returns the logical ID of a dataset's rule ("OrdersRule").
func RuleID(ds string) string { return title(ds) + "Rule" }

func title(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// raw is a CloudFormation resource written from a property map. Intrinsic
// functions inside it are goformation's encoded strings (cloudformation.Ref,
// GetAtt, Sub), which Template.JSON decodes without evaluating them.
type raw struct {
	Type       string
	Properties map[string]any
}

// AWSCloudFormationType returns the resource type.
func (r raw) AWSCloudFormationType() string { return r.Type }

// MarshalJSON writes the resource as Type and Properties.
func (r raw) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"Type": r.Type, "Properties": r.Properties})
}

var subRef = regexp.MustCompile(`\$\{[^}]+\}`)

// subify turns every string holding ${...} into an Fn::Sub.
func subify(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = subify(vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = subify(vv)
		}
		return out
	case string:
		if subRef.MatchString(x) {
			return cloudformation.Sub(x)
		}
		return x
	}
	return v
}

// plain converts a document into maps and slices.
func plain(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// policyValue resolves a policy document's ${ref}s to Sub expressions and
// returns it as plain values with Fn::Sub strings.
func policyValue(d policy.Document, refs map[string]string) (map[string]any, error) {
	r := policy.ResolvePartial(d, refs)
	if r.Version == "" {
		r.Version = policy.Version
	}
	b, err := policy.Marshal(r)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return subify(v).(map[string]any), nil
}

// partition-relative ARNs of template resources, as Fn::Sub text.
const (
	subBucketArn = "arn:${AWS::Partition}:s3:::${" + IDBucket + "}"
	subTableArn  = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}"
)

// Template returns the SAM template (YAML) of the stack configured by cfg.
func Template(cfg platform.Config, opts Options) ([]byte, error) {
	t, err := Build(cfg, opts)
	if err != nil {
		return nil, err
	}
	return t.YAML()
}

// Build returns the SAM template of the stack configured by cfg.
func Build(cfg platform.Config, opts Options) (*cloudformation.Template, error) {
	if opts.Datasets == nil {
		opts.Datasets = dataset.Builtin()
	}
	if opts.CodeDir == "" {
		opts.CodeDir = "build/lambda"
	}
	ds := opts.Datasets.All()
	pipeOpts, err := platform.PipelineOptions(cfg)
	if err != nil {
		return nil, err
	}
	t := cloudformation.NewTemplate()
	transform := "AWS::Serverless-2016-10-31"
	t.Transform = &cloudformation.Transform{String: &transform}
	t.Description = fmt.Sprintf("Sluice %s/%s: file-driven data pipeline (exported from the Pulumi program by cmd/preview --sam)", cfg.Project, cfg.Stack)

	// Key: the same policy as the Pulumi program, account and region as
	// pseudo parameters.
	keyPolicy, err := policyValue(security.KeyPolicy("${AWS::AccountId}", "${AWS::Partition}", "${AWS::Region}"), nil)
	if err != nil {
		return nil, err
	}
	t.Resources[IDKey] = raw{Type: "AWS::KMS::Key", Properties: map[string]any{
		"Description":         fmt.Sprintf("Sluice %s: bucket, tables, logs, queue and topic", cfg.Stack),
		"EnableKeyRotation":   true,
		"PendingWindowInDays": cfg.KeyDeletionWindowDays,
		"KeyPolicy":           keyPolicy,
	}}
	keyArn := cloudformation.GetAtt(IDKey, "Arn")

	// Bucket.
	var rules []any
	for _, d := range ds {
		rules = append(rules, map[string]any{
			"Id": "archive-" + strings.Trim(strings.ReplaceAll(d.Prefix, "/", "-"), "-"), "Status": "Enabled", "Prefix": d.Prefix,
			"Transitions": []any{
				map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": cfg.IncomingIADays},
				map[string]any{"StorageClass": "GLACIER", "TransitionInDays": cfg.IncomingGlacierDays},
			},
		})
	}
	for _, e := range []struct {
		prefix string
		days   int
	}{{"staging/", cfg.StagingExpireDays}, {"results/", cfg.ResultsExpireDays}, {"reports/", cfg.ReportsExpireDays}, {"quarantine/", cfg.QuarantineExpireDays}} {
		rules = append(rules, map[string]any{"Id": "expire-" + strings.TrimSuffix(e.prefix, "/"), "Status": "Enabled", "Prefix": e.prefix, "ExpirationInDays": e.days})
	}
	rules = append(rules, map[string]any{
		"Id": "noncurrent-versions", "Status": "Enabled",
		"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": cfg.NoncurrentExpireDays},
		"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
	})
	t.Resources[IDBucket] = raw{Type: "AWS::S3::Bucket", Properties: map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keyArn},
			"BucketKeyEnabled":              true,
		}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		"LifecycleConfiguration":         map[string]any{"Rules": rules},
		"NotificationConfiguration":      map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}},
	}}
	tls, err := policyValue(storage.TLSOnlyPolicy(), map[string]string{"bucket": subBucketArn})
	if err != nil {
		return nil, err
	}
	t.Resources[IDBucketPolicy] = raw{Type: "AWS::S3::BucketPolicy", Properties: map[string]any{"Bucket": cloudformation.Ref(IDBucket), "PolicyDocument": tls}}

	// Tables.
	tables, err := platform.TablesFor(ds, cfg.TTLAttribute)
	if err != nil {
		return nil, err
	}
	for _, tb := range tables {
		attrs := []any{map[string]any{"AttributeName": tb.HashKey, "AttributeType": "S"}}
		keys := []any{map[string]any{"AttributeName": tb.HashKey, "KeyType": "HASH"}}
		if tb.RangeKey != "" {
			attrs = append(attrs, map[string]any{"AttributeName": tb.RangeKey, "AttributeType": "S"})
			keys = append(keys, map[string]any{"AttributeName": tb.RangeKey, "KeyType": "RANGE"})
		}
		p := map[string]any{
			"AttributeDefinitions":             attrs,
			"KeySchema":                        keys,
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": cfg.PointInTimeRecovery},
			"SSESpecification":                 map[string]any{"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": keyArn},
			"DeletionProtectionEnabled":        cfg.DeletionProtection,
		}
		if tb.TTLAttribute != "" {
			p["TimeToLiveSpecification"] = map[string]any{"AttributeName": tb.TTLAttribute, "Enabled": true}
		}
		if cfg.Streams {
			p["StreamSpecification"] = map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"}
		}
		if cfg.CapacityMode == platform.Provisioned {
			p["BillingMode"] = "PROVISIONED"
			p["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": cfg.ReadCapacity, "WriteCapacityUnits": cfg.WriteCapacity}
		} else {
			p["BillingMode"] = "PAY_PER_REQUEST"
		}
		t.Resources[TableID(tb.Logical)] = raw{Type: "AWS::DynamoDB::Table", Properties: p}
	}

	// Topic and dead-letter queue.
	t.Resources[IDTopic] = raw{Type: "AWS::SNS::Topic", Properties: map[string]any{"KmsMasterKeyId": keyArn}}
	t.Resources[IDQueue] = raw{Type: "AWS::SQS::Queue", Properties: map[string]any{
		"KmsMasterKeyId": keyArn, "KmsDataKeyReusePeriodSeconds": 300, "MessageRetentionPeriod": cfg.DLQRetentionDays * 86400,
	}}

	// Functions.
	refs := map[string]string{"bucket": subBucketArn, "key": "${" + IDKey + ".Arn}"}
	for _, tb := range tables {
		refs["table:"+tb.Logical] = fmt.Sprintf(subTableArn, TableID(tb.Logical))
	}
	for _, fn := range platform.FunctionNames {
		own, err := platform.FunctionPolicy(fn, ds)
		if err != nil {
			return nil, err
		}
		pol, err := policyValue(own, refs)
		if err != nil {
			return nil, err
		}
		env := map[string]string{}
		for k, ref := range platform.FunctionEnv(fn) {
			switch {
			case ref == platform.RefBucket:
				env[k] = cloudformation.Ref(IDBucket)
			case strings.HasPrefix(ref, platform.RefTable):
				env[k] = cloudformation.Ref(TableID(strings.TrimPrefix(ref, platform.RefTable)))
			}
		}
		code := opts.CodeDir + "/" + fn + "_" + build.DefaultGOOS + "_" + build.DefaultGOARCH + ".zip"
		f := &serverless.Function{
			FunctionName:  cloudformation.String(fmt.Sprintf("%s-%s-%s", cfg.Project, cfg.Stack, fn)),
			CodeUri:       &serverless.Function_CodeUri{String: &code},
			Handler:       cloudformation.String(compute.Handler),
			Runtime:       cloudformation.String(compute.Runtime),
			Architectures: []string{compute.Architecture},
			MemorySize:    cloudformation.Int(cfg.MemoryMB),
			Timeout:       cloudformation.Int(cfg.TimeoutSeconds),
			Tracing:       cloudformation.String("Active"),
			KmsKeyArn:     cloudformation.String(keyArn),
			Environment:   &serverless.Function_FunctionEnvironment{Variables: env},
			Policies: &serverless.Function_Policies{IAMPolicyDocumentArray: &[]serverless.Function_IAMPolicyDocument{{
				Version: cloudformation.String(policy.Version), Statement: pol["Statement"].([]any),
			}}},
		}
		if cfg.ReservedConcurrency > 0 {
			f.ReservedConcurrentExecutions = cloudformation.Int(cfg.ReservedConcurrency)
		}
		t.Resources[FunctionID(fn)] = f
	}

	// State machine: compiled against sentinel ARNs (well-formed, so the
	// workflow validator accepts them), which the definition then names
	// through DefinitionSubstitutions and the role policy through Fn::Sub.
	const acct, region = "000000000000", "us-east-1"
	type sentinel struct {
		arn, name string // in the compiled machine
		subArn    string // definition substitution key of the ARN
		subName   string // definition substitution key of the name
		valArn    string // substitution value of the ARN
		valName   string // substitution value of the name
		policyArn string // the ARN in Fn::Sub syntax, for the role policy
	}
	var sentinels []sentinel
	resolver := workflow.ResolverFunc(func(kind workflow.ResourceKind, name string) (string, error) {
		var st sentinel
		switch kind {
		case workflow.KindFunction:
			id := FunctionID(name)
			st = sentinel{arn: "arn:aws:lambda:" + region + ":" + acct + ":function:sluicesam-" + id, subArn: id + "Arn",
				valArn: cloudformation.GetAtt(id, "Arn"), policyArn: "${" + id + ".Arn}"}
		case workflow.KindTable:
			id := TableID(name)
			st = sentinel{arn: "arn:aws:dynamodb:" + region + ":" + acct + ":table/sluicesam-" + id, name: "sluicesam-" + id,
				subArn: id + "Arn", subName: id, valArn: cloudformation.GetAtt(id, "Arn"), valName: cloudformation.Ref(id),
				policyArn: fmt.Sprintf(subTableArn, id)}
		case workflow.KindBucket:
			st = sentinel{arn: "arn:aws:s3:::sluicesam-databucket", name: "sluicesam-databucket",
				subArn: IDBucket + "Arn", subName: IDBucket, valArn: cloudformation.GetAtt(IDBucket, "Arn"), valName: cloudformation.Ref(IDBucket),
				policyArn: subBucketArn}
		case workflow.KindTopic:
			st = sentinel{arn: "arn:aws:sns:" + region + ":" + acct + ":sluicesam-" + IDTopic, subArn: IDTopic,
				valArn: cloudformation.Ref(IDTopic), policyArn: "${" + IDTopic + "}"}
		default:
			return "", fmt.Errorf("sam: no %s called %q", kind, name)
		}
		sentinels = append(sentinels, st)
		return st.arn, nil
	})
	compiled, err := pipeline.Build(resolver, pipeOpts)
	if err != nil {
		return nil, err
	}
	asl, err := compiled.ASL()
	if err != nil {
		return nil, err
	}
	text := string(asl)
	subs := map[string]string{}
	var policyPairs []string
	for _, st := range sentinels {
		if strings.Contains(text, st.arn) {
			text = strings.ReplaceAll(text, st.arn, "${"+st.subArn+"}")
			subs[st.subArn] = st.valArn
		}
		if st.name != "" && strings.Contains(text, st.name) {
			text = strings.ReplaceAll(text, st.name, "${"+st.subName+"}")
			subs[st.subName] = st.valName
		}
		policyPairs = append(policyPairs, st.arn, st.policyArn)
	}
	var definition map[string]any
	if err := json.Unmarshal([]byte(text), &definition); err != nil {
		return nil, err
	}
	machineName := fmt.Sprintf("%s-%s-pipeline", cfg.Project, cfg.Stack)
	self := "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + machineName
	machinePolicy := orchestration.Policy(compiled, self, "${"+IDKey+".Arn}", cfg.StateMachineLogLevel != "OFF")
	toSub := strings.NewReplacer(policyPairs...)
	for i, st := range machinePolicy.Statement {
		for j, r := range st.Resource {
			machinePolicy.Statement[i].Resource[j] = toSub.Replace(r)
		}
	}
	mp, err := policyValue(machinePolicy, nil)
	if err != nil {
		return nil, err
	}
	t.Resources[IDMachineLogs] = raw{Type: "AWS::Logs::LogGroup", Properties: map[string]any{
		"LogGroupName":    "/aws/vendedlogs/states/" + machineName,
		"RetentionInDays": cfg.LogRetentionDays,
		"KmsKeyId":        keyArn,
	}}
	t.Resources[IDMachine] = &serverless.StateMachine{
		Name:                    cloudformation.String(machineName),
		Type:                    cloudformation.String(cfg.StateMachineType),
		Definition:              definition,
		DefinitionSubstitutions: subs,
		Policies: &serverless.StateMachine_Policies{IAMPolicyDocumentArray: &[]serverless.StateMachine_IAMPolicyDocument{{
			Version: policy.Version, Statement: mp["Statement"].([]any),
		}}},
		Logging: &serverless.StateMachine_LoggingConfiguration{
			Level: cfg.StateMachineLogLevel, IncludeExecutionData: cfg.IncludeExecutionData,
			Destinations: []serverless.StateMachine_LogDestination{{CloudWatchLogsLogGroup: &serverless.StateMachine_CloudWatchLogsLogGroup{
				LogGroupArn: cloudformation.GetAtt(IDMachineLogs, "Arn"),
			}}},
		},
		Tracing: &serverless.StateMachine_TracingConfiguration{Enabled: cloudformation.Bool(true)},
	}

	// Rules: EventBridge starts the machine with a FileEvent.
	trust, err := policyValue(policy.AssumeRole(map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {"${AWS::AccountId}"}}}, "events.amazonaws.com"), nil)
	if err != nil {
		return nil, err
	}
	start, err := policyValue(policy.Document{Statement: []policy.Statement{policy.Allow("StartPipeline", []string{"states:StartExecution"}, []string{"${" + IDMachine + "}"})}}, nil)
	if err != nil {
		return nil, err
	}
	t.Resources[IDEventsRole] = raw{Type: "AWS::IAM::Role", Properties: map[string]any{
		"AssumeRolePolicyDocument": trust,
		"Policies":                 []any{map[string]any{"PolicyName": "start-pipeline", "PolicyDocument": start}},
	}}
	var ruleArns []string
	for _, d := range ds {
		pattern, err := plain(eventpattern.ForDataset("${"+IDBucket+"}", d))
		if err != nil {
			return nil, err
		}
		paths, template, err := events.InputTransformer(d.Name)
		if err != nil {
			return nil, err
		}
		inputPaths := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(paths)) {
			inputPaths[k] = paths[k]
		}
		t.Resources[RuleID(d.Name)] = raw{Type: "AWS::Events::Rule", Properties: map[string]any{
			"Description":  fmt.Sprintf("Sluice %s: start the pipeline for %s files", cfg.Stack, d.Name),
			"EventPattern": subify(pattern),
			"Targets": []any{map[string]any{
				"Id":               "pipeline",
				"Arn":              cloudformation.Ref(IDMachine),
				"RoleArn":          cloudformation.GetAtt(IDEventsRole, "Arn"),
				"InputTransformer": map[string]any{"InputPathsMap": inputPaths, "InputTemplate": template},
				"RetryPolicy":      map[string]any{"MaximumEventAgeInSeconds": cfg.EventMaxAgeSeconds, "MaximumRetryAttempts": cfg.EventRetryAttempts},
				"DeadLetterConfig": map[string]any{"Arn": cloudformation.GetAtt(IDQueue, "Arn")},
			}},
		}}
		ruleArns = append(ruleArns, "${"+RuleID(d.Name)+".Arn}")
	}
	qp, err := policyValue(policy.Document{Statement: []policy.Statement{{
		Sid:       "EventBridgeDeadLetters",
		Principal: &policy.Principal{Service: []string{"events.amazonaws.com"}},
		Action:    []string{"sqs:SendMessage"},
		Resource:  []string{"${" + IDQueue + ".Arn}"},
		Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": ruleArns}},
	}}}, nil)
	if err != nil {
		return nil, err
	}
	t.Resources[IDQueuePolicy] = raw{Type: "AWS::SQS::QueuePolicy", Properties: map[string]any{
		"Queues": []any{cloudformation.Ref(IDQueue)}, "PolicyDocument": qp,
	}}

	t.Outputs["BucketName"] = cloudformation.Output{Value: cloudformation.Ref(IDBucket)}
	t.Outputs["StateMachineArn"] = cloudformation.Output{Value: cloudformation.Ref(IDMachine)}
	t.Outputs["DeadLetterQueueUrl"] = cloudformation.Output{Value: cloudformation.Ref(IDQueue)}
	t.Outputs["AlarmTopicArn"] = cloudformation.Output{Value: cloudformation.Ref(IDTopic)}
	return t, nil
}
