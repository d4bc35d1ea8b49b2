package platform_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/platform/storage"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

var stacks = []string{"dev", "prod"}

// testPackager builds each function once per test binary with
// platform/packager (into a temporary directory) and falls back to a
// placeholder zip for a function whose main package has not landed yet.
type testPackager struct {
	build       *platform.BuildPackager
	placeholder platform.PlaceholderPackager
}

func (p *testPackager) Package(fn string) (platform.Package, error) {
	if _, err := os.Stat(filepath.Join("..", "functions", "cmd", fn, "main.go")); err != nil {
		return p.placeholder.Package(fn)
	}
	return p.build.Package(fn)
}

var (
	pkgOnce sync.Once
	pkg     *testPackager
	runMu   sync.Mutex
	runs    = map[string]*offline.Result{}
)

func packager(t *testing.T) *testPackager {
	pkgOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-platform-test-")
		if err != nil {
			t.Fatal(err)
		}
		pkg = &testPackager{
			build:       &platform.BuildPackager{ModuleRoot: "..", OutDir: filepath.Join(dir, "lambda")},
			placeholder: platform.PlaceholderPackager{Dir: filepath.Join(dir, "placeholder")},
		}
		pkg.build.Prebuild(append(slices.Clone(platform.FunctionNames), platform.FunctionReconcile)...)
	})
	return pkg
}

// deploy runs the program for a stack once per test binary.
func deploy(t *testing.T, stack string) *offline.Result {
	t.Helper()
	runMu.Lock()
	defer runMu.Unlock()
	if r, ok := runs[stack]; ok {
		return r
	}
	cfg, err := offline.LoadStackFile("../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := offline.Run(stack, cfg, platform.Options{Packager: packager(t)})
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	runs[stack] = r
	return r
}

func byType(r *offline.Result, typ string) []offline.Resource {
	var out []offline.Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

func one(t *testing.T, r *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			return res
		}
	}
	t.Fatalf("no %s called %s", typ, name)
	return offline.Resource{}
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func str(m map[string]any, path ...string) string {
	s, _ := get(m, path...).(string)
	return s
}

func TestResourceInventory(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			count := map[string]int{}
			for _, res := range r.Resources {
				count[res.Type]++
			}
			want := map[string]int{
				"sluice:security:Security":                               1,
				"sluice:storage:Storage":                                 1,
				"sluice:data:Data":                                       1,
				"sluice:compute:Compute":                                 2, // the pipeline's functions, the reconciler's
				"sluice:reconciler:Reconciler":                           1,
				"sluice:orchestration:Orchestration":                     2, // the pipeline, the batches (batchDatasets)
				"sluice:events:Events":                                   1,
				"sluice:events:Outcomes":                                 1,
				"aws:cloudwatch/eventBus:EventBus":                       1, // the outcome bus
				"sluice:monitoring:Alerts":                               1,
				"sluice:monitoring:Monitoring":                           1,
				"aws:kms/key:Key":                                        1,
				"aws:s3/bucketV2:BucketV2":                               1,
				"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
				"aws:dynamodb/table:Table":                               3,
				"aws:lambda/function:Function":                           5,
				"aws:lambda/permission:Permission":                       2, // the schedule and the execution-status rule invoke the reconciler
				"aws:iam/role:Role":                                      8, // five functions, the two machines, EventBridge
				"aws:sfn/stateMachine:StateMachine":                      2,
				// A rule per dataset run per event, a schedule per batched
				// one (readings), the unrouted rule, the reconciler's
				// schedule and execution-status rule.
				"aws:cloudwatch/eventRule:EventRule":     len(dataset.Builtin().All()) + 3,
				"aws:cloudwatch/eventTarget:EventTarget": len(dataset.Builtin().All()) + 3,
				"aws:sqs/queue:Queue":                    3, // dead letters, unrouted files, the schedule's dead letters
				"aws:sqs/queuePolicy:QueuePolicy":        3,
				"aws:sns/topic:Topic":                    1,
				"aws:cloudwatch/logGroup:LogGroup":       7,
				"aws:cloudwatch/dashboard:Dashboard":     1,
				"aws:cloudwatch/metricAlarm:MetricAlarm": 2*4 + 5*3 + 1 + 1 + 3 + 3*2 + 1, // each machine's 4; the reconciler: unaccounted files, its DLQ, not running; outcome events not published
			}
			if stack == "prod" {
				// The audit trail (auditTrail): its key, bucket, log
				// group, CloudTrail's delivery role and two alarms.
				want["sluice:audit:Audit"] = 1
				want["aws:cloudtrail/trail:Trail"] = 1
				want["aws:cloudwatch/logMetricFilter:LogMetricFilter"] = 2
				want["aws:kms/key:Key"]++
				want["aws:s3/bucketV2:BucketV2"]++
				want["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]++
				want["aws:iam/role:Role"]++
				want["aws:cloudwatch/logGroup:LogGroup"]++
				want["aws:cloudwatch/metricAlarm:MetricAlarm"] += 2
				want["aws:appautoscaling/target:Target"] = 6
				want["aws:appautoscaling/policy:Policy"] = 6
				want["aws:ec2/vpc:Vpc"] = 1
				want["aws:ec2/subnet:Subnet"] = 3
				want["aws:ec2/vpcEndpoint:VpcEndpoint"] = 7
				want["aws:sns/topicSubscription:TopicSubscription"] = 1
				want["aws:budgets/budget:Budget"] = 1
				want["aws:cloudwatch/eventArchive:EventArchive"] = 1 // outcomeArchiveDays
			} else {
				want["sluice:audit:Audit"] = 0
				want["aws:cloudtrail/trail:Trail"] = 0
				want["aws:appautoscaling/target:Target"] = 0
				want["aws:ec2/vpc:Vpc"] = 0
				want["aws:sns/topicSubscription:TopicSubscription"] = 0
				want["aws:budgets/budget:Budget"] = 0
				want["aws:cloudwatch/eventArchive:EventArchive"] = 0
			}
			for typ, n := range want {
				if count[typ] != n {
					t.Errorf("%s: %d, want %d", typ, count[typ], n)
				}
			}
		})
	}
}

func TestParentsNamesAndTags(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			urns := map[string]offline.Resource{}
			names := map[string]string{}
			for _, res := range r.Resources {
				if _, dup := urns[res.URN]; dup {
					t.Errorf("duplicate URN %s", res.URN)
				}
				urns[res.URN] = res
				if prev, dup := names[res.Name]; dup && !strings.HasPrefix(res.Type, "pulumi:providers") {
					t.Errorf("logical name %s used by %s and %s", res.Name, prev, res.Type)
				}
				names[res.Name] = res.Type
			}
			providers := map[string]offline.Resource{}
			for _, res := range byType(r, "pulumi:providers:aws") {
				providers[res.URN] = res
			}
			for _, res := range r.Resources {
				switch {
				case strings.HasPrefix(res.Type, "pulumi:providers:"):
					continue
				case strings.HasPrefix(res.Type, "sluice:"):
					// Top-level components sit under the stack and name
					// their children.
					continue
				}
				parent, ok := urns[res.Parent]
				if !ok || !strings.HasPrefix(parent.Type, "sluice:") {
					t.Errorf("%s %s: parent %q is not a Sluice component", res.Type, res.Name, res.Parent)
					continue
				}
				if !strings.HasPrefix(res.Name, parent.Name+"-") {
					t.Errorf("%s %s: name not derived from its component %s", res.Type, res.Name, parent.Name)
				}
				provURN, _, _ := strings.Cut(res.Provider, "::")
				if i := strings.LastIndex(res.Provider, "::"); i >= 0 {
					provURN = res.Provider[:i]
				}
				prov, ok := providers[provURN]
				if !ok {
					t.Errorf("%s %s: provider %q is not an explicit aws provider", res.Type, res.Name, res.Provider)
					continue
				}
				tags, _ := get(prov.Inputs, "defaultTags", "tags").(map[string]any)
				if tags[naming.TagProject] != "sluice" || tags[naming.TagStack] != stack {
					t.Errorf("%s %s: provider default tags %v", res.Type, res.Name, tags)
				}
				// The component tag names the top-level component, the
				// one a nested component (the reconciler's compute) sits in.
				top := parent
				for {
					up, ok := urns[top.Parent]
					if !ok || !strings.HasPrefix(up.Type, "sluice:") {
						break
					}
					top = up
				}
				wantComponent := map[string]string{"alerts": "monitoring"}[top.Name]
				if wantComponent == "" {
					wantComponent = top.Name
				}
				if tags[naming.TagComponent] != wantComponent {
					t.Errorf("%s %s: component tag %v, want %s", res.Type, res.Name, tags[naming.TagComponent], wantComponent)
				}
			}
		})
	}
}

