package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the IAM policy language version every document uses.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	// Version is the policy language version. Default: Version.
	Version string `json:"Version"`
	// Statement lists the statements in order.
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement. Actions, resources and condition
// values are always written as arrays.
type Statement struct {
	// Sid names the statement.
	Sid string `json:"Sid,omitempty"`
	// Effect is "Allow" or "Deny". Default: "Allow".
	Effect string `json:"Effect"`
	// Principal is set in resource policies and trust policies.
	Principal *Principal `json:"Principal,omitempty"`
	// Action lists the actions.
	Action []string `json:"Action"`
	// Resource lists the resources; empty in trust policies.
	Resource []string `json:"Resource,omitempty"`
	// Condition maps an operator to keys and their values.
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// Principal names who a resource or trust policy applies to.
type Principal struct {
	// Any stands for every principal ("*").
	Any bool
	// AWS lists account or role ARNs.
	AWS []string
	// Service lists service principals such as "states.amazonaws.com".
	Service []string
}

// MarshalJSON writes "*" for Any, else an object with AWS and Service arrays.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Any {
		return []byte(`"*"`), nil
	}
	m := map[string][]string{}
	if len(p.AWS) > 0 {
		m["AWS"] = p.AWS
	}
	if len(p.Service) > 0 {
		m["Service"] = p.Service
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes, also accepting single strings.
func (p *Principal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "*" {
			return fmt.Errorf("policy: principal %q is neither \"*\" nor an object", s)
		}
		*p = Principal{Any: true}
		return nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = Principal{AWS: m["AWS"], Service: m["Service"]}
	return nil
}

// stringList decodes a string or an array of strings.
type stringList []string

// UnmarshalJSON accepts a string or an array of strings.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = []string{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*l = a
	return nil
}

// Allow returns an Allow statement.
func Allow(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// DenyInsecureTransport returns the resource-policy statement that refuses
// every request without TLS (aws:SecureTransport false) to the resources,
// for the given actions ("sqs:*", "sns:*", "s3:*").
func DenyInsecureTransport(sid string, actions, resources []string) Statement {
	return Statement{
		Sid:       sid,
		Effect:    "Deny",
		Principal: &Principal{Any: true},
		Action:    actions,
		Resource:  resources,
		Condition: map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}},
	}
}

// AssumeRole returns the trust policy letting the given services assume a
// role. Conditions, when given, are added to the statement (such as
// aws:SourceAccount against the confused deputy problem).
func AssumeRole(cond map[string]map[string][]string, services ...string) Document {
	return Document{Version: Version, Statement: []Statement{{
		Effect:    "Allow",
		Principal: &Principal{Service: services},
		Action:    []string{"sts:AssumeRole"},
		Condition: cond,
	}}}
}

// Marshal encodes the document deterministically: defaults filled in,
// actions and resources de-duplicated (first occurrence wins) and the
// statement order kept.
func Marshal(d Document) ([]byte, error) {
	if d.Version == "" {
		d.Version = Version
	}
	if len(d.Statement) == 0 {
		return nil, fmt.Errorf("policy: document has no statement")
	}
	out := d
	out.Statement = make([]Statement, len(d.Statement))
	for i, s := range d.Statement {
		if s.Effect == "" {
			s.Effect = "Allow"
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("policy: statement %d: effect %q", i, s.Effect)
		}
		if len(s.Action) == 0 {
			return nil, fmt.Errorf("policy: statement %d (%s) has no action", i, s.Sid)
		}
		s.Action = dedupe(s.Action)
		s.Resource = dedupe(s.Resource)
		out.Statement[i] = s
	}
	return json.Marshal(out)
}

