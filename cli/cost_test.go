package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCostProdScenario is the second documented scenario (docs/cost.md)
// and the issue's must-show: `sluice cost --stack prod --files-per-day 1000
// --records-per-file 10000 --json` through the CLI, its figures matched
// within 1% against a hand calculation from Pulumi.prod.yaml (over
// Pulumi.yaml's defaults), the prices file and timings.json. The CLI's
// defaults apply: 200-byte records, a 1% retry rate, month 12.
func TestCostProdScenario(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "", "cost", "--stack", "prod", "--files-per-day", "1000", "--records-per-file", "10000", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		TotalUSD *float64 `json:"total_usd"`
		Services map[string]struct {
			USD   *float64 `json:"usd"`
			Lines []struct {
				Price string  `json:"price"`
				USD   float64 `json:"usd"`
			} `json:"lines"`
		} `json:"services"`
		Comparisons     []json.RawMessage `json:"comparisons"`
		Recommendations []string          `json:"recommendations"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got.TotalUSD == nil || *got.TotalUSD <= 0 {
		t.Fatalf("total_usd %v: want a positive number", got.TotalUSD)
	}

	const (
		F    = 1000 * 730 / 24.0 // files a month: 30,416.67
		gib  = 1 << 30
		runs = 730                 // rate(1 hour)
		H    = 12 * 730 / 24.0     // month 12: 365 days of data
		r    = 0.01                // retry rate
		cpu  = 1769 / 1024.0       // CPU-bound times at 1,024 MB
		day  = 1000 * 10000 * 200. // bytes of incoming files a day
	)
	// Step Functions: 10,000 records are 2 chunks of 5,000, beyond the
	// inline bound of 1: Versioned, Lease, Claim, Validate, Transform,
	// Route, LoadChunks, SummarizeChunks, Record, PublishLoaded, Loaded (5
	// of them tasks), plus 2 STANDARD chunk executions of ChunkRoute,
	// LoadChunk (1 task); 1% of task attempts retried: 11.05 + 2 × 2.01 =
	// 15.07 a file.
	sfn := F * (11 + r*5 + 2*(2+r*1)) * 0.000025 // 458,379 × $0.000025 = $11.46
	// Lambda: validate at memoryMb 1,024 (1 GB), transform at
	// transformMemoryMb 1,769 (a full vCPU: its per-record time is not
	// stretched), load at loadMemoryMb 512, the reconciler at 256.
	gbs := F*(1+r)*(3+10000*0.035*cpu)/1000 + // validate: 607.6 ms × 1 GB → 18,667 GB-s
		F*(1+r)*(16+10000*0.008)/1000*1769/1024 + // transform: 96 ms × 1.7275 GB → 5,095 GB-s
		F*2*(1+r)*(111+5000*0.488)/1000*0.5 + // load, a chunk each: 2,551 ms × 0.5 GB → 78,369 GB-s
		runs*0.5*0.25 // reconcile: 91.25 GB-s
	lambda := gbs*0.0000133334 + (F*(1+1+2)*(1+r)+runs)*0.0000002 // 102,222 GB-s = $1.363, + 123,613 requests × $0.0000002
	// DynamoDB provisioned (autoscaling target 70%): item writes
	// F × 10,000 × 1.01 a month = 116.9 a second / 0.7 → 167 WCU on the
	// orders table, the ledger's 0.02 a second → its 25 minimum; reads the
	// same, 167 RCU plus the ledger's 10 minimum. 12 months of 600-byte
	// items (500 + 100 of index) and ledger items, with PITR.
	stored := (F*12*10000*600 + F*12*600) / gib            // 2,039.8 GB
	wcu, rcu := (167+25)*730*0.00065, (167+10)*730*0.00013 // $91.10, $16.80
	dynamo := wcu + rcu + stored*0.25 + stored*0.20
	// S3: PUT upload, 2 chunks, manifest, 2 Map result objects = 6; GET
	// validate, transform, 2 chunks, the manifest = 5; LIST of the top
	// level and 365,000 incoming files (staged chunks are under the
	// pipeline's own prefix, which the reconciler skips) = 1 + 365 pages ×
	// 730 runs;
	// STANDARD 30 days of files + 7 of chunks, STANDARD_IA days 30-180,
	// GLACIER days 180-365; one transition each a file.
	s3 := F*6*0.000005 + F*5*0.0000004 + 366*runs*0.000005 +
		(day*30+day*7)/gib*0.023 + day*150/gib*0.0125 + day*(H-180)/gib*0.0036 +
		F*0.00001 + F*0.00003
	// CloudWatch Logs: INFO functions (350 + 600 B an invocation),
	// executions at ERROR (nothing on this path); 90 days kept.
	ingest := (F*4*(1+r) + runs) * 950 / gib
	logs := ingest*0.5 + ingest*90/(730/24.0)*0.03
	// KMS: the key; 1% of 11 S3 object requests a file; 2 tables × 12 an hour.
	kms := 1 + (F*11*0.01+2*12*730)*0.000003
	// EventBridge: one outcome event a file (a custom event); the S3 and
	// Step Functions events are free.
	events := F * 0.000001 // $0.03
	// VPC: prod's functions run in 3 zones; 5 interface endpoints (states,
	// lambda, logs, kms, xray) × 3 zones × 730 hours at $0.01, and the
	// reconciler's 4 KB of Step Functions calls a run through them; the
	// S3 and DynamoDB gateway endpoints are free. No NAT gateway, no
	// replicas: no data transfer.
	vpc := 5*3*730*0.01 + runs*4096/gib*0.01 // $109.50
	want := map[string]float64{"stepfunctions": sfn, "lambda": lambda, "dynamodb": dynamo, "s3": s3, "cloudwatch_logs": logs, "kms": kms, "eventbridge": events, "vpc": vpc}
	total := sfn + lambda + dynamo + s3 + logs + kms + events + vpc // ≈ $1,159
	for name, w := range want {
		sv, ok := got.Services[name]
		if !ok || sv.USD == nil {
			t.Errorf("services.%s: missing", name)
			continue
		}
		if math.Abs(*sv.USD-w) > 0.01*w {
			t.Errorf("services.%s: $%.4f, hand calculation $%.4f", name, *sv.USD, w)
		}
	}
	// The small lines, which the services' 1% would hide.
	byPrice := map[string]float64{}
	for _, sv := range got.Services {
		for _, l := range sv.Lines {
			byPrice[l.Price] += l.USD
		}
	}
	for price, w := range map[string]float64{
		"dynamodb.provisioned.wcuHour": wcu, "dynamodb.provisioned.rcuHour": rcu,
		"lambda.arm64.gbSecond": gbs * 0.0000133334, "sfn.standard.transition": sfn,
		"s3.glacier.gbMonth": day * (H - 180) / gib * 0.0036, "logs.ingest.gb": ingest * 0.5,
		"vpc.interfaceEndpoint.hour": 5 * 3 * 730 * 0.01,
	} {
		if math.Abs(byPrice[price]-w) > 0.01*w {
			t.Errorf("%s lines: $%.4f, hand calculation $%.4f", price, byPrice[price], w)
		}
	}
	if math.Abs(*got.TotalUSD-total) > 0.01*total {
		t.Errorf("total_usd: $%.2f, hand calculation $%.2f", *got.TotalUSD, total)
	}
	if len(got.Comparisons) != 5 || len(got.Recommendations) == 0 {
		t.Errorf("%d comparisons, %d recommendations: want 5 and at least 1", len(got.Comparisons), len(got.Recommendations))
	}
}

func TestCostText(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "", "cost", "--stack", "dev", "--files-per-day", "50", "--records-per-file", "200", "--enrich")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"sluice cost: stack dev, 50 files a day of 200 records × 200 B, month 12 of operation\n",
		"\nStep Functions ", "\nDynamoDB ", "\ntotal ",
		"state transitions: 12 states a file (Versioned, Lease, Claim, Validate, Transform, Route, Enrich, Load, SummarizeChunk, Record, PublishLoaded, Loaded)",
		"\ncomparisons (the whole bill, USD/month; * the stack's setting)\n",
		"  batch vs per file\n", "  Standard vs Express\n", "  DynamoDB capacity mode\n", "  chunk size\n",
		"\nrecommendation\n  - ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCostUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prices.json"), []byte(`{"region":"x","checked":"2026-01-01","prices":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"cost", "--stack", "prod", "--files-per-day", "10", "--records-per-file", "10"}
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"no stack", []string{"cost", "--files-per-day", "1", "--records-per-file", "1"}, "--stack is required"},
		{"unknown stack", []string{"cost", "--stack", "staging", "--files-per-day", "1", "--records-per-file", "1"}, `unknown --stack "staging"`},
		{"no files", []string{"cost", "--stack", "prod", "--records-per-file", "1"}, "--files-per-day must be a positive number"},
		{"not a number", []string{"cost", "--stack", "prod", "--files-per-day", "many", "--records-per-file", "1"}, `invalid argument "many" for "--files-per-day"`},
		{"zero records", []string{"cost", "--stack", "prod", "--files-per-day", "1", "--records-per-file", "0"}, "--records-per-file must be a positive number"},
		{"negative bytes", append(base, "--record-bytes", "-5"), "--record-bytes must be a positive number"},
		{"huge records", append(base, "--record-bytes", "500000"), "record bytes 500000: want 1 to"},
		{"retry rate", append(base, "--retry-rate", "2"), "--retry-rate must be between 0 and 1"},
		{"months", append(base, "--months", "0"), "--months must be between 1 and 120"},
		{"prices", append(base, "--prices", filepath.Join(dir, "prices.json")), "prices.sfn.standard.transition.usd: missing"},
		{"missing prices", append(base, "--prices", filepath.Join(dir, "none.json")), "none.json: no such file"},
		{"project", append(base, "--project", dir), ": no Pulumi.yaml there"},
		{"argument", append(base, "extra"), `want no arguments, got "extra"`},
		{"unknown dataset", append(base, "--dataset", "sensors"), `--dataset "sensors": not a dataset of this build (datasets: `},
		{"api call bytes", append(base, "--api-call-bytes", "0"), "--api-call-bytes must be a positive number"},
		{"api calls without enrichment", append(base, "--api-calls-per-record", "2"), "the dataset must declare enrichment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != int(ExitUsage) || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.wantStderr)
			}
		})
	}
	code, stdout, _ := runCLI(t, "", "help", "cost")
	if code != 0 || !strings.Contains(stdout, "Exit status:\n  0  the estimate was printed\n  2  usage error") {
		t.Errorf("help cost: exit %d:\n%s", code, stdout)
	}
}