// allowedStar lists the actions AWS grants only on "*", and the key
// policy and TLS-deny statements whose "*" means "this key" / "any action".
var allowedStar = map[string]bool{
	"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true, "xray:GetSamplingRules": true, "xray:GetSamplingTargets": true,
	"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true, "logs:DeleteLogDelivery": true,
	"logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true, "logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
	"ec2:CreateNetworkInterface": true, "ec2:DescribeNetworkInterfaces": true, "ec2:DeleteNetworkInterface": true,
	"ec2:AssignPrivateIpAddresses": true, "ec2:UnassignPrivateIpAddresses": true,
}

func parsePolicy(t *testing.T, where, text string) policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if len(d.Statement) == 0 {
		t.Fatalf("%s: empty policy", where)
	}
	return d
}

func TestIAMIsLeastPrivilege(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			for _, rp := range byType(r, "aws:iam/rolePolicy:RolePolicy") {
				d := parsePolicy(t, rp.Name, str(rp.Inputs, "policy"))
				for _, s := range d.Statement {
					if s.Effect != "Allow" {
						t.Errorf("%s %s: effect %s", rp.Name, s.Sid, s.Effect)
					}
					for _, a := range s.Action {
						if strings.Contains(a, "*") {
							t.Errorf("%s %s: wildcard action %s", rp.Name, s.Sid, a)
						}
					}
					if slices.Contains(s.Resource, "*") {
						for _, a := range s.Action {
							if !allowedStar[a] {
								t.Errorf("%s %s: %s granted on *", rp.Name, s.Sid, a)
							}
						}
					}
				}
			}
			// Resource policies: only the documented exceptions use '*'.
			key := one(t, r, "aws:kms/key:Key", "security-key")
			for _, s := range parsePolicy(t, "key policy", str(key.Inputs, "policy")).Statement {
				if slices.Contains(s.Action, "kms:*") && (s.Principal == nil || len(s.Principal.AWS) != 1 || !strings.HasSuffix(s.Principal.AWS[0], ":root")) {
					t.Errorf("key policy %s: kms:* for %+v", s.Sid, s.Principal)
				}
				if s.Principal != nil && len(s.Principal.Service) > 0 && s.Condition == nil {
					t.Errorf("key policy %s: service principal without condition", s.Sid)
				}
			}
			for _, role := range byType(r, "aws:iam/role:Role") {
				d := parsePolicy(t, role.Name, str(role.Inputs, "assumeRolePolicy"))
				if len(d.Statement) != 1 || d.Statement[0].Principal == nil || len(d.Statement[0].Principal.Service) != 1 {
					t.Errorf("%s: trust policy %+v", role.Name, d)
				}
			}
		})
	}
}

// TestOnlyUploadersWriteIncoming checks that no pipeline role can write
// under a dataset's incoming prefix: every role whose policy grants an S3
// write on an object ARN that covers an incoming key carries the pipeline
// role tag, and the bucket policy denies the incoming writes to exactly
// the principals with that tag, on every dataset's prefix.
func TestOnlyUploadersWriteIncoming(t *testing.T) {
	t.Parallel()
	r := deploy(t, "prod")
	bucket := one(t, r, "aws:s3/bucketV2:BucketV2", "storage-bucket")
	barn := bucket.Outputs["arn"].(string)
	roles := map[string]offline.Resource{}
	for _, role := range byType(r, "aws:iam/role:Role") {
		roles[role.ID] = role
		roles[role.Outputs["name"].(string)] = role
	}
	writers := 0
	for _, rp := range byType(r, "aws:iam/rolePolicy:RolePolicy") {
		for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
			writes := slices.ContainsFunc(s.Action, func(a string) bool { return slices.Contains(storage.IncomingWriteActions, a) })
			covers := slices.ContainsFunc(s.Resource, func(res string) bool {
				return res == barn+"/*" || strings.HasPrefix(res, barn+"/incoming/")
			})
			if !writes || !covers {
				continue
			}
			writers++
			role, ok := roles[str(rp.Inputs, "role")]
			if !ok {
				t.Fatalf("%s: role %q not found", rp.Name, str(rp.Inputs, "role"))
			}
			if str(role.Inputs, "tags", naming.TagRole) != naming.RolePipeline {
				t.Errorf("%s may write incoming files (%s on %v) and is not tagged %s=%s", role.Name, s.Sid, s.Resource, naming.TagRole, naming.RolePipeline)
			}
		}
	}
	if writers == 0 {
		t.Fatal("no role policy covers incoming/ with a write: the check found nothing to check")
	}
	for _, role := range byType(r, "aws:iam/role:Role") {
		d := parsePolicy(t, role.Name, str(role.Inputs, "assumeRolePolicy"))
		svc := d.Statement[0].Principal.Service[0]
		if tagged := str(role.Inputs, "tags", naming.TagRole) == naming.RolePipeline; tagged != (svc == "lambda.amazonaws.com" || svc == "states.amazonaws.com") {
			t.Errorf("%s (assumed by %s): tagged as a pipeline role: %v", role.Name, svc, tagged)
		}
	}
	bp := one(t, r, "aws:s3/bucketPolicy:BucketPolicy", "storage-policy")
	denies := map[string]*policy.Statement{}
	for _, s := range parsePolicy(t, bp.Name, str(bp.Inputs, "policy")).Statement {
		denies[s.Sid] = &s
	}
	pipelineRole := map[string][]string{"aws:PrincipalTag/" + naming.TagRole: {naming.RolePipeline}}
	deny, batchDeny, settle := denies["OnlyUploadersWriteIncoming"], denies["OnlyUploadersWriteBatchIncoming"], denies["OnlyTheBatchSettlesBatchIncoming"]
	if deny == nil || deny.Effect != "Deny" || deny.Principal == nil || !deny.Principal.Any ||
		!cmp.Equal(deny.Action, storage.IncomingWriteActions) ||
		!cmp.Equal(deny.Condition, map[string]map[string][]string{"StringEquals": pipelineRole}) {
		t.Fatalf("bucket policy has no Deny of incoming writes to pipeline roles: %+v", deny)
	}
	for _, d := range dataset.Builtin().All() {
		key := barn + "/" + d.Prefix + "*"
		if !slices.Contains(r.Config.BatchDatasets, d.Name) {
			if !slices.Contains(deny.Resource, key) {
				t.Errorf("the Deny does not cover %s: %v", d.Prefix, deny.Resource)
			}
			continue
		}
		// A batched prefix: every write but the version delete is denied
		// to every pipeline role, the version delete to all but the batch
		// machine's (TestBatchMachine).
		if batchDeny == nil || settle == nil || !slices.Contains(batchDeny.Resource, key) || !slices.Contains(settle.Resource, key) ||
			!cmp.Equal(append(slices.Clone(batchDeny.Action), settle.Action...), append(slices.DeleteFunc(slices.Clone(storage.IncomingWriteActions), func(a string) bool { return a == "s3:DeleteObjectVersion" }), "s3:DeleteObjectVersion")) ||
			!cmp.Equal(batchDeny.Condition, map[string]map[string][]string{"StringEquals": pipelineRole}) {
			t.Errorf("the batched prefix %s is not covered by the batch Denies: %+v %+v", d.Prefix, batchDeny, settle)
		}
	}
}

