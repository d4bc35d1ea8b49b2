package cost

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParsePrices: no panic on any document; a document that parses sets
// every price, none negative.
func FuzzParsePrices(f *testing.F) {
	f.Add(defaultPrices)
	f.Add([]byte(`{"region":"r","checked":"2026-01-01","prices":{"kms.request":{"usd":-1}}}`))
	f.Add([]byte(`{"prices":{"s3.put":{"usd":1e400}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		p, err := ParsePrices(b, "fuzz")
		if err != nil {
			return
		}
		for _, k := range priceKeys {
			if v, ok := p.usd[k]; !ok || v < 0 {
				t.Fatalf("%s: %v, %v", k, v, ok)
			}
		}
	})
}

// FuzzParseTimings: no panic on any document.
func FuzzParseTimings(f *testing.F) {
	f.Add(defaultTimings)
	f.Add([]byte(`{"functions":{"load":{"recordUs":-1}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		_, _ = ParseTimings(b, "fuzz")
	})
}

// FuzzLoadStack: no panic on any stack file next to the real Pulumi.yaml;
// a stack that loads has memory within Lambda's range for every function,
// a VPC of 1 to 6 zones and named enrichment secrets.
func FuzzLoadStack(f *testing.F) {
	proj, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"dev", "prod"} {
		b, err := os.ReadFile(filepath.Join(root, "Pulumi."+s+".yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("config:\n  sluice:loadMemoryMb: 0\n  sluice:memoryMb: 128\n"))
	f.Add([]byte("config:\n  sluice:memoryMb: {secure: x}\n"))
	f.Add([]byte("config:\n  sluice:vpc: true\n  sluice:azCount: 3\n  sluice:egress: nat\n  sluice:enrichmentSecrets: [\"geo-api=arn:aws:secretsmanager:eu-west-1:123456789012:secret:geo-AbC123\"]\n  sluice:tableReplicaRegions: '[\"eu-central-1\"]'\n"))
	f.Add([]byte("config:\n  sluice:enrichmentSecrets: [\"=x\", \"noequals\"]\n  sluice:tableReplicaRegions: {a: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<14 {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Pulumi.s.yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadStack(dir, "s")
		if err != nil {
			return
		}
		for fn, mb := range s.FunctionMemoryMB {
			if mb < 128 || mb > 10240 {
				t.Fatalf("%s: %d MB accepted", fn, mb)
			}
		}
		// A VPC's zones bound its endpoints' network interfaces; every
		// secret has a name.
		if s.VPC && (s.AZCount < 1 || s.AZCount > 6) {
			t.Fatalf("azCount %d accepted", s.AZCount)
		}
		for _, name := range s.EnrichmentSecrets {
			if name == "" {
				t.Fatalf("an enrichment secret without a name accepted: %q", s.EnrichmentSecrets)
			}
		}
	})
}

// FuzzScheduleRuns: no panic on any expression; one that parses fires a
// finite number of times a month, at least once every year and at most
// every minute.
func FuzzScheduleRuns(f *testing.F) {
	for _, s := range []string{"rate(1 hour)", "rate(5 minutes)", "cron(0/15 * * * ? *)", "cron(0 9 ? * MON-FRI *)", "cron(0 0 L * ? *)", "cron(1-5/0 * * * ? *)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 256 {
			return
		}
		n, err := scheduleRuns(expr)
		if err != nil {
			return
		}
		if math.IsNaN(n) || n <= 0 || n > HoursPerMonth*60 {
			t.Fatalf("scheduleRuns(%q) = %v", expr, n)
		}
	})
}
