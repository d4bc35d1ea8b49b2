package cost

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// TestLoadStackAgreesWithPlatform reads each stack both ways: LoadStack
// (no Pulumi, for the CLI) and the Pulumi program's own LoadConfigMap over
// the stack file; the estimate must price what the program deploys.
func TestLoadStackAgreesWithPlatform(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			got, err := LoadStack(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			values, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := platform.LoadConfigMap(offline.Project, stack, values)
			if err != nil {
				t.Fatal(err)
			}
			want := Stack{
				Name: stack, Region: c.Region, MemoryMB: c.MemoryMB, FunctionLogLevel: c.FunctionLogLevel,
				LogRetentionDays: c.LogRetentionDays, StateMachineLogLevel: c.StateMachineLogLevel,
				IncludeExecutionData: c.IncludeExecutionData, MapExecutionType: c.MapExecutionType,
				MapMaxConcurrency: c.MapMaxConcurrency, CapacityMode: c.CapacityMode,
				ReadCapacity: c.ReadCapacity, WriteCapacity: c.WriteCapacity,
				MaxReadCapacity: c.MaxReadCapacity, MaxWriteCapacity: c.MaxWriteCapacity,
				AutoscalingTarget: c.AutoscalingTarget, PointInTimeRecovery: c.PointInTimeRecovery,
				IncomingIADays: c.IncomingIADays, IncomingGlacierDays: c.IncomingGlacierDays,
				StagingExpireDays: c.StagingExpireDays, ResultsExpireDays: c.ResultsExpireDays,
				ReconcileSchedule: c.ReconcileSchedule, ReconcileTimeoutSeconds: c.ReconcileTimeoutSeconds,
				MonthlyBudgetUSD: c.MonthlyBudgetUSD, BudgetAlertPercent: c.BudgetAlertPercent,
				BatchDatasets: c.BatchDatasets, BatchSchedule: c.BatchSchedule, BatchMaxFiles: c.BatchMaxFiles,
				BatchMaxConcurrency: c.BatchMaxConcurrency, BatchExpressMaxKB: c.BatchExpressMaxKB, VPC: c.VPC, Egress: c.Egress,
				AZCount: c.AZCount, TableReplicaRegions: c.TableReplicaRegions,
				EnrichmentSecrets: slices.Sorted(maps.Keys(c.EnrichmentSecrets)),
			}
			want.FunctionMemoryMB = map[string]int{}
			for _, fn := range append(platform.FunctionNames, platform.FunctionReconcile) {
				want.FunctionMemoryMB[fn] = c.FunctionMemoryMB(fn)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("LoadStack vs platform.LoadConfigMap (-platform +cost):\n%s", diff)
			}
			// The machine priced is the one the program deploys.
			opts, err := platform.PipelineOptions(c)
			if err != nil {
				t.Fatal(err)
			}
			_, o, err := Machine(got)
			if err != nil {
				t.Fatal(err)
			}
			if o.MapExecutionType != opts.MapExecutionType && opts.MapExecutionType != "" || o.MaxConcurrency != opts.MaxConcurrency {
				t.Errorf("options: cost %+v, platform %+v", o, opts)
			}
		})
	}
}