func TestFunctionsAreScoped(t *testing.T) {
	ds := dataset.Builtin().All()
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			bucketArn := "arn:aws:s3:::" + r.Outputs["bucketName"].(string)
			tables := map[string]string{}
			for _, tb := range byType(r, "aws:dynamodb/table:Table") {
				tables[strings.TrimPrefix(tb.Name, "data-")] = tb.Outputs["arn"].(string)
			}
			keyArn := r.Outputs["kmsKeyArn"].(string)
			allowedPrefixes := map[string][]string{}
			for _, d := range ds {
				in, st, rep := d.Prefix, contract.StagingPrefix+d.Name+"/", contract.ReportsPrefix+d.Name+"/"
				allowedPrefixes["validate"] = append(allowedPrefixes["validate"], in, rep)
				allowedPrefixes["transform"] = append(allowedPrefixes["transform"], in, st)
				allowedPrefixes["enrich"] = append(allowedPrefixes["enrich"], st)
				allowedPrefixes["load"] = append(allowedPrefixes["load"], st, in)
			}
			wantTables := map[string][]string{"validate": nil, "transform": nil, "enrich": {tables["reference"]}, "load": {tables["items"], tables["reference"]}}
			roles := map[string]bool{}
			for _, fn := range platform.FunctionNames {
				f := one(t, r, "aws:lambda/function:Function", "compute-"+fn)
				role := str(f.Inputs, "role")
				if roles[role] {
					t.Errorf("%s shares role %s", fn, role)
				}
				roles[role] = true
				rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "compute-"+fn+"-policy")
				if !strings.HasSuffix(role, "/"+str(rp.Inputs, "role")) {
					t.Errorf("%s: policy attached to %s, function runs as %s", fn, str(rp.Inputs, "role"), role)
				}
				var gotTables []string
				for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
					for _, res := range s.Resource {
						switch {
						case strings.HasPrefix(res, bucketArn):
							obj := strings.TrimPrefix(res, bucketArn+"/")
							if obj == res || !strings.HasSuffix(obj, "/*") || !slices.Contains(allowedPrefixes[fn], strings.TrimSuffix(obj, "*")) {
								t.Errorf("%s: S3 resource %s outside its prefixes", fn, res)
							}
						case strings.Contains(res, ":dynamodb:"):
							gotTables = append(gotTables, res)
						case strings.Contains(res, ":kms:"):
							if res != keyArn {
								t.Errorf("%s: key %s", fn, res)
							}
						case strings.Contains(res, ":logs:"):
							if !strings.Contains(res, "/aws/lambda/"+str(f.Inputs, "name")+":*") {
								t.Errorf("%s: log resource %s", fn, res)
							}
						case res == "*":
						default:
							t.Errorf("%s: unexpected resource %s", fn, res)
						}
					}
				}
				sort.Strings(gotTables)
				want := slices.Clone(wantTables[fn])
				sort.Strings(want)
				if diff := cmp.Diff(want, gotTables); diff != "" {
					t.Errorf("%s tables (-want +got):\n%s", fn, diff)
				}
			}
		})
	}
}

func TestFunctionSettings(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			cfg := r.Config
			logGroups := map[string]offline.Resource{}
			for _, lg := range byType(r, "aws:cloudwatch/logGroup:LogGroup") {
				logGroups[str(lg.Inputs, "name")] = lg
			}
			for _, fn := range platform.FunctionNames {
				f := one(t, r, "aws:lambda/function:Function", "compute-"+fn)
				in := f.Inputs
				got := map[string]any{
					"runtime": in["runtime"], "handler": in["handler"], "architectures": in["architectures"],
					"memorySize": in["memorySize"], "timeout": in["timeout"], "reserved": in["reservedConcurrentExecutions"],
					"tracing": str(in, "tracingConfig", "mode"), "logFormat": str(in, "loggingConfig", "logFormat"),
				}
				want := map[string]any{
					"runtime": "provided.al2023", "handler": "bootstrap", "architectures": []any{"arm64"},
					"memorySize": float64(cfg.FunctionMemoryMB(fn)), "timeout": float64(cfg.TimeoutSeconds), "reserved": float64(cfg.ReservedConcurrency),
					"tracing": "Active", "logFormat": "JSON",
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", fn, diff)
				}
				name := str(in, "name")
				lg, ok := logGroups["/aws/lambda/"+name]
				if !ok {
					t.Errorf("%s: no log group /aws/lambda/%s", fn, name)
				} else if lg.Inputs["retentionInDays"] != float64(cfg.LogRetentionDays) || str(lg.Inputs, "kmsKeyId") == "" {
					t.Errorf("%s: log group %v", fn, lg.Inputs)
				}
				if str(in, "loggingConfig", "logGroup") != "/aws/lambda/"+name {
					t.Errorf("%s: logs to %q", fn, str(in, "loggingConfig", "logGroup"))
				}
				if str(in, "sourceCodeHash") == "" || str(in, "code") == "" && in["code"] == nil {
					t.Errorf("%s: no code", fn)
				}
				if env, _ := get(in, "environment", "variables").(map[string]any); len(env) == 0 {
					t.Errorf("%s: no environment", fn)
				}
				if vpc := get(in, "vpcConfig"); (vpc != nil) != cfg.VPC {
					t.Errorf("%s: vpcConfig %v with vpc=%v", fn, vpc, cfg.VPC)
				}
			}
		})
	}
}

func TestEncryptionAndPublicAccess(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			keyArn := r.Outputs["kmsKeyArn"].(string)
			key := one(t, r, "aws:kms/key:Key", "security-key")
			if key.Inputs["enableKeyRotation"] != true {
				t.Error("key rotation off")
			}
			enc := one(t, r, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "storage-encryption")
			rule := enc.Inputs["rules"].([]any)[0].(map[string]any)
			if rule["bucketKeyEnabled"] != true || str(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") != "aws:kms" ||
				str(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId") != keyArn {
				t.Errorf("bucket encryption %v", rule)
			}
			pab := one(t, r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "storage-public-access")
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if pab.Inputs[k] != true {
					t.Errorf("public access block %s = %v", k, pab.Inputs[k])
				}
			}
			own := one(t, r, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "storage-ownership")
			if str(own.Inputs, "rule", "objectOwnership") != "BucketOwnerEnforced" {
				t.Errorf("ownership %v", own.Inputs)
			}
			ver := one(t, r, "aws:s3/bucketVersioningV2:BucketVersioningV2", "storage-versioning")
			if str(ver.Inputs, "versioningConfiguration", "status") != "Enabled" {
				t.Errorf("versioning %v", ver.Inputs)
			}
			bp := one(t, r, "aws:s3/bucketPolicy:BucketPolicy", "storage-policy")
			tls := parsePolicy(t, "bucket policy", str(bp.Inputs, "policy")).Statement[0]
			if tls.Effect != "Deny" || get(map[string]any{"c": tls.Condition["Bool"]["aws:SecureTransport"]}, "c") == nil || tls.Condition["Bool"]["aws:SecureTransport"][0] != "false" {
				t.Errorf("TLS statement %+v", tls)
			}
			notif := one(t, r, "aws:s3/bucketNotification:BucketNotification", "storage-notification")
			if notif.Inputs["eventbridge"] != true {
				t.Error("EventBridge notifications off")
			}
			for _, tb := range byType(r, "aws:dynamodb/table:Table") {
				if get(tb.Inputs, "serverSideEncryption", "enabled") != true || str(tb.Inputs, "serverSideEncryption", "kmsKeyArn") != keyArn {
					t.Errorf("%s: SSE %v", tb.Name, tb.Inputs["serverSideEncryption"])
				}
			}
			for _, q := range byType(r, "aws:sqs/queue:Queue") {
				if str(q.Inputs, "kmsMasterKeyId") != keyArn {
					t.Errorf("queue %s: not encrypted with the key (%v)", q.Name, q.Inputs["kmsMasterKeyId"])
				}
			}
			topic := one(t, r, "aws:sns/topic:Topic", "alerts-topic")
			if str(topic.Inputs, "kmsMasterKeyId") != keyArn {
				t.Errorf("topic not encrypted with the key (%v)", topic.Inputs["kmsMasterKeyId"])
			}
		})
	}
}

