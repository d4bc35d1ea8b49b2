package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The account, region and partition the mocks answer with; the same as
// the pipeline's synthetic ARNs (workflow/pipeline.Synthetic).
const (
	Account   = "000000000000"
	Region    = "us-east-1"
	Partition = "aws"
)

// Resource is one recorded resource registration.
type Resource struct {
	// URN identifies the resource.
	URN string `json:"urn"`
	// Type is the Pulumi type token ("aws:s3/bucketV2:BucketV2").
	Type string `json:"type"`
	// Name is the logical name.
	Name string `json:"name"`
	// Parent is the parent's URN ("" for the stack's direct children).
	Parent string `json:"parent,omitempty"`
	// Provider is the provider reference of a custom resource.
	Provider string `json:"provider,omitempty"`
	// Custom is false for component resources.
	Custom bool `json:"custom"`
	// ID is the mock physical ID.
	ID string `json:"id,omitempty"`
	// Inputs are the resource's inputs as plain values.
	Inputs map[string]any `json:"inputs"`
	// Outputs are the mock's answer (inputs plus computed attributes).
	Outputs map[string]any `json:"-"`
	// Dependencies are the URNs the resource waits for (its inputs'
	// resources and its DependsOn), as the program registered them.
	Dependencies []string `json:"-"`
}

// ParentName returns the logical name of the parent ("" for none).
func (r Resource) ParentName() string { return urnName(r.Parent) }

// Recorder is a pulumi.MockResourceMonitor that records registrations and
// answers provider functions. It is safe for concurrent use.
type Recorder struct {
	// Project and Stack name the run (as given to pulumi.WithMocks).
	Project, Stack string
	// Region is what getRegion answers. Default: Region.
	Region string

	mu        sync.Mutex
	resources []Resource
	calls     []string
	// regions maps the URN of an AWS provider with a region of its own
	// (a table replica's) to that region: ARNs of resources created
	// through it name it.
	regions map[string]string
}

var _ pulumi.MockResourceMonitor = (*Recorder)(nil)

// Resources returns the recorded resources sorted by URN.
func (m *Recorder) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]Resource(nil), m.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// Calls returns the tokens of the provider functions called, in order.
func (m *Recorder) Calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

func (m *Recorder) region() string {
	if m.Region != "" {
		return m.Region
	}
	return Region
}

// Call answers the provider functions the program uses.
func (m *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args.Token)
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/preview", "id": Account, "userId": "PREVIEW",
		}), nil
	case "aws:index/getRegion:getRegion":
		r := m.region()
		return resource.NewPropertyMapFromMap(map[string]any{"name": r, "id": r, "description": r, "endpoint": "ec2." + r + ".amazonaws.com"}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": Partition, "dnsSuffix": "amazonaws.com", "id": Partition, "reverseDnsPrefix": "com.amazonaws"}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		r := m.region()
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": r, "names": []any{r + "a", r + "b", r + "c"}, "zoneIds": []any{"use1-az1", "use1-az2", "use1-az3"},
		}), nil
	}
	return nil, fmt.Errorf("offline: no mock for function %s", args.Token)
}

// NewResource records a registration and returns deterministic outputs:
// the inputs plus the ID, ARN, name and URL attributes the program reads.
func (m *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	inputs := args.Inputs.Mappable()
	parent := ""
	var deps []string
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
		deps = append(deps, args.RegisterRPC.GetDependencies()...)
	}
	reg := m.providerRegion(args.Provider)
	id, extra := m.physical(args.TypeToken, args.Name, reg, inputs)
	outputs := make(map[string]any, len(inputs)+len(extra))
	for k, v := range inputs {
		outputs[k] = v
	}
	for k, v := range extra {
		outputs[k] = v
	}
	urn := m.urn(parent, args.TypeToken, args.Name)
	m.mu.Lock()
	if r := str(inputs, "region"); args.TypeToken == "pulumi:providers:aws" && r != "" {
		if m.regions == nil {
			m.regions = map[string]string{}
		}
		m.regions[urn] = r
	}
	m.resources = append(m.resources, Resource{
		URN: urn, Type: args.TypeToken, Name: args.Name, Parent: parent, Provider: args.Provider,
		Custom: args.Custom, ID: id, Inputs: inputs, Outputs: outputs, Dependencies: deps,
	})
	m.mu.Unlock()
	if !args.Custom {
		return "", resource.PropertyMap{}, nil
	}
	return id, resource.NewPropertyMapFromMap(outputs), nil
}

