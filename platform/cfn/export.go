package cfn

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/tags"

	"github.com/sluicehq/sluice/platform/offline"
)

// Options configure the export.
type Options struct {
	// CodePath maps a function's zip, as the program's packager wrote it,
	// to the function's Code: a path relative to where the template is
	// written. Default: the path unchanged.
	CodePath func(zip string) string
}

// Coverage is how the template expresses one Pulumi type of the program.
type Coverage struct {
	// CloudFormation is the resource type written for it, with
	// ".Property" when it becomes a property of another resource
	// ("AWS::S3::Bucket.VersioningConfiguration"); "" when nothing is.
	CloudFormation string
	// Reason says why nothing is, when CloudFormation is "".
	Reason string
}

// Export is the CloudFormation template of one recorded run of the program.
type Export struct {
	// Template is the template.
	Template *cloudformation.Template
	// Logical maps the URN of every AWS resource of the run to its logical
	// ID in the template (a folded resource's to the one it folds into).
	Logical map[string]string
	// Types says, for every resource type of the run, how the template
	// expresses it.
	Types map[string]Coverage
}

// YAML returns the template as YAML.
func (e *Export) YAML() ([]byte, error) { return e.Template.YAML() }

// lintConfig is read by cfn-lint from the template's Metadata. W3002
// ("this code may only work with the package command") is the point:
// Code names the local zip that `sam deploy` or `aws cloudformation
// package` uploads.
var lintConfig = map[string]any{"config": map[string]any{"ignore_checks": []string{"W3002"}}}

// resourceLintIgnores are the cfn-lint rules a resource type's Metadata
// turns off, each for a false positive of the linter:
//
//   - E3601 on the state machine: cfn-lint's States Language schema rejects
//     OutputPath on a Succeed state, which the language allows
//     (states-language.net, "Succeed State"; AWS's Step Functions guide lists
//     InputPath and OutputPath for it), and Resource ARNs that name the
//     partition through DefinitionSubstitutions (its pattern spells
//     "arn:aws:"). The definition is checked by workflow/validate when it is
//     compiled and by asl-validator (scripts/check.d/asl-validator.sh).
var resourceLintIgnores = map[string][]string{"AWS::StepFunctions::StateMachine": {"E3601"}}

// New derives the template from the resources an offline run of the
// program registered (offline.Run): every AWS resource becomes a
// CloudFormation resource or a property of one, and every physical value
// one resource reads from another (a name, an ARN, a URL inside a policy
// or a state machine definition) becomes a Ref, Fn::GetAtt or Fn::Sub. A
// type with no converter and no entry in Unexpressible, or an input no
// converter reads, is an error: the template cannot silently lag behind
// the program.
func New(res *offline.Result, opts Options) (*Export, error) {
	x := &exporter{
		res: res, opts: opts,
		e:            &Export{Template: cloudformation.NewTemplate(), Logical: map[string]string{}, Types: map[string]Coverage{}},
		providerTags: map[string]map[string]string{}, resolvers: map[string]*resolver{}, metadata: map[string][]string{}, byID: map[string]offline.Resource{},
	}
	t := x.e.Template
	t.Description = fmt.Sprintf("Sluice %s/%s: file-driven data pipeline, derived from the resources of the Pulumi program (go run ./cmd/preview --stack %s --sam FILE)",
		offline.Project, res.Stack, res.Stack)
	t.Metadata = map[string]any{"cfn-lint": lintConfig}
	if err := x.classify(); err != nil {
		return nil, err
	}
	r, err := newResolver(res, x.e.Logical)
	if err != nil {
		return nil, err
	}
	x.r = r
	for _, step := range []func() error{x.placeFolds, x.convertAll, x.fold} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	x.attributes()
	x.outputs()
	return x.e, nil
}

