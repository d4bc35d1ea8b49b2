package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/platform/policy"
)

// MaxPatternLength is the longest filter pattern CloudWatch Logs accepts
// (PutMetricFilter's filterPattern).
const MaxPatternLength = 1024

// AccessDeniedPattern matches the CloudTrail records of denied calls: S3
// answers AccessDenied, DynamoDB AccessDeniedException, EC2-style APIs
// Client.UnauthorizedOperation. It is the filter of the CIS AWS Foundations
// benchmark's unauthorized-API-calls alarm; on this trail it sees only the
// bucket's and the tables' data events.
const AccessDeniedPattern = `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`

// Fields of a CloudTrail record the unexpected-principal pattern reads.
const (
	fieldIdentityType = "$.userIdentity.type"
	fieldIssuerARN    = "$.userIdentity.sessionContext.sessionIssuer.arn"
)

// UnexpectedPrincipalPattern returns the filter pattern that matches the
// CloudTrail records of calls made by anyone but the expected roles: every
// record except those of an AWS service acting on its own (userIdentity
// type AWSService) and those of a session of one of the roles (type
// AssumedRole, whose sessionContext.sessionIssuer.arn is the role's ARN).
// IAM users, the root user, federated users and other roles' sessions all
// match.
//
// A role ending in "/*" stands for every role under that path (the
// pattern's wildcard); no other '*' is accepted.
//
// The pattern reads sessionIssuer.arn only under type AssumedRole, for
// which CloudTrail always writes it, so it does not depend on how a
// comparison with a missing field evaluates. Every group is parenthesized:
// it does not depend on the precedence of && and || either. The roles are
// sorted and de-duplicated; an empty list, a role with a character the
// pattern cannot hold or a pattern over MaxPatternLength is an error.
func UnexpectedPrincipalPattern(roles []string) (string, error) {
	roles = slices.Compact(slices.Sorted(slices.Values(roles)))
	if len(roles) == 0 {
		return "", errors.New("audit: no expected role: every call would be unexpected")
	}
	var issuers []string
	for _, r := range roles {
		if r == "" || strings.ContainsAny(r, "\"\\ \t\n") || strings.Contains(strings.TrimSuffix(r, "/*"), "*") {
			return "", fmt.Errorf("audit: role ARN %q cannot stand in a filter pattern", r)
		}
		issuers = append(issuers, fmt.Sprintf("(%s != %q)", fieldIssuerARN, r))
	}
	p := fmt.Sprintf("{ (%s != \"AWSService\") && ((%s != \"AssumedRole\") || (%s)) }",
		fieldIdentityType, fieldIdentityType, strings.Join(issuers, " && "))
	if len(p) > MaxPatternLength {
		return "", fmt.Errorf("audit: the unexpected-principal filter pattern for %d roles is %d characters, over CloudWatch Logs' %d; trust fewer roles (config auditTrustedRoles)",
			len(roles), len(p), MaxPatternLength)
	}
	return p, nil
}

// Selector is one advanced event selector of the trail: its name and its
// field selectors, each an Equals or a StartsWith list.
type Selector struct {
	Name   string
	Fields []FieldSelector
}

// FieldSelector selects events by one field of the record.
type FieldSelector struct {
	Field      string
	Equals     []string
	StartsWith []string
}

// CloudTrail resource types of the data events the trail records.
const (
	ResourceS3Object      = "AWS::S3::Object"
	ResourceDynamoDBTable = "AWS::DynamoDB::Table"
)

// Selectors returns the trail's advanced event selectors: the data events
// of every object of the bucket (resources.ARN starting with the bucket's
// ARN and a slash, the form CloudTrail documents for "all objects of a
// bucket") and of exactly the given tables (resources.ARN equal to their
// ARNs, sorted). No management events: the account's own trail keeps
// those, and a second copy of them is billed.
func Selectors(bucketARN string, tableARNs []string) []Selector {
	data := FieldSelector{Field: "eventCategory", Equals: []string{"Data"}}
	return []Selector{
		{Name: "pipeline bucket objects", Fields: []FieldSelector{
			data,
			{Field: "resources.type", Equals: []string{ResourceS3Object}},
			{Field: "resources.ARN", StartsWith: []string{bucketARN + "/"}},
		}},
		{Name: "pipeline tables", Fields: []FieldSelector{
			data,
			{Field: "resources.type", Equals: []string{ResourceDynamoDBTable}},
			{Field: "resources.ARN", Equals: slices.Compact(slices.Sorted(slices.Values(tableARNs)))},
		}},
	}
}

