package cost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/dataset"
)

// The VPC endpoints of a stack with vpc: true, as platform/security
// deploys them (a test checks these lists against the program's
// resources under mocks; this package must not import Pulumi).
var (
	// InterfaceServices are reached through an interface endpoint each,
	// one network interface in every zone (azCount), billed by the hour
	// and the GB (AWS PrivateLink).
	InterfaceServices = []string{"states", "lambda", "logs", "kms", "xray"}
	// GatewayServices are reached through gateway endpoints, which AWS
	// does not charge for.
	GatewayServices = []string{"s3", "dynamodb"}
)

// SecretsService is the interface endpoint a VPC stack adds when an HTTP
// enrichment of its datasets reads a secret of enrichmentSecrets.
const SecretsService = "secretsmanager"

// Endpoint types.
const (
	EndpointInterface = "Interface"
	EndpointGateway   = "Gateway"
)

// Network model constants; docs/cost.md explains each.
const (
	// EndpointBytesPerRun is what one reconciler run sends and receives
	// through the Step Functions endpoint: DescribeExecution and
	// StartExecution for the few files it finds pending. An estimate.
	EndpointBytesPerRun = 4096
	// SecretReadBytes is one GetSecretValue call through the Secrets
	// Manager endpoint, both directions. An estimate.
	SecretReadBytes = 2048
)

// Endpoint is one VPC endpoint the stack deploys.
type Endpoint struct {
	// Service is the endpoint's AWS service ("states", "s3").
	Service string `json:"service"`
	// Type is EndpointInterface or EndpointGateway.
	Type string `json:"type"`
	// Zones is the zones an interface endpoint has a network interface
	// in, each billed by the hour (0 for a gateway endpoint).
	Zones int `json:"zones,omitempty"`
}

// Endpoints returns the VPC endpoints the stack deploys with the datasets
// of set (nil without vpc): the gateway endpoints, then the interface
// endpoints, Secrets Manager's when a dataset's HTTP enrichment reads a
// secret the stack's enrichmentSecrets names.
func (s Stack) Endpoints(set *dataset.Set) []Endpoint {
	if !s.VPC {
		return nil
	}
	var out []Endpoint
	for _, svc := range GatewayServices {
		out = append(out, Endpoint{Service: svc, Type: EndpointGateway})
	}
	services := InterfaceServices
	if len(s.secretsRead(set)) > 0 {
		services = append(slices.Clone(services), SecretsService)
	}
	for _, svc := range services {
		out = append(out, Endpoint{Service: svc, Type: EndpointInterface, Zones: s.AZCount})
	}
	return out
}

// secretsRead returns the secrets of enrichmentSecrets that an HTTP
// enrichment of set reads (platform's enrichSecretARNs).
func (s Stack) secretsRead(set *dataset.Set) []string {
	if set == nil {
		return nil
	}
	var out []string
	for _, d := range set.All() {
		for _, h := range d.Enrichment.HTTP {
			if h.Auth != nil && slices.Contains(s.EnrichmentSecrets, h.Auth.Secret) && !slices.Contains(out, h.Auth.Secret) {
				out = append(out, h.Auth.Secret)
			}
		}
	}
	return out
}

// vpc: with vpc, the endpoints (interface endpoints by the zone-hour and
// the GB they process; gateway endpoints free) and, with egress nat, the
// NAT gateway's hours and its Elastic IP's (billed whether traffic flows
// or not) and the GB it processes: the enricher's external API calls. AWS
// services are reached through the endpoints, not the NAT gateway.
func (e *estimate) vpc() {
	endpoints := e.s.Endpoints(e.m.Datasets)
	e.endpoints = endpoints
	var zoneHours float64
	for _, ep := range endpoints {
		if ep.Type == EndpointGateway {
			e.bill.Services["vpc"].Lines = append(e.bill.Services["vpc"].Lines, Line{
				Item: fmt.Sprintf("gateway endpoint %s (no charge)", ep.Service), Quantity: HoursPerMonth, Unit: "endpoint-hour",
			})
			continue
		}
		hours := float64(ep.Zones * HoursPerMonth)
		zoneHours += hours
		e.add("vpc", fmt.Sprintf("interface endpoint %s: %d zones × %d hours", ep.Service, ep.Zones, HoursPerMonth), hours, "endpoint zone-hour", PriceEndpointHour)
	}
	if zoneHours > 0 {
		// What the functions send through the interface endpoints: the
		// reconciler's Step Functions calls and, with the secrets
		// endpoint, the enricher's secret reads (at most one a secret an
		// invocation: an upper bound, the enricher caches them). Logs,
		// X-Ray and invocations are Lambda's own traffic, not the VPC's.
		bytes := e.runs * EndpointBytesPerRun
		item := "data processed: the reconciler's Step Functions calls"
		if n := len(e.s.secretsRead(e.m.Datasets)); n > 0 && e.w.Enrich {
			bytes += e.enrichInvocations * float64(n) * SecretReadBytes
			item += fmt.Sprintf(", the enricher's reads of %d secret(s), one an invocation at most", n)
		}
		e.add("vpc", item, bytes/GB, "GB", PriceEndpointGB)
	}
	if !e.s.NAT() {
		return
	}
	e.add("vpc", fmt.Sprintf("NAT gateway (egress nat): %d × %d hours", NATGateways, HoursPerMonth), NATGateways*HoursPerMonth, "NAT gateway-hour", PriceNATHour)
	e.add("vpc", "its Elastic IP (a public IPv4 address)", NATGateways*HoursPerMonth, "IPv4 address-hour", PricePublicIPv4Hour)
	e.add("vpc", fmt.Sprintf("NAT data processed: %s API calls a record × %s records a file × %d B a call", num(e.w.APICallsPerRecord), num(e.M), e.w.APICallBytes),
		e.apiCalls()*float64(e.w.APICallBytes)/GB, "GB", PriceNATGB)
}

