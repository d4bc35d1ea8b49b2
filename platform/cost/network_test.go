package cost

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
)

// TestNetwork prices the VPC and data transfer of small cases against a
// hand calculation: the interface endpoints by the zone-hour (gateway
// endpoints free), the NAT gateway's and its Elastic IP's hours whatever
// the traffic, the API calls' bytes processed by the NAT gateway, their
// requests out to the internet, the calls that cross to the NAT gateway's
// zone (charged leaving and entering), and the items sent to replica
// regions.
func TestNetwork(t *testing.T) {
	t.Parallel()
	const (
		F    = 1000 * 730 / 24.0 // files a month
		gib  = 1 << 30
		runs = 730.0 // the reconciler hourly
		// The API calls: 2 a record of 500 records, 3,000 B each, 1,500 of
		// them the request (half, the default).
		calls = F * 500 * 2
	)
	endpointGB := runs * 4096 / gib * 0.01 // the reconciler's Step Functions calls
	nat := 730*0.045 + 730*0.005 + calls*3000/gib*0.045
	internet := calls * 1500 / gib * 0.09
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "store_id", Type: dataset.String, Required: true}},
		Key:    dataset.Key{Partition: "STORE#{store_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: "https://geo.example.com/{store_id}", Auth: &dataset.HTTPAuth{Secret: "geo-api"}, Copy: map[string]string{"region": "region"},
		}}},
	}
	withStores, err := dataset.NewSet(append(dataset.Builtin().All(), stores)...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		vpc      bool
		egress   string
		zones    int
		secrets  []string
		replicas []string
		noCalls  bool
		// wantVPC and wantTransfer are the hand calculations.
		wantVPC, wantTransfer float64
		wantEndpoints         int // interface endpoints
	}{
		{name: "no vpc", egress: "none", zones: 3},
		{name: "vpc in 3 zones, egress none", vpc: true, egress: "none", zones: 3,
			wantVPC: 5*3*730*0.01 + endpointGB, wantEndpoints: 5},
		{name: "egress nat, 2 zones", vpc: true, egress: "nat", zones: 2,
			// Half the functions' calls cross to the gateway's zone and back.
			wantVPC: 5*2*730*0.01 + endpointGB + nat, wantTransfer: internet + 2*calls*0.5*3000/gib*0.01, wantEndpoints: 5},
		{name: "egress nat, 1 zone, a secret", vpc: true, egress: "nat", zones: 1, secrets: []string{"geo-api"},
			// One enrich invocation a file (one chunk), reading the secret once at most.
			wantVPC: 6*1*730*0.01 + endpointGB + F*2048/gib*0.01 + nat, wantTransfer: internet, wantEndpoints: 6},
		{name: "idle NAT gateway", vpc: true, egress: "nat", zones: 1, noCalls: true,
			wantVPC: 5*730*0.01 + endpointGB + 730*0.045 + 730*0.005, wantEndpoints: 5},
		{name: "two replica regions", egress: "none", zones: 2, replicas: []string{"eu-central-1", "us-east-1"},
			// Each item, 200 B + the loader's 300, to both regions.
			wantTransfer: F * 500 * 500 * 2 / gib * 0.02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := model(t, "prod")
			m.Datasets = withStores
			m.Stack.VPC, m.Stack.Egress, m.Stack.AZCount = tt.vpc, tt.egress, tt.zones
			m.Stack.EnrichmentSecrets, m.Stack.TableReplicaRegions = tt.secrets, tt.replicas
			m.Stack.ReconcileSchedule = "rate(1 hour)"
			w := Workload{FilesPerDay: 1000, RecordsPerFile: 500, Enrich: true, APICallsPerRecord: 2, APICallBytes: 3000, Months: 1}
			if tt.noCalls {
				w.APICallsPerRecord = 0
			}
			b, err := m.Estimate(w)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]float64{"vpc": tt.wantVPC, "data_transfer": tt.wantTransfer} {
				got := b.Services[name]
				if want == 0 && got.USD != 0 || want != 0 && !within1(got.USD, want) {
					t.Errorf("%s: $%.4f, hand calculation $%.4f; lines %+v", name, got.USD, want, got.Lines)
				}
			}
			if n := len(slices.DeleteFunc(slices.Clone(b.Facts.Endpoints), func(e Endpoint) bool { return e.Type != EndpointInterface })); n != tt.wantEndpoints {
				t.Errorf("%d interface endpoints in the facts, want %d: %+v", n, tt.wantEndpoints, b.Facts.Endpoints)
			}
		})
	}
}

// TestNetworkWorkloadChecks: API calls need enrichment, and the request
// is part of the call.
func TestNetworkWorkloadChecks(t *testing.T) {
	t.Parallel()
	m := model(t, "prod")
	for _, w := range []Workload{
		{FilesPerDay: 10, RecordsPerFile: 10, APICallsPerRecord: 1},
		{FilesPerDay: 10, RecordsPerFile: 10, Enrich: true, APICallsPerRecord: 1, APICallBytes: 100, APICallOutBytes: 101},
	} {
		if _, err := m.Estimate(w); err == nil {
			t.Errorf("%+v: no error", w)
		}
	}
}

// TestEndpointsRecommendation: when the interface endpoints' hours are
// more than a quarter of the bill, a recommendation says how much and
// what a zone fewer saves (one endpoint-hour of each endpoint an hour);
// a large workload, or no VPC, gets none, and one zone offers no fewer.
func TestEndpointsRecommendation(t *testing.T) {
	t.Parallel()
	small := Workload{FilesPerDay: 100, RecordsPerFile: 100}
	tests := []struct {
		name  string
		vpc   bool
		zones int
		w     Workload
		want  string // "" for no vpc line
	}{
		// 5 endpoints × 3 zones × 730 h × $0.01 = $109.50; a zone fewer
		// saves 5 × 730 × $0.01 = $36.50.
		{"small workload, 3 zones", true, 3, small, "vpc: $109.50 (%d%%) of the bill is 5 interface endpoints × 3 zones, billed by the hour whatever the traffic; " +
			"each zone fewer (pulumi config set sluice:azCount 2) saves $36.50 a month, and spreads the functions over fewer zones"},
		{"small workload, 1 zone", true, 1, small, "vpc: $36.50 (%d%%) of the bill is 5 interface endpoints × 1 zones, billed by the hour whatever the traffic"},
		{"large workload", true, 3, Workload{FilesPerDay: 1000, RecordsPerFile: 10000}, ""},
		{"no vpc", false, 3, small, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := model(t, "prod")
			m.Stack.VPC, m.Stack.AZCount = tt.vpc, tt.zones
			r, err := m.Compare(tt.w)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, l := range r.Recommendations {
				if strings.HasPrefix(l, "vpc: ") {
					got = l
				}
			}
			want := tt.want
			if want != "" {
				want = fmt.Sprintf(want, int(math.Round(100*float64(tt.zones)*5*730*0.01/r.TotalUSD)))
			}
			if got != want {
				t.Errorf("vpc recommendation:\n got %q\nwant %q\n(all: %q)", got, want, r.Recommendations)
			}
		})
	}
}
