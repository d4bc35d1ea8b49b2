package platform

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/internal/golden"
)

func TestProjectFileMatchesKeys(t *testing.T) {
	got, err := ProjectFile("sluice", "Sluice - file-driven data pipelines on AWS serverless")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "../Pulumi.yaml", got)

	// The file must also parse back to the declared types and defaults.
	var f struct {
		Name    string
		Runtime string
		Config  map[string]struct {
			Type        string
			Default     any
			Description string
		}
	}
	if err := yaml.Unmarshal(got, &f); err != nil {
		t.Fatal(err)
	}
	if f.Name != "sluice" || f.Runtime != "go" {
		t.Errorf("name/runtime = %q/%q", f.Name, f.Runtime)
	}
	if len(f.Config) != len(Keys) {
		t.Errorf("%d config declarations, want %d", len(f.Config), len(Keys))
	}
	for _, k := range Keys {
		d, ok := f.Config[k.Name]
		if !ok {
			t.Errorf("key %s not declared", k.Name)
			continue
		}
		wantKind := map[string]string{"integer": "int", "boolean": "bool", "string": "string", "array": "list"}[k.Type]
		if got := kindOf(d.Default); got != wantKind {
			t.Errorf("key %s: default %v is %s, want %s", k.Name, d.Default, got, wantKind)
		}
		if d.Description == "" {
			t.Errorf("key %s has no description", k.Name)
		}
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case int:
		return "int"
	case bool:
		return "bool"
	case string:
		return "string"
	case []any:
		return "list"
	}
	return "other"
}

