package iamproof

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/platform/policy"
)

// StateMachine is the state machine's principal name (awsapi.StateMachine).
const StateMachine = awsapi.StateMachine

// Events is the principal name of the role the dataset rules' targets
// start executions with (local.EventsPrincipal).
const Events = "events"

// BatchMachine is the principal name of the batch state machine's role
// (awsapi.BatchMachine).
const BatchMachine = awsapi.BatchMachine

// Decision values. Allowed comes from iam-simulate; the others are the
// proof's own for calls it could not send.
const (
	Allowed  = "Allowed"
	Unmapped = "Unmapped"
	NoRole   = "NoRole"
)

// Decided is one call with its decision.
type Decided struct {
	// Principal is the caller's name; Role its deployed role.
	Principal string `json:"principal"`
	Role      string `json:"role,omitempty"`
	// Action and Resource as AWS authorises them in the deployment.
	Action   string `json:"action"`
	Resource string `json:"resource"`
	// Decision is iam-simulate's ("Allowed", "ImplicitlyDenied",
	// "ExplicitlyDenied"), or Unmapped, NoRole or "Error".
	Decision string `json:"decision"`
	// Operation is the API operation recorded.
	Operation string `json:"operation,omitempty"`
	// Via names the call a service made the KMS call for ("s3:PutObject").
	Via string `json:"via,omitempty"`
	// Context are the condition keys sent.
	Context map[string]string `json:"context,omitempty"`
	// Detail explains a decision that is not Allowed.
	Detail string `json:"detail,omitempty"`
}

// Unused is a granted action no recorded call exercised.
type Unused struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	// Statement is the policy and Sid that grants it.
	Statement string `json:"statement"`
	// Reason says why the grant is needed although the run never calls
	// it; empty when nothing explains it (a failure).
	Reason string `json:"reason"`
}

// CatalogIssue is an action or resource of a deployed policy that does not
// fit AWS's catalogue (iam-data).
type CatalogIssue struct {
	Policy   string `json:"policy"`
	Sid      string `json:"sid"`
	Action   string `json:"action"`
	Resource string `json:"resource,omitempty"`
	Problem  string `json:"problem"`
}

// Report is the proof's result.
type Report struct {
	Stack string `json:"stack"`
	// Tools are the versions of the npm packages that decided.
	Tools map[string]string `json:"tools"`
	// Calls are every recorded call and implied KMS call, decided.
	Calls []Decided `json:"calls"`
	// Unused are the granted actions no call exercised.
	Unused []Unused `json:"unused"`
	// Catalog are the policy entries that do not fit AWS's catalogue.
	Catalog []CatalogIssue `json:"catalog"`
}

// Failures returns what makes the proof fail: calls not allowed, unused
// grants without a reason, catalogue issues, principals that made no call.
func (r *Report) Failures() []string {
	var out []string
	for _, c := range r.Calls {
		if c.Decision != Allowed {
			out = append(out, fmt.Sprintf("%s %s on %s: %s %s", c.Principal, c.Action, c.Resource, c.Decision, c.Detail))
		}
	}
	for _, u := range r.Unused {
		if u.Reason == "" {
			out = append(out, fmt.Sprintf("%s is granted %s (%s) but no call uses it and no reason is listed", u.Principal, u.Action, u.Statement))
		}
	}
	for _, c := range r.Catalog {
		out = append(out, fmt.Sprintf("%s [%s] %s %s: %s", c.Policy, c.Sid, c.Action, c.Resource, c.Problem))
	}
	return out
}

// Simulator decides requests and checks documents (NodeSimulator runs
// @cloud-copilot/iam-simulate and iam-data).
type Simulator interface {
	Run(ctx context.Context, in SimInput) (SimOutput, error)
}

// SimRequest is one request to decide.
type SimRequest struct {
	ID               int               `json:"id"`
	Principal        string            `json:"principal"`
	Action           string            `json:"action"`
	Resource         string            `json:"resource"`
	AccountID        string            `json:"accountId"`
	Context          map[string]string `json:"context"`
	IdentityPolicies []NamedPolicy     `json:"identityPolicies"`
	ResourcePolicy   any               `json:"resourcePolicy,omitempty"`
}

// NamedPolicy is a policy document for the simulator.
type NamedPolicy struct {
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	Policy any    `json:"policy"`
}

// SimInput is what the simulator receives.
type SimInput struct {
	Simulations []SimRequest  `json:"simulations"`
	Policies    []NamedPolicy `json:"policies"`
}

// SimOutput is what the simulator answers.
type SimOutput struct {
	Versions map[string]string `json:"versions"`
	Results  []struct {
		ID       int    `json:"id"`
		Decision string `json:"decision"`
		Errors   string `json:"errors,omitempty"`
	} `json:"results"`
	Catalog []CatalogIssue `json:"catalog"`
}