// exporter is one run of New.
type exporter struct {
	res  *offline.Result
	opts Options
	e    *Export
	r    *resolver

	// providerTags are the default tags of each provider, by URN.
	providerTags map[string]map[string]string
	// own are the resources of their own, folds those that become a
	// property of another.
	own, folds []offline.Resource
	// resolvers are those each resource was converted with (they know
	// what it references), by logical ID.
	resolvers map[string]*resolver
	// metadata are the URNs each template resource stands for.
	metadata map[string][]string
	byID     map[string]offline.Resource
	// deps are the recorded dependencies, by URN.
	deps map[string][]string
}

// classify sorts the recorded resources into providers, components,
// resources of their own (with their logical IDs) and folds, and records
// how the template covers each type.
func (x *exporter) classify() error {
	x.deps = map[string][]string{}
	for _, r := range x.res.Resources {
		x.deps[r.URN] = r.Dependencies
	}
	for _, r := range x.res.Resources {
		switch {
		case r.Type == "pulumi:providers:aws":
			x.providerTags[r.URN] = defaultTags(r.Inputs)
			x.e.Types[r.Type] = Coverage{Reason: Unexpressible[r.Type]}
			continue
		case isComponent(r.Type):
			x.e.Types[r.Type] = Coverage{Reason: "a Sluice component groups resources in Pulumi; each resource names its component in its Metadata"}
			continue
		}
		c, ok := converters[r.Type]
		if !ok {
			if reason, ok := Unexpressible[r.Type]; ok {
				x.e.Types[r.Type] = Coverage{Reason: reason}
				continue
			}
			return fmt.Errorf("cfn: %s (%s): no CloudFormation mapping; add a converter to platform/cfn or list the type in Unexpressible with its reason", r.Name, r.Type)
		}
		if c.fold != nil {
			x.folds = append(x.folds, r)
			x.e.Types[r.Type] = Coverage{CloudFormation: c.cfnType + "." + c.property}
			continue
		}
		id := logicalID(r.Name)
		if have, ok := x.byID[id]; ok {
			return fmt.Errorf("cfn: %s and %s both become logical ID %s", have.URN, r.URN, id)
		}
		x.e.Logical[r.URN] = id
		x.byID[id] = r
		x.own = append(x.own, r)
		x.metadata[id] = append(x.metadata[id], r.URN)
		x.e.Types[r.Type] = Coverage{CloudFormation: c.cfnType}
	}
	return nil
}

// placeFolds finds the resource each fold joins (its logical ID stands
// for the fold from here on).
func (x *exporter) placeFolds() error {
	for _, r := range x.folds {
		c := converters[r.Type]
		v, _ := r.Inputs[c.into].(string)
		parent, ok := x.r.exact[v]
		if !ok || parent.logical == "" || x.byID[parent.logical].URN == "" {
			return fmt.Errorf("cfn: %s (%s): input %s %q names no resource of the template", r.Name, r.Type, c.into, v)
		}
		x.e.Logical[r.URN] = parent.logical
		x.metadata[parent.logical] = append(x.metadata[parent.logical], r.URN)
	}
	return nil
}

// resolverFor returns the resolver for converting r (or folding it into
// self): its values may reference only what it depends on in the program,
// directly or through the outputs of what it depends on (an autoscaling
// policy reads its table's name from its target).
func (x *exporter) resolverFor(r offline.Resource, self string) *resolver {
	allowed := map[string]bool{}
	seen := map[string]bool{}
	var walk func(deps []string)
	walk = func(deps []string) {
		for _, d := range deps {
			if seen[d] {
				continue
			}
			seen[d] = true
			if id, ok := x.e.Logical[d]; ok {
				allowed[id] = true
			}
			walk(x.deps[d])
		}
	}
	walk(r.Dependencies)
	return x.r.forResource(self, allowed)
}

