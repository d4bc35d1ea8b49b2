package cfn

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/applicationautoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/cloudwatch"
	"github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/cloudformation/events"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/kms"
	"github.com/awslabs/goformation/v7/cloudformation/lambda"
	"github.com/awslabs/goformation/v7/cloudformation/logs"
	"github.com/awslabs/goformation/v7/cloudformation/sns"
	"github.com/awslabs/goformation/v7/cloudformation/sqs"
	"github.com/awslabs/goformation/v7/cloudformation/stepfunctions"
	"github.com/awslabs/goformation/v7/cloudformation/tags"

	"github.com/sluicehq/sluice/platform/offline"
)

// converter maps one Pulumi resource type to CloudFormation.
type converter struct {
	// cfnType is the CloudFormation type written: the resource's own or,
	// for a fold, that of the resource it becomes a property of.
	cfnType string
	// into names the input that names the resource a fold joins
	// ("bucket", "rule"); "" for a resource of its own.
	into string
	// property is the CloudFormation property a fold sets.
	property string
	// convert builds a resource of its own.
	convert func(c *conv, in *inputs) (cloudformation.Resource, error)
	// fold adds the resource to its parent.
	fold func(c *conv, in *inputs, parent cloudformation.Resource) error
}

// conv is what a converter knows of the resource it converts.
type conv struct {
	res  offline.Resource
	tags []tags.Tag
	opts Options
}

// Unexpressible are the Pulumi types of the program that no CloudFormation
// resource or property stands for, with the reason. A type of the
// program's graph that is neither here nor in converters fails the export.
var Unexpressible = map[string]string{
	"pulumi:providers:aws": "a Pulumi provider is not a resource: its region is the stack's, and its default tags are written on every resource that takes Tags",
}

// isComponent reports whether typ is one of Sluice's component resources
// (sluice:<module>:<Type>): groupings of Pulumi's, recorded in each
// resource's Metadata, not resources of their own.
func isComponent(typ string) bool { return len(typ) > 7 && typ[:7] == "sluice:" }

