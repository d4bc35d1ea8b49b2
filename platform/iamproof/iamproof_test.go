package iamproof

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
)

// simulator returns the installed simulator; without it the test is
// skipped, except under CI=true, where a missing tool is a failure.
func simulator(t *testing.T) Simulator {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := FindSimulator(root)
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: a missing tool is a failure)", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

type stackRun struct {
	d     *Deployment
	calls []awsapi.Call
}

var (
	runMu sync.Mutex
	runs  = map[string]stackRun{}
)

// stack runs the program under mocks and the scenario for stack, once
// per test binary.
func stack(t *testing.T, name string) stackRun {
	t.Helper()
	runMu.Lock()
	defer runMu.Unlock()
	if r, ok := runs[name]; ok {
		return r
	}
	cfg, err := offline.LoadStackFile(filepath.Join("..", "..", "Pulumi."+name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := offline.Run(name, cfg, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadOffline(res)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := Record(context.Background(), filepath.Join("..", ".."), name, res.Config.ReconcileRedrive, res.Config.BatchDatasets, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	runs[name] = stackRun{d, calls}
	return runs[name]
}

// TestEveryCallAllowed is the proof for the shipped stacks: every call of
// the full local run is allowed, every grant is used or explained, every
// policy entry is in AWS's catalogue, and every principal made calls.
func TestEveryCallAllowed(t *testing.T) {
	sim := simulator(t)
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			rep, err := Prove(context.Background(), s.d, s.calls, sim)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures() {
				t.Error(f)
			}
			seen := map[string]int{}
			for _, c := range rep.Calls {
				seen[c.Principal]++
			}
			for _, p := range []string{"validate", "transform", "enrich", "load", "reconcile", StateMachine, BatchMachine, Events} {
				if seen[p] == 0 {
					t.Errorf("no call of principal %s was decided", p)
				}
			}
			// The outcome events: the machines (the per-file one and the
			// batch one, which runs the same stages) put them on the
			// stack's outcome bus, the deployed one.
			names, err := local.ResourceNames()
			if err != nil {
				t.Fatal(err)
			}
			bus, ok := s.d.Translate(names.OutcomeBus)
			if !ok {
				t.Fatalf("the local outcome bus %s has no deployed counterpart", names.OutcomeBus)
			}
			puts := map[string]int{}
			for _, c := range rep.Calls {
				if c.Action == "events:PutEvents" {
					puts[c.Principal]++
					if (c.Principal != StateMachine && c.Principal != BatchMachine) || c.Decision != Allowed || c.Resource != bus {
						t.Errorf("PutEvents call %+v, want a machine's, allowed, on the deployed outcome bus", c)
					}
				}
			}
			for _, p := range []string{StateMachine, BatchMachine} {
				if puts[p] == 0 {
					t.Errorf("the scenario's %s put no outcome event", p)
				}
			}
			// The batch hands a large file to the per-file machine: a
			// states:StartExecution of the deployed per-file machine.
			machine, ok := s.d.Translate(names.StateMachine)
			if !ok {
				t.Fatalf("the local state machine %s has no deployed counterpart", names.StateMachine)
			}
			handOffs := 0
			for _, c := range rep.Calls {
				if c.Principal == BatchMachine && c.Action == "states:StartExecution" && c.Resource == machine {
					handOffs++
					if c.Decision != Allowed {
						t.Errorf("hand-off %+v: not allowed", c)
					}
				}
			}
			if handOffs == 0 {
				t.Errorf("the scenario's batch started no execution of the per-file machine %s", machine)
			}
		})
	}
}

// TestRemovingAGrantFails removes one grant at a time from a role and
// expects the proof to deny that principal's calls of the action.
func TestRemovingAGrantFails(t *testing.T) {
	sim := simulator(t)
	s := stack(t, "dev")
	tests := []struct{ principal, action string }{
		{"load", "dynamodb:BatchWriteItem"},
		{"load", "dynamodb:BatchGetItem"},
		{"enrich", "kms:Decrypt"},
		{"validate", "s3:PutObject"},
		{"reconcile", "s3:ListBucketVersions"},
		{StateMachine, "lambda:InvokeFunction"},
		{StateMachine, "sns:Publish"},
		{StateMachine, "events:PutEvents"},
		{StateMachine, "kms:GenerateDataKey"},
		{Events, "states:StartExecution"},
		// The batch hands a large file to the per-file machine.
		{BatchMachine, "states:StartExecution"},
	}
	for _, tt := range tests {
		t.Run(tt.principal+" "+tt.action, func(t *testing.T) {
			// Only this principal's calls, and no catalogue check: the
			// full proof runs in TestEveryCallAllowed.
			var calls []awsapi.Call
			for _, c := range s.calls {
				if c.Principal == tt.principal {
					calls = append(calls, c)
				}
			}
			d := s.d.WithoutAction(tt.principal, tt.action)
			d.Documents = nil
			rep, err := Prove(context.Background(), d, calls, sim)
			if err != nil {
				t.Fatal(err)
			}
			denied := 0
			for _, c := range rep.Calls {
				if c.Principal == tt.principal && c.Action == tt.action && c.Decision != Allowed {
					denied++
				}
			}
			if denied == 0 || len(rep.Failures()) == 0 {
				t.Errorf("without %s, %s: %d calls denied, failures %v", tt.action, tt.principal, denied, rep.Failures())
			}
		})
	}
}

// TestUnexplainedAndUncataloguedGrantsFail adds a grant no call uses and
// an action AWS does not have: both fail the proof.
func TestUnexplainedAndUncataloguedGrantsFail(t *testing.T) {
	sim := simulator(t)
	s := stack(t, "dev")
	d := *s.d
	d.Principals = map[string]*Principal{}
	for k, v := range s.d.Principals {
		d.Principals[k] = v
	}
	load := *s.d.Principals["load"]
	load.Policies = map[string]policy.Document{"extra": {Statement: []policy.Statement{
		policy.Allow("Extra", []string{"dynamodb:DeleteItem", "dynamodb:DeleteItemz"}, []string{"arn:aws:dynamodb:eu-west-1:000000000000:table/x"}),
	}}}
	for k, v := range s.d.Principals["load"].Policies {
		load.Policies[k] = v
	}
	d.Principals["load"] = &load
	d.Documents = append(append([]NamedDocument(nil), s.d.Documents...), NamedDocument{Name: "extra", Kind: "identity", Document: load.Policies["extra"]})
	rep, err := Prove(context.Background(), &d, s.calls, sim)
	if err != nil {
		t.Fatal(err)
	}
	var unexplained, uncatalogued bool
	for _, u := range rep.Unused {
		if u.Principal == "load" && u.Action == "dynamodb:DeleteItem" && u.Reason == "" {
			unexplained = true
		}
	}
	for _, c := range rep.Catalog {
		if c.Action == "dynamodb:DeleteItemz" && strings.Contains(c.Problem, "no such action") {
			uncatalogued = true
		}
	}
	if !unexplained || !uncatalogued {
		t.Errorf("unexplained %v, uncatalogued %v; failures %v", unexplained, uncatalogued, rep.Failures())
	}
}

// TestUnmappedCallFails: an SDK call the recorder cannot map fails.
func TestUnmappedCallFails(t *testing.T) {
	sim := simulator(t)
	s := stack(t, "dev")
	calls := append(append([]awsapi.Call(nil), s.calls...), awsapi.NewCallLog("us-east-1", "000000000000").Map("load", struct{}{})...)
	rep, err := Prove(context.Background(), s.d, calls, sim)
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failures(); len(f) != 1 || !strings.Contains(f[0], "no IAM mapping") {
		t.Errorf("failures %v", f)
	}
}

func TestTranslate(t *testing.T) {
	s := stack(t, "dev")
	tests := []struct{ local, want string }{
		{"arn:aws:s3:::sluice-local-data-000000000000/incoming/orders/a.csv", "arn:aws:s3:::storage-bucket-f4026db/incoming/orders/a.csv"},
		{"arn:aws:dynamodb:us-east-1:000000000000:table/sluice-local-items", "arn:aws:dynamodb:eu-west-1:000000000000:table/data-items-1ddbd2b"},
		{"arn:aws:lambda:us-east-1:000000000000:function:sluice-local-load", "arn:aws:lambda:eu-west-1:000000000000:function:sluice-dev-load"},
		{"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline/Load:1:2", "arn:aws:states:eu-west-1:000000000000:execution:sluice-dev-pipeline/Load:1:2"},
	}
	for _, tt := range tests {
		got, ok := s.d.Translate(tt.local)
		if !ok || got != tt.want {
			t.Errorf("Translate(%s) = %s, %v; want %s", tt.local, got, ok, tt.want)
		}
	}
	if _, ok := s.d.Translate("arn:aws:s3:::sluice-local-data-000000000000x/k"); ok {
		t.Error("a bucket whose name only starts with the local one was translated")
	}
}
