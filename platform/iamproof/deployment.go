package iamproof

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/platform/security"
)

// Principal is one role the proof checks calls against.
type Principal struct {
	// Name is the principal's name in the calls: a function's logical
	// name or awsapi.StateMachine.
	Name string
	// RoleARN is the deployed role.
	RoleARN string
	// Policies are the role's inline policies, by logical resource name.
	Policies map[string]policy.Document
}

// Deployment is what the proof needs of one stack's deployment: the
// principals' roles and policies, the resource policies, which stores the
// stack key encrypts, and how the local runtime's names map to the
// deployed ones.
type Deployment struct {
	// Stack, Region, Account and Partition of the deployment.
	Stack, Region, Account, Partition string
	// Principals by name.
	Principals map[string]*Principal
	// ResourcePolicies maps a resource ARN (bucket, key, topic, queue) to
	// its resource policy.
	ResourcePolicies map[string]policy.Document
	// KeyARN is the stack's KMS key.
	KeyARN string
	// EncryptedBuckets, EncryptedTables and EncryptedTopics are the ARNs
	// of the stores the key encrypts (S3 SSE-KMS with a bucket key,
	// DynamoDB SSE with a customer managed key, SNS server-side
	// encryption).
	EncryptedBuckets, EncryptedTables, EncryptedTopics map[string]bool
	// SecretKeys maps the ARN of each enrichment secret (config
	// enrichmentSecrets) to the customer managed key it is encrypted with
	// ("" for the AWS managed key). A secret is outside the stack: its ARN
	// is the same in a local run and deployed.
	SecretKeys map[string]string
	// VPC reports that the functions run in a VPC.
	VPC bool
	// Logging reports that the state machine delivers execution logs.
	Logging bool
	// Documents are every policy document of the deployment (identity,
	// resource and trust policies), by resource and property, for the
	// catalogue check.
	Documents []NamedDocument
	// names maps local ARN prefixes to deployed ones, longest first.
	names [][2]string
}

// NamedDocument is a policy document and where it is deployed.
type NamedDocument struct {
	// Name is "<logical resource name> (<property>)".
	Name string
	// Kind is "identity", "resource" or "trust".
	Kind string
	// Document is the policy.
	Document policy.Document
}

// LocalNames are the local runtime's ARNs of the deployment's resources,
// by logical name: what a recorded call names.
type LocalNames struct {
	// Region and Account of the local ARNs.
	Region, Account string
	// Bucket is the pipeline bucket's name.
	Bucket string
	// Tables, Functions map logical names to local physical names.
	Tables, Functions map[string]string
	// StateMachine, BatchMachine and Topic are the local ARNs of the
	// state machine, the batch state machine and the alerts topic;
	// OutcomeBus that of the outcome event bus.
	StateMachine, BatchMachine, Topic, OutcomeBus string
}

// Load reads a deployment from an offline run (platform/offline): the
// roles and inline policies of the functions (by their logical names in
// the functionNames output), of the state machine and of the rule targets
// that start it, the resource policies, and the encryption of each store;
// local names the local runtime's resources, to translate recorded calls.
// A role with managed or embedded policies is refused (the proof would
// not read them).
func Load(res *offline.Result, local LocalNames) (*Deployment, error) {
	region := res.Config.Region
	if region == "" {
		region = offline.Region
	}
	l := &loader{res: res, out: res.Outputs, d: &Deployment{
		Stack: res.Stack, Region: region, Account: offline.Account, Partition: offline.Partition,
		Principals: map[string]*Principal{}, ResourcePolicies: map[string]policy.Document{},
		EncryptedBuckets: map[string]bool{}, EncryptedTables: map[string]bool{}, EncryptedTopics: map[string]bool{},
		SecretKeys: map[string]string{},
	}}
	for _, arn := range res.Config.EnrichmentSecrets {
		l.d.SecretKeys[arn] = res.Config.EnrichmentSecretsKey
	}
	if k := res.Config.EnrichmentSecretsKey; k != "" {
		// The key is the account's, not the stack's: its policy is
		// assumed to let IAM policies grant its use, as the default key
		// policy does (docs/security.md says so).
		l.d.ResourcePolicies[k] = security.ReplicaKeyPolicy(l.d.Account, l.d.Partition)
	}
	if err := l.documents(); err != nil {
		return nil, err
	}
	roles, err := l.roles()
	if err != nil {
		return nil, err
	}
	if err := l.principals(roles); err != nil {
		return nil, err
	}
	if err := l.resources(); err != nil {
		return nil, err
	}
	l.names(local)
	return l.d, nil
}

