package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/data"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/platform/security"
)

// AWSConfig is the stack's aws:* configuration: what Pulumi would give the
// default AWS provider, which the program's explicit providers (one per
// component, for the default tags) do not inherit. Deploy passes every key
// to every explicit provider, so credentials, the assumed role, the
// account guard, endpoints and skip flags apply to every resource.
//
// Values are kept as Pulumi passes them to programs: scalars as text,
// lists and objects as JSON. Secrets (accessKey, secretKey, token) stay
// secret in the provider's inputs.
type AWSConfig map[string]string

// awsKey is how one aws:* key reaches aws.ProviderArgs.
type awsKey struct {
	kind   string // "string", "secret", "bool", "int", "list", or an object kind
	assign func(a *aws.ProviderArgs, v any)
}

// awsKeys are the provider configuration keys of pulumi-aws v6 the program
// passes on (aws.ProviderArgs of the pinned SDK). Region is Config.Region.
var awsKeys = map[string]awsKey{
	"profile":                        {"string", func(a *aws.ProviderArgs, v any) { a.Profile = v.(pulumi.StringInput) }},
	"stsRegion":                      {"string", func(a *aws.ProviderArgs, v any) { a.StsRegion = v.(pulumi.StringInput) }},
	"customCaBundle":                 {"string", func(a *aws.ProviderArgs, v any) { a.CustomCaBundle = v.(pulumi.StringInput) }},
	"ec2MetadataServiceEndpoint":     {"string", func(a *aws.ProviderArgs, v any) { a.Ec2MetadataServiceEndpoint = v.(pulumi.StringInput) }},
	"ec2MetadataServiceEndpointMode": {"string", func(a *aws.ProviderArgs, v any) { a.Ec2MetadataServiceEndpointMode = v.(pulumi.StringInput) }},
	"httpProxy":                      {"string", func(a *aws.ProviderArgs, v any) { a.HttpProxy = v.(pulumi.StringInput) }},
	"httpsProxy":                     {"string", func(a *aws.ProviderArgs, v any) { a.HttpsProxy = v.(pulumi.StringInput) }},
	"noProxy":                        {"string", func(a *aws.ProviderArgs, v any) { a.NoProxy = v.(pulumi.StringInput) }},
	"retryMode":                      {"string", func(a *aws.ProviderArgs, v any) { a.RetryMode = v.(pulumi.StringInput) }},
	"s3UsEast1RegionalEndpoint":      {"string", func(a *aws.ProviderArgs, v any) { a.S3UsEast1RegionalEndpoint = v.(pulumi.StringInput) }},
	"accessKey":                      {"secret", func(a *aws.ProviderArgs, v any) { a.AccessKey = v.(pulumi.StringInput) }},
	"secretKey":                      {"secret", func(a *aws.ProviderArgs, v any) { a.SecretKey = v.(pulumi.StringInput) }},
	"token":                          {"secret", func(a *aws.ProviderArgs, v any) { a.Token = v.(pulumi.StringInput) }},
	"skipCredentialsValidation":      {"bool", func(a *aws.ProviderArgs, v any) { a.SkipCredentialsValidation = v.(pulumi.BoolInput) }},
	"skipMetadataApiCheck":           {"bool", func(a *aws.ProviderArgs, v any) { a.SkipMetadataApiCheck = v.(pulumi.BoolInput) }},
	"skipRegionValidation":           {"bool", func(a *aws.ProviderArgs, v any) { a.SkipRegionValidation = v.(pulumi.BoolInput) }},
	"skipRequestingAccountId":        {"bool", func(a *aws.ProviderArgs, v any) { a.SkipRequestingAccountId = v.(pulumi.BoolInput) }},
	"insecure":                       {"bool", func(a *aws.ProviderArgs, v any) { a.Insecure = v.(pulumi.BoolInput) }},
	"s3UsePathStyle":                 {"bool", func(a *aws.ProviderArgs, v any) { a.S3UsePathStyle = v.(pulumi.BoolInput) }},
	"useFipsEndpoint":                {"bool", func(a *aws.ProviderArgs, v any) { a.UseFipsEndpoint = v.(pulumi.BoolInput) }},
	"useDualstackEndpoint":           {"bool", func(a *aws.ProviderArgs, v any) { a.UseDualstackEndpoint = v.(pulumi.BoolInput) }},
	"maxRetries":                     {"int", func(a *aws.ProviderArgs, v any) { a.MaxRetries = v.(pulumi.IntInput) }},
	"tokenBucketRateLimiterCapacity": {"int", func(a *aws.ProviderArgs, v any) { a.TokenBucketRateLimiterCapacity = v.(pulumi.IntInput) }},
	"allowedAccountIds":              {"list", func(a *aws.ProviderArgs, v any) { a.AllowedAccountIds = v.(pulumi.StringArrayInput) }},
	"forbiddenAccountIds":            {"list", func(a *aws.ProviderArgs, v any) { a.ForbiddenAccountIds = v.(pulumi.StringArrayInput) }},
	"sharedConfigFiles":              {"list", func(a *aws.ProviderArgs, v any) { a.SharedConfigFiles = v.(pulumi.StringArrayInput) }},
	"sharedCredentialsFiles":         {"list", func(a *aws.ProviderArgs, v any) { a.SharedCredentialsFiles = v.(pulumi.StringArrayInput) }},
	"assumeRole":                     {"assumeRole", func(a *aws.ProviderArgs, v any) { a.AssumeRole = v.(aws.ProviderAssumeRolePtrInput) }},
	"assumeRoleWithWebIdentity": {"assumeRoleWithWebIdentity", func(a *aws.ProviderArgs, v any) {
		a.AssumeRoleWithWebIdentity = v.(aws.ProviderAssumeRoleWithWebIdentityPtrInput)
	}},
	"endpoints":   {"endpoints", func(a *aws.ProviderArgs, v any) { a.Endpoints = v.(aws.ProviderEndpointArrayInput) }},
	"ignoreTags":  {"ignoreTags", func(a *aws.ProviderArgs, v any) { a.IgnoreTags = v.(aws.ProviderIgnoreTagsPtrInput) }},
	"defaultTags": {"defaultTags", nil},
}

