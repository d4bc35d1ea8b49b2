package naming

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tag keys applied to every resource through the provider's default tags.
const (
	TagProject   = "sluice:project"
	TagStack     = "sluice:stack"
	TagComponent = "sluice:component"
)

// TagRole marks the pipeline's own IAM roles (the functions', the
// reconciler's and the state machine's) with the value RolePipeline. The
// bucket policy refuses writes under the datasets' incoming prefixes to
// principals carrying it (aws:PrincipalTag): only uploaders write there.
const (
	TagRole      = "sluice:role"
	RolePipeline = "pipeline"
)

// PipelineRoleTags are the tags of a pipeline role (see TagRole).
func PipelineRoleTags() pulumi.StringMap {
	return pulumi.StringMap{TagRole: pulumi.String(RolePipeline)}
}

// TagSettles marks, with the value SettlesBatches, the one pipeline role
// the bucket policy lets delete a version under a batched dataset's
// incoming prefix: the batch state machine's, which settles each file it
// took (after copying it under processed/), so that the next batch lists
// only pending files.
const (
	TagSettles     = "sluice:settles"
	SettlesBatches = "batch"
)

// BatchRoleTags are the tags of the batch state machine's role: a
// pipeline role (TagRole) that settles batches (TagSettles).
func BatchRoleTags() pulumi.StringMap {
	return pulumi.StringMap{TagRole: pulumi.String(RolePipeline), TagSettles: pulumi.String(SettlesBatches)}
}

// Tags returns the default tags of the resources of one component of a stack.
func Tags(project, stack, component string) pulumi.StringMap {
	m := pulumi.StringMap{}
	for k, v := range TagMap(project, stack, component) {
		m[k] = pulumi.String(v)
	}
	return m
}

// TagMap is Tags as plain strings, for checks and exports (SAM, preview).
func TagMap(project, stack, component string) map[string]string {
	return map[string]string{
		TagProject:   project,
		TagStack:     stack,
		TagComponent: component,
	}
}

// Child returns the logical name of a component's child: the component's
// name and a suffix, so that two instances of a component never collide.
func Child(parent string, suffix ...string) string {
	return strings.Join(append([]string{parent}, suffix...), "-")
}

// Physical returns a physical name for resources whose name must be known
// before they exist (a Lambda function and its /aws/lambda/<name> log
// group): project, stack and name joined by '-', truncated to max bytes
// (64 for Lambda) keeping the end, which holds the distinguishing part.
func Physical(project, stack, name string, max int) string {
	s := strings.ToLower(project + "-" + stack + "-" + name)
	if max > 0 && len(s) > max {
		s = s[len(s)-max:]
		s = strings.TrimLeft(s, "-_")
	}
	return s
}
