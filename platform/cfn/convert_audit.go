package cfn

import (
	"maps"
	"slices"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/cloudtrail"
	"github.com/awslabs/goformation/v7/cloudformation/logs"
)

// trail maps a CloudTrail trail (the audit trail of issue 12).
func trail(c *conv, in *inputs) (cloudformation.Resource, error) {
	t := &cloudtrail.Trail{
		TrailName:                  name(in, "name"),
		S3BucketName:               in.str("s3BucketName"),
		S3KeyPrefix:                in.strp("s3KeyPrefix"),
		SnsTopicName:               in.strp("snsTopicName"),
		KMSKeyId:                   in.strp("kmsKeyId"),
		CloudWatchLogsLogGroupArn:  in.strp("cloudWatchLogsGroupArn"),
		CloudWatchLogsRoleArn:      in.strp("cloudWatchLogsRoleArn"),
		EnableLogFileValidation:    in.boolp("enableLogFileValidation"),
		IncludeGlobalServiceEvents: in.boolp("includeGlobalServiceEvents"),
		IsMultiRegionTrail:         in.boolp("isMultiRegionTrail"),
		IsOrganizationTrail:        in.boolp("isOrganizationTrail"),
		// The provider's default for enableLogging is true; CloudFormation
		// requires IsLogging.
		IsLogging: true,
		Tags:      c.tags,
	}
	if b := in.boolp("enableLogging"); b != nil {
		t.IsLogging = *b
	}
	for _, s := range in.list("advancedEventSelectors") {
		sel := cloudtrail.Trail_AdvancedEventSelector{Name: s.strp("name")}
		for _, f := range s.list("fieldSelectors") {
			sel.FieldSelectors = append(sel.FieldSelectors, cloudtrail.Trail_AdvancedFieldSelector{
				Field: f.str("field"), Equals: f.strs("equals"), NotEquals: f.strs("notEquals"),
				StartsWith: f.strs("startsWiths"), NotStartsWith: f.strs("notStartsWiths"),
				EndsWith: f.strs("endsWiths"), NotEndsWith: f.strs("notEndsWiths"),
			})
		}
		t.AdvancedEventSelectors = append(t.AdvancedEventSelectors, sel)
	}
	return t, nil
}

// metricFilter maps a CloudWatch Logs metric filter.
func metricFilter(c *conv, in *inputs) (cloudformation.Resource, error) {
	f := &logs.MetricFilter{FilterName: name(in, "name"), FilterPattern: in.str("pattern"), LogGroupName: in.str("logGroupName")}
	if m := in.obj("metricTransformation"); len(m.m) > 0 {
		mt := logs.MetricFilter_MetricTransformation{
			MetricName: m.str("name"), MetricNamespace: m.str("namespace"), MetricValue: m.str("value"), Unit: m.strp("unit"),
		}
		if v := m.raw("defaultValue"); v != "" {
			mt.DefaultValue = parseFloat(v)
		}
		dims := m.strMap("dimensions")
		for _, k := range slices.Sorted(maps.Keys(dims)) {
			mt.Dimensions = append(mt.Dimensions, logs.MetricFilter_Dimension{Key: k, Value: dims[k]})
		}
		f.MetricTransformations = []logs.MetricFilter_MetricTransformation{mt}
	}
	return f, nil
}