// TrailARN is the ARN of a trail named name: the bucket and key policies
// name it (aws:SourceArn) before the trail exists.
func TrailARN(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, region, account, name)
}

// LogGroupARN is the ARN of a log group (without the ":*" CloudTrail's
// CloudWatchLogsLogGroupArn carries).
func LogGroupARN(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, name)
}

// BucketPolicy is the audit bucket's policy (${bucket} stands for its
// ARN): CloudTrail may read the bucket's ACL and write log files under
// AWSLogs/<account>/, both only for the trail (aws:SourceArn), and every
// request without TLS is refused.
func BucketPolicy(account, trailARN string) policy.Document {
	source := map[string][]string{"aws:SourceArn": {trailARN}}
	trail := &policy.Principal{Service: []string{"cloudtrail.amazonaws.com"}}
	return policy.Document{Statement: []policy.Statement{
		{
			Sid: "CloudTrailAclCheck", Effect: "Allow", Principal: trail,
			Action: []string{"s3:GetBucketAcl"}, Resource: []string{"${bucket}"},
			Condition: map[string]map[string][]string{"StringEquals": source},
		},
		{
			Sid: "CloudTrailWrite", Effect: "Allow", Principal: trail,
			Action: []string{"s3:PutObject"}, Resource: []string{"${bucket}/AWSLogs/" + account + "/*"},
			Condition: map[string]map[string][]string{"StringEquals": {
				"aws:SourceArn": {trailARN},
				"s3:x-amz-acl":  {"bucket-owner-full-control"},
			}},
		},
		policy.DenyInsecureTransport("DenyInsecureTransport", []string{"s3:*"}, []string{"${bucket}", "${bucket}/*"}),
	}}
}

// KeyPolicy is the audit key's policy: the account root administers it
// (so IAM policies can grant reading the logs), CloudTrail encrypts the
// trail's log files (encryption context aws:cloudtrail:arn of a trail of
// this account, and only for this trail), and CloudWatch Logs encrypts
// the one log group (encryption context aws:logs:arn).
func KeyPolicy(account, partition, region, trailARN, logGroupARN string) policy.Document {
	trail := &policy.Principal{Service: []string{"cloudtrail.amazonaws.com"}}
	source := map[string][]string{"aws:SourceArn": {trailARN}}
	return policy.Document{Statement: []policy.Statement{
		{
			Sid:       "AccountRootAdministers",
			Principal: &policy.Principal{AWS: []string{fmt.Sprintf("arn:%s:iam::%s:root", partition, account)}},
			Action:    []string{"kms:*"},
			Resource:  []string{"*"},
		},
		{
			Sid: "CloudTrailEncryptLogs", Principal: trail,
			Action: []string{"kms:GenerateDataKey*"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{
				"StringEquals": source,
				"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": {fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", partition, account)}},
			},
		},
		{
			Sid: "CloudTrailDescribeKey", Principal: trail,
			Action: []string{"kms:DescribeKey"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"StringEquals": source},
		},
		{
			Sid:       "CloudWatchLogsEncrypt",
			Principal: &policy.Principal{Service: []string{"logs." + region + ".amazonaws.com"}},
			Action:    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": {logGroupARN}}},
		},
	}}
}

// LogsRolePolicy is the policy of the role CloudTrail assumes to deliver
// to the log group: create its streams and put events in them. CloudTrail
// names the streams <account>_CloudTrail_<region>...; the role's trust
// policy takes no aws:SourceArn or aws:SourceAccount (CloudTrail does not
// support them there).
func LogsRolePolicy(account, region, logGroupARN string) policy.Document {
	streams := []string{logGroupARN + ":log-stream:" + account + "_CloudTrail_" + region + "*"}
	return policy.Document{Statement: []policy.Statement{
		policy.Allow("CreateLogStream", []string{"logs:CreateLogStream"}, streams),
		policy.Allow("PutLogEvents", []string{"logs:PutLogEvents"}, streams),
	}}
}
