package platform_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/offline"
)

// deployWithReplicas runs the program for a stack file with replica regions
// (and streams, which they need) added to its configuration.
func deployWithReplicas(t *testing.T, stack string, regions ...string) *offline.Result {
	t.Helper()
	cfg, err := offline.LoadStackFile("../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(regions)
	if err != nil {
		t.Fatal(err)
	}
	cfg["sluice:tableReplicaRegions"] = string(b)
	cfg["sluice:tableStreams"] = "true"
	cfg["aws:defaultTags"] = `{"tags":{"cost-centre":"data"}}`
	runMu.Lock()
	defer runMu.Unlock()
	r, err := offline.Run(stack, cfg, platform.Options{Packager: packager(t)})
	if err != nil {
		t.Fatalf("stack %s with replicas %v: %v", stack, regions, err)
	}
	return r
}

// providerOf returns the explicit provider a resource is created through.
func providerOf(t *testing.T, r *offline.Result, res offline.Resource) offline.Resource {
	t.Helper()
	i := strings.LastIndex(res.Provider, "::")
	if i < 0 {
		t.Fatalf("%s %s has no explicit provider", res.Type, res.Name)
	}
	for _, p := range r.Resources {
		if p.URN == res.Provider[:i] {
			return p
		}
	}
	t.Fatalf("%s %s: provider %s not registered", res.Type, res.Name, res.Provider)
	return offline.Resource{}
}

// TestTableReplicas deploys both stacks with two replica regions under
// mocks: the data tables (not the ledger) carry a replica per region with
// that region's KMS key, point-in-time recovery as configured and the
// table's tags, from a NEW_AND_OLD_IMAGES stream; each key is created in
// its region through a provider with the stack's aws:* configuration and
// default tags, and only the account root administers it.
func TestTableReplicas(t *testing.T) {
	regions := []string{"us-east-1", "eu-central-1"}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deployWithReplicas(t, stack, regions...)
			cfg := r.Config
			keyArn := map[string]string{}
			for _, region := range regions {
				key := one(t, r, "aws:kms/key:Key", "data-key-"+region)
				arn, _ := key.Outputs["arn"].(string)
				if !strings.HasPrefix(arn, "arn:aws:kms:"+region+":") {
					t.Errorf("key of %s has ARN %q, not one of its region", region, arn)
				}
				keyArn[region] = arn
				if key.Inputs["enableKeyRotation"] != true || key.Inputs["deletionWindowInDays"] != float64(cfg.KeyDeletionWindowDays) {
					t.Errorf("key of %s: rotation %v window %v", region, key.Inputs["enableKeyRotation"], key.Inputs["deletionWindowInDays"])
				}
				doc := parsePolicy(t, key.Name, str(key.Inputs, "policy"))
				if len(doc.Statement) != 1 || doc.Statement[0].Principal == nil ||
					!slices.Equal(doc.Statement[0].Principal.AWS, []string{"arn:aws:iam::" + offline.Account + ":root"}) {
					t.Errorf("key of %s: policy %+v, want the account root only", region, doc.Statement)
				}
				prov := providerOf(t, r, key)
				if prov.Name != "aws-data-"+region || prov.Inputs["region"] != region {
					t.Errorf("key of %s created through %s in %v", region, prov.Name, prov.Inputs["region"])
				}
				tags, _ := get(prov.Inputs, "defaultTags", "tags").(map[string]any)
				want := map[string]any{"cost-centre": "data"}
				for k, v := range naming.TagMap("sluice", stack, platform.ComponentData) {
					want[k] = v
				}
				if diff := cmp.Diff(want, tags); diff != "" {
					t.Errorf("provider of %s default tags (-want +got):\n%s", region, diff)
				}
				alias := one(t, r, "aws:kms/alias:Alias", "data-alias-"+region)
				if providerOf(t, r, alias).Name != prov.Name {
					t.Errorf("alias of %s not in its region", region)
				}
			}
			for _, tb := range byType(r, "aws:dynamodb/table:Table") {
				in := tb.Inputs
				if in["streamEnabled"] != true || in["streamViewType"] != "NEW_AND_OLD_IMAGES" {
					t.Errorf("%s stream %v %v", tb.Name, in["streamEnabled"], in["streamViewType"])
				}
				if get(in, "ttl", "enabled") != true {
					t.Errorf("%s ttl %v (a global table replicates its TTL)", tb.Name, in["ttl"])
				}
				got, _ := in["replicas"].([]any)
				if tb.Name == "data-ledger" {
					if len(got) != 0 {
						t.Errorf("ledger has replicas %v; its claims must stay in one region", got)
					}
					continue
				}
				var want []any
				for _, region := range regions {
					want = append(want, map[string]any{
						"regionName":          region,
						"kmsKeyArn":           keyArn[region],
						"pointInTimeRecovery": cfg.PointInTimeRecovery,
						"propagateTags":       true,
					})
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s replicas (-want +got):\n%s", tb.Name, diff)
				}
			}
			if n := len(byType(r, "aws:dynamodb/table:Table")); n != len(platform.Tables) {
				t.Errorf("%d tables, want %d (replicas are not tables of their own)", n, len(platform.Tables))
			}
		})
	}
}

// TestNoReplicasByDefault: the stack files have no replica regions, and
// then nothing of them is deployed.
func TestNoReplicasByDefault(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			for _, res := range r.Resources {
				if strings.HasPrefix(res.Name, "aws-data-") || strings.HasPrefix(res.Name, "data-key-") || strings.HasPrefix(res.Name, "data-alias-") {
					t.Errorf("%s %s deployed without replica regions", res.Type, res.Name)
				}
				if res.Type == "aws:dynamodb/table:Table" && res.Inputs["replicas"] != nil {
					t.Errorf("%s has replicas %v", res.Name, res.Inputs["replicas"])
				}
			}
		})
	}
}

// TestReplicaConfigRefused: the program refuses replica regions the stack
// cannot have, naming the key, before anything is registered.
func TestReplicaConfigRefused(t *testing.T) {
	cfg, err := offline.LoadStackFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg["sluice:tableReplicaRegions"] = `["eu-west-1"]` // dev's own region, and dev has no streams
	_, err = offline.Run("dev", cfg, platform.Options{Packager: packager(t)})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"sluice:tableReplicaRegions", "eu-west-1 is the stack's region", "set sluice:tableStreams to true"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