// implied returns the KMS calls a service makes with the caller's
// credentials for call c (already in deployed names): S3 SSE-KMS with a
// bucket key generates a data key for a write and decrypts for a read
// (encryption context aws:s3:arn = the bucket); DynamoDB decrypts the
// table key of a table the stack key encrypts; SNS generates a data key
// and decrypts for a publish to an encrypted topic. Each carries
// kms:ViaService and kms:CallerAccount as AWS sets them.
func (d *Deployment) implied(c Decided) []Decided {
	kms := func(action, service string, ec map[string]string) Decided {
		ctx := map[string]string{
			"kms:ViaService":    service + "." + d.Region + ".amazonaws.com",
			"kms:CallerAccount": d.Account,
		}
		for k, v := range ec {
			ctx["kms:EncryptionContext:"+k] = v
			ctx["kms:EncryptionContextKeys"] = k
		}
		return Decided{Principal: c.Principal, Role: c.Role, Action: action, Resource: d.KeyARN, Via: c.Action, Context: ctx}
	}
	service, _, _ := strings.Cut(c.Action, ":")
	switch service {
	case "s3":
		bucket, _, _ := strings.Cut(strings.TrimPrefix(c.Resource, "arn:aws:s3:::"), "/")
		bucketARN := "arn:aws:s3:::" + bucket
		if !d.EncryptedBuckets[bucketARN] {
			return nil
		}
		ec := map[string]string{"aws:s3:arn": bucketARN}
		switch c.Action {
		case "s3:PutObject":
			if c.Operation == "S3.CopyObject" || c.Operation == "S3.PutObject" || c.Operation == "S3.CreateMultipartUpload" {
				return []Decided{kms("kms:GenerateDataKey", "s3", ec)}
			}
		case "s3:GetObject", "s3:GetObjectVersion":
			if c.Operation != "S3.HeadObject" {
				return []Decided{kms("kms:Decrypt", "s3", ec)}
			}
		}
	case "dynamodb":
		if d.EncryptedTables[c.Resource] {
			return []Decided{kms("kms:Decrypt", "dynamodb", nil)}
		}
	case "sns":
		if d.EncryptedTopics[c.Resource] && c.Action == "sns:Publish" {
			return []Decided{kms("kms:GenerateDataKey", "sns", nil), kms("kms:Decrypt", "sns", nil)}
		}
	case "secretsmanager":
		// Secrets Manager decrypts a secret under a customer managed key
		// with the caller's credentials, naming the secret in the
		// encryption context.
		if key := d.SecretKeys[c.Resource]; key != "" && c.Action == "secretsmanager:GetSecretValue" {
			k := kms("kms:Decrypt", "secretsmanager", map[string]string{"SecretARN": c.Resource})
			k.Resource = key
			return []Decided{k}
		}
	}
	return nil
}

