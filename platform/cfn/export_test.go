package cfn

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/internal/modroot"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// run records the program of a stack of the repository (its
// Pulumi.<stack>.yaml) once per test binary.
var runs sync.Map

func run(t *testing.T, stack string) *offline.Result {
	t.Helper()
	if r, ok := runs.Load(stack); ok {
		return r.(*offline.Result)
	}
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	file, opts := stack, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}}
	var extra map[string]string
	if stack == egressStack {
		// Placeholder functions: the test says they embed the set it
		// deploys (the real ones embed dataset.Builtin(), without stores).
		file, extra, opts.Datasets = "prod", egressConfig, egressDatasets(t)
		opts.FunctionDatasets = opts.Datasets
	}
	values, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+file+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(values, extra)
	res, err := offline.Run(file, values, opts)
	if err != nil {
		t.Fatal(err)
	}
	runs.Store(stack, res)
	return res
}

// egressStack is prod with a dataset calling an external API with a
// secret under a customer managed key, and egress nat: the NAT path, the
// Secrets Manager endpoint and the secret's grants.
const egressStack = "prod+egress"

var egressConfig = map[string]string{
	"sluice:egress":               "nat",
	"sluice:enrichmentSecrets":    `["geo-api=arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/geo-api-AbC123"]`,
	"sluice:enrichmentSecretsKey": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}

func egressDatasets(t *testing.T) *dataset.Set {
	t.Helper()
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "store_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
		Key:    dataset.Key{Partition: "STORE#{store_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: "https://geo.example.com/v1/{postcode}", Auth: &dataset.HTTPAuth{Secret: "geo-api"},
			Copy: map[string]string{"region": "region"},
		}}},
	}
	set, err := dataset.NewSet(append(dataset.Builtin().All(), stores)...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// properties returns the template's resources as plain JSON values.
func properties(t *testing.T, e *Export) map[string]map[string]any {
	t.Helper()
	b, err := e.Template.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Resources
}

// TestTemplateListsEveryResourceOfThePreview is the must-show of issue 15:
// every resource the offline preview lists for dev and prod is in the
// template, as a resource of the type its converter names or as the
// property of the resource it folds into; every type that is not names its
// reason.
func TestTemplateListsEveryResourceOfThePreview(t *testing.T) {
	for _, stack := range []string{"dev", "prod", egressStack} {
		t.Run(stack, func(t *testing.T) {
			res := run(t, stack)
			e, err := New(res, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := properties(t, e)
			own := 0
			for _, x := range res.Resources {
				cov, ok := e.Types[x.Type]
				if !ok {
					t.Errorf("%s: type %s has no coverage entry", x.Name, x.Type)
					continue
				}
				c, mapped := converters[x.Type]
				if !mapped {
					if cov.CloudFormation != "" || cov.Reason == "" {
						t.Errorf("%s (%s): not in the template, and no reason: %+v", x.Name, x.Type, cov)
					}
					if _, listed := Unexpressible[x.Type]; !listed && !isComponent(x.Type) {
						t.Errorf("%s (%s): neither converted nor listed in Unexpressible", x.Name, x.Type)
					}
					continue
				}
				id, ok := e.Logical[x.URN]
				if !ok {
					t.Errorf("%s (%s): no logical ID", x.Name, x.Type)
					continue
				}
				r := got[id]
				if r["Type"] != c.cfnType {
					t.Errorf("%s (%s): %s is a %v, want %s", x.Name, x.Type, id, r["Type"], c.cfnType)
				}
				if c.fold == nil {
					own++
					continue
				}
				if p, _ := r["Properties"].(map[string]any); p[c.property] == nil {
					t.Errorf("%s (%s): %s has no %s", x.Name, x.Type, id, c.property)
				}
			}
			if own != len(got) {
				t.Errorf("%d resources of their own in the run, %d in the template", own, len(got))
			}
			// A few that the hand-written SAM export of old left out.
			for _, id := range []string{"ReconcileComputeReconcile", "ReconcileSchedule", "EventsUnrouted", "MonitoringDashboard", "StoragePolicy"} {
				if got[id] == nil {
					t.Errorf("no %s", id)
				}
			}
			if b, _ := json.Marshal(got["StoragePolicy"]); !strings.Contains(string(b), `"Sid":"OnlyUploadersWriteIncoming"`) {
				t.Errorf("the bucket policy lacks the incoming/ deny: %s", b)
			}
			if stack != "dev" && got["SecurityVpc"] == nil {
				t.Error("prod has a VPC; the template has none")
			}
			if stack == egressStack {
				nat, _ := json.Marshal(got["SecurityNat"])
				route, _ := json.Marshal(got["SecurityPrivateDefault"])
				for _, w := range []string{`"AllocationId":{"Fn::GetAtt":["SecurityNatEip","AllocationId"]}`, `"SubnetId":{"Ref":"SecurityPublic0"}`} {
					if !strings.Contains(string(nat), w) {
						t.Errorf("NAT gateway %s lacks %s", nat, w)
					}
				}
				if !strings.Contains(string(route), `"NatGatewayId":{"Ref":"SecurityNat"}`) {
					t.Errorf("private default route %s does not go through the NAT gateway", route)
				}
			}
		})
	}
}

// TestTemplateKeepsNoPhysicalValue: every name, ARN or URL the mocks made
// up for a resource CloudFormation names itself is a reference in the
// template, and the account and region are pseudo parameters.
func TestTemplateKeepsNoPhysicalValue(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			res := run(t, stack)
			e, err := New(res, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := e.Template.JSON()
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			for _, x := range res.Resources {
				// The mocks auto-name as "<logical name>-<7 hex>".
				if x.Custom && strings.HasPrefix(x.ID, x.Name+"-") && strings.Contains(text, x.ID) {
					t.Errorf("the template holds %s's made-up name %q", x.Name, x.ID)
				}
			}
			region := res.Config.Region
			for _, v := range []string{offline.Account, `"` + region + `"`, ":" + region + ":", "arn:aws:"} {
				if strings.Contains(text, v) {
					i := strings.Index(text, v)
					t.Errorf("the template holds %q: …%s…", v, text[max(0, i-80):min(len(text), i+80)])
				}
			}
		})
	}
}