// TestCostBatch: a dataset the stack batches (prod's readings) is priced
// on the batch machine, says so, and the comparison marks batches as the
// stack's setting; the same files of a dataset run per file are not.
func TestCostBatch(t *testing.T) {
	t.Parallel()
	args := []string{"cost", "--stack", "prod", "--files-per-day", "20000", "--records-per-file", "50"}
	code, stdout, stderr := runCLI(t, "", append(args, "--dataset", "readings")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"readings runs in batches (sluice:batchDatasets): 2,920 batch executions a month (cron(0/15 * * * ? *)) of 208 files each; each file in an EXPRESS child execution of 20 states\n",
		"  batch executions: 2920 a month (cron(0/15 * * * ? *)) × 4 states (Files, Summarize, BatchVerdict, BatchDone)\n",
		"  the batch's Distributed Map starts 1 Express child execution(s) a file: one transition each\n",
		"  Express child executions: 1 a file (its child: 20 states)\n",
		"  COPY: the child keeps the processed version under processed/<dataset>/<versionId>/\n",
		"   * batches on cron(0/15 * * * ? *): an EXPRESS child execution per file",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "  - batch vs per file:") {
		t.Errorf("batching readings is the cheaper way, but the recommendation is to stop:\n%s", stdout)
	}
	if strings.Contains(stdout, "NAT gateway") || strings.Contains(stdout, "\nData transfer ") {
		t.Errorf("prod has no egress nat and no replicas, but the output prices a NAT gateway or data transfer:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "", append(args, "--dataset", "orders")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "runs in batches") || !strings.Contains(stdout, "   * one Standard execution per file") {
		t.Errorf("orders runs per file in prod:\n%s", stdout)
	}
}

// TestCostNAT: a stack with egress nat (prod's stack file with the line
// its comment suggests) has a VPC service in the table and the JSON: its
// interface endpoints in 3 zones, the gateway's and its address's hours,
// and the API calls' bytes; and a Data transfer service: the requests out
// to the internet and the calls of the two zones without the gateway.
func TestCostNAT(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "Pulumi.prod.yaml" {
			b = append(b, "  sluice:egress: nat\n"...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"cost", "--project", dir, "--stack", "prod", "--files-per-day", "1000", "--records-per-file", "100", "--enrich", "--api-calls-per-record", "1"}
	code, stdout, stderr := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"\nVPC ", "\nData transfer ", "  NAT gateway (egress nat): 1 × 730 hours\n    730 NAT gateway-hour × $0.045 = $32.85\n",
		"  its Elastic IP (a public IPv4 address)\n    730 IPv4 address-hour × $0.005 = $3.65\n",
		"  interface endpoint states: 3 zones × 730 hours\n    2,190 endpoint zone-hour × $0.01 = $21.90\n",
		"  gateway endpoint s3 (no charge)\n",
		"  NAT data processed: 1 API calls a record × 100 records a file × 2048 B a call\n",
		"  out to the internet: the API calls' requests, 1024 B a call\n",
		"  across zones: 2 of 3 zones' API calls reach the NAT gateway's zone and back, 2048 B a call, charged out and in\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, "", append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Services map[string]struct {
			USD float64 `json:"usd"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	// 30,416.67 files × 100 records × 1.01 (the default retry rate) calls
	// × 2,048 B = 5.79 GiB processed; 5 interface endpoints × 3 zones ×
	// 730 hours, and the reconciler's 4 KB a run (hourly) through them.
	const gib = 1 << 30
	calls := 1000 * 730 / 24.0 * 100 * 1.01
	want := 5*3*730*0.01 + 730*4096/gib*0.01 + 730*0.045 + 730*0.005 + calls*2048/gib*0.045
	if v := got.Services["vpc"].USD; math.Abs(v-want) > 0.01*want {
		t.Errorf("services.vpc.usd %.4f, hand calculation %.4f", v, want)
	}
	// The requests (1,024 B, half the call) out to the internet at $0.09;
	// two zones of three cross to the gateway's and back: 2,048 B a call
	// charged leaving and entering, at $0.01.
	want = calls*1024/gib*0.09 + 2*calls*2.0/3*2048/gib*0.01
	if v := got.Services["data_transfer"].USD; math.Abs(v-want) > 0.01*want {
		t.Errorf("services.data_transfer.usd %.4f, hand calculation %.4f", v, want)
	}
}
