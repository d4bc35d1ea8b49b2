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
	e := &Export{Template: cloudformation.NewTemplate(), Logical: map[string]string{}, Types: map[string]Coverage{}}
	t := e.Template
	t.Description = fmt.Sprintf("Sluice %s/%s: file-driven data pipeline, derived from the resources of the Pulumi program (go run ./cmd/preview --stack %s --sam FILE)",
		offline.Project, res.Stack, res.Stack)
	t.Metadata = map[string]any{"cfn-lint": lintConfig}

	providerTags := map[string]map[string]string{}
	var own, folds []offline.Resource
	for _, x := range res.Resources {
		switch {
		case x.Type == "pulumi:providers:aws":
			providerTags[x.URN] = defaultTags(x.Inputs)
			e.Types[x.Type] = Coverage{Reason: Unexpressible[x.Type]}
			continue
		case isComponent(x.Type):
			e.Types[x.Type] = Coverage{Reason: "a Sluice component groups resources in Pulumi; each resource names its component in its Metadata"}
			continue
		}
		c, ok := converters[x.Type]
		if !ok {
			if reason, ok := Unexpressible[x.Type]; ok {
				e.Types[x.Type] = Coverage{Reason: reason}
				continue
			}
			return nil, fmt.Errorf("cfn: %s (%s): no CloudFormation mapping; add a converter to platform/cfn or list the type in Unexpressible with its reason", x.Name, x.Type)
		}
		if c.fold != nil {
			folds = append(folds, x)
			e.Types[x.Type] = Coverage{CloudFormation: c.cfnType + "." + c.property}
			continue
		}
		id := logicalID(x.Name)
		for urn, have := range e.Logical {
			if have == id {
				return nil, fmt.Errorf("cfn: %s and %s both become logical ID %s", urn, x.URN, id)
			}
		}
		e.Logical[x.URN] = id
		own = append(own, x)
		e.Types[x.Type] = Coverage{CloudFormation: c.cfnType}
	}
	r, err := newResolver(res, e.Logical)
	if err != nil {
		return nil, err
	}

	resolvers := map[string]*resolver{}
	metadata := map[string][]string{}
	byID := map[string]offline.Resource{}
	convert := func(x offline.Resource, literal ...string) error {
		id := e.Logical[x.URN]
		rr := r.forResource(id, literal...)
		in := newInputs(x.Inputs, rr)
		cv := &conv{res: x, tags: resourceTags(providerTags, x), opts: opts}
		out, err := converters[x.Type].convert(cv, in)
		if err == nil {
			err = in.check()
		}
		if err != nil {
			return fmt.Errorf("cfn: %s (%s): %w", x.Name, x.Type, err)
		}
		t.Resources[id] = out
		resolvers[id] = rr
		return nil
	}
	for _, x := range own {
		if err := convert(x); err != nil {
			return nil, err
		}
		id := e.Logical[x.URN]
		byID[id] = x
		metadata[id] = append(metadata[id], x.URN)
	}
	// A resource that Pulumi orders after another by DependsOn alone, and
	// that the other references, would be a cycle in CloudFormation: the
	// state machine waits for its role policy, which names the machine's
	// own executions. The other then names it by its (explicit) name, as
	// the Pulumi program does, instead of by Ref.
	later := map[string][]string{}
	for _, x := range own {
		id := e.Logical[x.URN]
		for _, dep := range resolvers[id].dependsOn(x.Dependencies, e.Logical) {
			if resolvers[dep].used[id] {
				later[dep] = append(later[dep], id)
			}
		}
	}
	for _, dep := range slices.Sorted(maps.Keys(later)) {
		if err := convert(byID[dep], later[dep]...); err != nil {
			return nil, err
		}
	}
	for _, x := range folds {
		c := converters[x.Type]
		v, _ := x.Inputs[c.into].(string)
		parent, ok := r.exact[v]
		if !ok || parent.logical == "" || t.Resources[parent.logical] == nil {
			return nil, fmt.Errorf("cfn: %s (%s): input %s %q names no resource of the template", x.Name, x.Type, c.into, v)
		}
		rr := resolvers[parent.logical]
		in := newInputs(x.Inputs, rr)
		err := c.fold(&conv{res: x, opts: opts}, in, t.Resources[parent.logical])
		if err == nil {
			err = in.check()
		}
		if err != nil {
			return nil, fmt.Errorf("cfn: %s (%s): %w", x.Name, x.Type, err)
		}
		e.Logical[x.URN] = parent.logical
		metadata[parent.logical] = append(metadata[parent.logical], x.URN)
	}
	// Pulumi's explicit DependsOn, where no reference already orders the
	// resources. A folded resource's own are left out: they order it after
	// what is now the same resource, or after a resource that references
	// the one it folds into (a rule's target after the permission naming
	// the rule), which in CloudFormation would be a cycle.
	for _, x := range own {
		id := e.Logical[x.URN]
		md := map[string]any{"Pulumi": map[string]any{"URNs": metadata[id]}}
		if ignore := resourceLintIgnores[t.Resources[id].AWSCloudFormationType()]; len(ignore) > 0 {
			md["cfn-lint"] = map[string]any{"config": map[string]any{"ignore_checks": ignore}}
		}
		setAttributes(t.Resources[id], resolvers[id].dependsOn(x.Dependencies, e.Logical), md)
	}

	out := r.forResource("")
	for _, k := range slices.Sorted(maps.Keys(res.Outputs)) {
		switch v := res.Outputs[k].(type) {
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
	return e, nil
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