// Parse decodes a policy document, accepting single strings where arrays
// are usual.
func Parse(b []byte) (Document, error) {
	var raw struct {
		Version   string
		Statement []struct {
			Sid       string
			Effect    string
			Principal *Principal
			Action    stringList
			Resource  stringList
			Condition map[string]map[string]stringList
		}
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Document{}, fmt.Errorf("policy: %w", err)
	}
	d := Document{Version: raw.Version}
	for _, s := range raw.Statement {
		st := Statement{Sid: s.Sid, Effect: s.Effect, Principal: s.Principal, Action: s.Action, Resource: s.Resource}
		if len(s.Condition) > 0 {
			st.Condition = map[string]map[string][]string{}
			for op, kv := range s.Condition {
				st.Condition[op] = map[string][]string{}
				for k, v := range kv {
					st.Condition[op][k] = v
				}
			}
		}
		d.Statement = append(d.Statement, st)
	}
	return d, nil
}

func dedupe(in []string) []string {
	if in == nil {
		return nil
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_.:-]+)\}`)

// Resolve replaces every ${ref} in the document's principals, resources and
// condition values with refs[ref] and fails naming any ref not given.
func Resolve(d Document, refs map[string]string) (Document, error) {
	return resolve(d, refs, true)
}

// ResolvePartial is Resolve that leaves the placeholders it has no value
// for, for documents that end up in an Fn::Sub (${AWS::AccountId}).
func ResolvePartial(d Document, refs map[string]string) Document {
	out, _ := resolve(d, refs, false)
	return out
}

func resolve(d Document, refs map[string]string, strict bool) (Document, error) {
	var missing []string
	sub := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := refs[name]
			if !ok {
				missing = append(missing, name)
				return m
			}
			return v
		})
	}
	subAll := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = sub(s)
		}
		return out
	}
	out := Document{Version: d.Version, Statement: make([]Statement, len(d.Statement))}
	for i, s := range d.Statement {
		s.Resource = subAll(s.Resource)
		if s.Principal != nil {
			p := *s.Principal
			p.AWS = subAll(p.AWS)
			s.Principal = &p
		}
		if s.Condition != nil {
			c := make(map[string]map[string][]string, len(s.Condition))
			for op, kv := range s.Condition {
				c[op] = make(map[string][]string, len(kv))
				for k, v := range kv {
					c[op][k] = subAll(v)
				}
			}
			s.Condition = c
		}
		out.Statement[i] = s
	}
	if strict && len(missing) > 0 {
		sort.Strings(missing)
		return Document{}, fmt.Errorf("policy: unresolved references %s", strings.Join(dedupe(missing), ", "))
	}
	return out, nil
}

// Render resolves the document's ${ref} placeholders from refs once they
// are known and returns the JSON text.
func Render(d Document, refs map[string]pulumi.StringInput) pulumi.StringOutput {
	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	inputs := make([]interface{}, len(keys))
	for i, k := range keys {
		inputs[i] = refs[k]
	}
	return pulumi.All(inputs...).ApplyT(func(vals []interface{}) (string, error) {
		m := make(map[string]string, len(keys))
		for i, k := range keys {
			s, ok := vals[i].(string)
			if !ok {
				return "", fmt.Errorf("policy: reference %s is %T, not a string", k, vals[i])
			}
			m[k] = s
		}
		r, err := Resolve(d, m)
		if err != nil {
			return "", err
		}
		b, err := Marshal(r)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}).(pulumi.StringOutput)
}

// JSON marshals a document known to be valid (built from constants in
// this program), for places that need plain text such as a SAM template.
// It returns an error rather than panicking.
func JSON(d Document) (string, error) {
	b, err := Marshal(d)
	return string(b), err
}

// Wildcards lists the "Action" and "Resource" entries of the document that
// contain '*', as "sid: action X" / "sid: resource Y", for checks that a
// policy is least-privilege.
func Wildcards(d Document) []string {
	var out []string
	for i, s := range d.Statement {
		id := s.Sid
		if id == "" {
			id = fmt.Sprint(i)
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				out = append(out, id+": action "+a)
			}
		}
		for _, r := range s.Resource {
			if r == "*" {
				out = append(out, id+": resource *")
			}
		}
	}
	return out
}
