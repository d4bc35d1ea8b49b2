package cost

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
)

//go:embed prices-us-east-1.json
var defaultPrices []byte

//go:embed timings.json
var defaultTimings []byte

// Price keys of a prices file: each is the USD price of one unit.
const (
	PriceTransition       = "sfn.standard.transition"
	PriceExpressRequest   = "sfn.express.request"
	PriceExpressGBSecond  = "sfn.express.gbSecond"
	PriceLambdaRequest    = "lambda.request"
	PriceLambdaGBSecond   = "lambda.arm64.gbSecond"
	PriceDynamoWrite      = "dynamodb.ondemand.write"
	PriceDynamoRead       = "dynamodb.ondemand.read"
	PriceDynamoWCUHour    = "dynamodb.provisioned.wcuHour"
	PriceDynamoRCUHour    = "dynamodb.provisioned.rcuHour"
	PriceDynamoStorage    = "dynamodb.storage.gbMonth"
	PriceDynamoPITR       = "dynamodb.pitr.gbMonth"
	PriceS3Standard       = "s3.standard.gbMonth"
	PriceS3StandardIA     = "s3.standardIA.gbMonth"
	PriceS3Glacier        = "s3.glacier.gbMonth"
	PriceS3Put            = "s3.put"
	PriceS3Get            = "s3.get"
	PriceS3ToStandardIA   = "s3.transition.standardIA"
	PriceS3ToGlacier      = "s3.transition.glacier"
	PriceLogsIngest       = "logs.ingest.gb"
	PriceLogsStore        = "logs.store.gbMonth"
	PriceKMSKey           = "kms.key.month"
	PriceKMSRequest       = "kms.request"
	PriceEventBridgeEvent = "eventbridge.event"
	PriceNATHour          = "vpc.natGateway.hour"
	PriceNATGB            = "vpc.natGateway.gb"
	PricePublicIPv4Hour   = "vpc.publicIPv4.hour"
	// PriceEndpointHour is an interface endpoint's hour in one zone;
	// PriceEndpointGB a GB it processes (AWS PrivateLink).
	PriceEndpointHour = "vpc.interfaceEndpoint.hour"
	PriceEndpointGB   = "vpc.interfaceEndpoint.gb"
	// PriceTransferInternetOut is a GB out to the internet;
	// PriceTransferInterAZ a GB leaving or entering a zone for another of
	// the region (charged on both sides); PriceTransferInterRegion a GB
	// sent to another region.
	PriceTransferInternetOut = "transfer.internetOut.gb"
	PriceTransferInterAZ     = "transfer.interAZ.gb"
	PriceTransferInterRegion = "transfer.interRegion.gb"
)

// priceKeys lists every key a prices file must set.
var priceKeys = []string{
	PriceTransition, PriceExpressRequest, PriceExpressGBSecond, PriceLambdaRequest, PriceLambdaGBSecond,
	PriceDynamoWrite, PriceDynamoRead, PriceDynamoWCUHour, PriceDynamoRCUHour, PriceDynamoStorage, PriceDynamoPITR,
	PriceS3Standard, PriceS3StandardIA, PriceS3Glacier, PriceS3Put, PriceS3Get, PriceS3ToStandardIA, PriceS3ToGlacier,
	PriceLogsIngest, PriceLogsStore, PriceKMSKey, PriceKMSRequest, PriceEventBridgeEvent,
	PriceNATHour, PriceNATGB, PricePublicIPv4Hour, PriceEndpointHour, PriceEndpointGB,
	PriceTransferInternetOut, PriceTransferInterAZ, PriceTransferInterRegion,
}

// Prices is a checked prices file: the unit prices of one region on one
// date.
type Prices struct {
	// Region and Checked (YYYY-MM-DD) say where and when the prices hold.
	Region, Checked string
	// Source names the file ("built-in" for the embedded one).
	Source string
	usd    map[string]float64
}

// USD returns the price of key (one of the Price constants).
func (p Prices) USD(key string) float64 { return p.usd[key] }

type pricesFile struct {
	Region  string `json:"region"`
	Checked string `json:"checked"`
	Prices  map[string]struct {
		USD *float64 `json:"usd"`
	} `json:"prices"`
}

