package offline

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sluicehq/sluice/platform/policy"
)

// Entry is one resource of the preview document.
type Entry struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	// Properties are the resource's inputs.
	Properties map[string]any `json:"properties,omitempty"`
	// Policies are the IAM documents among the inputs, by property name.
	Policies map[string]policy.Document `json:"policies,omitempty"`
}

// Document is what --json prints and --diff reads.
type Document struct {
	Stack     string         `json:"stack"`
	Resources []Entry        `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
}

// policyProperties are the inputs that hold IAM documents.
var policyProperties = []string{"policy", "assumeRolePolicy"}

// NewDocument converts a run into the preview document. The stack
// resource and the code archive's local path are left out (the path says
// where the build ran, not what is deployed; sourceCodeHash says that).
func NewDocument(r *Result) Document {
	d := Document{Stack: r.Stack, Outputs: r.Outputs}
	for _, res := range r.Resources {
		props := maps.Clone(res.Inputs)
		delete(props, "code")
		e := Entry{URN: res.URN, Type: res.Type, Name: res.Name, Parent: res.ParentName(), Properties: props}
		for _, k := range policyProperties {
			s, ok := res.Inputs[k].(string)
			if !ok || !strings.Contains(s, `"Statement"`) {
				continue
			}
			if doc, err := policy.Parse([]byte(s)); err == nil {
				if e.Policies == nil {
					e.Policies = map[string]policy.Document{}
				}
				e.Policies[k] = doc
			}
		}
		d.Resources = append(d.Resources, e)
	}
	sort.Slice(d.Resources, func(i, j int) bool { return d.Resources[i].URN < d.Resources[j].URN })
	return d
}

// RenderJSON writes the document as indented JSON.
func RenderJSON(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// keyProperties are the inputs the table shows per resource type.
var keyProperties = map[string][]string{
	"aws:s3/bucketV2:BucketV2":                     {"forceDestroy"},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": {"versioningConfiguration.status"},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "rules.0.bucketKeyEnabled"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {"rule.objectOwnership"},
	"aws:s3/bucketNotification:BucketNotification":                                               {"eventbridge"},
	"aws:dynamodb/table:Table":                                                                   {"billingMode", "hashKey", "rangeKey", "readCapacity", "writeCapacity", "pointInTimeRecovery.enabled", "ttl.attributeName", "streamEnabled", "deletionProtectionEnabled"},
	"aws:appautoscaling/target:Target":                                                           {"scalableDimension", "minCapacity", "maxCapacity"},
	"aws:lambda/function:Function":                                                               {"name", "runtime", "architectures", "memorySize", "timeout", "reservedConcurrentExecutions", "tracingConfig.mode", "sourceCodeHash", "environment.variables"},
	"aws:cloudwatch/logGroup:LogGroup":                                                           {"name", "retentionInDays"},
	"aws:sfn/stateMachine:StateMachine":                                                          {"name", "type", "loggingConfiguration.level", "tracingConfiguration.enabled"},
	"aws:cloudwatch/eventRule:EventRule":                                                         {"eventPattern", "scheduleExpression"},
	"aws:lambda/permission:Permission":                                                           {"action", "principal", "sourceArn"},
	"aws:cloudwatch/eventTarget:EventTarget":                                                     {"arn", "retryPolicy", "deadLetterConfig.arn"},
	"aws:sqs/queue:Queue":                                                                        {"messageRetentionSeconds", "kmsMasterKeyId"},
	"aws:sns/topic:Topic":                                                                        {"kmsMasterKeyId"},
	"aws:sns/topicSubscription:TopicSubscription":                                                {"protocol", "endpoint"},
	"aws:cloudwatch/metricAlarm:MetricAlarm":                                                     {"namespace", "metricName", "statistic", "comparisonOperator", "threshold", "treatMissingData"},
	"aws:cloudwatch/dashboard:Dashboard":                                                         {"dashboardName"},
	"aws:kms/key:Key":                                                                            {"enableKeyRotation", "deletionWindowInDays"},
	"aws:kms/alias:Alias":                                                                        {"name"},
	"aws:ec2/vpc:Vpc":                                                                            {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                                                                      {"cidrBlock", "availabilityZone"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                                            {"serviceName", "vpcEndpointType"},
	"pulumi:providers:aws":                                                                       {"region", "defaultTags.tags"},
}

// lookup follows a dotted path through maps and arrays.
func lookup(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

// Render writes the readable table: one line per resource (type, name,
// parent, key properties), then every IAM statement by resource, then the
// outputs.
func Render(w io.Writer, d Document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Stack %s: %d resources\n\n", d.Stack, len(d.Resources))
	fmt.Fprintln(tw, "TYPE\tNAME\tPARENT\tPROPERTIES")
	for _, e := range d.Resources {
		var props []string
		for _, k := range keyProperties[e.Type] {
			if v, ok := lookup(e.Properties, k); ok {
				props = append(props, k+"="+compact(v))
			}
		}
		parent := e.Parent
		if parent == "" || strings.HasPrefix(parent, "sluice-") && !strings.Contains(e.Type, "/") {
			parent = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Type, e.Name, parent, strings.Join(props, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nIAM statements:")
	for _, e := range d.Resources {
		for _, k := range slices.Sorted(maps.Keys(e.Policies)) {
			fmt.Fprintf(w, "  %s (%s):\n", e.Name, k)
			for _, s := range e.Policies[k].Statement {
				fmt.Fprintf(w, "    %s\n", statementLine(s))
			}
		}
	}
	fmt.Fprintln(w, "\nOutputs:")
	for _, k := range slices.Sorted(maps.Keys(d.Outputs)) {
		fmt.Fprintf(w, "  %s: %s\n", k, compact(d.Outputs[k]))
	}
	return nil
}

func statementLine(s policy.Statement) string {
	var b strings.Builder
	b.WriteString(s.Effect)
	if s.Sid != "" {
		b.WriteString(" [" + s.Sid + "]")
	}
	if s.Principal != nil {
		switch {
		case s.Principal.Any:
			b.WriteString(" principal=*")
		default:
			b.WriteString(" principal=" + strings.Join(append(slices.Clone(s.Principal.AWS), s.Principal.Service...), ","))
		}
	}
	b.WriteString(" " + strings.Join(s.Action, ","))
	if len(s.Resource) > 0 {
		b.WriteString(" on " + strings.Join(s.Resource, ","))
	}
	if len(s.Condition) > 0 {
		b.WriteString(" when " + compact(s.Condition))
	}
	return b.String()
}
