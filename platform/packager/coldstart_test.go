package packager_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/packager"
)

// BenchmarkColdStart reports, per function, the size of the zip Sluice
// deploys (the reproducible package: linux/arm64, packager.Package) and the
// time of a first invoke under the Lambda Runtime Interface Emulator
// (SLUICE_RIE, installed by scripts/setup.d/20-rie.sh; the binary built
// for this machine's architecture). Each iteration starts a new emulator,
// which starts the bootstrap on its first invoke: the time covers the
// process start, main's setup (configuration, SDK clients) and one small
// real event against the in-process S3 and DynamoDB. scripts/bench.sh
// runs it:
//
//	SLUICE_RIE=... go test -run='^$' -bench=ColdStart -benchtime=3x ./platform/packager
func BenchmarkColdStart(b *testing.B) {
	rie := os.Getenv("SLUICE_RIE")
	if rie == "" {
		b.Skip("SLUICE_RIE is not set; run scripts/setup.d/20-rie.sh")
	}
	root := moduleRoot(b)
	svc := startServices(b)
	cases := invocations(b, svc)
	out := b.TempDir()
	for _, fn := range functions(b, root) {
		b.Run(fn, func(b *testing.B) {
			zipPath, _, err := packager.Package(b.Context(), root, fn, filepath.Join(out, "lambda"), packager.Options{})
			if err != nil {
				b.Fatal(err)
			}
			st, err := os.Stat(zipPath)
			if err != nil {
				b.Fatal(err)
			}
			bin, err := packager.Binary(b.Context(), root, fn, filepath.Join(out, "host"), packager.Options{GOARCH: runtime.GOARCH})
			if err != nil {
				b.Fatal(err)
			}
			var event any = contract.FileEvent{Dataset: "no-such-dataset", Bucket: "pipeline", Key: "incoming/x.csv", Size: 1}
			if c := cases[fn]; len(c) > 0 {
				event = c[0].event
			}
			var first time.Duration
			for b.Loop() {
				b.StopTimer()
				em := startEmulator(b, rie, bin, svc.env())
				b.StartTimer()
				start := time.Now()
				got := em.invoke(b, event)
				first += time.Since(start)
				if _, failed := got["errorType"]; failed && len(cases[fn]) > 0 && cases[fn][0].wantErrorType == "" {
					b.Fatalf("first invoke failed: %v", got)
				}
			}
			b.ReportMetric(float64(st.Size()), "zip-bytes")
			b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-invoke-ms")
		})
	}
}
