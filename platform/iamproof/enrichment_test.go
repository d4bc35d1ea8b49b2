package iamproof

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// The enrichment secret of the test: in the deployment's account, under a
// customer managed key of that account.
const (
	proofSecret = "arn:aws:secretsmanager:eu-west-1:" + offline.Account + ":secret:sluice/geo-api-AbC123"
	proofKey    = "arn:aws:kms:eu-west-1:" + offline.Account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// TestEnrichmentSecretAllowed proves the enricher's secret grants on prod
// with egress nat and a dataset whose HTTP enrichment sends a Secrets
// Manager secret under a customer managed key: the enricher's
// GetSecretValue (as the SDK call maps to IAM) and the kms:Decrypt Secrets
// Manager makes for it are allowed, and nothing else: not without the
// grant, not for another secret, not for another function; the policy
// entries are in AWS's catalogue.
func TestEnrichmentSecretAllowed(t *testing.T) {
	sim := simulator(t)
	cfg, err := offline.LoadStackFile(filepath.Join("..", "..", "Pulumi.prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg["sluice:egress"] = "nat"
	cfg["sluice:enrichmentSecrets"] = `["geo-api=` + proofSecret + `"]`
	cfg["sluice:enrichmentSecretsKey"] = proofKey
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
	res, err := offline.Run("prod", cfg, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}, Datasets: set, FunctionDatasets: set})
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadOffline(res)
	if err != nil {
		t.Fatal(err)
	}
	get := func(principal, secret string) []awsapi.Call {
		return awsapi.NewCallLog("eu-west-1", offline.Account).Map(principal, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)})
	}
	decisions := func(d *Deployment, calls []awsapi.Call) (map[string]string, *Report) {
		t.Helper()
		rep, err := Prove(context.Background(), d, calls, sim)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range rep.Calls {
			out[c.Principal+" "+c.Action+" "+c.Resource] = c.Decision
		}
		return out, rep
	}

	got, rep := decisions(d, get("enrich", proofSecret))
	want := map[string]string{
		"enrich secretsmanager:GetSecretValue " + proofSecret: Allowed,
		"enrich kms:Decrypt " + proofKey:                      Allowed,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	for _, c := range rep.Catalog {
		if strings.Contains(c.Policy, "enrich") {
			t.Errorf("catalogue: %+v", c)
		}
	}

	denied := func(name string, d *Deployment, calls []awsapi.Call, key string) {
		t.Helper()
		got, _ := decisions(d, calls)
		if v, ok := got[key]; !ok || v == Allowed {
			t.Errorf("%s: %s is %q, want denied (all: %v)", name, key, v, got)
		}
	}
	denied("without the grant", d.WithoutAction("enrich", "secretsmanager:GetSecretValue"), get("enrich", proofSecret),
		"enrich secretsmanager:GetSecretValue "+proofSecret)
	denied("without kms:Decrypt", d.WithoutAction("enrich", "kms:Decrypt"), get("enrich", proofSecret),
		"enrich kms:Decrypt "+proofKey)
	// Another secret of the account (known to the proof, so simulated).
	other := strings.Replace(proofSecret, "geo-api-AbC123", "other-XyZ789", 1)
	withOther := *d
	withOther.names = append([][2]string{{other, other}}, d.names...)
	denied("another secret", &withOther, get("enrich", other), "enrich secretsmanager:GetSecretValue "+other)
	// A call not through Secrets Manager (kms:ViaService differs).
	direct := *d
	direct.SecretKeys = map[string]string{}
	decrypt := []awsapi.Call{{Principal: "enrich", Operation: "KMS.Decrypt", Action: "kms:Decrypt", Resource: proofKey}}
	direct.names = append([][2]string{{proofKey, proofKey}}, d.names...)
	denied("decrypt outside Secrets Manager", &direct, decrypt, "enrich kms:Decrypt "+proofKey)
	denied("another function", d, get("load", proofSecret), "load secretsmanager:GetSecretValue "+proofSecret)
}
