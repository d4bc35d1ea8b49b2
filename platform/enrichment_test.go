package platform_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
)

const (
	geoSecretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/geo-api-AbC123"
	geoKeyARN    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// storesSet is the built-in datasets plus "stores", whose HTTP enrichment
// calls url with the bearer token of secret geo-api.
func storesSet(t *testing.T, url string) *dataset.Set {
	t.Helper()
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "store_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
		Key:    dataset.Key{Partition: "STORE#{store_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: url, Auth: &dataset.HTTPAuth{Secret: "geo-api"},
			Copy: map[string]string{"region": "region"}, MissingFlag: "geo_missing",
		}}},
	}
	set, err := dataset.NewSet(append(dataset.Builtin().All(), stores)...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// deployEnrichment runs the program for a stack file with the stores
// dataset and the extra configuration.
func deployEnrichment(t *testing.T, stack, url string, extra map[string]string) (*offline.Result, error) {
	t.Helper()
	cfg, err := offline.LoadStackFile("../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		cfg[k] = v
	}
	runMu.Lock()
	defer runMu.Unlock()
	// The functions are built with dataset.Builtin(), without stores: the
	// test says they embed the set it deploys, which the program checks
	// (TestForeignDatasetRefused shows the refusal); the mocks run no
	// function.
	set := storesSet(t, url)
	return offline.Run(stack, cfg, platform.Options{Packager: packager(t), Datasets: set, FunctionDatasets: set})
}

// TestEnrichmentSecretAndEgress deploys both stacks with a dataset calling
// an external API with a Secrets Manager secret under a customer managed
// key, and prod's VPC with egress nat: the enricher (alone) may read
// exactly that secret and decrypt with that key only through Secrets
// Manager for that secret; its environment names the secret's ARN; prod
// gets an internet gateway, a public subnet with a NAT gateway and its
// Elastic IP, a default route of the private subnets through it, and a
// Secrets Manager endpoint; dev (no VPC) gets none of these.
func TestEnrichmentSecretAndEgress(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			extra := map[string]string{
				"sluice:enrichmentSecrets":    `["geo-api=` + geoSecretARN + `"]`,
				"sluice:enrichmentSecretsKey": geoKeyARN,
			}
			if stack == "prod" {
				extra["sluice:egress"] = "nat"
			}
			r, err := deployEnrichment(t, stack, "https://geo.example.com/v1/{postcode}", extra)
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range byType(r, "aws:iam/rolePolicy:RolePolicy") {
				rp := &res
				var secrets []policy.Statement
				for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
					if strings.Contains(strings.Join(s.Action, ","), "secretsmanager") || s.Sid == "DecryptEnrichmentSecrets" {
						secrets = append(secrets, s)
					}
				}
				var want []policy.Statement
				if rp.Name == "compute-enrich-policy" {
					want = []policy.Statement{
						{Sid: "ReadEnrichmentSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{geoSecretARN}},
						{Sid: "DecryptEnrichmentSecrets", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{geoKeyARN},
							Condition: map[string]map[string][]string{"StringEquals": {
								"kms:ViaService": {"secretsmanager.eu-west-1.amazonaws.com"},
							}}},
					}
				}
				if diff := cmp.Diff(want, secrets); diff != "" {
					t.Errorf("%s: secret statements (-want +got):\n%s", rp.Name, diff)
				}
			}
			f := one(t, r, "aws:lambda/function:Function", "compute-enrich")
			if got := str(f.Inputs, "environment", "variables", "SLUICE_ENRICH_SECRETS"); got != `{"geo-api":"`+geoSecretARN+`"}` {
				t.Errorf("SLUICE_ENRICH_SECRETS = %q", got)
			}

			natTypes := []string{"aws:ec2/internetGateway:InternetGateway", "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
				"aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"}
			endpoints := map[string]bool{}
			for _, e := range byType(r, "aws:ec2/vpcEndpoint:VpcEndpoint") {
				endpoints[str(e.Inputs, "serviceName")] = true
			}
			if stack == "dev" {
				for _, typ := range append(natTypes, "aws:ec2/route:Route") {
					if n := len(byType(r, typ)); n != 0 {
						t.Errorf("dev (no VPC) has %d %s", n, typ)
					}
				}
				return
			}
			for _, typ := range natTypes {
				if n := len(byType(r, typ)); n != 1 {
					t.Errorf("%d %s, want 1", n, typ)
				}
			}
			if !endpoints["com.amazonaws.eu-west-1.secretsmanager"] {
				t.Errorf("no Secrets Manager endpoint among %v", endpoints)
			}
			vpcID := one(t, r, "aws:ec2/vpc:Vpc", "security-vpc").ID
			igw := one(t, r, "aws:ec2/internetGateway:InternetGateway", "security-igw")
			attach := one(t, r, "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment", "security-igw-attachment")
			if attach.Inputs["vpcId"] != vpcID || attach.Inputs["internetGatewayId"] != igw.ID {
				t.Errorf("attachment %v", attach.Inputs)
			}
			public := one(t, r, "aws:ec2/subnet:Subnet", "security-public-0")
			if got := str(public.Inputs, "cidrBlock"); got != "10.42.224.0/19" {
				t.Errorf("public subnet %s, want the last slot 10.42.224.0/19", got)
			}
			if got, want := str(public.Inputs, "availabilityZone"), str(one(t, r, "aws:ec2/subnet:Subnet", "security-private-0").Inputs, "availabilityZone"); got != want {
				t.Errorf("public subnet in %s, the first private one in %s", got, want)
			}
			eip := one(t, r, "aws:ec2/eip:Eip", "security-nat-eip")
			nat := one(t, r, "aws:ec2/natGateway:NatGateway", "security-nat")
			if str(eip.Inputs, "domain") != "vpc" || nat.Inputs["subnetId"] != public.ID || nat.Inputs["allocationId"] != eip.ID {
				t.Errorf("NAT %v with EIP %v", nat.Inputs, eip.Inputs)
			}
			routes := map[string]map[string]any{}
			for _, rt := range byType(r, "aws:ec2/route:Route") {
				routes[rt.Name] = rt.Inputs
			}
			priv, pub := routes["security-private-default"], routes["security-public-default"]
			if priv["routeTableId"] != one(t, r, "aws:ec2/routeTable:RouteTable", "security-private-rt").ID ||
				priv["natGatewayId"] != nat.ID || priv["destinationCidrBlock"] != "0.0.0.0/0" {
				t.Errorf("private default route %v", priv)
			}
			if pub["routeTableId"] != one(t, r, "aws:ec2/routeTable:RouteTable", "security-public-rt").ID ||
				pub["gatewayId"] != igw.ID || pub["destinationCidrBlock"] != "0.0.0.0/0" {
				t.Errorf("public default route %v", pub)
			}
			if len(routes) != 2 {
				t.Errorf("routes %v, want the two default routes", routes)
			}
			for _, typ := range append(natTypes, "aws:ec2/route:Route") {
				for _, res := range byType(r, typ) {
					if !strings.Contains(res.Parent, "sluice:security:Security") {
						t.Errorf("%s %s: parent %q, want the security component", typ, res.Name, res.Parent)
					}
				}
			}
		})
	}
}

