package cfn

import (
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/events"
)

// eventBus maps the outcome event bus. CloudFormation requires its name,
// which Pulumi chooses at deployment: the template names it after the
// stack and the resource's logical name instead.
func eventBus(c *conv, in *inputs) (cloudformation.Resource, error) {
	n := in.strp("name")
	if n == nil {
		n = cloudformation.String(cloudformation.Sub("${AWS::StackName}-" + c.res.Name))
	}
	return &events.EventBus{Name: *n, EventSourceName: in.strp("eventSourceName"), Tags: c.tags}, nil
}

// eventArchive maps the outcome bus's archive: Pulumi's eventSourceArn is
// CloudFormation's SourceArn.
func eventArchive(c *conv, in *inputs) (cloudformation.Resource, error) {
	pattern, err := in.json("eventPattern")
	if err != nil {
		return nil, err
	}
	return &events.Archive{
		ArchiveName:   name(in, "name"),
		Description:   in.strp("description"),
		EventPattern:  pattern,
		RetentionDays: in.intp("retentionDays"),
		SourceArn:     in.str("eventSourceArn"),
	}, nil
}