// converters map every AWS type the program registers.
var converters = map[string]converter{
	"aws:kms/key:Key":     {cfnType: "AWS::KMS::Key", convert: kmsKey},
	"aws:kms/alias:Alias": {cfnType: "AWS::KMS::Alias", convert: kmsAlias},

	"aws:s3/bucketV2:BucketV2":                     {cfnType: "AWS::S3::Bucket", convert: bucket},
	"aws:s3/bucketPolicy:BucketPolicy":             {cfnType: "AWS::S3::BucketPolicy", convert: bucketPolicy},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": {cfnType: "AWS::S3::Bucket", into: "bucket", property: "VersioningConfiguration", fold: bucketVersioning},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {cfnType: "AWS::S3::Bucket", into: "bucket", property: "BucketEncryption", fold: bucketEncryption},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {cfnType: "AWS::S3::Bucket", into: "bucket", property: "PublicAccessBlockConfiguration", fold: bucketPublicAccess},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {cfnType: "AWS::S3::Bucket", into: "bucket", property: "OwnershipControls", fold: bucketOwnership},
	"aws:s3/bucketNotification:BucketNotification":                                               {cfnType: "AWS::S3::Bucket", into: "bucket", property: "NotificationConfiguration", fold: bucketNotification},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {cfnType: "AWS::S3::Bucket", into: "bucket", property: "LifecycleConfiguration", fold: bucketLifecycle},

	"aws:dynamodb/table:Table":         {cfnType: "AWS::DynamoDB::Table", convert: table},
	"aws:appautoscaling/target:Target": {cfnType: "AWS::ApplicationAutoScaling::ScalableTarget", convert: scalableTarget},
	"aws:appautoscaling/policy:Policy": {cfnType: "AWS::ApplicationAutoScaling::ScalingPolicy", convert: scalingPolicy},

	"aws:iam/role:Role":                 {cfnType: "AWS::IAM::Role", convert: role},
	"aws:iam/rolePolicy:RolePolicy":     {cfnType: "AWS::IAM::RolePolicy", convert: rolePolicy},
	"aws:cloudwatch/logGroup:LogGroup":  {cfnType: "AWS::Logs::LogGroup", convert: logGroup},
	"aws:lambda/function:Function":      {cfnType: "AWS::Lambda::Function", convert: function},
	"aws:lambda/permission:Permission":  {cfnType: "AWS::Lambda::Permission", convert: permission},
	"aws:sfn/stateMachine:StateMachine": {cfnType: "AWS::StepFunctions::StateMachine", convert: stateMachine},

	"aws:cloudwatch/eventRule:EventRule":          {cfnType: "AWS::Events::Rule", convert: rule},
	"aws:cloudwatch/eventTarget:EventTarget":      {cfnType: "AWS::Events::Rule", into: "rule", property: "Targets", fold: ruleTarget},
	"aws:cloudwatch/eventBus:EventBus":            {cfnType: "AWS::Events::EventBus", convert: eventBus},
	"aws:cloudwatch/eventArchive:EventArchive":    {cfnType: "AWS::Events::Archive", convert: eventArchive},
	"aws:sqs/queue:Queue":                         {cfnType: "AWS::SQS::Queue", convert: queue},
	"aws:sqs/queuePolicy:QueuePolicy":             {cfnType: "AWS::SQS::QueuePolicy", convert: queuePolicy},
	"aws:sns/topic:Topic":                         {cfnType: "AWS::SNS::Topic", convert: topic},
	"aws:sns/topicPolicy:TopicPolicy":             {cfnType: "AWS::SNS::TopicPolicy", convert: topicPolicy},
	"aws:sns/topicSubscription:TopicSubscription": {cfnType: "AWS::SNS::Subscription", convert: subscription},

	"aws:cloudwatch/metricAlarm:MetricAlarm": {cfnType: "AWS::CloudWatch::Alarm", convert: alarm},
	"aws:cloudwatch/dashboard:Dashboard":     {cfnType: "AWS::CloudWatch::Dashboard", convert: dashboard},

	"aws:ec2/vpc:Vpc":                                             {cfnType: "AWS::EC2::VPC", convert: vpc},
	"aws:ec2/subnet:Subnet":                                       {cfnType: "AWS::EC2::Subnet", convert: subnet},
	"aws:ec2/routeTable:RouteTable":                               {cfnType: "AWS::EC2::RouteTable", convert: routeTable},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":         {cfnType: "AWS::EC2::SubnetRouteTableAssociation", convert: routeTableAssociation},
	"aws:ec2/securityGroup:SecurityGroup":                         {cfnType: "AWS::EC2::SecurityGroup", convert: securityGroup},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                             {cfnType: "AWS::EC2::VPCEndpoint", convert: vpcEndpoint},
	"aws:ec2/internetGateway:InternetGateway":                     {cfnType: "AWS::EC2::InternetGateway", convert: internetGateway},
	"aws:ec2/internetGatewayAttachment:InternetGatewayAttachment": {cfnType: "AWS::EC2::VPCGatewayAttachment", convert: gatewayAttachment},
	"aws:ec2/eip:Eip":                                             {cfnType: "AWS::EC2::EIP", convert: eip},
	"aws:ec2/natGateway:NatGateway":                               {cfnType: "AWS::EC2::NatGateway", convert: natGateway},
	"aws:ec2/route:Route":                                         {cfnType: "AWS::EC2::Route", convert: route},

	"aws:budgets/budget:Budget": {cfnType: "AWS::Budgets::Budget", convert: budget},

	"aws:cloudtrail/trail:Trail":                     {cfnType: "AWS::CloudTrail::Trail", convert: trail},
	"aws:cloudwatch/logMetricFilter:LogMetricFilter": {cfnType: "AWS::Logs::MetricFilter", convert: metricFilter},
}

// name returns the explicit physical name input k (nil when Pulumi was to
// auto-name the resource, as CloudFormation then does).
func name(in *inputs, k string) *string { return in.strp(k) }

func kmsKey(c *conv, in *inputs) (cloudformation.Resource, error) {
	pol, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	return &kms.Key{
		Description:         in.strp("description"),
		EnableKeyRotation:   in.boolp("enableKeyRotation"),
		KeyPolicy:           pol,
		PendingWindowInDays: in.intp("deletionWindowInDays"),
		Tags:                c.tags,
	}, nil
}

func kmsAlias(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &kms.Alias{AliasName: in.str("name"), TargetKeyId: in.str("targetKeyId")}, nil
}