// loader reads one Deployment out of an offline run (Load).
type loader struct {
	res *offline.Result
	out map[string]any
	d   *Deployment
}

// str is m[k] when it is a string, else "".
func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// byType returns the run's resources of a Pulumi type.
func (l *loader) byType(typ string) []offline.Resource {
	var rs []offline.Resource
	for _, r := range l.res.Resources {
		if r.Type == typ {
			rs = append(rs, r)
		}
	}
	return rs
}

// parse reads the policy document in r's input prop; false when it has
// none.
func parse(r offline.Resource, prop string) (policy.Document, bool, error) {
	s, ok := r.Inputs[prop].(string)
	if !ok || s == "" {
		return policy.Document{}, false, nil
	}
	doc, err := policy.Parse([]byte(s))
	if err != nil {
		return policy.Document{}, false, fmt.Errorf("%s %s: %w", r.Name, prop, err)
	}
	return doc, true, nil
}

// documents collects every policy document, for the catalogue check.
func (l *loader) documents() error {
	for _, r := range l.res.Resources {
		for _, prop := range []string{"policy", "assumeRolePolicy"} {
			doc, ok, err := parse(r, prop)
			if err != nil {
				return err
			}
			if !ok || len(doc.Statement) == 0 {
				continue
			}
			kind := "resource"
			switch {
			case prop == "assumeRolePolicy":
				kind = "trust"
			case r.Type == "aws:iam/rolePolicy:RolePolicy" || r.Type == "aws:iam/policy:Policy":
				kind = "identity"
			}
			l.d.Documents = append(l.d.Documents, NamedDocument{Name: r.Name + " (" + prop + ")", Kind: kind, Document: doc})
		}
	}
	return nil
}

// roles returns every role with its inline policies, by role ARN; managed
// policies are not modelled, so a role with any is refused rather than
// half-checked.
func (l *loader) roles() (map[string]*Principal, error) {
	roles := map[string]*Principal{} // by role ARN
	roleByID := map[string]*Principal{}
	for _, r := range l.byType("aws:iam/role:Role") {
		if len(asList(r.Inputs["managedPolicyArns"])) > 0 || len(asList(r.Inputs["inlinePolicies"])) > 0 {
			return nil, fmt.Errorf("iamproof: role %s has managed or embedded inline policies, which the proof does not read", r.Name)
		}
		p := &Principal{RoleARN: str(r.Outputs, "arn"), Policies: map[string]policy.Document{}}
		roles[p.RoleARN] = p
		roleByID[r.ID] = p
	}
	for _, r := range l.byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		return nil, fmt.Errorf("iamproof: %s attaches a managed policy, which the proof does not read", r.Name)
	}
	for _, r := range l.byType("aws:iam/rolePolicy:RolePolicy") {
		p := roleByID[str(r.Inputs, "role")]
		if p == nil {
			return nil, fmt.Errorf("iamproof: role policy %s names role %q, which is not deployed", r.Name, str(r.Inputs, "role"))
		}
		doc, _, err := parse(r, "policy")
		if err != nil {
			return nil, err
		}
		p.Policies[r.Name] = doc
	}
	return roles, nil
}