// TestTLSOnly checks that every queue, topic and bucket policy of the
// stack refuses requests without TLS: a Deny for every principal and every
// action of the service on exactly the policy's resource, conditioned on
// aws:SecureTransport false; and that every queue and topic has a policy.
func TestTLSOnly(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			r := deploy(t, stack)
			type target struct{ typ, ref, service, arn string }
			var targets []target
			for _, q := range byType(r, "aws:sqs/queue:Queue") {
				targets = append(targets, target{"aws:sqs/queuePolicy:QueuePolicy", "queueUrl", "sqs", q.Outputs["url"].(string)})
			}
			for _, tp := range byType(r, "aws:sns/topic:Topic") {
				targets = append(targets, target{"aws:sns/topicPolicy:TopicPolicy", "arn", "sns", tp.Outputs["arn"].(string)})
			}
			for _, b := range byType(r, "aws:s3/bucketV2:BucketV2") {
				targets = append(targets, target{"aws:s3/bucketPolicy:BucketPolicy", "bucket", "s3", b.ID})
			}
			if len(targets) < 5 {
				t.Fatalf("found %d queues, topics and buckets, want at least 5", len(targets))
			}
			for _, tg := range targets {
				var found bool
				for _, p := range byType(r, tg.typ) {
					if str(p.Inputs, tg.ref) != tg.arn {
						continue
					}
					found = true
					doc := parsePolicy(t, p.Name, str(p.Inputs, "policy"))
					ok := false
					for _, st := range doc.Statement {
						if st.Effect == "Deny" && st.Principal != nil && st.Principal.Any && cmp.Equal(st.Action, []string{tg.service + ":*"}) &&
							cmp.Equal(st.Condition, map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}}) && len(st.Resource) > 0 {
							ok = true
						}
					}
					if !ok {
						t.Errorf("%s (%s): no Deny of %s:* without TLS: %+v", p.Name, tg.arn, tg.service, doc)
					}
				}
				if !found {
					t.Errorf("%s has no %s", tg.arn, tg.typ)
				}
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	r := deploy(t, "prod")
	lc := one(t, r, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "storage-lifecycle")
	rules := map[string]map[string]any{}
	for _, x := range lc.Inputs["rules"].([]any) {
		m := x.(map[string]any)
		rules[m["id"].(string)] = m
	}
	orders := rules["archive-incoming-orders"]
	if orders == nil || str(orders, "filter", "prefix") != "incoming/orders/" {
		t.Fatalf("no archive rule for orders: %v", rules)
	}
	tr := orders["transitions"].([]any)
	if got := []any{get(tr[0].(map[string]any), "storageClass"), get(tr[1].(map[string]any), "storageClass"), get(tr[1].(map[string]any), "days")}; !cmp.Equal(got, []any{"STANDARD_IA", "GLACIER", float64(r.Config.IncomingGlacierDays)}) {
		t.Errorf("transitions %v", got)
	}
	for _, id := range []string{"expire-staging", "expire-results", "expire-reports", "expire-quarantine"} {
		if rules[id] == nil || get(rules[id], "expiration", "days") == nil {
			t.Errorf("rule %s missing or without expiration", id)
		}
	}
	if q := rules["expire-quarantine"]; str(q, "filter", "prefix") != "quarantine/" || get(q, "expiration", "days") != float64(r.Config.QuarantineExpireDays) {
		t.Errorf("quarantine rule %v, want quarantine/ expiring after quarantineExpireDays (%d)", q, r.Config.QuarantineExpireDays)
	}
	if get(rules["noncurrent-versions"], "noncurrentVersionExpiration", "noncurrentDays") != float64(r.Config.NoncurrentExpireDays) {
		t.Errorf("noncurrent rule %v", rules["noncurrent-versions"])
	}
}

func TestTables(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			cfg := r.Config
			for _, tb := range byType(r, "aws:dynamodb/table:Table") {
				in := tb.Inputs
				wantBilling := map[string]string{platform.OnDemand: "PAY_PER_REQUEST", platform.Provisioned: "PROVISIONED"}[cfg.CapacityMode]
				if in["billingMode"] != wantBilling {
					t.Errorf("%s billing %v", tb.Name, in["billingMode"])
				}
				if get(in, "pointInTimeRecovery", "enabled") != cfg.PointInTimeRecovery {
					t.Errorf("%s PITR %v", tb.Name, in["pointInTimeRecovery"])
				}
				if (in["streamEnabled"] == true) != cfg.Streams {
					t.Errorf("%s streams %v", tb.Name, in["streamEnabled"])
				}
				if in["deletionProtectionEnabled"] != cfg.DeletionProtection {
					t.Errorf("%s deletion protection %v", tb.Name, in["deletionProtectionEnabled"])
				}
				if get(in, "ttl", "enabled") != true || str(in, "ttl", "attributeName") == "" {
					t.Errorf("%s ttl %v", tb.Name, in["ttl"])
				}
				wantRange := map[string]string{"data-items": "sk", "data-reference": "sk", "data-ledger": ""}[tb.Name]
				if in["hashKey"] != "pk" || str(in, "rangeKey") != wantRange {
					t.Errorf("%s keys %v/%v", tb.Name, in["hashKey"], in["rangeKey"])
				}
			}
		})
	}
}

// substitute replaces the synthetic ARNs and names of the pipeline's
// resources in asl with the deployed ones.
func substitute(t *testing.T, r *offline.Result, synth *workflow.Compiled, asl string) string {
	t.Helper()
	real := map[workflow.ResourceKind]map[string]string{
		workflow.KindFunction: {},
		workflow.KindTable:    {},
		workflow.KindBucket:   {pipeline.BucketData: "arn:aws:s3:::" + r.Outputs["bucketName"].(string)},
		workflow.KindTopic:    {pipeline.TopicAlerts: r.Outputs["alarmTopicArn"].(string)},
		workflow.KindEventBus: {pipeline.BusOutcomes: r.Outputs["outcomeBusArn"].(string)},
		// The batch machine starts the per-file one (a large file).
		workflow.KindStateMachine: {pipeline.MachinePipeline: r.Outputs["stateMachineArn"].(string)},
	}
	for _, f := range byType(r, "aws:lambda/function:Function") {
		real[workflow.KindFunction][strings.TrimPrefix(f.Name, "compute-")] = f.Outputs["arn"].(string)
	}
	for _, tb := range byType(r, "aws:dynamodb/table:Table") {
		real[workflow.KindTable][strings.TrimPrefix(tb.Name, "data-")] = tb.Outputs["arn"].(string)
	}
	var pairs []string
	for _, res := range synth.Resources {
		if res.Name == workflow.Self {
			continue
		}
		to, ok := real[res.Kind][res.Name]
		if !ok {
			t.Fatalf("no deployed %s %s", res.Kind, res.Name)
		}
		pairs = append(pairs, res.ARN, to)
		switch res.Kind {
		case workflow.KindBucket:
			pairs = append(pairs, strings.TrimPrefix(res.ARN, "arn:aws:s3:::"), strings.TrimPrefix(to, "arn:aws:s3:::"))
		case workflow.KindTable:
			pairs = append(pairs, res.ARN[strings.Index(res.ARN, ":table/")+7:], to[strings.Index(to, ":table/")+7:])
		}
	}
	return strings.NewReplacer(pairs...).Replace(asl)
}

func TestDefinitionIsGoldenASL(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			sm := one(t, r, "aws:sfn/stateMachine:StateMachine", "pipeline-machine")
			got := str(sm.Inputs, "definition")
			synth, err := pipeline.Synthetic(stack)
			if err != nil {
				t.Fatal(err)
			}
			synthASL, err := synth.ASL()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(substitute(t, r, synth, string(synthASL)), got); diff != "" {
				t.Errorf("definition differs from pipeline.Synthetic(%q) with ARNs substituted (-want +got):\n%s", stack, diff)
			}
			golden, err := os.ReadFile(filepath.Join("..", "workflow", "pipeline", "testdata", stack+".asl.json"))
			switch {
			case err != nil:
				t.Logf("no golden ASL: %v", err)
			case string(golden) != string(synthASL):
				// The pipeline's own golden test reports this; comparing
				// against a stale file would only repeat it.
				t.Logf("workflow/pipeline/testdata/%s.asl.json is stale (the pipeline's golden test fails); compared with pipeline.Synthetic only", stack)
			default:
				if diff := cmp.Diff(substitute(t, r, synth, string(golden)), got); diff != "" {
					t.Errorf("definition differs from workflow/pipeline/testdata/%s.asl.json with ARNs substituted (-want +got):\n%s", stack, diff)
				}
			}
			if sm.Inputs["type"] != r.Config.StateMachineType || str(sm.Inputs, "loggingConfiguration", "level") != r.Config.StateMachineLogLevel ||
				get(sm.Inputs, "tracingConfiguration", "enabled") != true || !strings.HasSuffix(str(sm.Inputs, "loggingConfiguration", "logDestination"), ":*") {
				t.Errorf("state machine settings %v", sm.Inputs)
			}
		})
	}
}