func table(c *conv, in *inputs) (cloudformation.Resource, error) {
	if in.has("replicas") && len(in.list("replicas")) > 0 {
		return nil, fmt.Errorf("table replicas (config tableReplicaRegions): CloudFormation writes global tables as AWS::DynamoDB::GlobalTable, with each replica's key in its own region, which this export does not map yet")
	}
	t := &dynamodb.Table{
		TableName:                 name(in, "name"),
		BillingMode:               in.strp("billingMode"),
		DeletionProtectionEnabled: in.boolp("deletionProtectionEnabled"),
		Tags:                      c.tags,
	}
	for _, a := range in.list("attributes") {
		t.AttributeDefinitions = append(t.AttributeDefinitions, dynamodb.Table_AttributeDefinition{AttributeName: a.str("name"), AttributeType: a.str("type")})
	}
	t.KeySchema = []dynamodb.Table_KeySchema{{AttributeName: in.str("hashKey"), KeyType: "HASH"}}
	if in.has("rangeKey") {
		t.KeySchema = append(t.KeySchema, dynamodb.Table_KeySchema{AttributeName: in.str("rangeKey"), KeyType: "RANGE"})
	}
	if in.str("billingMode") == "PROVISIONED" {
		t.ProvisionedThroughput = &dynamodb.Table_ProvisionedThroughput{ReadCapacityUnits: in.int("readCapacity"), WriteCapacityUnits: in.int("writeCapacity")}
	} else {
		in.ignore("readCapacity", "writeCapacity") // only with PROVISIONED
	}
	if p := in.obj("pointInTimeRecovery"); p.has("enabled") {
		t.PointInTimeRecoverySpecification = &dynamodb.Table_PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: p.boolp("enabled")}
	}
	if s := in.obj("serverSideEncryption"); s.has("enabled") {
		sse := &dynamodb.Table_SSESpecification{SSEEnabled: *s.boolp("enabled"), KMSMasterKeyId: s.strp("kmsKeyArn")}
		if sse.KMSMasterKeyId != nil {
			sse.SSEType = cloudformation.String("KMS")
		}
		t.SSESpecification = sse
	}
	if b := in.boolp("streamEnabled"); b != nil && *b {
		t.StreamSpecification = &dynamodb.Table_StreamSpecification{StreamViewType: in.str("streamViewType")}
	} else {
		in.ignore("streamViewType")
	}
	if ttl := in.obj("ttl"); ttl.has("attributeName") {
		e := ttl.boolp("enabled")
		t.TimeToLiveSpecification = &dynamodb.Table_TimeToLiveSpecification{AttributeName: ttl.strp("attributeName"), Enabled: e != nil && *e}
	}
	return t, nil
}

func scalableTarget(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &applicationautoscaling.ScalableTarget{
		MaxCapacity: in.int("maxCapacity"), MinCapacity: in.int("minCapacity"),
		ResourceId: in.str("resourceId"), ScalableDimension: in.str("scalableDimension"), ServiceNamespace: in.str("serviceNamespace"),
		RoleARN: in.strp("roleArn"),
	}, nil
}

func scalingPolicy(c *conv, in *inputs) (cloudformation.Resource, error) {
	p := &applicationautoscaling.ScalingPolicy{
		// CloudFormation requires the name Pulumi would generate.
		PolicyName: c.res.Name, PolicyType: in.str("policyType"),
		ResourceId: in.strp("resourceId"), ScalableDimension: in.strp("scalableDimension"), ServiceNamespace: in.strp("serviceNamespace"),
	}
	if in.has("name") {
		p.PolicyName = in.str("name")
	}
	if tt := in.obj("targetTrackingScalingPolicyConfiguration"); len(tt.m) > 0 {
		cfg := &applicationautoscaling.ScalingPolicy_TargetTrackingScalingPolicyConfiguration{
			DisableScaleIn: tt.boolp("disableScaleIn"), ScaleInCooldown: tt.intp("scaleInCooldown"), ScaleOutCooldown: tt.intp("scaleOutCooldown"),
		}
		if v := tt.floatp("targetValue"); v != nil {
			cfg.TargetValue = *v
		}
		if pm := tt.obj("predefinedMetricSpecification"); len(pm.m) > 0 {
			cfg.PredefinedMetricSpecification = &applicationautoscaling.ScalingPolicy_PredefinedMetricSpecification{
				PredefinedMetricType: pm.str("predefinedMetricType"), ResourceLabel: pm.strp("resourceLabel"),
			}
		}
		p.TargetTrackingScalingPolicyConfiguration = cfg
	}
	return p, nil
}