// principals names the roles that make calls: the functions (by their
// physical names in the functionNames output), the state machine and the
// dataset rules' targets.
func (l *loader) principals(roles map[string]*Principal) error {
	d := l.d
	physToLogical := map[string]string{}
	fnNames, _ := l.out["functionNames"].(map[string]any)
	for logical, phys := range fnNames {
		if s, ok := phys.(string); ok {
			physToLogical[s] = logical
		}
	}
	for _, r := range l.byType("aws:lambda/function:Function") {
		logical, ok := physToLogical[str(r.Inputs, "name")]
		if !ok {
			continue
		}
		p := roles[str(r.Inputs, "role")]
		if p == nil {
			return fmt.Errorf("iamproof: function %s has role %q, which is not deployed", logical, str(r.Inputs, "role"))
		}
		p.Name = logical
		d.Principals[logical] = p
		if _, ok := r.Inputs["vpcConfig"]; ok {
			d.VPC = true
		}
	}
	machineARN, batchARN := str(l.out, "stateMachineArn"), str(l.out, "batchStateMachineArn")
	for _, r := range l.byType("aws:sfn/stateMachine:StateMachine") {
		name := StateMachine
		switch str(r.Outputs, "arn") {
		case machineARN:
		case batchARN:
			name = BatchMachine
		default:
			continue
		}
		p := roles[str(r.Inputs, "roleArn")]
		if p == nil {
			return fmt.Errorf("iamproof: state machine %s has role %q, which is not deployed", name, str(r.Inputs, "roleArn"))
		}
		p.Name = name
		d.Principals[name] = p
		if lc, ok := r.Inputs["loggingConfiguration"].(map[string]any); ok && str(lc, "level") != "" && str(lc, "level") != "OFF" {
			d.Logging = true
		}
	}
	// The dataset rules' targets start the machine, and the batches'
	// schedules the batch machine, with the events role.
	for _, r := range l.byType("aws:cloudwatch/eventTarget:EventTarget") {
		if target := str(r.Inputs, "arn"); target != machineARN && (batchARN == "" || target != batchARN) || str(r.Inputs, "roleArn") == "" {
			continue
		}
		p := roles[str(r.Inputs, "roleArn")]
		if p == nil {
			return fmt.Errorf("iamproof: event target %s has role %q, which is not deployed", r.Name, str(r.Inputs, "roleArn"))
		}
		if q, ok := d.Principals[Events]; ok && q != p {
			return fmt.Errorf("iamproof: event targets start the machine with two roles (%s, %s)", q.RoleARN, p.RoleARN)
		}
		p.Name = Events
		d.Principals[Events] = p
	}
	if len(d.Principals) == 0 {
		return fmt.Errorf("iamproof: the stack outputs name no function or state machine")
	}
	return nil
}

// resources reads the resource policies (key, bucket, topic) and which
// stores are encrypted with the key.
func (l *loader) resources() error {
	d := l.d
	d.KeyARN = str(l.out, "kmsKeyArn")
	// Each policy resource type, and the ARN of what its policy governs.
	policies := []struct {
		typ string
		arn func(offline.Resource) string
	}{
		{"aws:kms/key:Key", func(r offline.Resource) string { return str(r.Outputs, "arn") }},
		{"aws:s3/bucketPolicy:BucketPolicy", func(r offline.Resource) string { return "arn:aws:s3:::" + str(r.Inputs, "bucket") }},
		{"aws:sns/topicPolicy:TopicPolicy", func(r offline.Resource) string { return str(r.Inputs, "arn") }},
	}
	for _, pt := range policies {
		for _, r := range l.byType(pt.typ) {
			doc, ok, err := parse(r, "policy")
			if err != nil {
				return err
			}
			if ok {
				d.ResourcePolicies[pt.arn(r)] = doc
			}
		}
	}
	for _, r := range l.byType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
		for _, rule := range asList(r.Inputs["rules"]) {
			m, _ := rule.(map[string]any)
			def, _ := m["applyServerSideEncryptionByDefault"].(map[string]any)
			if str(def, "sseAlgorithm") == "aws:kms" {
				d.EncryptedBuckets["arn:aws:s3:::"+str(r.Inputs, "bucket")] = true
			}
		}
	}
	for _, r := range l.byType("aws:dynamodb/table:Table") {
		if sse, ok := r.Inputs["serverSideEncryption"].(map[string]any); ok && sse["enabled"] == true && str(sse, "kmsKeyArn") != "" {
			d.EncryptedTables[str(r.Outputs, "arn")] = true
		}
	}
	for _, r := range l.byType("aws:sns/topic:Topic") {
		if str(r.Inputs, "kmsMasterKeyId") != "" {
			d.EncryptedTopics[str(r.Outputs, "arn")] = true
		}
	}
	return nil
}