func TestMachineRoleGrantsExactlyCompiledResources(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "pipeline-policy")
			got := map[string][]string{}
			for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
				for _, res := range s.Resource {
					got[res] = append(got[res], s.Action...)
				}
			}
			sm := one(t, r, "aws:sfn/stateMachine:StateMachine", "pipeline-machine")
			self := sm.Outputs["arn"].(string)
			bucket := "arn:aws:s3:::" + r.Outputs["bucketName"].(string)
			fn := func(n string) string {
				return one(t, r, "aws:lambda/function:Function", "compute-"+n).Outputs["arn"].(string)
			}
			exec := strings.Replace(self, ":stateMachine:", ":execution:", 1)
			for res, acts := range map[string][]string{
				fn("validate"):                      {"lambda:InvokeFunction"},
				fn("load"):                          {"lambda:InvokeFunction"},
				bucket + "/*":                       {"s3:GetObject", "s3:PutObject"},
				self:                                {"states:StartExecution"},
				exec + ":*":                         {"states:DescribeExecution", "states:StopExecution"},
				r.Outputs["alarmTopicArn"].(string): {"sns:Publish"},
				r.Outputs["kmsKeyArn"].(string):     {"kms:Decrypt", "kms:GenerateDataKey"},
			} {
				for _, a := range acts {
					if !slices.Contains(got[res], a) {
						t.Errorf("role lacks %s on %s (has %v)", a, res, got[res])
					}
				}
			}
			for res, acts := range got {
				if res == "*" {
					continue
				}
				if slices.Contains(acts, "dynamodb:PutItem") && !strings.Contains(res, "data-ledger") {
					t.Errorf("machine may write table %s", res)
				}
			}
		})
	}
}

func TestRulesTargetsAndDLQ(t *testing.T) {
	ds := dataset.Builtin().All()
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			bucket := r.Outputs["bucketName"].(string)
			machine := r.Outputs["stateMachineArn"].(string)
			dlq := one(t, r, "aws:sqs/queue:Queue", "events-dlq")
			role := one(t, r, "aws:iam/role:Role", "events-role")
			batchMachine, _ := r.Outputs["batchStateMachineArn"].(string)
			for _, d := range ds {
				if slices.Contains(r.Config.BatchDatasets, d.Name) {
					// A batched dataset: no rule per event, a schedule
					// starting the batch machine on its prefix.
					for _, res := range r.Resources {
						if res.Name == "events-"+d.Name {
							t.Errorf("%s is batched, yet has the per-event rule %s", d.Name, res.Name)
						}
					}
					rule := one(t, r, "aws:cloudwatch/eventRule:EventRule", "events-batch-"+d.Name)
					if got := str(rule.Inputs, "scheduleExpression"); got != r.Config.BatchSchedule || rule.Inputs["eventPattern"] != nil {
						t.Errorf("%s: batch schedule %q, want %q and no pattern", d.Name, got, r.Config.BatchSchedule)
					}
					tgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "events-batch-"+d.Name+"-target")
					if batchMachine == "" || str(tgt.Inputs, "arn") != batchMachine || str(tgt.Inputs, "roleArn") != role.Outputs["arn"] ||
						str(tgt.Inputs, "deadLetterConfig", "arn") != dlq.Outputs["arn"] {
						t.Errorf("%s: batch target %v (batch machine %q)", d.Name, tgt.Inputs, batchMachine)
					}
					var in pipeline.BatchInput
					dec := json.NewDecoder(strings.NewReader(str(tgt.Inputs, "input")))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&in); err != nil || in != (pipeline.BatchInput{Dataset: d.Name, Prefix: d.Prefix}) {
						t.Errorf("%s: batch input %q (%v), want the dataset and its prefix", d.Name, str(tgt.Inputs, "input"), err)
					}
					continue
				}
				rule := one(t, r, "aws:cloudwatch/eventRule:EventRule", "events-"+d.Name)
				var pat map[string]any
				if err := json.Unmarshal([]byte(str(rule.Inputs, "eventPattern")), &pat); err != nil {
					t.Fatalf("%s: pattern: %v", d.Name, err)
				}
				if !cmp.Equal(get(pat, "source"), []any{"aws.s3"}) || !cmp.Equal(get(pat, "detail-type"), []any{"Object Created"}) ||
					!cmp.Equal(get(pat, "detail", "bucket", "name"), []any{bucket}) {
					t.Errorf("%s: pattern %v", d.Name, pat)
				}
				keys, _ := get(pat, "detail", "object", "key").([]any)
				if len(keys) == 0 || !strings.HasPrefix(str(keys[0].(map[string]any), "wildcard"), d.Prefix+"*") {
					t.Errorf("%s: key filter %v", d.Name, keys)
				}
				if get(pat, "detail", "object", "size") == nil {
					t.Errorf("%s: no size filter", d.Name)
				}
				tgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "events-"+d.Name+"-target")
				if str(tgt.Inputs, "arn") != machine || str(tgt.Inputs, "roleArn") != role.Outputs["arn"] ||
					str(tgt.Inputs, "deadLetterConfig", "arn") != dlq.Outputs["arn"] ||
					get(tgt.Inputs, "retryPolicy", "maximumRetryAttempts") != float64(r.Config.EventRetryAttempts) ||
					get(tgt.Inputs, "retryPolicy", "maximumEventAgeInSeconds") != float64(r.Config.EventMaxAgeSeconds) {
					t.Errorf("%s: target %v", d.Name, tgt.Inputs)
				}
				// The transformer's output, with sample values, is a FileEvent.
				tmpl := str(tgt.Inputs, "inputTransformer", "inputTemplate")
				paths, _ := get(tgt.Inputs, "inputTransformer", "inputPaths").(map[string]any)
				sample := map[string]string{"bucket": `"b"`, "key": `"k"`, "versionId": `"v"`, "size": `42`, "etag": `"e"`, "eventTime": `"2026-11-26T00:00:00Z"`}
				for k := range paths {
					tmpl = strings.ReplaceAll(tmpl, "<"+k+">", sample[k])
				}
				var fe contract.FileEvent
				dec := json.NewDecoder(strings.NewReader(tmpl))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&fe); err != nil {
					t.Fatalf("%s: template %s: %v", d.Name, tmpl, err)
				}
				want := contract.FileEvent{Dataset: d.Name, Bucket: "b", Key: "k", VersionID: "v", Size: 42, ETag: "e", EventTime: "2026-11-26T00:00:00Z"}
				if diff := cmp.Diff(want, fe); diff != "" {
					t.Errorf("%s: FileEvent (-want +got):\n%s", d.Name, diff)
				}
			}
			rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "events-policy")
			doc := parsePolicy(t, rp.Name, str(rp.Inputs, "policy"))
			wantStarts := [][]string{{machine}}
			if len(r.Config.BatchDatasets) > 0 {
				wantStarts = append(wantStarts, []string{batchMachine})
			}
			if len(doc.Statement) != len(wantStarts) {
				t.Errorf("events role policy %+v, want %d statements", doc, len(wantStarts))
			}
			for i, st := range doc.Statement {
				if i < len(wantStarts) && (!cmp.Equal(st.Action, []string{"states:StartExecution"}) || !cmp.Equal(st.Resource, wantStarts[i])) {
					t.Errorf("events role policy statement %d %+v, want StartExecution on %v", i, st, wantStarts[i])
				}
			}
			qp := one(t, r, "aws:sqs/queuePolicy:QueuePolicy", "events-dlq-policy")
			qd := parsePolicy(t, qp.Name, str(qp.Inputs, "policy"))
			if n := len(qd.Statement[0].Condition["ArnEquals"]["aws:SourceArn"]); n != len(ds)+1 {
				t.Errorf("DLQ policy allows %d rules, want %d (the datasets' rules and schedules and the unrouted rule)", n, len(ds)+1)
			}
		})
	}
}