func role(c *conv, in *inputs) (cloudformation.Resource, error) {
	trust, err := in.json("assumeRolePolicy")
	if err != nil {
		return nil, err
	}
	r := &iam.Role{
		AssumeRolePolicyDocument: trust,
		Description:              in.strp("description"),
		RoleName:                 name(in, "name"),
		Path:                     in.strp("path"),
		MaxSessionDuration:       in.intp("maxSessionDuration"),
		ManagedPolicyArns:        in.strs("managedPolicyArns"),
		PermissionsBoundary:      in.strp("permissionsBoundary"),
		Tags:                     mergeTags(c.tags, in.strMap("tags")),
	}
	return r, nil
}

func rolePolicy(c *conv, in *inputs) (cloudformation.Resource, error) {
	doc, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	n := c.res.Name // CloudFormation requires the name Pulumi would generate
	if in.has("name") {
		n = in.str("name")
	}
	return &iam.RolePolicy{PolicyDocument: doc, PolicyName: n, RoleName: in.str("role")}, nil
}

func logGroup(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &logs.LogGroup{
		LogGroupName: name(in, "name"), KmsKeyId: in.strp("kmsKeyId"), RetentionInDays: in.intp("retentionInDays"),
		LogGroupClass: in.strp("logGroupClass"), Tags: c.tags,
	}, nil
}

// lambdaFunction is an AWS::Lambda::Function whose Code is the local path
// of its zip: `sam deploy` and `aws cloudformation package` upload it and
// write the S3 location (goformation's Code is the S3 form only).
type lambdaFunction struct {
	lambda.Function
	code string
}

// MarshalJSON writes the function with Code as the zip's path.
func (f lambdaFunction) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(f.Function)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["Properties"].(map[string]any)["Code"] = f.code
	return json.Marshal(m)
}

func function(c *conv, in *inputs) (cloudformation.Resource, error) {
	f := lambdaFunction{Function: lambda.Function{
		FunctionName:                 name(in, "name"),
		Description:                  in.strp("description"),
		Architectures:                in.strs("architectures"),
		Handler:                      in.strp("handler"),
		Runtime:                      in.strp("runtime"),
		KmsKeyArn:                    in.strp("kmsKeyArn"),
		MemorySize:                   in.intp("memorySize"),
		Timeout:                      in.intp("timeout"),
		ReservedConcurrentExecutions: in.intp("reservedConcurrentExecutions"),
		Role:                         in.str("role"),
		Tags:                         c.tags,
	}}
	// -1 is the provider's "unreserved"; CloudFormation leaves it out.
	if r := f.ReservedConcurrentExecutions; r != nil && *r < 0 {
		f.ReservedConcurrentExecutions = nil
	}
	// sourceCodeHash is how Pulumi notices new code; CloudFormation
	// notices a new S3 key, which packaging derives from the zip's hash.
	in.ignore("sourceCodeHash")
	zip, err := archivePath(in.m["code"])
	if err != nil {
		return nil, err
	}
	in.ignore("code")
	f.code = zip
	if c.opts.CodePath != nil {
		f.code = c.opts.CodePath(zip)
	}
	if env := in.obj("environment").strMap("variables"); len(env) > 0 {
		f.Environment = &lambda.Function_Environment{Variables: env}
	}
	if l := in.obj("loggingConfig"); len(l.m) > 0 {
		f.LoggingConfig = &lambda.Function_LoggingConfig{
			ApplicationLogLevel: l.strp("applicationLogLevel"), LogFormat: l.strp("logFormat"),
			LogGroup: l.strp("logGroup"), SystemLogLevel: l.strp("systemLogLevel"),
		}
	}
	if t := in.obj("tracingConfig"); t.has("mode") {
		f.TracingConfig = &lambda.Function_TracingConfig{Mode: t.strp("mode")}
	}
	if v := in.obj("vpcConfig"); len(v.m) > 0 {
		f.VpcConfig = &lambda.Function_VpcConfig{SecurityGroupIds: v.strs("securityGroupIds"), SubnetIds: v.strs("subnetIds")}
	}
	if d := in.obj("deadLetterConfig"); d.has("targetArn") {
		f.DeadLetterConfig = &lambda.Function_DeadLetterConfig{TargetArn: d.strp("targetArn")}
	}
	return &f, nil
}