// Prove decides every call against the deployment with sim: each recorded
// call translated to the deployed names plus the KMS calls services make
// for it, against the caller's role policies and the resource's policy;
// then lists the granted actions no call exercised, with their reasons,
// and checks every policy document against AWS's catalogue.
func Prove(ctx context.Context, d *Deployment, calls []awsapi.Call, sim Simulator) (*Report, error) {
	rep := &Report{Stack: d.Stack, Calls: []Decided{}, Unused: []Unused{}, Catalog: []CatalogIssue{}}
	var decided []Decided
	seen := map[string]bool{}
	addCall := func(c Decided) {
		k := c.Principal + "\x00" + c.Action + "\x00" + c.Resource + "\x00" + c.Via + "\x00" + fmt.Sprint(c.Context)
		if !seen[k] {
			seen[k] = true
			decided = append(decided, c)
		}
	}
	for _, c := range calls {
		dc := Decided{Principal: c.Principal, Action: c.Action, Resource: c.Resource, Operation: c.Operation, Context: c.Context}
		if c.Unmapped != "" {
			dc.Decision, dc.Detail = Unmapped, c.Unmapped
			addCall(dc)
			continue
		}
		res, ok := d.Translate(c.Resource)
		if !ok {
			dc.Decision, dc.Detail = "NoResource", "the resource is not one the deployment has (no local name matched)"
			addCall(dc)
			continue
		}
		dc.Resource = res
		p := d.Principals[c.Principal]
		if p == nil {
			dc.Decision, dc.Detail = NoRole, "the deployment has no role for this principal"
			addCall(dc)
			continue
		}
		dc.Role = p.RoleARN
		addCall(dc)
		for _, k := range d.implied(dc) {
			addCall(k)
		}
	}

	in := SimInput{}
	idx := map[int]int{}
	for i, c := range decided {
		if c.Decision != "" {
			continue
		}
		p := d.Principals[c.Principal]
		req := SimRequest{ID: i, Principal: p.RoleARN, Action: c.Action, Resource: c.Resource, AccountID: d.accountOf(c.Resource), Context: d.requestContext(p, c)}
		for _, name := range slices.Sorted(maps.Keys(p.Policies)) {
			v, err := jsonValue(p.Policies[name])
			if err != nil {
				return nil, fmt.Errorf("iamproof: %s: %w", name, err)
			}
			req.IdentityPolicies = append(req.IdentityPolicies, NamedPolicy{Name: name, Policy: v})
		}
		if rp, ok := d.resourcePolicy(c.Resource); ok {
			v, err := jsonValue(rp)
			if err != nil {
				return nil, err
			}
			req.ResourcePolicy = v
		}
		idx[i] = len(in.Simulations)
		in.Simulations = append(in.Simulations, req)
	}
	for _, doc := range d.Documents {
		v, err := jsonValue(doc.Document)
		if err != nil {
			return nil, fmt.Errorf("iamproof: %s: %w", doc.Name, err)
		}
		in.Policies = append(in.Policies, NamedPolicy{Name: doc.Name, Kind: doc.Kind, Policy: v})
	}
	out, err := sim.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	rep.Tools = out.Versions
	byID := map[int]int{}
	for i, r := range out.Results {
		byID[r.ID] = i
	}
	for i := range decided {
		if decided[i].Decision != "" {
			continue
		}
		j, ok := byID[in.Simulations[idx[i]].ID]
		if !ok {
			return nil, fmt.Errorf("iamproof: the simulator did not answer request %d", i)
		}
		r := out.Results[j]
		decided[i].Decision = r.Decision
		if r.Errors != "" {
			decided[i].Detail = r.Errors
		}
	}
	sort.SliceStable(decided, func(i, j int) bool {
		a, b := decided[i], decided[j]
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		return a.Resource < b.Resource
	})
	rep.Calls = decided
	rep.Catalog = append(rep.Catalog, out.Catalog...)
	rep.Unused = d.unused(decided)
	return rep, nil
}

// requestContext returns the global condition keys AWS sets on every
// request of the role, plus the call's own keys.
func (d *Deployment) requestContext(p *Principal, c Decided) map[string]string {
	ctx := map[string]string{
		"aws:SecureTransport":  "true",
		"aws:PrincipalArn":     p.RoleARN,
		"aws:PrincipalAccount": d.Account,
		"aws:PrincipalType":    "AssumedRole",
		"aws:RequestedRegion":  d.Region,
	}
	for k, v := range c.Context {
		ctx[k] = v
	}
	return ctx
}

// accountOf returns the account of a resource ARN (S3 ARNs carry none:
// the bucket is the deployment's).
func (d *Deployment) accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return d.Account
}

// resourcePolicy returns the policy of the resource arn belongs to: the
// bucket's for an object or bucket, else the resource's own.
func (d *Deployment) resourcePolicy(arn string) (policy.Document, bool) {
	if rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		doc, ok := d.ResourcePolicies["arn:aws:s3:::"+bucket]
		return doc, ok
	}
	doc, ok := d.ResourcePolicies[arn]
	return doc, ok
}

// unused lists, per principal, the actions its policies allow that no
// allowed call used, with the reason the grant stays when there is one.
func (d *Deployment) unused(calls []Decided) []Unused {
	used := map[string]map[string]bool{}
	for _, c := range calls {
		if c.Decision != Allowed {
			continue
		}
		if used[c.Principal] == nil {
			used[c.Principal] = map[string]bool{}
		}
		used[c.Principal][strings.ToLower(c.Action)] = true
	}
	out := []Unused{}
	for _, name := range slices.Sorted(maps.Keys(d.Principals)) {
		p := d.Principals[name]
		for _, pol := range slices.Sorted(maps.Keys(p.Policies)) {
			for _, s := range p.Policies[pol].Statement {
				if s.Effect != "Allow" {
					continue
				}
				for _, a := range s.Action {
					if exercised(used[name], a) {
						continue
					}
					out = append(out, Unused{Principal: name, Action: a, Statement: pol + " [" + s.Sid + "]", Reason: d.reason(name, a)})
				}
			}
		}
	}
	return out
}

// exercised reports whether an action (which may hold wildcards) matches
// an action used.
func exercised(used map[string]bool, action string) bool {
	a := strings.ToLower(action)
	if used[a] {
		return true
	}
	if strings.ContainsAny(a, "*?") {
		for u := range used {
			if ok, _ := path.Match(a, u); ok {
				return true
			}
		}
	}
	return false
}