// TestRulePatternsPassEventBridgeValidation checks, for every stack, that
// every event pattern the program deploys (the datasets' rules and the
// unrouted rule) is one EventBridge accepts: the same validator that
// agrees with AWS on every case of the event-pattern conformance corpus
// (eventmatch.Compile), and the pattern size quota.
func TestRulePatternsPassEventBridgeValidation(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			n := 0
			for _, res := range r.Resources {
				if res.Type != "aws:cloudwatch/eventRule:EventRule" || res.Inputs["eventPattern"] == nil {
					continue
				}
				n++
				text := str(res.Inputs, "eventPattern")
				if _, err := eventmatch.Compile([]byte(text)); err != nil {
					t.Errorf("rule %s: EventBridge would refuse its pattern: %v\n%s", res.Name, err, text)
				}
				if len(text) > routing.MaxPatternLen {
					t.Errorf("rule %s: pattern of %d characters, over the quota of %d", res.Name, len(text), routing.MaxPatternLen)
				}
			}
			if want := len(dataset.Builtin().All()) - len(r.Config.BatchDatasets) + 2; n != want {
				t.Errorf("%d rules with a pattern, want %d (one per dataset run per event, the unrouted rule and the execution-status rule)", n, want)
			}
		})
	}
}

// TestUnroutedRuleAndQueue checks the rule catching the files no dataset
// accepts: its pattern is routing.Unrouted for the deployed bucket,
// its target the encrypted unrouted queue (the whole event, no role), only
// it may send there, and an alarm and a dashboard widget watch the queue.
func TestUnroutedRuleAndQueue(t *testing.T) {
	ds := dataset.Builtin().All()
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			bucket := r.Outputs["bucketName"].(string)
			rule := one(t, r, "aws:cloudwatch/eventRule:EventRule", "events-unrouted")
			want, err := routing.Unrouted(bucket, ds, contract.InternalPrefixes())
			if err != nil {
				t.Fatal(err)
			}
			wantJSON, err := routing.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got := str(rule.Inputs, "eventPattern"); got != wantJSON {
				t.Errorf("unrouted pattern\n got %s\nwant %s", got, wantJSON)
			}
			queue := one(t, r, "aws:sqs/queue:Queue", "events-unrouted-queue")
			if r.Outputs["unroutedQueueUrl"] != queue.Outputs["url"] {
				t.Errorf("output unroutedQueueUrl %v, queue %v", r.Outputs["unroutedQueueUrl"], queue.Outputs["url"])
			}
			if str(queue.Inputs, "kmsMasterKeyId") != r.Outputs["kmsKeyArn"] || queue.Inputs["messageRetentionSeconds"] != float64(14*86400) {
				t.Errorf("unrouted queue %v", queue.Inputs)
			}
			tgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "events-unrouted-target")
			dlq := one(t, r, "aws:sqs/queue:Queue", "events-dlq")
			if str(tgt.Inputs, "rule") != rule.Outputs["name"] || str(tgt.Inputs, "arn") != queue.Outputs["arn"] ||
				str(tgt.Inputs, "roleArn") != "" || tgt.Inputs["inputTransformer"] != nil || tgt.Inputs["input"] != nil ||
				str(tgt.Inputs, "deadLetterConfig", "arn") != dlq.Outputs["arn"] {
				t.Errorf("unrouted target %v", tgt.Inputs)
			}
			qp := one(t, r, "aws:sqs/queuePolicy:QueuePolicy", "events-unrouted-policy")
			if str(qp.Inputs, "queueUrl") != queue.Outputs["url"] {
				t.Errorf("policy on queue %v", qp.Inputs["queueUrl"])
			}
			doc := parsePolicy(t, qp.Name, str(qp.Inputs, "policy"))
			st := doc.Statement[0]
			if len(doc.Statement) != 2 || st.Effect != "Allow" || st.Principal == nil || !cmp.Equal(st.Principal.Service, []string{"events.amazonaws.com"}) ||
				!cmp.Equal(st.Action, []string{"sqs:SendMessage"}) || !cmp.Equal(st.Resource, []string{queue.Outputs["arn"].(string)}) ||
				!cmp.Equal(st.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {rule.Outputs["arn"].(string)}}}) {
				t.Errorf("unrouted queue policy %+v", doc)
			}
			alarm := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-unrouted-files")
			if str(alarm.Inputs, "namespace") != "AWS/SQS" || str(alarm.Inputs, "metricName") != "ApproximateNumberOfMessagesVisible" ||
				str(alarm.Inputs, "dimensions", "QueueName") != queue.Outputs["name"] || alarm.Inputs["threshold"] != float64(0) ||
				str(alarm.Inputs, "comparisonOperator") != "GreaterThanThreshold" {
				t.Errorf("unrouted alarm %v", alarm.Inputs)
			}
			dash := str(one(t, r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").Inputs, "dashboardBody")
			if !strings.Contains(dash, `"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","`+queue.Outputs["name"].(string)+`"`) ||
				!strings.Contains(dash, alarm.Outputs["arn"].(string)) {
				t.Errorf("dashboard shows neither the unrouted queue nor its alarm: %s", dash)
			}
		})
	}
}

