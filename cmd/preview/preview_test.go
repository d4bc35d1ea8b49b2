package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/platform/iamproof"
	"github.com/sluicehq/sluice/platform/offline"
)

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != exitOK {
		t.Fatalf("preview %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

func previewJSON(t *testing.T, stack string) offline.Document {
	t.Helper()
	var d offline.Document
	if err := json.Unmarshal([]byte(runOK(t, "--stack", stack, "--json", "--no-build")), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestJSONListsThePipeline(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			d := previewJSON(t, stack)
			if d.Stack != stack {
				t.Errorf("stack %q", d.Stack)
			}
			count := map[string]int{}
			byName := map[string]offline.Entry{}
			for _, e := range d.Resources {
				count[e.Type]++
				byName[e.Name] = e
			}
			for typ, min := range map[string]int{
				"aws:s3/bucketV2:BucketV2":               1,
				"aws:dynamodb/table:Table":               3,
				"aws:lambda/function:Function":           4,
				"aws:sfn/stateMachine:StateMachine":      1,
				"aws:cloudwatch/eventRule:EventRule":     4,
				"aws:cloudwatch/eventTarget:EventTarget": 4,
				"aws:sqs/queue:Queue":                    1,
				"aws:kms/key:Key":                        1,
				"aws:cloudwatch/logGroup:LogGroup":       5,
				"aws:cloudwatch/metricAlarm:MetricAlarm": 20,
				"aws:cloudwatch/dashboard:Dashboard":     1,
			} {
				if count[typ] < min {
					t.Errorf("%s: %d, want at least %d", typ, count[typ], min)
				}
			}
			if rec, ok := byName["reconcile-compute-reconcile"]; !ok || rec.Type != "aws:lambda/function:Function" {
				t.Errorf("no reconciler function: %+v", rec)
			}
			roles := map[any]string{}
			for _, fn := range []string{"validate", "transform", "enrich", "load"} {
				f, ok := byName["compute-"+fn]
				if !ok {
					t.Errorf("no function %s", fn)
					continue
				}
				role := f.Properties["role"]
				if prev, dup := roles[role]; dup {
					t.Errorf("%s and %s share role %v", fn, prev, role)
				}
				roles[role] = fn
				if p := byName["compute-"+fn+"-policy"]; len(p.Policies["policy"].Statement) == 0 {
					t.Errorf("%s: role policy statements not listed", fn)
				}
			}
			for _, e := range d.Resources {
				if e.Type != "aws:cloudwatch/eventTarget:EventTarget" {
					continue
				}
				dl, _ := e.Properties["deadLetterConfig"].(map[string]any)
				if dl["arn"] == nil || e.Properties["retryPolicy"] == nil {
					t.Errorf("%s: target without DLQ or retry policy", e.Name)
				}
			}
			for _, k := range []string{"bucketName", "stateMachineArn", "dashboardUrl", "dlqUrl", "alarmTopicArn", "tableNames"} {
				if d.Outputs[k] == nil {
					t.Errorf("output %s missing", k)
				}
			}
		})
	}
}

func TestTableLists(t *testing.T) {
	out := runOK(t, "--stack", "dev", "--no-build")
	for _, want := range []string{"TYPE", "aws:lambda/function:Function", "compute-load", "IAM statements:", "states:StartExecution", "Outputs:", "stateMachineArn"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestDiff(t *testing.T) {
	base := previewJSON(t, "dev")
	// Make the base differ from what the program produces now: drop the
	// dashboard (so it is added), invent a resource (so it is removed) and
	// change the load function's memory.
	var kept []offline.Entry
	for _, e := range base.Resources {
		switch e.Name {
		case "monitoring-dashboard":
			continue
		case "compute-load":
			e.Properties["memorySize"] = float64(128)
		}
		kept = append(kept, e)
	}
	kept = append(kept, offline.Entry{URN: "urn:pulumi:dev::sluice::aws:sqs/queue:Queue::old-queue", Type: "aws:sqs/queue:Queue", Name: "old-queue"})
	base.Resources = kept
	path := filepath.Join(t.TempDir(), "base.json")
	b, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := runOK(t, "--stack", "dev", "--no-build", "--diff", path)
	for _, want := range []string{
		"+ aws:cloudwatch/dashboard:Dashboard monitoring-dashboard",
		"- aws:sqs/queue:Queue old-queue",
		"~ aws:lambda/function:Function compute-load",
		"memorySize: 128 => 512",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "compute-validate") {
		t.Errorf("unchanged resources listed:\n%s", out)
	}
	same := filepath.Join(t.TempDir(), "same.json")
	if err := os.WriteFile(same, []byte(runOK(t, "--stack", "dev", "--json", "--no-build")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runOK(t, "--stack", "dev", "--no-build", "--diff", same); !strings.Contains(out, "0 change(s)") {
		t.Errorf("a run differs from itself:\n%s", out)
	}
}

// TestSAMExport writes the template as a user does and reads it back: the
// whole stack is in it (the reconciler and the VPC of prod too, which the
// hand-written SAM export of old left out), and Code names the zips the
// build writes, relative to the template.
func TestSAMExport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "template.yaml")
	out := runOK(t, "--stack", "prod", "--no-build", "--sam", path)
	if !strings.Contains(out, "wrote "+path+": ") {
		t.Errorf("stdout %q", out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string         `yaml:"Type"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for id, r := range tmpl.Resources {
		count[r.Type]++
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		code, _ := r.Properties["Code"].(string)
		if !strings.HasSuffix(code, "_linux_arm64.zip") || filepath.IsAbs(code) {
			t.Errorf("%s: Code %v, want a relative path to a build/lambda zip", id, r.Properties["Code"])
		}
	}
	// Two state machines: the per-file one and the batch one, because
	// Pulumi.prod.yaml batches the readings dataset (sluice:batchDatasets).
	for typ, want := range map[string]int{"AWS::Lambda::Function": 5, "AWS::StepFunctions::StateMachine": 2, "AWS::EC2::VPC": 1, "AWS::CloudWatch::Dashboard": 1} {
		if count[typ] != want {
			t.Errorf("%d %s, want %d", count[typ], typ, want)
		}
	}
}

func TestUsageAndErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--nope"}, exitUsage, "usage"},
		{"stray argument", []string{"dev"}, exitUsage, "unexpected argument"},
		{"unknown stack file", []string{"--stack", "nosuch"}, exitFailure, "Pulumi.nosuch.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d stderr %q, want %d and %q", code, errb.String(), tt.code, tt.want)
			}
		})
	}
}

// TestIAMJSONContract runs `preview --stack dev --iam --json` as a user
// does: exit 0, every call decided by iam-simulate, all seven principals,
// and unused grants each with a reason.
func TestIAMJSONContract(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamproof.FindSimulator(root); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: a missing tool is a failure)", err)
		}
		t.Skip(err)
	}
	var doc struct {
		Calls []struct {
			Principal, Action, Resource, Decision string
		} `json:"calls"`
		Unused []struct {
			Principal, Action, Reason string
		} `json:"unused"`
	}
	if err := json.Unmarshal([]byte(runOK(t, "--stack", "dev", "--iam", "--json")), &doc); err != nil {
		t.Fatal(err)
	}
	principals := map[string]bool{}
	for _, c := range doc.Calls {
		principals[c.Principal] = true
		if c.Decision != "Allowed" || c.Action == "" || !strings.HasPrefix(c.Resource, "arn:aws:") {
			t.Errorf("call %+v", c)
		}
	}
	for _, p := range []string{"validate", "transform", "enrich", "load", "reconcile", "state-machine", "events"} {
		if !principals[p] {
			t.Errorf("no call of %s", p)
		}
	}
	for _, u := range doc.Unused {
		if u.Reason == "" {
			t.Errorf("unexplained grant %+v", u)
		}
	}
}