// apiCalls is the enricher's external API calls a month, retries
// included.
func (e *estimate) apiCalls() float64 { return e.F * e.M * e.w.APICallsPerRecord * (1 + e.r) }

// dataTransfer: what the stack moves out of AWS or across zones and
// regions. With egress nat, the API calls' requests go out to the
// internet (their answers come in free), and the calls of functions in
// the zones without the NAT gateway cross to its zone and back. With
// tableReplicaRegions, every item written is sent to each replica
// region. Everything else stays in one zone's reach of a regional
// service (S3, DynamoDB, Step Functions, Lambda: no transfer charge in
// the region; interface endpoints: AWS does not charge PrivateLink's
// cross-zone traffic).
func (e *estimate) dataTransfer() {
	if e.s.NAT() && e.w.APICallsPerRecord > 0 {
		calls := e.apiCalls()
		e.add("data_transfer", fmt.Sprintf("out to the internet: the API calls' requests, %d B a call", e.w.APICallOutBytes),
			calls*float64(e.w.APICallOutBytes)/GB, "GB", PriceTransferInternetOut)
		if z := e.s.AZCount; z > 1 {
			share := float64(z-1) / float64(z)
			// Charged when it leaves one zone and when it enters the
			// other: twice the bytes that cross.
			e.add("data_transfer", fmt.Sprintf("across zones: %d of %d zones' API calls reach the NAT gateway's zone and back, %d B a call, charged out and in",
				z-1, z, e.w.APICallBytes), 2*calls*share*float64(e.w.APICallBytes)/GB, "GB", PriceTransferInterAZ)
		}
	}
	if n := len(e.s.TableReplicaRegions); n > 0 {
		item := float64(e.w.RecordBytes + ItemOverheadBytes)
		writes := e.F * e.M * (1 + e.r)
		e.add("data_transfer", fmt.Sprintf("across regions: every item written (%s B) to %d replica region(s) (%s)", num(item), n, strings.Join(e.s.TableReplicaRegions, ", ")),
			writes*item*float64(n)/GB, "GB", PriceTransferInterRegion)
	}
}

// endpointsRecommendation is the recommendation line of a bill whose
// interface endpoints' hours are more than a quarter of it ("" if not):
// they are billed whatever the traffic, so a small workload pays mostly
// for them, and each zone fewer saves one network interface of each.
func (b *Bill) endpointsRecommendation(p Prices) string {
	var fixed float64
	for _, l := range b.Services["vpc"].Lines {
		if l.Price == PriceEndpointHour {
			fixed += l.USD
		}
	}
	if fixed <= b.TotalUSD/4 {
		return ""
	}
	n, zones := 0, 0
	for _, ep := range b.Facts.Endpoints {
		if ep.Type == EndpointInterface {
			n, zones = n+1, ep.Zones
		}
	}
	line := fmt.Sprintf("vpc: $%.2f (%.0f%%) of the bill is %d interface endpoints × %d zones, billed by the hour whatever the traffic",
		fixed, 100*fixed/b.TotalUSD, n, zones)
	if zones > 1 {
		line += fmt.Sprintf("; each zone fewer (pulumi config set sluice:azCount %d) saves $%.2f a month, and spreads the functions over fewer zones",
			zones-1, float64(n*HoursPerMonth)*p.USD(PriceEndpointHour))
	}
	return line
}
