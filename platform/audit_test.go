package platform_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/audit"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
)

// pipelineRoleARNs returns the ARNs of the roles tagged as pipeline roles
// (naming.TagRole): the functions', the reconciler's and the state
// machine's, found by their tag rather than by the program's own list.
func pipelineRoleARNs(r *offline.Result) []string {
	var out []string
	for _, role := range byType(r, "aws:iam/role:Role") {
		if str(role.Inputs, "tags", naming.TagRole) == naming.RolePipeline {
			out = append(out, role.Outputs["arn"].(string))
		}
	}
	slices.Sort(out)
	return out
}

// TestAuditTrailWatchesTheStack checks the prod stack's audit trail as
// deployed under mocks: its selectors name exactly the stack's bucket and
// tables, it delivers to the audit bucket and an encrypted log group
// through its role, the bucket and key policies admit the trail alone,
// the metric filters count denied calls and calls by anyone but the
// pipeline's roles, and the alarms reach the alarm topic and the
// dashboard.
func TestAuditTrailWatchesTheStack(t *testing.T) {
	t.Parallel()
	r := deploy(t, "prod")
	cfg := r.Config
	trail := one(t, r, "aws:cloudtrail/trail:Trail", "audit-trail")
	trailARN := trail.Outputs["arn"].(string)
	if r.Outputs["auditTrailArn"] != trailARN {
		t.Errorf("output auditTrailArn %v, trail %s", r.Outputs["auditTrailArn"], trailARN)
	}

	// Selectors: the pipeline bucket's objects and exactly its tables.
	bucketARN := "arn:aws:s3:::" + r.Outputs["bucketName"].(string)
	var tableARNs []string
	names, _ := r.Outputs["tableNames"].(map[string]any)
	for _, tbl := range byType(r, "aws:dynamodb/table:Table") {
		if slices.Contains(slices.Collect(maps.Values(names)), any(tbl.Outputs["name"])) {
			tableARNs = append(tableARNs, tbl.Outputs["arn"].(string))
		}
	}
	if len(tableARNs) != len(platform.Tables) {
		t.Fatalf("found %d table ARNs, want %d", len(tableARNs), len(platform.Tables))
	}
	slices.Sort(tableARNs)
	b, err := json.Marshal(trail.Inputs["advancedEventSelectors"])
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name           string
		FieldSelectors []struct {
			Field       string
			Equals      []string
			StartsWiths []string
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	type field struct{ Field, Op, Values string }
	flat := map[string][]field{}
	for _, s := range got {
		for _, f := range s.FieldSelectors {
			if len(f.Equals) > 0 {
				flat[s.Name] = append(flat[s.Name], field{f.Field, "Equals", strings.Join(f.Equals, " ")})
			}
			if len(f.StartsWiths) > 0 {
				flat[s.Name] = append(flat[s.Name], field{f.Field, "StartsWith", strings.Join(f.StartsWiths, " ")})
			}
		}
	}
	want := map[string][]field{
		"pipeline bucket objects": {
			{"eventCategory", "Equals", "Data"}, {"resources.type", "Equals", "AWS::S3::Object"}, {"resources.ARN", "StartsWith", bucketARN + "/"},
		},
		"pipeline tables": {
			{"eventCategory", "Equals", "Data"}, {"resources.type", "Equals", "AWS::DynamoDB::Table"}, {"resources.ARN", "Equals", strings.Join(tableARNs, " ")},
		},
	}
	if diff := cmp.Diff(want, flat); diff != "" {
		t.Errorf("trail selectors (-want +got):\n%s", diff)
	}

	// Destinations.
	key := one(t, r, "aws:kms/key:Key", "audit-key")
	keyARN := key.Outputs["arn"].(string)
	bucket := one(t, r, "aws:s3/bucketV2:BucketV2", "audit-bucket")
	logGroup := one(t, r, "aws:cloudwatch/logGroup:LogGroup", "audit-log-group")
	role := one(t, r, "aws:iam/role:Role", "audit-logs-role")
	if str(trail.Inputs, "s3BucketName") != bucket.ID || str(trail.Inputs, "kmsKeyId") != keyARN ||
		str(trail.Inputs, "cloudWatchLogsGroupArn") != logGroup.Outputs["arn"].(string)+":*" ||
		str(trail.Inputs, "cloudWatchLogsRoleArn") != role.Outputs["arn"] ||
		trail.Inputs["enableLogFileValidation"] != true || trail.Inputs["isMultiRegionTrail"] != false {
		t.Errorf("trail inputs %v", trail.Inputs)
	}
	if trailARN != audit.TrailARN(offline.Partition, cfg.Region, offline.Account, str(trail.Inputs, "name")) {
		t.Errorf("trail ARN %s is not the one the policies name", trailARN)
	}
	if str(logGroup.Inputs, "kmsKeyId") != keyARN || logGroup.Inputs["retentionInDays"] != float64(cfg.AuditLogRetentionDays) {
		t.Errorf("log group %v", logGroup.Inputs)
	}
	enc := one(t, r, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "audit-encryption")
	if str(enc.Inputs, "bucket") != bucket.ID || !strings.Contains(must(json.Marshal(enc.Inputs["rules"])), `"kmsMasterKeyId":"`+keyARN+`","sseAlgorithm":"aws:kms"`) {
		t.Errorf("audit bucket encryption %v", enc.Inputs)
	}
	pab := one(t, r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "audit-public-access")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab.Inputs[k] != true || str(pab.Inputs, "bucket") != bucket.ID {
			t.Errorf("audit bucket public access %s: %v", k, pab.Inputs)
		}
	}
	ver := one(t, r, "aws:s3/bucketVersioningV2:BucketVersioningV2", "audit-versioning")
	if str(ver.Inputs, "versioningConfiguration", "status") != "Enabled" {
		t.Errorf("audit bucket versioning %v", ver.Inputs)
	}
	lc := must(json.Marshal(one(t, r, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "audit-lifecycle").Inputs["rules"]))
	days := must(json.Marshal(cfg.AuditArchiveDays))
	if !strings.Contains(lc, `"expiration":{"days":`+days+`}`) || !strings.Contains(lc, `"noncurrentDays":`+days) {
		t.Errorf("audit bucket lifecycle %s", lc)
	}

	// The bucket policy admits the trail alone, over TLS.
	bp := one(t, r, "aws:s3/bucketPolicy:BucketPolicy", "audit-policy")
	if str(bp.Inputs, "bucket") != bucket.ID {
		t.Errorf("bucket policy on %v", bp.Inputs["bucket"])
	}
	wantBP, err := policy.Resolve(audit.BucketPolicy(offline.Account, trailARN), map[string]string{"bucket": bucket.Outputs["arn"].(string)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantBP.Statement, parsePolicy(t, bp.Name, str(bp.Inputs, "policy")).Statement); diff != "" {
		t.Errorf("audit bucket policy (-want +got):\n%s", diff)
	}
	for _, s := range wantBP.Statement {
		if s.Effect == "Allow" && !cmp.Equal(s.Condition["StringEquals"]["aws:SourceArn"], []string{trailARN}) {
			t.Errorf("bucket policy %s: not bound to the trail: %v", s.Sid, s.Condition)
		}
	}

	// The key policy lets CloudTrail encrypt for this trail and CloudWatch
	// Logs for this log group.
	kp := parsePolicy(t, "audit key policy", str(key.Inputs, "policy"))
	bySid := map[string]policy.Statement{}
	for _, s := range kp.Statement {
		bySid[s.Sid] = s
	}
	ct := bySid["CloudTrailEncryptLogs"]
	if !cmp.Equal(ct.Condition, map[string]map[string][]string{
		"StringEquals": {"aws:SourceArn": {trailARN}},
		"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": {"arn:aws:cloudtrail:*:" + offline.Account + ":trail/*"}},
	}) || ct.Principal == nil || !cmp.Equal(ct.Principal.Service, []string{"cloudtrail.amazonaws.com"}) {
		t.Errorf("CloudTrail key statement %+v", ct)
	}
	lg := bySid["CloudWatchLogsEncrypt"]
	if !cmp.Equal(lg.Condition, map[string]map[string][]string{"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": {logGroup.Outputs["arn"].(string)}}}) ||
		lg.Principal == nil || !cmp.Equal(lg.Principal.Service, []string{"logs." + cfg.Region + ".amazonaws.com"}) {
		t.Errorf("CloudWatch Logs key statement %+v", lg)
	}
	for _, s := range kp.Statement {
		if s.Principal != nil && len(s.Principal.Service) > 0 && s.Condition == nil {
			t.Errorf("key policy %s: service principal without condition", s.Sid)
		}
	}

	// The delivery role may write the trail's streams of its log group only.
	rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "audit-logs-role-policy")
	streams := logGroup.Outputs["arn"].(string) + ":log-stream:" + offline.Account + "_CloudTrail_" + cfg.Region + "*"
	for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
		if !cmp.Equal(s.Resource, []string{streams}) {
			t.Errorf("delivery role %s on %v, want %s", s.Sid, s.Resource, streams)
		}
	}
	if trust := parsePolicy(t, role.Name, str(role.Inputs, "assumeRolePolicy")); !cmp.Equal(trust.Statement[0].Principal.Service, []string{"cloudtrail.amazonaws.com"}) {
		t.Errorf("delivery role trust %+v", trust)
	}

	// Metric filters and alarms.
	pipelineRoles := pipelineRoleARNs(r)
	if len(pipelineRoles) != 7 {
		t.Fatalf("%d pipeline roles, want 7 (4 functions, the reconciler, the two machines): %v", len(pipelineRoles), pipelineRoles)
	}
	wantUnexpected, err := audit.UnexpectedPrincipalPattern(append(pipelineRoles, cfg.AuditTrustedRoles...))
	if err != nil {
		t.Fatal(err)
	}
	events := one(t, r, "aws:iam/role:Role", "events-role").Outputs["arn"].(string)
	if strings.Contains(wantUnexpected, events) {
		t.Errorf("the events role, which never touches the bucket or tables, is expected")
	}
	topic := r.Outputs["alarmTopicArn"].(string)
	dash := str(one(t, r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").Inputs, "dashboardBody")
	for _, f := range []struct {
		name, metric, pattern string
		threshold             int
	}{
		{"audit-access-denied", audit.MetricAccessDenied, audit.AccessDeniedPattern, cfg.AuditAccessDeniedThreshold},
		{"audit-unexpected-principal", audit.MetricUnexpectedPrincipal, wantUnexpected, 1},
	} {
		mf := one(t, r, "aws:cloudwatch/logMetricFilter:LogMetricFilter", f.name+"-filter")
		if str(mf.Inputs, "logGroupName") != logGroup.Outputs["name"] || str(mf.Inputs, "pattern") != f.pattern {
			t.Errorf("%s: log group %v pattern\n got %v\nwant %s", mf.Name, mf.Inputs["logGroupName"], mf.Inputs["pattern"], f.pattern)
		}
		ns := str(mf.Inputs, "metricTransformation", "namespace")
		if str(mf.Inputs, "metricTransformation", "name") != f.metric || str(mf.Inputs, "metricTransformation", "value") != "1" || !strings.HasPrefix(ns, "Sluice/") {
			t.Errorf("%s: transformation %v", mf.Name, mf.Inputs["metricTransformation"])
		}
		a := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", f.name)
		if str(a.Inputs, "namespace") != ns || str(a.Inputs, "metricName") != f.metric || a.Inputs["threshold"] != float64(f.threshold) ||
			str(a.Inputs, "comparisonOperator") != "GreaterThanOrEqualToThreshold" || str(a.Inputs, "statistic") != "Sum" {
			t.Errorf("%s: alarm %v", a.Name, a.Inputs)
		}
		if acts, _ := a.Inputs["alarmActions"].([]any); len(acts) != 1 || acts[0] != topic {
			t.Errorf("%s: actions %v, want the alarm topic %s", a.Name, a.Inputs["alarmActions"], topic)
		}
		if !strings.Contains(dash, `"`+a.Outputs["arn"].(string)+`"`) {
			t.Errorf("%s is not on the dashboard", a.Name)
		}
		if !strings.Contains(dash, `["`+ns+`","`+f.metric+`",`) {
			t.Errorf("the dashboard shows no %s %s metric", ns, f.metric)
		}
	}
}

// TestAuditTrailOffInDevTrustsConfiguredRoles checks that dev deploys no
// trail (data events cost per event), and that a stack turning it on with
// auditTrustedRoles expects those roles besides the pipeline's.
func TestAuditTrailOffInDevTrustsConfiguredRoles(t *testing.T) {
	t.Parallel()
	dev := deploy(t, "dev")
	if n := len(byType(dev, "aws:cloudtrail/trail:Trail")) + len(byType(dev, audit.Type)); n != 0 || dev.Outputs["auditTrailArn"] != nil {
		t.Errorf("dev deploys an audit trail (%d resources, output %v)", n, dev.Outputs["auditTrailArn"])
	}
	if dash := str(one(t, dev, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").Inputs, "dashboardBody"); strings.Contains(dash, "audit") {
		t.Errorf("dev's dashboard shows the audit trail it does not have")
	}
	cfg, err := offline.LoadStackFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	uploader := "arn:aws:iam::444455556666:role/partner-uploader"
	cfg["sluice:auditTrail"] = "true"
	cfg["sluice:auditTrustedRoles"] = uploader
	r, err := offline.Run("dev", cfg, platform.Options{Packager: packager(t)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := audit.UnexpectedPrincipalPattern(append(pipelineRoleARNs(r), uploader))
	if err != nil {
		t.Fatal(err)
	}
	mf := one(t, r, "aws:cloudwatch/logMetricFilter:LogMetricFilter", "audit-unexpected-principal-filter")
	if got := str(mf.Inputs, "pattern"); got != want || !strings.Contains(got, uploader) {
		t.Errorf("pattern\n got %s\nwant %s", got, want)
	}
	for _, a := range []string{"audit-access-denied", "audit-unexpected-principal"} {
		if one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", a).Inputs["actionsEnabled"] != false {
			t.Errorf("%s: actions enabled although dev's alarmActions is false", a)
		}
	}
}

func must(b []byte, err error) string {
	if err != nil {
		panic(err)
	}
	return string(b)
}
