package cfn

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"

	"github.com/sluicehq/sluice/platform/offline"
)

// ref is what a physical value of the recorded program (a name, an ARN, a
// URL) stands for in the template.
type ref struct {
	// logical is the template resource ("" for a pseudo parameter).
	logical string
	// attr is the Fn::GetAtt attribute ("" for Ref).
	attr string
	// sub is the value as Fn::Sub text ("${Logical}", "${Logical.Arn}",
	// "${AWS::Region}" or a composite such as a log group's ARN).
	sub string
	// key names the value in a state machine's DefinitionSubstitutions.
	key string
}

// value returns the ref as one goformation-encoded intrinsic.
func (r ref) value() string {
	switch {
	case r.logical == "" && strings.HasPrefix(r.sub, "${") && strings.Count(r.sub, "${") == 1 && strings.HasSuffix(r.sub, "}"):
		return cloudformation.Ref(strings.TrimSuffix(strings.TrimPrefix(r.sub, "${"), "}"))
	case r.sub != "${"+r.logical+"}" && r.sub != "${"+r.logical+"."+r.attr+"}":
		return cloudformation.Sub(r.sub)
	case r.attr == "":
		return cloudformation.Ref(r.logical)
	}
	return cloudformation.GetAtt(r.logical, r.attr)
}

// attribute says how one output of a Pulumi resource type is named in
// CloudFormation: by Ref (attr ""), by Fn::GetAtt, or by a Sub text built
// from the resource's Ref (sub, with %s for the logical ID).
type attribute struct {
	output, attr, sub string
}

