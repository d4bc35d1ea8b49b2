package iamproof

import (
	"slices"
	"strings"

	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/orchestration"
)

// functionReasons say why a function's role keeps a grant its handler
// never calls: AWS services act with the execution role on the
// function's behalf.
var functionReasons = map[string]string{
	"logs:CreateLogStream":     "Lambda writes the function's logs to its own log group with the execution role",
	"logs:PutLogEvents":        "Lambda writes the function's logs to its own log group with the execution role",
	"xray:PutTraceSegments":    "active tracing: Lambda sends the function's trace segments with the execution role",
	"xray:PutTelemetryRecords": "active tracing: Lambda sends X-Ray telemetry with the execution role",
}

// machineReasons say why the state machine's role keeps a grant no task
// of the local run exercised.
var machineReasons = map[string]string{
	"xray:PutTraceSegments":       "X-Ray tracing of executions: Step Functions sends segments with the role",
	"xray:PutTelemetryRecords":    "X-Ray tracing of executions: Step Functions sends telemetry with the role",
	"xray:GetSamplingRules":       "X-Ray tracing of executions: Step Functions reads the sampling rules with the role",
	"xray:GetSamplingTargets":     "X-Ray tracing of executions: Step Functions reads the sampling targets with the role",
	"states:StopExecution":        "Step Functions stops a Distributed Map's child executions when the Map run fails or is aborted",
	"s3:AbortMultipartUpload":     "the Distributed Map's ResultWriter writes results in multipart uploads (AWS's documented ResultWriter policy)",
	"s3:ListMultipartUploadParts": "the Distributed Map's ResultWriter writes results in multipart uploads (AWS's documented ResultWriter policy)",
	"s3:GetObjectTagging":         "CopyObject (the quarantine copy) copies the source's tags: it reads them from the source",
	"s3:GetObjectVersionTagging":  "CopyObject of a version (the quarantine copy) copies the source's tags: it reads them from the source version",
	"s3:PutObjectTagging":         "CopyObject (the quarantine copy) copies the source's tags onto the copy",
}

// reason returns why principal keeps action although no recorded call
// used it, or "" when nothing explains it.
func (d *Deployment) reason(principal, action string) string {
	a := strings.ToLower(action)
	lookup := func(m map[string]string) string {
		for k, v := range m {
			if strings.ToLower(k) == a {
				return v
			}
		}
		return ""
	}
	eq := func(list []string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.ToLower(s) == a })
	}
	if principal == StateMachine || principal == BatchMachine {
		if d.Logging && eq(orchestration.LogDeliveryActions) {
			return "execution logging: Step Functions sets up log delivery to CloudWatch Logs with the role (these actions take no resource)"
		}
		return lookup(machineReasons)
	}
	if d.VPC && eq(compute.VPCActions) {
		return "VPC: Lambda creates and deletes the function's network interfaces in the private subnets with the execution role"
	}
	return lookup(functionReasons)
}