// TestTableReplicaRegions loads the regions as Pulumi passes an array value
// (JSON), from a stack file's YAML list through ParseStackValues.
func TestTableReplicaRegions(t *testing.T) {
	m, err := ParseStackValues(map[string]any{
		"aws:region":                 "eu-west-1",
		"sluice:tableStreams":        true,
		"sluice:tableReplicaRegions": []any{"eu-central-1", "us-gov-west-1", "ap-southeast-4"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfigMap("sluice", "prod", m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"eu-central-1", "us-gov-west-1", "ap-southeast-4"}, c.TableReplicaRegions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if d := DefaultConfig("sluice", "dev"); d.TableReplicaRegions != nil {
		t.Errorf("default regions %v, want none", d.TableReplicaRegions)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := LoadConfig("sluice", "dev", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.CapacityMode != OnDemand || c.LogRetentionDays != 14 || c.StateMachineType != "STANDARD" || c.ReservedConcurrency != -1 {
		t.Errorf("unexpected defaults %+v", c)
	}
	if diff := cmp.Diff(c, DefaultConfig("sluice", "dev")); diff != "" {
		t.Errorf("DefaultConfig (-load +default):\n%s", diff)
	}
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		wantErr []string
	}{
		{"not an integer", map[string]string{"sluice:memoryMb": "lots"}, []string{"sluice:memoryMb", "not an integer"}},
		{"out of range", map[string]string{"sluice:timeoutSeconds": "901"}, []string{"sluice:timeoutSeconds", "out of range"}},
		{"bad enum", map[string]string{"sluice:capacityMode": "serverless"}, []string{"sluice:capacityMode", "on-demand, provisioned"}},
		{"bad bool", map[string]string{"sluice:vpc": "maybe"}, []string{"sluice:vpc", "not a boolean"}},
		{"bad retention", map[string]string{"sluice:logRetentionDays": "10"}, []string{"sluice:logRetentionDays", "not a CloudWatch Logs retention"}},
		{"bad email", map[string]string{"sluice:alarmEmail": "oncall"}, []string{"sluice:alarmEmail", "e-mail"}},
		{"bad cidr", map[string]string{"sluice:vpcCidr": "10.0.0.0/8"}, []string{"sluice:vpcCidr"}},
		{"glacier too early", map[string]string{"sluice:incomingIaDays": "60", "sluice:incomingGlacierDays": "80"}, []string{"sluice:incomingGlacierDays", "sluice:incomingIaDays"}},
		{"express refused", map[string]string{"sluice:stateMachineType": "EXPRESS"}, []string{"sluice:stateMachineType", "Distributed Map"}},
		{"zero concurrency", map[string]string{"sluice:reservedConcurrency": "0"}, []string{"sluice:reservedConcurrency"}},
		{"max below min", map[string]string{"sluice:capacityMode": "provisioned", "sluice:readCapacity": "20", "sluice:maxReadCapacity": "10"}, []string{"sluice:maxReadCapacity"}},
		{"bad schedule", map[string]string{"sluice:reconcileSchedule": "rate(1 hours)"}, []string{"sluice:reconcileSchedule", "singular"}},
		{"lookback within grace", map[string]string{"sluice:reconcileGraceMinutes": "1440", "sluice:reconcileLookbackDays": "1"}, []string{"sluice:reconcileLookbackDays", "sluice:reconcileGraceMinutes"}},
		{"audit retention", map[string]string{"sluice:auditLogRetentionDays": "42"}, []string{"sluice:auditLogRetentionDays", "not a CloudWatch Logs retention"}},
		{"audit archive zero", map[string]string{"sluice:auditArchiveDays": "0"}, []string{"sluice:auditArchiveDays", "out of range"}},
		{"audit threshold zero", map[string]string{"sluice:auditAccessDeniedThreshold": "0"}, []string{"sluice:auditAccessDeniedThreshold", "out of range"}},
		{"audit trail not a bool", map[string]string{"sluice:auditTrail": "prod"}, []string{"sluice:auditTrail", "not a boolean"}},
		{"trusted role not an ARN", map[string]string{"sluice:auditTrustedRoles": "uploader"}, []string{"sluice:auditTrustedRoles", `item 1 "uploader" is not an IAM role ARN`}},
		{"trusted user not a role", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::123456789012:user/alice"}, []string{"sluice:auditTrustedRoles", "not an IAM role ARN"}},
		{"trusted role short account", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::1234:role/up"}, []string{"sluice:auditTrustedRoles", "not an IAM role ARN"}},
		{"trusted role wildcard", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::123456789012:role/up*"}, []string{"sluice:auditTrustedRoles", "not an IAM role ARN"}},
		{"trusted every role", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::123456789012:role/*"}, []string{"sluice:auditTrustedRoles", "not an IAM role ARN"}},
		{"trusted path with a quote", map[string]string{"sluice:auditTrustedRoles": `arn:aws:iam::123456789012:role/a"b/up`}, []string{"sluice:auditTrustedRoles", "not an IAM role ARN"}},
		{"trusted role twice", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::123456789012:role/up, arn:aws:iam::123456789012:role/up"}, []string{"sluice:auditTrustedRoles", "item 2", "listed twice"}},
		{"trusted role empty item", map[string]string{"sluice:auditTrustedRoles": "arn:aws:iam::123456789012:role/up,"}, []string{"sluice:auditTrustedRoles", `item 2 ""`}},
		{"replicas without streams", map[string]string{"aws:region": "eu-west-1", "sluice:tableReplicaRegions": `["eu-central-1"]`}, []string{"sluice:tableReplicaRegions", "set sluice:tableStreams to true"}},
		{"replica in the stack's region", map[string]string{"aws:region": "eu-west-1", "sluice:tableStreams": "true", "sluice:tableReplicaRegions": `["eu-central-1","eu-west-1"]`}, []string{"sluice:tableReplicaRegions", "eu-west-1 is the stack's region"}},
		{"replicas without a stack region", map[string]string{"sluice:tableStreams": "true", "sluice:tableReplicaRegions": `["eu-central-1"]`}, []string{"sluice:tableReplicaRegions", "set aws:region"}},
		{"replica region misspelt", map[string]string{"aws:region": "eu-west-1", "sluice:tableStreams": "true", "sluice:tableReplicaRegions": `["eu-central-1","Frankfurt"]`}, []string{"sluice:tableReplicaRegions", `item 2 "Frankfurt" is not an AWS region name`}},
		{"replica region zone", map[string]string{"aws:region": "eu-west-1", "sluice:tableStreams": "true", "sluice:tableReplicaRegions": `["eu-central-1a"]`}, []string{"sluice:tableReplicaRegions", "not an AWS region name"}},
		{"replica region twice", map[string]string{"aws:region": "eu-west-1", "sluice:tableStreams": "true", "sluice:tableReplicaRegions": `["us-east-1","us-east-1"]`}, []string{"sluice:tableReplicaRegions", "item 2", "listed twice"}},
		{"replica regions not a list", map[string]string{"aws:region": "eu-west-1", "sluice:tableStreams": "true", "sluice:tableReplicaRegions": "us-east-1"}, []string{"sluice:tableReplicaRegions", "not a list of region names"}},
		{"function memory below Lambda's", map[string]string{"sluice:loadMemoryMb": "64"}, []string{"sluice:loadMemoryMb", "below Lambda's 128"}},
		{"function memory above Lambda's", map[string]string{"sluice:enrichMemoryMb": "20000"}, []string{"sluice:enrichMemoryMb", "out of range"}},
		{"budget without e-mail", map[string]string{"sluice:monthlyBudgetUsd": "100"}, []string{"sluice:monthlyBudgetUsd", "sluice:alarmEmail"}},
		{"unknown key", map[string]string{"sluice:memoryMB": "512"}, []string{"sluice:memoryMB: unknown key"}},
		{"several at once", map[string]string{"sluice:memoryMb": "x", "sluice:vpc": "y"}, []string{"sluice:memoryMb", "sluice:vpc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfigMap("sluice", "dev", tt.set)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestAuditTrustedRolesParse(t *testing.T) {
	c, err := LoadConfigMap("sluice", "prod", map[string]string{
		"sluice:auditTrustedRoles": " arn:aws:iam::123456789012:role/uploader ,arn:aws-us-gov:iam::210987654321:role/team/ingest/batch-writer,arn:aws:iam::123456789012:role/uploaders/*",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"arn:aws:iam::123456789012:role/uploader", "arn:aws-us-gov:iam::210987654321:role/team/ingest/batch-writer", "arn:aws:iam::123456789012:role/uploaders/*"}
	if diff := cmp.Diff(want, c.AuditTrustedRoles); diff != "" {
		t.Errorf("AuditTrustedRoles (-want +got):\n%s", diff)
	}
	if d := DefaultConfig("sluice", "dev"); d.AuditTrail || d.AuditTrustedRoles != nil {
		t.Errorf("the audit trail is on by default (%v, %v): data events are billed per event", d.AuditTrail, d.AuditTrustedRoles)
	}
}

func TestStackFilesDifferSensibly(t *testing.T) {
	load := func(stack string) Config {
		b, err := os.ReadFile("../Pulumi." + stack + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Config map[string]any `yaml:"config"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		m, err := ParseStackValues(f.Config)
		if err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfigMap("sluice", stack, m)
		if err != nil {
			t.Fatalf("Pulumi.%s.yaml: %v", stack, err)
		}
		return c
	}
	dev, prod := load("dev"), load("prod")
	checks := []struct {
		what      string
		dev, prod any
	}{
		{"capacityMode", OnDemand, Provisioned},
		{"deletionProtection", false, true},
		{"vpc", false, true},
		{"alarmActions", false, true},
		{"stateMachineLogLevel", "ALL", "ERROR"},
		{"includeExecutionData", true, false},
		{"reconcileRedrive", true, false},
		{"auditTrail", false, true},
	}
	got := map[string][2]any{
		"capacityMode":         {dev.CapacityMode, prod.CapacityMode},
		"deletionProtection":   {dev.DeletionProtection, prod.DeletionProtection},
		"vpc":                  {dev.VPC, prod.VPC},
		"alarmActions":         {dev.AlarmActions, prod.AlarmActions},
		"stateMachineLogLevel": {dev.StateMachineLogLevel, prod.StateMachineLogLevel},
		"includeExecutionData": {dev.IncludeExecutionData, prod.IncludeExecutionData},
		"auditTrail":           {dev.AuditTrail, prod.AuditTrail},
		"reconcileRedrive":     {dev.ReconcileRedrive, prod.ReconcileRedrive},
	}
	for _, c := range checks {
		if g := got[c.what]; g[0] != c.dev || g[1] != c.prod {
			t.Errorf("%s: dev %v prod %v, want %v and %v", c.what, g[0], g[1], c.dev, c.prod)
		}
	}
	// Per-function memory: prod sizes load below and transform above the
	// rest; a function without its own key takes memoryMb.
	if got := prod.FunctionMemoryMB("load"); got >= prod.MemoryMB {
		t.Errorf("prod load memory %d MB, want below memoryMb %d", got, prod.MemoryMB)
	}
	if got := prod.FunctionMemoryMB("transform"); got <= prod.MemoryMB {
		t.Errorf("prod transform memory %d MB, want above memoryMb %d", got, prod.MemoryMB)
	}
	if got := prod.FunctionMemoryMB("validate"); got != prod.MemoryMB {
		t.Errorf("prod validate memory %d MB, want memoryMb %d", got, prod.MemoryMB)
	}
	if dev.LogRetentionDays >= prod.LogRetentionDays {
		t.Errorf("log retention dev %d >= prod %d", dev.LogRetentionDays, prod.LogRetentionDays)
	}
	if prod.AlarmEmail == "" || dev.AlarmEmail != "" {
		t.Errorf("alarm e-mail dev %q prod %q", dev.AlarmEmail, prod.AlarmEmail)
	}
	if dev.Region == "" || dev.Region != prod.Region {
		t.Errorf("regions dev %q prod %q", dev.Region, prod.Region)
	}
}

func TestDeployDocListsEveryKey(t *testing.T) {
	// The configuration table stands in docs/deploy.md and in the README;
	// both are generated from Keys.
	for _, path := range []string{"../docs/deploy.md", "../README.md"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		const begin, end = "<!-- config:begin -->\n", "<!-- config:end -->"
		doc := string(b)
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s lacks the %q ... %q block", path, begin, end)
		}
		if got, want := doc[i+len(begin):j], ConfigTable(); got != want {
			if golden.Updating() {
				if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("%s config table is stale; run go test ./platform -update (-doc +Keys):\n%s", path, cmp.Diff(got, want))
		}
	}
}