// DefaultPrices returns the built-in prices (prices-us-east-1.json).
func DefaultPrices() Prices {
	p, err := ParsePrices(defaultPrices, "built-in")
	if err != nil {
		// The embedded file is checked by a test.
		panic(err)
	}
	return p
}

// LoadPrices reads a prices file in the format of prices-us-east-1.json.
func LoadPrices(file string) (Prices, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return Prices{}, err
	}
	return ParsePrices(b, file)
}

// ParsePrices checks a prices document: every key present, each price a
// finite number not below zero, no key it does not know. name is used in
// errors and as Source.
func ParsePrices(b []byte, name string) (Prices, error) {
	var f pricesFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Prices{}, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	if f.Region == "" {
		errs = append(errs, fmt.Errorf("%s: region: missing", name))
	}
	if len(f.Checked) != len("2006-01-02") {
		errs = append(errs, fmt.Errorf("%s: checked: %q is not a date (YYYY-MM-DD)", name, f.Checked))
	}
	p := Prices{Region: f.Region, Checked: f.Checked, Source: name, usd: map[string]float64{}}
	for _, k := range priceKeys {
		e, ok := f.Prices[k]
		switch {
		case !ok || e.USD == nil:
			errs = append(errs, fmt.Errorf("%s: prices.%s.usd: missing", name, k))
		case math.IsNaN(*e.USD) || math.IsInf(*e.USD, 0) || *e.USD < 0:
			errs = append(errs, fmt.Errorf("%s: prices.%s.usd: %v is not a price", name, k, *e.USD))
		default:
			p.usd[k] = *e.USD
		}
	}
	var unknown []string
	for k := range f.Prices {
		if !slices.Contains(priceKeys, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Errorf("%s: prices.%s: unknown price (known: %s)", name, k, strings.Join(priceKeys, ", ")))
	}
	if len(errs) > 0 {
		return Prices{}, errors.Join(errs...)
	}
	return p, nil
}

// Timing is the measured time of one function: a fixed part per
// invocation and a part per record.
type Timing struct {
	// InvocationMS is the duration of an invocation that handles almost no
	// record, in milliseconds.
	InvocationMS float64 `json:"invocationMs"`
	// RecordUS is the time per record, in microseconds.
	RecordUS float64 `json:"recordUs"`
	// CPUBound is true when the per-record time scales with Lambda's CPU
	// share (memory); false for time spent waiting on other services.
	CPUBound bool `json:"cpuBound"`
	// PeakMemoryMB is the function's peak resident memory in MiB (the
	// unit of Lambda's memory setting) over one invoke of a representative
	// workload, start-up included: scripts/bench.sh's BenchmarkPeakMemory,
	// what Lambda reports as Max Memory Used. 0 when not measured.
	PeakMemoryMB float64 `json:"peakMemoryMb,omitempty"`
}

// Timings are the measured function times (timings.json).
type Timings struct {
	// Measured is the date of the measurement.
	Measured string `json:"measured"`
	// Functions maps a function's logical name to its timing.
	Functions map[string]Timing `json:"functions"`
}

// DefaultTimings returns the built-in timings (timings.json).
func DefaultTimings() Timings {
	t, err := ParseTimings(defaultTimings, "built-in")
	if err != nil {
		panic(err) // the embedded file is checked by a test
	}
	return t
}

// ParseTimings checks a timings document: a timing for every function of
// the pipeline and the reconciler, none negative.
func ParseTimings(b []byte, name string) (Timings, error) {
	var t Timings
	if err := json.Unmarshal(b, &t); err != nil {
		return Timings{}, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	for _, fn := range []string{"validate", "transform", "enrich", "load", "reconcile"} {
		v, ok := t.Functions[fn]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: functions.%s: missing", name, fn))
		case v.InvocationMS < 0 || v.RecordUS < 0:
			errs = append(errs, fmt.Errorf("%s: functions.%s: negative time", name, fn))
		case v.PeakMemoryMB < 0:
			errs = append(errs, fmt.Errorf("%s: functions.%s: negative peakMemoryMb", name, fn))
		}
	}
	return t, errors.Join(errs...)
}