// TestEndpointsAgreeWithPlatform runs the Pulumi program under mocks for
// stacks with and without a VPC, egress nat and an enrichment secret, and
// reads the VPC endpoints it creates from its resources: the estimate
// must list exactly those (service, type and zones of each) and price
// each interface endpoint's zone-hours, so an endpoint the platform adds
// and the model does not price fails here.
func TestEndpointsAgreeWithPlatform(t *testing.T) {
	const secretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/geo-api-AbC123"
	// stores calls an external API with the bearer token of secret geo-api.
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "store_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
		Key:    dataset.Key{Partition: "STORE#{store_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: "https://geo.example.com/v1/{postcode}", Auth: &dataset.HTTPAuth{Secret: "geo-api"},
			Copy: map[string]string{"region": "region"}, MissingFlag: "geo_missing",
		}}},
	}
	withStores, err := dataset.NewSet(append(dataset.Builtin().All(), stores)...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stack string
		extra       map[string]string
		set         *dataset.Set
		wantSecrets bool
	}{
		{name: "dev: no VPC", stack: "dev", set: dataset.Builtin()},
		{name: "prod: VPC in 3 zones", stack: "prod", set: dataset.Builtin()},
		{name: "prod: 2 zones, egress nat, an enrichment secret", stack: "prod", set: withStores, wantSecrets: true,
			extra: map[string]string{"sluice:azCount": "2", "sluice:egress": "nat", "sluice:enrichmentSecrets": `["geo-api=` + secretARN + `"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+tt.stack+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			maps.Copy(cfg, tt.extra)
			res, err := offline.Run(tt.stack, cfg, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}, Datasets: tt.set, FunctionDatasets: tt.set})
			if err != nil {
				t.Fatal(err)
			}
			var deployed []Endpoint
			for _, r := range res.Resources {
				if r.Type != "aws:ec2/vpcEndpoint:VpcEndpoint" {
					continue
				}
				name, _ := r.Inputs["serviceName"].(string)
				typ, _ := r.Inputs["vpcEndpointType"].(string)
				ep := Endpoint{Service: name[strings.LastIndex(name, ".")+1:], Type: typ}
				if typ == EndpointInterface {
					subnets, _ := r.Inputs["subnetIds"].([]any)
					ep.Zones = len(subnets)
				}
				deployed = append(deployed, ep)
			}

			// The same configuration, read as sluice cost reads it.
			dir := t.TempDir()
			proj, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			stackFile, err := yaml.Marshal(map[string]any{"config": cfg})
			if err != nil {
				t.Fatal(err)
			}
			for name, b := range map[string][]byte{"Pulumi.yaml": proj, "Pulumi." + tt.stack + ".yaml": stackFile} {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := LoadStack(dir, tt.stack)
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewModel(s, DefaultPrices(), DefaultTimings())
			if err != nil {
				t.Fatal(err)
			}
			m.Datasets = tt.set
			b, err := m.Estimate(Workload{FilesPerDay: 100, RecordsPerFile: 100, Enrich: true})
			if err != nil {
				t.Fatal(err)
			}
			byService := func(a, b Endpoint) int { return strings.Compare(a.Type+a.Service, b.Type+b.Service) }
			slices.SortFunc(deployed, byService)
			got := slices.SortedFunc(slices.Values(b.Facts.Endpoints), byService)
			if diff := cmp.Diff(deployed, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("endpoints (-platform +cost):\n%s", diff)
			}
			if has := slices.ContainsFunc(deployed, func(e Endpoint) bool { return e.Service == SecretsService }); has != tt.wantSecrets {
				t.Errorf("Secrets Manager endpoint deployed: %v, want %v", has, tt.wantSecrets)
			}
			// Each deployed endpoint has its line: an interface endpoint
			// its zone-hours at the endpoint price, a gateway one no charge.
			for _, ep := range deployed {
				item := fmt.Sprintf("%s endpoint %s", strings.ToLower(ep.Type), ep.Service)
				i := slices.IndexFunc(b.Services["vpc"].Lines, func(l Line) bool { return strings.HasPrefix(l.Item, item) })
				if i < 0 {
					t.Errorf("no vpc line prices %s: %+v", item, b.Services["vpc"].Lines)
					continue
				}
				l := b.Services["vpc"].Lines[i]
				if ep.Type == EndpointInterface && (l.Price != PriceEndpointHour || l.Quantity != float64(ep.Zones*HoursPerMonth) || l.USD <= 0) ||
					ep.Type == EndpointGateway && l.USD != 0 {
					t.Errorf("%s: line %+v", item, l)
				}
			}
		})
	}
}