// names maps the local runtime's names to the deployed ones, through the
// logical names, longest first (Translate).
func (l *loader) names(local LocalNames) {
	d, out := l.d, l.out
	add := func(from, to string) {
		if from != "" && to != "" {
			d.names = append(d.names, [2]string{from, to})
		}
	}
	arn := func(service, res string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", d.Partition, service, d.Region, d.Account, res)
	}
	localARN := func(service, res string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, local.Region, local.Account, res)
	}
	add("arn:aws:s3:::"+local.Bucket, "arn:aws:s3:::"+str(out, "bucketName"))
	tables, _ := out["tableNames"].(map[string]any)
	for logical, name := range local.Tables {
		if t, ok := tables[logical].(string); ok {
			add(localARN("dynamodb", "table/"+name), arn("dynamodb", "table/"+t))
		}
	}
	fnNames, _ := out["functionNames"].(map[string]any)
	for logical, name := range local.Functions {
		if f, ok := fnNames[logical].(string); ok {
			add(localARN("lambda", "function:"+name), arn("lambda", "function:"+f))
		}
	}
	if machineARN := str(out, "stateMachineArn"); local.StateMachine != "" && machineARN != "" {
		add(local.StateMachine, machineARN)
		add(strings.Replace(local.StateMachine, ":stateMachine:", ":execution:", 1), strings.Replace(machineARN, ":stateMachine:", ":execution:", 1))
	}
	if batchARN := str(out, "batchStateMachineArn"); local.BatchMachine != "" && batchARN != "" {
		add(local.BatchMachine, batchARN)
		add(strings.Replace(local.BatchMachine, ":stateMachine:", ":execution:", 1), strings.Replace(batchARN, ":stateMachine:", ":execution:", 1))
	}
	add(local.Topic, str(out, "alarmTopicArn"))
	add(local.OutcomeBus, str(out, "outcomeBusArn"))
	add(localARN("events", "event-bus/"), arn("events", "event-bus/"))
	for secret := range d.SecretKeys {
		add(secret, secret)
	}
	sort.Slice(d.names, func(i, j int) bool { return len(d.names[i][0]) > len(d.names[j][0]) })
}

// Translate returns the deployed ARN of a local one: the bucket, tables,
// functions, state machine, its executions, the topic and the outcome bus by their logical
// names, anything else in the local region and account unchanged but for
// those. The second result is false when no name matched.
func (d *Deployment) Translate(localARN string) (string, bool) {
	for _, n := range d.names {
		if localARN == n[0] || strings.HasPrefix(localARN, n[0]) && isBoundary(localARN[len(n[0])]) {
			return n[1] + localARN[len(n[0]):], true
		}
	}
	return localARN, false
}

func isBoundary(c byte) bool { return c == '/' || c == ':' }

// WithoutAction returns a copy of d in which principal's policies no
// longer grant action (for tests that show the proof fails).
func (d *Deployment) WithoutAction(principal, action string) *Deployment {
	c := *d
	c.Principals = maps.Clone(d.Principals)
	p := *d.Principals[principal]
	p.Policies = map[string]policy.Document{}
	for name, doc := range d.Principals[principal].Policies {
		var out policy.Document
		out.Version = doc.Version
		for _, s := range doc.Statement {
			s.Action = slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return strings.EqualFold(a, action) })
			if len(s.Action) > 0 {
				out.Statement = append(out.Statement, s)
			}
		}
		if len(out.Statement) > 0 {
			p.Policies[name] = out
		}
	}
	c.Principals[principal] = &p
	return &c
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	}
	return []any{v}
}

// jsonValue converts a document to the plain JSON value iam-simulate reads.
func jsonValue(d policy.Document) (any, error) {
	b, err := policy.Marshal(d)
	if err != nil {
		return nil, err
	}
	var v any
	return v, json.Unmarshal(b, &v)
}