// attributes are the outputs of each Pulumi type that other resources
// read, as the CloudFormation type names them. The Ref of each type is in
// the CloudFormation resource reference ("Return values").
var attributes = map[string][]attribute{
	"aws:s3/bucketV2:BucketV2":                 {{output: "bucket"}, {output: "arn", attr: "Arn"}},
	"aws:dynamodb/table:Table":                 {{output: "name"}, {output: "arn", attr: "Arn"}, {output: "streamArn", attr: "StreamArn"}},
	"aws:lambda/function:Function":             {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:iam/role:Role":                        {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:sfn/stateMachine:StateMachine":        {{output: "arn"}, {output: "name", attr: "Name"}},
	"aws:sqs/queue:Queue":                      {{output: "url"}, {output: "arn", attr: "Arn"}, {output: "name", attr: "QueueName"}},
	"aws:sns/topic:Topic":                      {{output: "arn"}, {output: "name", attr: "TopicName"}},
	"aws:kms/key:Key":                          {{output: "keyId"}, {output: "arn", attr: "Arn"}},
	"aws:kms/alias:Alias":                      {{output: "name"}},
	"aws:cloudwatch/eventRule:EventRule":       {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:cloudwatch/eventBus:EventBus":         {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:cloudwatch/eventArchive:EventArchive": {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:cloudwatch/metricAlarm:MetricAlarm":   {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:cloudwatch/dashboard:Dashboard":       {{output: "dashboardName"}},
	"aws:cloudtrail/trail:Trail":               {{output: "name"}, {output: "arn", attr: "Arn"}},
	"aws:ec2/vpc:Vpc":                          {{output: "id"}},
	"aws:ec2/subnet:Subnet":                    {{output: "id"}},
	"aws:ec2/routeTable:RouteTable":            {{output: "id"}},
	"aws:ec2/securityGroup:SecurityGroup":      {{output: "id", attr: "GroupId"}},
	"aws:ec2/vpcEndpoint:VpcEndpoint":          {{output: "id"}},
	"aws:ec2/internetGateway:InternetGateway":  {{output: "id"}},
	"aws:ec2/natGateway:NatGateway":            {{output: "id"}},
	// An EIP's Ref is its public address; Pulumi's ID is the allocation.
	"aws:ec2/eip:Eip": {{output: "id", attr: "AllocationId"}},
	// CloudFormation's log group Arn ends in ":*"; Pulumi's does not.
	"aws:cloudwatch/logGroup:LogGroup": {{output: "name"}, {output: "arn", sub: "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${%s}"}},
}

// resolver turns the physical values of a recorded run (the mocks' names
// and ARNs, the account, region and partition) back into references.
type resolver struct {
	exact map[string]ref
	re    *regexp.Regexp
	// pseudo matches the account, region and partition only.
	pseudo *regexp.Regexp
	// allowed are the resources a value may reference: those the resource
	// being converted depends on in the Pulumi program (nil: all). A value
	// of any other stays literal text, with the account, region and
	// partition as pseudo parameters: the program built it from a name it
	// chose (the state machine's ARN in its own role policy, the trail's
	// in its key's policy), and a Ref would order the resources the wrong
	// way round, or in a cycle.
	allowed map[string]bool
	// self is the resource being converted: its own values stay literal.
	self string
	// used collects the resources referenced.
	used map[string]bool
}

// newResolver indexes the outputs of every resource that has a template
// logical ID (ids: URN → logical ID).
func newResolver(res *offline.Result, ids map[string]string) (*resolver, error) {
	r := &resolver{exact: map[string]ref{}}
	add := func(v string, rf ref) error {
		if len(v) < 4 {
			return nil
		}
		if have, ok := r.exact[v]; ok && have.logical != rf.logical {
			return fmt.Errorf("cfn: %q is an output of both %s and %s", v, have.logical, rf.logical)
		}
		if _, ok := r.exact[v]; !ok || rf.attr == "" {
			r.exact[v] = rf
		}
		return nil
	}
	for _, x := range res.Resources {
		logical, ok := ids[x.URN]
		if !ok {
			continue
		}
		for _, a := range attributes[x.Type] {
			v := ""
			if a.output == "id" {
				v = x.ID
			} else {
				v, _ = x.Outputs[a.output].(string)
			}
			if v == "" {
				continue
			}
			rf := ref{logical: logical, attr: a.attr, key: logical + a.attr}
			switch {
			case a.sub != "":
				rf.sub = fmt.Sprintf(a.sub, logical)
			case a.attr == "":
				rf.sub = "${" + logical + "}"
			default:
				rf.sub = "${" + logical + "." + a.attr + "}"
			}
			if err := add(v, rf); err != nil {
				return nil, err
			}
		}
	}
	region := res.Config.Region
	if region == "" {
		region = offline.Region
	}
	pseudo := map[string]ref{
		offline.Account: {sub: "${AWS::AccountId}", key: "AWSAccountId"},
		region:          {sub: "${AWS::Region}", key: "AWSRegion"},
		// Only ever a prefix: a whole value "arn:aws:" is no reference.
		"arn:" + offline.Partition + ":": {sub: "arn:${AWS::Partition}:", key: "AWSPartition"},
	}
	maps.Copy(r.exact, pseudo)
	r.re = alternation(r.exact)
	r.pseudo = alternation(pseudo)
	return r, nil
}

// alternation returns a regexp matching any key of m, longest first: at
// one position the alternation takes the first literal that matches, so
// an ARN wins over the name inside it.
func alternation(m map[string]ref) *regexp.Regexp {
	lits := slices.Collect(maps.Keys(m))
	sort.Slice(lits, func(i, j int) bool {
		if len(lits[i]) != len(lits[j]) {
			return len(lits[i]) > len(lits[j])
		}
		return lits[i] < lits[j]
	})
	for i, l := range lits {
		lits[i] = regexp.QuoteMeta(l)
	}
	return regexp.MustCompile(strings.Join(lits, "|"))
}

// forResource returns the resolver for converting resource self, which
// depends on allowed (logical IDs; nil for any resource).
func (r *resolver) forResource(self string, allowed map[string]bool) *resolver {
	return &resolver{exact: r.exact, re: r.re, pseudo: r.pseudo, allowed: allowed, self: self, used: map[string]bool{}}
}

// literal reports whether references to logical stay literal text.
func (r *resolver) literal(logical string) bool {
	return logical != "" && (logical == r.self || r.allowed != nil && !r.allowed[logical])
}

// lookup returns the reference of a whole value: nil for the partition
// prefix and for literal resources.
func (r *resolver) lookup(v string) (ref, bool) {
	rf, ok := r.exact[v]
	if !ok || r.literal(rf.logical) || rf.key == "AWSPartition" {
		return ref{}, false
	}
	if rf.logical != "" {
		r.used[rf.logical] = true
	}
	return rf, true
}

// str resolves one string: a reference as Ref/GetAtt, a string holding
// references as Fn::Sub, anything else as it is.
func (r *resolver) str(s string) string {
	if rf, ok := r.lookup(s); ok {
		return rf.value()
	}
	if text, ok := r.subText(s); ok {
		return cloudformation.Sub(text)
	}
	return s
}

// subText returns s as Fn::Sub text, and whether it holds a reference.
func (r *resolver) subText(s string) (string, bool) {
	found := false
	var b strings.Builder
	last := 0
	for _, m := range r.re.FindAllStringIndex(s, -1) {
		b.WriteString(escapeSub(s[last:m[0]]))
		last = m[1]
		v := s[m[0]:m[1]]
		rf := r.exact[v]
		if !r.literal(rf.logical) {
			if rf.logical != "" {
				r.used[rf.logical] = true
			}
			b.WriteString(rf.sub)
			found = true
			continue
		}
		// A literal resource's value: only its account, region and
		// partition become pseudo parameters.
		sub := r.pseudo.ReplaceAllStringFunc(escapeSub(v), func(p string) string {
			found = true
			return r.exact[p].sub
		})
		b.WriteString(sub)
	}
	if !found {
		return s, false
	}
	b.WriteString(escapeSub(s[last:]))
	return b.String(), true
}

// escapeSub escapes literal "${" for Fn::Sub.
func escapeSub(s string) string { return strings.ReplaceAll(s, "${", "${!") }

// placeholders rewrites s for a state machine Definition: every reference
// becomes ${Key}, and subs receives Key's value (DefinitionSubstitutions
// take no pseudo parameters or Sub text inside the definition).
func (r *resolver) placeholders(s string, subs map[string]any) string {
	return r.re.ReplaceAllStringFunc(s, func(m string) string {
		rf := r.exact[m]
		if r.literal(rf.logical) {
			return r.pseudo.ReplaceAllStringFunc(m, func(p string) string { return r.placeholder(r.exact[p], subs) })
		}
		if rf.logical != "" {
			r.used[rf.logical] = true
		}
		return r.placeholder(rf, subs)
	})
}

// placeholder returns the placeholder text of rf and records its value.
func (r *resolver) placeholder(rf ref, subs map[string]any) string {
	switch rf.key {
	case "AWSPartition":
		subs[rf.key] = cloudformation.Ref("AWS::Partition")
		return "arn:${" + rf.key + "}:"
	case "AWSAccountId":
		subs[rf.key] = cloudformation.Ref("AWS::AccountId")
	case "AWSRegion":
		subs[rf.key] = cloudformation.Ref("AWS::Region")
	default:
		subs[rf.key] = rf.value()
	}
	return "${" + rf.key + "}"
}

// value resolves every string inside a plain JSON-like value.
func (r *resolver) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = r.value(vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = r.value(vv)
		}
		return out
	case string:
		return r.str(x)
	}
	return v
}

// dependsOn returns the logical IDs of deps (URNs) that the converted
// properties do not already reference, sorted: Pulumi's explicit
// DependsOn, which CloudFormation needs spelled out.
func (r *resolver) dependsOn(deps []string, ids map[string]string) []string {
	var out []string
	for _, d := range deps {
		id, ok := ids[d]
		if !ok || r.literal(id) || r.used[id] || slices.Contains(out, id) {
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
