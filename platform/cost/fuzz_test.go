package cost

import (
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
// a stack that loads has memory within Lambda's range for every function.
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
	})
}