// TestEnrichmentRefusedDeclarations: the program refuses, naming dataset,
// enrichment and config key, what the deployed enricher could not do.
func TestEnrichmentRefusedDeclarations(t *testing.T) {
	secret := `["geo-api=` + geoSecretARN + `"]`
	tests := []struct {
		name, stack, url string
		extra            map[string]string
		want             []string
	}{
		{"VPC without egress", "prod", "https://geo.example.com/{postcode}", map[string]string{"sluice:enrichmentSecrets": secret},
			[]string{"sluice:vpc", "dataset stores, HTTP enrichment geo", "sluice:egress none", "set it to nat"}},
		{"no secret ARN", "dev", "https://geo.example.com/{postcode}", nil,
			[]string{"sluice:enrichmentSecrets", `secret "geo-api"`, "has no ARN"}},
		{"unused secret", "dev", "https://geo.example.com/{postcode}", map[string]string{"sluice:enrichmentSecrets": `["geo-api=` + geoSecretARN + `", "old=` + strings.Replace(geoSecretARN, "geo-api", "old", 1) + `"]`},
			[]string{`sends secret "old"`}},
		{"local URL", "dev", "http://127.0.0.1:8080/{postcode}", map[string]string{"sluice:enrichmentSecrets": secret},
			[]string{"http://127.0.0.1:8080/{postcode}", "plain http runs only locally"}},
		{"nat without VPC", "dev", "https://geo.example.com/{postcode}", map[string]string{"sluice:enrichmentSecrets": secret, "sluice:egress": "nat"},
			[]string{"sluice:egress", "nat is for functions in a VPC"}},
		{"partial secret ARN", "dev", "https://geo.example.com/{postcode}", map[string]string{"sluice:enrichmentSecrets": `["geo-api=arn:aws:secretsmanager:eu-west-1:123456789012:secret:geo-api"]`},
			[]string{"sluice:enrichmentSecrets", "full ARN"}},
		{"key alias", "dev", "https://geo.example.com/{postcode}", map[string]string{"sluice:enrichmentSecrets": secret, "sluice:enrichmentSecretsKey": "alias/geo"},
			[]string{"sluice:enrichmentSecretsKey", "not a KMS key ARN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := deployEnrichment(t, tt.stack, tt.url, tt.extra)
			if err == nil {
				t.Fatal("the program ran")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