// AWSKeys returns the aws:* keys (without the namespace) the explicit
// providers take, sorted; "region" is among them.
func AWSKeys() []string {
	return append(slices.Sorted(maps.Keys(awsKeys)), "region")
}

// loadAWS reads every known aws:* key from get into c.AWS, checking each
// value's form, and reports a key pulumi-aws v6 does not have that a
// newer one does (aws:assumeRoles).
func loadAWS(get Getter) (AWSConfig, error) {
	out := AWSConfig{}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(awsKeys)) {
		v, ok := get("aws:" + k)
		if !ok {
			continue
		}
		if _, err := awsKeys[k].input(v); err != nil {
			errs = append(errs, fmt.Errorf("config aws:%s: %w", k, err))
			continue
		}
		out[k] = v
	}
	if _, ok := get("aws:assumeRoles"); ok {
		errs = append(errs, errors.New("config aws:assumeRoles: pulumi-aws v6 takes one role, aws:assumeRole (an object with roleArn, sessionName, externalId, ...)"))
	}
	return out, errors.Join(errs...)
}

// decodeStrict decodes JSON into v, refusing unknown fields (a misspelt
// endpoint must not be dropped silently). Field names match the SDK's
// case-insensitively ("dynamodb" is Dynamodb).
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// input converts a raw value to the provider argument's input type.
func (k awsKey) input(v string) (any, error) {
	switch k.kind {
	case "string":
		return pulumi.String(v), nil
	case "secret":
		return pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput), nil
	case "bool":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", v)
		}
		return pulumi.Bool(b), nil
	case "int":
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", v)
		}
		return pulumi.Int(n), nil
	case "list":
		var l []string
		if err := json.Unmarshal([]byte(v), &l); err != nil {
			return nil, fmt.Errorf("%q is not a list of strings", v)
		}
		return pulumi.ToStringArray(l), nil
	case "assumeRole":
		var r aws.ProviderAssumeRole
		if err := decodeStrict(v, &r); err != nil {
			return nil, fmt.Errorf("not an assume-role object: %w", err)
		}
		return pulumi.ToOutput(r).(aws.ProviderAssumeRoleOutput), nil
	case "assumeRoleWithWebIdentity":
		var r aws.ProviderAssumeRoleWithWebIdentity
		if err := decodeStrict(v, &r); err != nil {
			return nil, fmt.Errorf("not a web-identity object: %w", err)
		}
		return pulumi.ToOutput(r).(aws.ProviderAssumeRoleWithWebIdentityOutput), nil
	case "endpoints":
		var e []aws.ProviderEndpoint
		if err := decodeStrict(v, &e); err != nil {
			return nil, fmt.Errorf("not a list of endpoint objects: %w", err)
		}
		return pulumi.ToOutput(e).(aws.ProviderEndpointArrayOutput), nil
	case "ignoreTags":
		var t aws.ProviderIgnoreTags
		if err := decodeStrict(v, &t); err != nil {
			return nil, fmt.Errorf("not an ignore-tags object: %w", err)
		}
		return pulumi.ToOutput(t).(aws.ProviderIgnoreTagsOutput), nil
	case "defaultTags":
		var t struct {
			Tags map[string]string `json:"tags"`
		}
		if err := decodeStrict(v, &t); err != nil {
			return nil, fmt.Errorf("not a default-tags object {\"tags\": {...}}: %w", err)
		}
		return t.Tags, nil
	}
	return nil, fmt.Errorf("unknown kind %s", k.kind)
}