// convertAll converts every resource of its own.
func (x *exporter) convertAll() error {
	for _, r := range x.own {
		id := x.e.Logical[r.URN]
		rr := x.resolverFor(r, id)
		in := newInputs(r.Inputs, rr)
		out, err := converters[r.Type].convert(&conv{res: r, tags: resourceTags(x.providerTags, r), opts: x.opts}, in)
		if err == nil {
			err = in.check()
		}
		if err != nil {
			return fmt.Errorf("cfn: %s (%s): %w", r.Name, r.Type, err)
		}
		x.e.Template.Resources[id] = out
		x.resolvers[id] = rr
	}
	return nil
}

// fold adds each folded resource to the resource it joins.
func (x *exporter) fold() error {
	t := x.e.Template
	for _, r := range x.folds {
		c := converters[r.Type]
		id := x.e.Logical[r.URN]
		in := newInputs(r.Inputs, x.resolverFor(r, id))
		err := c.fold(&conv{res: r, opts: x.opts}, in, t.Resources[id])
		if err == nil {
			err = in.check()
		}
		if err != nil {
			return fmt.Errorf("cfn: %s (%s): %w", r.Name, r.Type, err)
		}
	}
	return nil
}

// attributes sets each resource's DependsOn and Metadata. DependsOn is
// Pulumi's explicit DependsOn, where no reference already orders the
// resources. A folded resource's own are left out: they order it after
// what is now the same resource, or after a resource that references the
// one it folds into (a rule's target after the permission naming the
// rule), which in CloudFormation would be a cycle.
func (x *exporter) attributes() {
	t := x.e.Template
	for _, r := range x.own {
		id := x.e.Logical[r.URN]
		md := map[string]any{"Pulumi": map[string]any{"URNs": x.metadata[id]}}
		if ignore := resourceLintIgnores[t.Resources[id].AWSCloudFormationType()]; len(ignore) > 0 {
			md["cfn-lint"] = map[string]any{"config": map[string]any{"ignore_checks": ignore}}
		}
		setAttributes(t.Resources[id], x.resolvers[id].dependsOn(r.Dependencies, x.e.Logical), md)
	}
}

// outputs writes the stack outputs, a map output as one output per key.
func (x *exporter) outputs() {
	t := x.e.Template
	out := x.r.forResource("", nil)
	for _, k := range slices.Sorted(maps.Keys(x.res.Outputs)) {
		switch v := x.res.Outputs[k].(type) {
		case string:
			t.Outputs[logicalID(k)] = cloudformation.Output{Value: out.str(v)}
		case map[string]any:
			for _, kk := range slices.Sorted(maps.Keys(v)) {
				if s, ok := v[kk].(string); ok {
					t.Outputs[logicalID(k+"-"+kk)] = cloudformation.Output{Value: out.str(s)}
				}
			}
		}
	}
}

// defaultTags returns a provider's default tags.
func defaultTags(in map[string]any) map[string]string {
	dt, _ := in["defaultTags"].(map[string]any)
	tm, _ := dt["tags"].(map[string]any)
	out := map[string]string{}
	for k, v := range tm {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// resourceTags returns the default tags of x's provider.
func resourceTags(providers map[string]map[string]string, x offline.Resource) []tags.Tag {
	ref := x.Provider
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		ref = ref[:i]
	}
	return tagList(providers[ref])
}

// logicalID turns a Pulumi logical name ("compute-enrich-role") into a
// CloudFormation logical ID ("ComputeEnrichRole").
func logicalID(name string) string {
	var b strings.Builder
	up := true
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// setAttributes sets a typed resource's DependsOn and Metadata: goformation
// gives every resource type these two fields but no interface to set them.
func setAttributes(res cloudformation.Resource, dependsOn []string, metadata map[string]any) {
	v := reflect.ValueOf(res)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if f := v.FieldByName("AWSCloudFormationDependsOn"); f.IsValid() && len(dependsOn) > 0 {
		f.Set(reflect.ValueOf(dependsOn))
	}
	if f := v.FieldByName("AWSCloudFormationMetadata"); f.IsValid() {
		f.Set(reflect.ValueOf(metadata))
	}
}