// archivePath returns the path of a recorded FileArchive.
func archivePath(v any) (string, error) {
	switch a := v.(type) {
	case interface{ GetPath() (string, bool) }:
		if p, ok := a.GetPath(); ok {
			return p, nil
		}
	case map[string]any:
		if p, ok := a["path"].(string); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("code: %T is not a file archive", v)
}

func permission(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &lambda.Permission{
		Action: in.str("action"), FunctionName: in.str("function"), Principal: in.str("principal"),
		SourceArn: in.strp("sourceArn"), SourceAccount: in.strp("sourceAccount"),
	}, nil
}

func stateMachine(c *conv, in *inputs) (cloudformation.Resource, error) {
	var def any
	if err := json.Unmarshal([]byte(in.raw("definition")), &def); err != nil {
		return nil, fmt.Errorf("input definition: %w", err)
	}
	subs := map[string]any{}
	def = definitionValue(in.r, def, subs)
	sm := &stepfunctions.StateMachine{
		Definition:       def,
		RoleArn:          in.str("roleArn"),
		StateMachineName: name(in, "name"),
		StateMachineType: in.strp("type"),
	}
	if len(subs) > 0 {
		sm.DefinitionSubstitutions = subs
	}
	for _, t := range c.tags {
		sm.Tags = append(sm.Tags, stepfunctions.StateMachine_TagsEntry{Key: t.Key, Value: t.Value})
	}
	if l := in.obj("loggingConfiguration"); len(l.m) > 0 {
		lc := &stepfunctions.StateMachine_LoggingConfiguration{IncludeExecutionData: l.boolp("includeExecutionData"), Level: l.strp("level")}
		if l.has("logDestination") {
			lc.Destinations = []stepfunctions.StateMachine_LogDestination{{CloudWatchLogsLogGroup: &stepfunctions.StateMachine_CloudWatchLogsLogGroup{LogGroupArn: l.strp("logDestination")}}}
		}
		sm.LoggingConfiguration = lc
	}
	if t := in.obj("tracingConfiguration"); t.has("enabled") {
		sm.TracingConfiguration = &stepfunctions.StateMachine_TracingConfiguration{Enabled: t.boolp("enabled")}
	}
	return sm, nil
}

// definitionValue rewrites the references in a parsed state machine
// definition as DefinitionSubstitutions placeholders.
func definitionValue(r *resolver, v any, subs map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = definitionValue(r, vv, subs)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = definitionValue(r, vv, subs)
		}
		return out
	case string:
		return r.placeholders(x, subs)
	}
	return v
}

func rule(c *conv, in *inputs) (cloudformation.Resource, error) {
	pattern, err := in.json("eventPattern")
	if err != nil {
		return nil, err
	}
	r := &events.Rule{
		Name: name(in, "name"), Description: in.strp("description"), EventPattern: pattern,
		ScheduleExpression: in.strp("scheduleExpression"), EventBusName: in.strp("eventBusName"), RoleArn: in.strp("roleArn"),
	}
	if s := in.strp("state"); s != nil {
		r.State = s
	}
	if b := in.boolp("isEnabled"); b != nil && !*b {
		r.State = cloudformation.String("DISABLED")
	}
	return r, nil
}

func ruleTarget(c *conv, in *inputs, parent cloudformation.Resource) error {
	r, ok := parent.(*events.Rule)
	if !ok {
		return fmt.Errorf("rule: %T is not a rule", parent)
	}
	in.ignore("rule") // the parent
	t := events.Rule_Target{Id: in.raw("targetId"), Arn: in.str("arn"), RoleArn: in.strp("roleArn"), Input: in.strp("input"), InputPath: in.strp("inputPath")}
	if t.Id == "" {
		// Pulumi generates a target ID; the logical name is as unique
		// within the rule and stays the same from run to run.
		t.Id = c.res.Name
		if len(t.Id) > 64 {
			t.Id = t.Id[:64]
		}
	}
	if it := in.obj("inputTransformer"); len(it.m) > 0 {
		t.InputTransformer = &events.Rule_InputTransformer{InputPathsMap: it.strMap("inputPaths"), InputTemplate: it.str("inputTemplate")}
	}
	if rp := in.obj("retryPolicy"); len(rp.m) > 0 {
		t.RetryPolicy = &events.Rule_RetryPolicy{MaximumEventAgeInSeconds: rp.intp("maximumEventAgeInSeconds"), MaximumRetryAttempts: rp.intp("maximumRetryAttempts")}
	}
	if d := in.obj("deadLetterConfig"); d.has("arn") {
		t.DeadLetterConfig = &events.Rule_DeadLetterConfig{Arn: d.strp("arn")}
	}
	r.Targets = append(r.Targets, t)
	return nil
}