// ProviderArgs returns the arguments of an explicit AWS provider: the
// stack's whole aws:* configuration, its region, and default tags that add
// the component's (sluice:project, sluice:stack, sluice:component, which
// win over aws:defaultTags of the same name) to the stack's own.
func ProviderArgs(cfg Config, tags pulumi.StringMap) (*aws.ProviderArgs, error) {
	all := pulumi.StringMap{}
	args := &aws.ProviderArgs{}
	if cfg.Region != "" {
		args.Region = pulumi.String(cfg.Region)
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.AWS)) {
		key, ok := awsKeys[k]
		if !ok {
			return nil, fmt.Errorf("config aws:%s: not an AWS provider key the program passes on", k)
		}
		v, err := key.input(cfg.AWS[k])
		if err != nil {
			return nil, fmt.Errorf("config aws:%s: %w", k, err)
		}
		if k == "defaultTags" {
			for tk, tv := range v.(map[string]string) {
				all[tk] = pulumi.String(tv)
			}
			continue
		}
		key.assign(args, v)
	}
	for k, v := range tags {
		all[k] = v
	}
	args.DefaultTags = aws.ProviderDefaultTagsArgs{Tags: all}
	return args, nil
}

// unknownAWSKeys lists the aws:* keys of m the program does not pass on.
func unknownAWSKeys(m map[string]string) []string {
	var out []string
	for full := range m {
		k, ok := strings.CutPrefix(full, "aws:")
		if !ok || k == "region" {
			continue
		}
		if _, known := awsKeys[k]; !known && k != "assumeRoles" {
			out = append(out, full)
		}
	}
	slices.Sort(out)
	return out
}

// TableReplicas returns the replica regions of the data tables
// (config tableReplicaRegions), each with an explicit provider of that
// region: the stack's aws:* configuration and default tags, as every
// other provider of the stack, with the data component's tags and only the
// region changed; and the policy of the region's replica key (account and
// partition are the stack's). None without replica regions.
func TableReplicas(ctx *pulumi.Context, cfg Config, account, partition string) ([]data.Replica, error) {
	if len(cfg.TableReplicaRegions) == 0 {
		return nil, nil
	}
	keyPolicy, err := policy.JSON(security.ReplicaKeyPolicy(account, partition))
	if err != nil {
		return nil, fmt.Errorf("platform: replica key policy: %w", err)
	}
	var out []data.Replica
	for _, region := range cfg.TableReplicaRegions {
		rc := cfg
		rc.Region = region
		args, err := ProviderArgs(rc, naming.Tags(cfg.Project, cfg.Stack, ComponentData))
		if err != nil {
			return nil, err
		}
		p, err := aws.NewProvider(ctx, "aws-"+ComponentData+"-"+region, args)
		if err != nil {
			return nil, err
		}
		out = append(out, data.Replica{Region: region, Provider: p, KeyPolicy: keyPolicy})
	}
	return out, nil
}