func TestAlarmsAndDashboard(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			topic := r.Outputs["alarmTopicArn"].(string)
			metrics := map[string]int{}
			for _, a := range byType(r, "aws:cloudwatch/metricAlarm:MetricAlarm") {
				metrics[str(a.Inputs, "metricName")]++
				if acts, _ := a.Inputs["alarmActions"].([]any); len(acts) != 1 || acts[0] != topic {
					t.Errorf("%s: actions %v", a.Name, a.Inputs["alarmActions"])
				}
				if a.Inputs["actionsEnabled"] != r.Config.AlarmActions {
					t.Errorf("%s: actionsEnabled %v", a.Name, a.Inputs["actionsEnabled"])
				}
			}
			machines := 1
			if len(r.Config.BatchDatasets) > 0 {
				machines = 2 // the batch machine's executions are watched too
			}
			want := map[string]int{
				"ExecutionsFailed": machines, "ExecutionsTimedOut": machines, "ExecutionsAborted": machines, "ExecutionThrottled": machines,
				"Errors": 5, "Throttles": 5, "Duration": 5, "ApproximateNumberOfMessagesVisible": 3, "UnaccountedFiles": 1, "Invocations": 1,
				"ReadThrottleEvents": 3, "WriteThrottleEvents": 3, "ServiceIntegrationsFailed": 1,
			}
			if r.Config.AuditTrail {
				want["AccessDenied"], want["UnexpectedPrincipal"] = 1, 1
			}
			if diff := cmp.Diff(want, metrics); diff != "" {
				t.Errorf("alarms per metric (-want +got):\n%s", diff)
			}
			dur := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-load-duration")
			if th := dur.Inputs["threshold"]; th != float64(r.Config.TimeoutSeconds*1000*r.Config.DurationAlarmPercent/100) {
				t.Errorf("duration threshold %v", th)
			}
			dash := one(t, r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard")
			var body struct {
				Widgets []struct {
					Type       string
					Properties struct{ Metrics [][]any }
				}
			}
			if err := json.Unmarshal([]byte(str(dash.Inputs, "dashboardBody")), &body); err != nil {
				t.Fatal(err)
			}
			if len(body.Widgets) < 6 || body.Widgets[0].Type != "alarm" {
				t.Errorf("dashboard widgets %+v", body.Widgets)
			}
			if !strings.Contains(r.Outputs["dashboardUrl"].(string), "#dashboards:name=sluice-"+stack) {
				t.Errorf("dashboard URL %v", r.Outputs["dashboardUrl"])
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	r := deploy(t, "dev")
	for _, k := range []string{"bucketName", "tableNames", "functionNames", "stateMachineArn", "dashboardUrl", "dlqUrl", "unroutedQueueUrl", "alarmTopicArn", "kmsKeyArn"} {
		if v, ok := r.Outputs[k]; !ok || v == "" || v == nil {
			t.Errorf("output %s = %v", k, v)
		}
	}
	tables, _ := r.Outputs["tableNames"].(map[string]any)
	if len(tables) != 3 || tables["ledger"] == nil {
		t.Errorf("tableNames %v", tables)
	}
}

// TestZipsAreReproducible builds one function a second time, into another
// directory, and compares it with the build the deployments used (one
// function keeps the test quick; platform/packager tests the packaging of
// every function itself).
func TestZipsAreReproducible(t *testing.T) {
	fn := "validate"
	if _, err := os.Stat(filepath.Join("..", "functions", "cmd", fn, "main.go")); err != nil {
		t.Skipf("functions/cmd/%s not there yet", fn)
	}
	p := packager(t)
	a, err := p.Package(fn)
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&platform.BuildPackager{ModuleRoot: "..", OutDir: t.TempDir()}).Package(fn)
	if err != nil {
		t.Fatal(err)
	}
	if a.SourceCodeHash != b.SourceCodeHash {
		t.Errorf("%s: two builds give %s and %s", fn, a.SourceCodeHash, b.SourceCodeHash)
	}
	if again, _ := p.Package(fn); again != a {
		t.Errorf("%s: BuildPackager did not reuse its build", fn)
	}
	f := one(t, deploy(t, "dev"), "aws:lambda/function:Function", "compute-"+fn)
	if str(f.Inputs, "sourceCodeHash") != a.SourceCodeHash {
		t.Errorf("deployed hash %s, built %s", str(f.Inputs, "sourceCodeHash"), a.SourceCodeHash)
	}
}

// TestReconciler checks the reconciler as deployed: its function's
// settings and environment (the rules are the datasets' deployed rule
// patterns), a role that may list the bucket only outside the pipeline's
// own prefixes, read the ledger only and start the machine only with
// redrive (on in dev, off in prod), the schedule rule from the
// configuration invoking it through a permission naming that rule only,
// and the alarm and dashboard widget on UnaccountedFiles.
func TestReconciler(t *testing.T) {
	ds := dataset.Builtin().All()
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			cfg := r.Config
			bucket := r.Outputs["bucketName"].(string)
			machine := r.Outputs["stateMachineArn"].(string)
			fn := one(t, r, "aws:lambda/function:Function", "reconcile-compute-reconcile")
			in := fn.Inputs
			name := str(in, "name")
			if name != "sluice-"+stack+"-reconcile" || r.Outputs["functionNames"].(map[string]any)["reconcile"] != name {
				t.Errorf("function name %q, outputs %v", name, r.Outputs["functionNames"])
			}
			wantLevel := map[string]string{"dev": "DEBUG", "prod": "INFO"}[stack]
			if in["timeout"] != float64(cfg.ReconcileTimeoutSeconds) || in["reservedConcurrentExecutions"] != 1.0 || in["architectures"].([]any)[0] != "arm64" ||
				str(in, "loggingConfig", "applicationLogLevel") != wantLevel || str(in, "loggingConfig", "logGroup") != "/aws/lambda/"+name ||
				(get(in, "vpcConfig") != nil) != cfg.VPC {
				t.Errorf("function settings %v", in)
			}
			if in["memorySize"] != float64(cfg.FunctionMemoryMB(platform.FunctionReconcile)) || cfg.ReconcileMemoryMB == 0 {
				t.Errorf("memory %v MB, want reconcileMemoryMb %d", in["memorySize"], cfg.ReconcileMemoryMB)
			}
			lg := one(t, r, "aws:cloudwatch/logGroup:LogGroup", "reconcile-compute-reconcile-logs")
			if str(lg.Inputs, "name") != "/aws/lambda/"+name || lg.Inputs["retentionInDays"] != float64(cfg.LogRetentionDays) || str(lg.Inputs, "kmsKeyId") != r.Outputs["kmsKeyArn"] {
				t.Errorf("log group %v", lg.Inputs)
			}

			env, _ := get(in, "environment", "variables").(map[string]any)
			tables := r.Outputs["tableNames"].(map[string]any)
			wantEnv := map[string]any{
				"SLUICE_BUCKET":             bucket,
				"SLUICE_TABLE_LEDGER":       tables["ledger"],
				"SLUICE_RECONCILE_GRACE":    fmt.Sprintf("%dm", cfg.ReconcileGraceMinutes),
				"SLUICE_RECONCILE_LOOKBACK": fmt.Sprintf("%dh", 24*cfg.ReconcileLookbackDays),
				"SLUICE_RECONCILE_REDRIVE":  fmt.Sprint(cfg.ReconcileRedrive),
			}
			if cfg.ReconcileRedrive {
				wantEnv["SLUICE_STATE_MACHINE_ARN"] = machine
			}
			var batchPrefixes []string
			for _, d := range ds {
				if slices.Contains(cfg.BatchDatasets, d.Name) {
					batchPrefixes = append(batchPrefixes, d.Prefix)
				}
			}
			if len(batchPrefixes) > 0 {
				// The batches' files are left to the batches.
				b, _ := json.Marshal(batchPrefixes)
				wantEnv["SLUICE_RECONCILE_BATCH_PREFIXES"] = string(b)
			}
			rules, _ := env["SLUICE_RECONCILE_RULES"].(string)
			delete(env, "SLUICE_RECONCILE_RULES")
			if diff := cmp.Diff(wantEnv, env); diff != "" {
				t.Errorf("environment (-want +got):\n%s", diff)
			}
			var gotRules map[string]any
			if err := json.Unmarshal([]byte(rules), &gotRules); err != nil {
				t.Fatalf("rules %q: %v", rules, err)
			}
			wantRules := map[string]any{}
			for _, d := range ds {
				var p any
				pattern := ""
				if slices.Contains(cfg.BatchDatasets, d.Name) {
					// No rule is deployed; the reconciler skips the
					// prefix before it matches.
					pattern, _ = routing.Marshal(routing.ForDataset(bucket, d))
				} else {
					pattern = str(one(t, r, "aws:cloudwatch/eventRule:EventRule", "events-"+d.Name).Inputs, "eventPattern")
				}
				if err := json.Unmarshal([]byte(pattern), &p); err != nil {
					t.Fatal(err)
				}
				wantRules[d.Name] = p
			}
			if diff := cmp.Diff(wantRules, gotRules); diff != "" {
				t.Errorf("rules are not the deployed patterns (-want +got):\n%s", diff)
			}

			rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "reconcile-compute-reconcile-policy")
			got := map[string]policy.Statement{}
			for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
				got[s.Sid] = s
			}
			bucketArn := "arn:aws:s3:::" + bucket
			ledgerArn := one(t, r, "aws:dynamodb/table:Table", "data-ledger").Outputs["arn"].(string)
			want := map[string]policy.Statement{
				"ListTopLevel": {Sid: "ListTopLevel", Effect: "Allow", Action: []string{"s3:ListBucketVersions"}, Resource: []string{bucketArn},
					Condition: map[string]map[string][]string{"StringEquals": {"s3:prefix": {""}, "s3:delimiter": {"/"}}}},
				"ListOutsideInternalPrefixes": {Sid: "ListOutsideInternalPrefixes", Effect: "Allow", Action: []string{"s3:ListBucketVersions"}, Resource: []string{bucketArn},
					Condition: map[string]map[string][]string{"StringLike": {"s3:prefix": {"*/*"}}, "StringNotLike": {"s3:prefix": {"staging/*", "reports/*", "quarantine/*", "results/*", "processed/*"}}}},
				"ReadLedger":            {Sid: "ReadLedger", Effect: "Allow", Action: []string{"dynamodb:BatchGetItem"}, Resource: []string{ledgerArn}},
				"RecordEndedExecutions": {Sid: "RecordEndedExecutions", Effect: "Allow", Action: []string{"dynamodb:UpdateItem"}, Resource: []string{ledgerArn}},
				"DescribePipelineExecutions": {Sid: "DescribePipelineExecutions", Effect: "Allow", Action: []string{"states:DescribeExecution"},
					Resource: []string{strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":*"}},
				"UseStackKey": {Sid: "UseStackKey", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{r.Outputs["kmsKeyArn"].(string)}},
				"WriteOwnLogs": {Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
					Resource: []string{lg.Outputs["arn"].(string) + ":*"}},
				"Tracing": {Sid: "Tracing", Effect: "Allow", Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: []string{"*"}},
			}
			if cfg.ReconcileRedrive {
				want["StartPipeline"] = policy.Statement{Sid: "StartPipeline", Effect: "Allow", Action: []string{"states:StartExecution"}, Resource: []string{machine}}
			}
			if cfg.VPC {
				want["VpcNetworkInterfaces"] = got["VpcNetworkInterfaces"]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("role policy (-want +got):\n%s", diff)
			}

			rule := one(t, r, "aws:cloudwatch/eventRule:EventRule", "reconcile-schedule")
			if str(rule.Inputs, "scheduleExpression") != cfg.ReconcileSchedule || rule.Inputs["eventPattern"] != nil {
				t.Errorf("schedule rule %v", rule.Inputs)
			}
			dlq := one(t, r, "aws:sqs/queue:Queue", "reconcile-dlq")
			tgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "reconcile-schedule-target")
			if str(tgt.Inputs, "rule") != rule.Outputs["name"] || str(tgt.Inputs, "arn") != fn.Outputs["arn"] || str(tgt.Inputs, "roleArn") != "" ||
				str(tgt.Inputs, "deadLetterConfig", "arn") != dlq.Outputs["arn"] ||
				get(tgt.Inputs, "retryPolicy", "maximumRetryAttempts") != float64(cfg.EventRetryAttempts) ||
				get(tgt.Inputs, "retryPolicy", "maximumEventAgeInSeconds") != float64(cfg.EventMaxAgeSeconds) {
				t.Errorf("schedule target %v", tgt.Inputs)
			}
			if str(dlq.Inputs, "kmsMasterKeyId") != r.Outputs["kmsKeyArn"] || dlq.Inputs["messageRetentionSeconds"] != float64(cfg.DLQRetentionDays*86400) {
				t.Errorf("schedule DLQ %v", dlq.Inputs)
			}
			statusRule := one(t, r, "aws:cloudwatch/eventRule:EventRule", "reconcile-execution-status")
			var pattern map[string]any
			if err := json.Unmarshal([]byte(str(statusRule.Inputs, "eventPattern")), &pattern); err != nil {
				t.Fatal(err)
			}
			wantPattern := map[string]any{"source": []any{"aws.states"}, "detail-type": []any{"Step Functions Execution Status Change"},
				"detail": map[string]any{"stateMachineArn": []any{machine}, "status": []any{"FAILED", "TIMED_OUT", "ABORTED"}}}
			if diff := cmp.Diff(wantPattern, pattern); diff != "" {
				t.Errorf("execution-status rule pattern (-want +got):\n%s", diff)
			}
			stgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "reconcile-execution-status-target")
			if str(stgt.Inputs, "rule") != statusRule.Outputs["name"] || str(stgt.Inputs, "arn") != fn.Outputs["arn"] ||
				str(stgt.Inputs, "deadLetterConfig", "arn") != dlq.Outputs["arn"] {
				t.Errorf("execution-status target %v", stgt.Inputs)
			}
			sperm := one(t, r, "aws:lambda/permission:Permission", "reconcile-execution-status-invoke")
			if str(sperm.Inputs, "sourceArn") != statusRule.Outputs["arn"] || str(sperm.Inputs, "principal") != "events.amazonaws.com" {
				t.Errorf("execution-status permission %v", sperm.Inputs)
			}
			qp := one(t, r, "aws:sqs/queuePolicy:QueuePolicy", "reconcile-dlq-policy")
			if qd := parsePolicy(t, qp.Name, str(qp.Inputs, "policy")); len(qd.Statement) != 2 ||
				!cmp.Equal(qd.Statement[0].Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {rule.Outputs["arn"].(string), statusRule.Outputs["arn"].(string)}}}) ||
				!cmp.Equal(qd.Statement[0].Resource, []string{dlq.Outputs["arn"].(string)}) {
				t.Errorf("schedule DLQ policy %+v", qd)
			}
			dlqAlarm := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-reconcile-dlq-messages")
			if str(dlqAlarm.Inputs, "dimensions", "QueueName") != dlq.Outputs["name"] {
				t.Errorf("schedule DLQ alarm %v", dlqAlarm.Inputs)
			}
			// rate(1 hour): two hours without an invocation.
			idle := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-reconcile-not-running")
			if str(idle.Inputs, "namespace") != "AWS/Lambda" || str(idle.Inputs, "metricName") != "Invocations" || str(idle.Inputs, "dimensions", "FunctionName") != name ||
				idle.Inputs["period"] != 3600.0 || idle.Inputs["evaluationPeriods"] != 2.0 || idle.Inputs["threshold"] != 1.0 ||
				str(idle.Inputs, "comparisonOperator") != "LessThanThreshold" || str(idle.Inputs, "treatMissingData") != "breaching" {
				t.Errorf("not-running alarm %v", idle.Inputs)
			}
			perm := one(t, r, "aws:lambda/permission:Permission", "reconcile-invoke")
			if str(perm.Inputs, "action") != "lambda:InvokeFunction" || str(perm.Inputs, "principal") != "events.amazonaws.com" ||
				str(perm.Inputs, "sourceArn") != rule.Outputs["arn"] || str(perm.Inputs, "function") != name {
				t.Errorf("invoke permission %v", perm.Inputs)
			}

			alarm := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-unaccounted-files")
			if str(alarm.Inputs, "namespace") != "Sluice" || str(alarm.Inputs, "metricName") != "UnaccountedFiles" ||
				str(alarm.Inputs, "dimensions", "Bucket") != bucket || alarm.Inputs["threshold"] != 0.0 ||
				str(alarm.Inputs, "comparisonOperator") != "GreaterThanThreshold" || str(alarm.Inputs, "treatMissingData") != "ignore" ||
				!cmp.Equal(alarm.Inputs["alarmActions"], []any{r.Outputs["alarmTopicArn"]}) {
				t.Errorf("unaccounted-files alarm %v", alarm.Inputs)
			}
			for _, suffix := range []string{"errors", "throttles", "duration"} {
				a := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-reconcile-"+suffix)
				if str(a.Inputs, "dimensions", "FunctionName") != name {
					t.Errorf("%s alarm on %v", suffix, a.Inputs["dimensions"])
				}
			}
			dash := str(one(t, r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").Inputs, "dashboardBody")
			if !strings.Contains(dash, `["Sluice","UnaccountedFiles","Bucket","`+bucket+`"`) || !strings.Contains(dash, alarm.Outputs["arn"].(string)) {
				t.Errorf("dashboard shows neither the reconciler's metric nor its alarm")
			}
		})
	}
}