// TestStateMachineSubstitutions: the definition names its resources
// through DefinitionSubstitutions, each used and each a reference.
func TestStateMachineSubstitutions(t *testing.T) {
	e, err := New(run(t, "prod"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sm := properties(t, e)["PipelineMachine"]["Properties"].(map[string]any)
	def, err := json.Marshal(sm["Definition"])
	if err != nil {
		t.Fatal(err)
	}
	subs := sm["DefinitionSubstitutions"].(map[string]any)
	var keys []string
	for k, v := range subs {
		keys = append(keys, k)
		if !strings.Contains(string(def), "${"+k+"}") {
			t.Errorf("substitution %s is never used", k)
		}
		if m, ok := v.(map[string]any); !ok || (m["Ref"] == nil && m["Fn::GetAtt"] == nil) {
			t.Errorf("substitution %s = %v, want a Ref or Fn::GetAtt", k, v)
		}
	}
	slices.Sort(keys)
	want := []string{"AWSPartition", "AlertsTopic", "ComputeEnrichArn", "ComputeLoadArn", "ComputeTransformArn", "ComputeValidateArn", "DataLedger", "OutcomesBusArn", "StorageBucket"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("substitutions (-want +got):\n%s", diff)
	}
	// The role policy names the machine's executions by its explicit name:
	// a Ref would close a cycle with the machine's DependsOn on it.
	pol := properties(t, e)["PipelinePolicy"]
	if b, _ := json.Marshal(pol); strings.Contains(string(b), `"PipelineMachine"`) {
		t.Errorf("the machine's policy references the machine: %s", b)
	}
}

func TestNewRefusesWhatItCannotExpress(t *testing.T) {
	key := offline.Resource{URN: "urn:pulumi:dev::sluice::aws:kms/key:Key::k", Type: "aws:kms/key:Key", Name: "k", Custom: true, ID: "k-1",
		Inputs: map[string]any{"description": "d"}, Outputs: map[string]any{"keyId": "k-1", "arn": "arn:aws:kms:us-east-1:000000000000:key/k-1"}}
	tests := []struct {
		name string
		res  []offline.Resource
		want string
	}{
		{"unknown type", []offline.Resource{{URN: "urn:u", Type: "aws:foo/bar:Bar", Name: "bar", Custom: true}}, "aws:foo/bar:Bar): no CloudFormation mapping"},
		{"unread input", []offline.Resource{{URN: key.URN, Type: key.Type, Name: key.Name, Custom: true, ID: key.ID,
			Inputs: map[string]any{"description": "d", "multiRegion": true}, Outputs: key.Outputs}}, "input(s) multiRegion: no CloudFormation property"},
		{"table replicas", []offline.Resource{{URN: "urn:t", Type: "aws:dynamodb/table:Table", Name: "t", Custom: true,
			Inputs: map[string]any{"hashKey": "pk", "replicas": []any{map[string]any{"regionName": "eu-central-1"}}}}}, "AWS::DynamoDB::GlobalTable"},
		{"fold without its parent", []offline.Resource{{URN: "urn:v", Type: "aws:s3/bucketVersioningV2:BucketVersioningV2", Name: "v", Custom: true,
			Inputs: map[string]any{"bucket": "nosuch", "versioningConfiguration": map[string]any{"status": "Enabled"}}}}, `input bucket "nosuch" names no resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(&offline.Result{Stack: "dev", Resources: tt.res}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := New(&offline.Result{Stack: "dev", Resources: []offline.Resource{key}}, Options{}); err != nil {
		t.Errorf("a key with its inputs read: %v", err)
	}
}

func TestLogicalID(t *testing.T) {
	for in, want := range map[string]string{"compute-enrich-role": "ComputeEnrichRole", "security-private-0-rt": "SecurityPrivate0Rt", "tableNames-items": "TableNamesItems"} {
		if got := logicalID(in); got != want {
			t.Errorf("logicalID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCfnLint runs cfn-lint (scripts/setup.d/cfn-lint.sh) on the dev and
// prod templates: no error and no warning (the template's Metadata says
// which rules it turns off, and why).
func TestCfnLint(t *testing.T) {
	lint := os.Getenv("SLUICE_CFN_LINT")
	if lint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUICE_CFN_LINT is not set: run through scripts/test.sh (scripts/setup.d/cfn-lint.sh)")
		}
		t.Skip("SLUICE_CFN_LINT is not set: run through scripts/test.sh")
	}
	dir := t.TempDir()
	var files []string
	for _, stack := range []string{"dev", "prod", egressStack} {
		e, err := New(run(t, stack), Options{CodePath: func(zip string) string { return "build/lambda/" + filepath.Base(zip) }})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.YAML()
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, stack+".yaml")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, err := exec.Command(lint, files...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("cfn-lint exit %d (2: errors, 4: warnings, 8: informational):\n%s", exit.ExitCode(), out)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditTrail converts the resources of an audit trail as issue 12's
// component registers them (recorded by hand here): the trail waits for
// its bucket's policy, which names the trail, so the policy names it by its
// explicit name rather than by Fn::GetAtt (a cycle): a value references
// only what its resource depends on in the program.
func TestAuditTrail(t *testing.T) {
	const acct, region = offline.Account, "eu-west-1"
	trailArn := "arn:aws:cloudtrail:" + region + ":" + acct + ":trail/sluice-prod-audit"
	urn := func(typ, name string) string { return "urn:pulumi:prod::sluice::" + typ + "::" + name }
	res := &offline.Result{Stack: "prod", Resources: []offline.Resource{
		{URN: urn("aws:s3/bucketV2:BucketV2", "audit-bucket"), Type: "aws:s3/bucketV2:BucketV2", Name: "audit-bucket", Custom: true, ID: "audit-bucket-1234567",
			Inputs: map[string]any{"forceDestroy": false}, Outputs: map[string]any{"bucket": "audit-bucket-1234567", "arn": "arn:aws:s3:::audit-bucket-1234567"}},
		{URN: urn("aws:s3/bucketPolicy:BucketPolicy", "audit-policy"), Type: "aws:s3/bucketPolicy:BucketPolicy", Name: "audit-policy", Custom: true, ID: "audit-policy-1",
			Inputs:       map[string]any{"bucket": "audit-bucket-1234567", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::audit-bucket-1234567/*","Condition":{"StringEquals":{"aws:SourceArn":"` + trailArn + `"}}}]}`},
			Dependencies: []string{urn("aws:s3/bucketV2:BucketV2", "audit-bucket")}},
		{URN: urn("aws:cloudwatch/logGroup:LogGroup", "audit-logs"), Type: "aws:cloudwatch/logGroup:LogGroup", Name: "audit-logs", Custom: true, ID: "audit-logs-7654321",
			Inputs: map[string]any{"retentionInDays": float64(90)}, Outputs: map[string]any{"name": "audit-logs-7654321", "arn": "arn:aws:logs:" + region + ":" + acct + ":log-group:audit-logs-7654321"}},
		{URN: urn("aws:cloudtrail/trail:Trail", "audit-trail"), Type: "aws:cloudtrail/trail:Trail", Name: "audit-trail", Custom: true, ID: trailArn,
			Inputs: map[string]any{
				"name": "sluice-prod-audit", "s3BucketName": "audit-bucket-1234567", "enableLogging": true, "enableLogFileValidation": true,
				"isMultiRegionTrail": false, "includeGlobalServiceEvents": false,
				"cloudWatchLogsGroupArn": "arn:aws:logs:" + region + ":" + acct + ":log-group:audit-logs-7654321:*",
				"advancedEventSelectors": []any{map[string]any{"name": "bucket", "fieldSelectors": []any{
					map[string]any{"field": "eventCategory", "equals": []any{"Data"}},
					map[string]any{"field": "resources.ARN", "startsWiths": []any{"arn:aws:s3:::audit-bucket-1234567/"}},
				}}},
			},
			Outputs:      map[string]any{"name": "sluice-prod-audit", "arn": trailArn},
			Dependencies: []string{urn("aws:s3/bucketPolicy:BucketPolicy", "audit-policy"), urn("aws:s3/bucketV2:BucketV2", "audit-bucket"), urn("aws:cloudwatch/logGroup:LogGroup", "audit-logs")}},
		{URN: urn("aws:cloudwatch/logMetricFilter:LogMetricFilter", "audit-denied-filter"), Type: "aws:cloudwatch/logMetricFilter:LogMetricFilter", Name: "audit-denied-filter", Custom: true, ID: "f",
			Inputs: map[string]any{"logGroupName": "audit-logs-7654321", "pattern": `{ $.errorCode = "AccessDenied" }`,
				"metricTransformation": map[string]any{"name": "AccessDenied", "namespace": "Sluice/sluice-prod-audit", "value": "1", "unit": "Count"}},
			Dependencies: []string{urn("aws:cloudwatch/logGroup:LogGroup", "audit-logs")}},
	}}
	res.Config.Region = region
	e, err := New(res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := properties(t, e)
	for id, typ := range map[string]string{"AuditTrail": "AWS::CloudTrail::Trail", "AuditDeniedFilter": "AWS::Logs::MetricFilter", "AuditPolicy": "AWS::S3::BucketPolicy"} {
		if got[id]["Type"] != typ {
			t.Errorf("%s: %v, want %s", id, got[id]["Type"], typ)
		}
	}
	pol, _ := json.Marshal(got["AuditPolicy"])
	if want := `"Fn::Sub":"arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/sluice-prod-audit"`; !strings.Contains(string(pol), want) {
		t.Errorf("bucket policy %s lacks %s", pol, want)
	}
	tr, _ := json.Marshal(got["AuditTrail"])
	for _, want := range []string{`"DependsOn":["AuditPolicy"]`, `"S3BucketName":{"Ref":"AuditBucket"}`, `"IsLogging":true`,
		`"StartsWith":[{"Fn::Sub":"${AuditBucket.Arn}/"}]`, `log-group:${AuditLogs}:*`} {
		if !strings.Contains(string(tr), want) {
			t.Errorf("trail %s lacks %s", tr, want)
		}
	}
	mf, _ := json.Marshal(got["AuditDeniedFilter"])
	// The namespace holds the trail's name, but the filter does not depend
	// on the trail: the text is the program's, not a reference.
	if !strings.Contains(string(mf), `"LogGroupName":{"Ref":"AuditLogs"}`) || !strings.Contains(string(mf), `"MetricNamespace":"Sluice/sluice-prod-audit"`) {
		t.Errorf("metric filter %s", mf)
	}
}