func queue(c *conv, in *inputs) (cloudformation.Resource, error) {
	redrive, err := in.json("redrivePolicy")
	if err != nil {
		return nil, err
	}
	return &sqs.Queue{
		QueueName: name(in, "name"), KmsMasterKeyId: in.strp("kmsMasterKeyId"), KmsDataKeyReusePeriodSeconds: in.intp("kmsDataKeyReusePeriodSeconds"),
		MessageRetentionPeriod: in.intp("messageRetentionSeconds"), VisibilityTimeout: in.intp("visibilityTimeoutSeconds"),
		SqsManagedSseEnabled: in.boolp("sqsManagedSseEnabled"), RedrivePolicy: redrive, Tags: c.tags,
	}, nil
}

func queuePolicy(c *conv, in *inputs) (cloudformation.Resource, error) {
	doc, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	return &sqs.QueuePolicy{PolicyDocument: doc, Queues: []string{in.str("queueUrl")}}, nil
}

func topic(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &sns.Topic{TopicName: name(in, "name"), DisplayName: in.strp("displayName"), KmsMasterKeyId: in.strp("kmsMasterKeyId"), Tags: c.tags}, nil
}

func topicPolicy(c *conv, in *inputs) (cloudformation.Resource, error) {
	doc, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	return &sns.TopicPolicy{PolicyDocument: doc, Topics: []string{in.str("arn")}}, nil
}

func subscription(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &sns.Subscription{Endpoint: in.strp("endpoint"), Protocol: in.str("protocol"), TopicArn: in.str("topic")}, nil
}

func alarm(c *conv, in *inputs) (cloudformation.Resource, error) {
	a := &cloudwatch.Alarm{
		AlarmName: name(in, "name"), ActionsEnabled: in.boolp("actionsEnabled"),
		AlarmActions: in.strs("alarmActions"), OKActions: in.strs("okActions"), InsufficientDataActions: in.strs("insufficientDataActions"),
		AlarmDescription: in.strp("alarmDescription"), ComparisonOperator: in.str("comparisonOperator"),
		EvaluationPeriods: in.int("evaluationPeriods"), DatapointsToAlarm: in.intp("datapointsToAlarm"),
		MetricName: in.strp("metricName"), Namespace: in.strp("namespace"), Period: in.intp("period"),
		Statistic: in.strp("statistic"), ExtendedStatistic: in.strp("extendedStatistic"), Threshold: in.floatp("threshold"),
		TreatMissingData: in.strp("treatMissingData"), Unit: in.strp("unit"), Tags: c.tags,
	}
	dims := in.strMap("dimensions")
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		a.Dimensions = append(a.Dimensions, cloudwatch.Alarm_Dimension{Name: k, Value: dims[k]})
	}
	return a, nil
}

func dashboard(c *conv, in *inputs) (cloudformation.Resource, error) {
	// The body is JSON text in CloudFormation too: the references in it
	// become one Fn::Sub.
	return &cloudwatch.Dashboard{DashboardName: name(in, "dashboardName"), DashboardBody: in.str("dashboardBody")}, nil
}

// parseFloat returns the number in s, nil when it is none.
func parseFloat(s string) *float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &f
}

// mergeTags returns base plus extra (extra wins), sorted by key.
func mergeTags(base []tags.Tag, extra map[string]string) []tags.Tag {
	m := map[string]string{}
	for _, t := range base {
		m[t.Key] = t.Value
	}
	maps.Copy(m, extra)
	return tagList(m)
}

func tagList(m map[string]string) []tags.Tag {
	var out []tags.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, tags.Tag{Key: k, Value: m[k]})
	}
	return out
}