// TestReconcilerInputIsTheRulesInput: the input a redrive starts the
// machine with (reconcile.FileEventFor) is the one the dataset's rule
// target builds from the same object's S3 event with its input transformer.
func TestReconcilerInputIsTheRulesInput(t *testing.T) {
	r := deploy(t, "dev")
	bucket := r.Outputs["bucketName"].(string)
	f := reconcile.File{Bucket: bucket, Key: "incoming/orders/a \"b\".csv", VersionID: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", Size: 1234,
		ETag: "d41d8cd98f00b204e9800998ecf8427e", LastModified: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	ev := reconcile.S3Event(f)
	tgt := one(t, r, "aws:cloudwatch/eventTarget:EventTarget", "events-orders-target")
	paths, _ := get(tgt.Inputs, "inputTransformer", "inputPaths").(map[string]any)
	tmpl := str(tgt.Inputs, "inputTransformer", "inputTemplate")
	for k, p := range paths {
		// Resolve "$.a.b" in the event and write the value as EventBridge
		// does for a placeholder outside quotes: JSON.
		var v any = ev
		for _, part := range strings.Split(strings.TrimPrefix(p.(string), "$."), ".") {
			v = v.(map[string]any)[part]
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		tmpl = strings.ReplaceAll(tmpl, "<"+k+">", string(b))
	}
	var fromRule, fromReconciler any
	if err := json.Unmarshal([]byte(tmpl), &fromRule); err != nil {
		t.Fatalf("%s: %v", tmpl, err)
	}
	b, err := json.Marshal(reconcile.FileEventFor("orders", f))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromReconciler); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromRule, fromReconciler); diff != "" {
		t.Errorf("execution input (-rule +reconciler):\n%s", diff)
	}
}