// urn builds a URN the way the mock monitor does, so that recorded
// parents (the monitor's URNs) resolve to recorded resources.
func (m *Recorder) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

func urnName(urn string) string {
	if urn == "" {
		return ""
	}
	i := strings.LastIndex(urn, "::")
	return urn[i+2:]
}

// suffix is a deterministic stand-in for Pulumi's random auto-name suffix.
func suffix(typ, name string) string {
	h := sha256.Sum256([]byte(typ + "\x00" + name))
	return hex.EncodeToString(h[:])[:7]
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// providerRegion returns the region of the provider a resource is created
// through (a provider reference is "URN::ID"): its own region, else the
// run's.
func (m *Recorder) providerRegion(ref string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		if r, ok := m.regions[ref[:i]]; ok {
			return r
		}
	}
	return m.region()
}

// physical returns the mock ID and the computed outputs of a resource
// created in region reg.
func (m *Recorder) physical(typ, name, reg string, in map[string]any) (string, map[string]any) {
	acct := Account
	auto := func(k string) string {
		if s := str(in, k); s != "" {
			return s
		}
		return name + "-" + suffix(typ, name)
	}
	arn := func(service, res string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", Partition, service, reg, acct, res)
	}
	switch typ {
	case "aws:s3/bucketV2:BucketV2":
		b := auto("bucket")
		return b, map[string]any{"bucket": b, "arn": "arn:aws:s3:::" + b}
	case "aws:dynamodb/table:Table":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("dynamodb", "table/"+n), "streamArn": arn("dynamodb", "table/"+n+"/stream/2026-01-01T00:00:00.000")}
	case "aws:lambda/function:Function":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("lambda", "function:"+n), "invokeArn": arn("lambda", "function:"+n)}
	case "aws:iam/role:Role":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": fmt.Sprintf("arn:%s:iam::%s:role/%s", Partition, acct, n)}
	case "aws:sfn/stateMachine:StateMachine":
		n := auto("name")
		a := arn("states", "stateMachine:"+n)
		return a, map[string]any{"name": n, "arn": a}
	case "aws:sqs/queue:Queue":
		n := auto("name")
		url := fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", reg, acct, n)
		return url, map[string]any{"name": n, "arn": fmt.Sprintf("arn:%s:sqs:%s:%s:%s", Partition, reg, acct, n), "url": url}
	case "aws:sns/topic:Topic":
		n := auto("name")
		a := fmt.Sprintf("arn:%s:sns:%s:%s:%s", Partition, reg, acct, n)
		return a, map[string]any{"name": n, "arn": a}
	case "aws:kms/key:Key":
		id := "00000000-0000-4000-8000-" + suffix(typ, name) + "00000"
		return id, map[string]any{"keyId": id, "arn": arn("kms", "key/"+id)}
	case "aws:kms/alias:Alias":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("kms", n)}
	case "aws:cloudwatch/logGroup:LogGroup":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("logs", "log-group:"+n)}
	case "aws:cloudwatch/eventRule:EventRule":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("events", "rule/"+n)}
	case "aws:cloudwatch/eventBus:EventBus":
		n := auto("name")
		a := arn("events", "event-bus/"+n)
		return n, map[string]any{"name": n, "arn": a}
	case "aws:cloudwatch/eventArchive:EventArchive":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("events", "archive/"+n)}
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		n := auto("name")
		return n, map[string]any{"name": n, "arn": arn("cloudwatch", "alarm:"+n)}
	case "aws:cloudtrail/trail:Trail":
		n := auto("name")
		a := arn("cloudtrail", "trail/"+n)
		return a, map[string]any{"name": n, "arn": a}
	case "aws:cloudwatch/dashboard:Dashboard":
		n := str(in, "dashboardName")
		return n, map[string]any{"dashboardArn": "arn:aws:cloudwatch::" + acct + ":dashboard/" + n}
	}
	id := name + "-" + suffix(typ, name)
	return id, map[string]any{"arn": arn(strings.SplitN(strings.TrimPrefix(typ, "aws:"), "/", 2)[0], id)}
}
