package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkExecChain200 is what `sluice exec` does after the process has
// started, on the 200-state chain scripts/bench.sh compares with
// aws-local-stepfunctions: read, decode, validate, plan, run and print.
func BenchmarkExecChain200(b *testing.B) {
	var def strings.Builder
	def.WriteString(`{"StartAt":"S0","States":{`)
	for i := range 200 {
		if i > 0 {
			def.WriteByte(',')
		}
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == 199 {
			next = `"End":true`
		}
		fmt.Fprintf(&def, `"S%d":{"Type":"Pass","Parameters":{"i":%d,"v.$":"$.v"},%s}`, i, i, next)
	}
	def.WriteString("}}\n")
	benchExec(b, def.String(), `{"v":"x"}`)
}

// BenchmarkExecMap2000 is the same for the 2,000-item inline Map of Pass →
// Choice → Pass that scripts/bench.sh compares.
func BenchmarkExecMap2000(b *testing.B) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{` +
		`"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"C"},` +
		`"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":1000,"Next":"Big"}],"Default":"Small"},` +
		`"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}}},"End":true}}}` + "\n"
	var in strings.Builder
	in.WriteString(`{"items":[`)
	for i := range 2000 {
		if i > 0 {
			in.WriteByte(',')
		}
		fmt.Fprintf(&in, `{"n":%d}`, i)
	}
	in.WriteString("]}\n")
	benchExec(b, def, in.String())
}

// benchExec writes the definition and input to files and runs `sluice
// exec` on them b.N times, failing on an exit status other than 0.
func benchExec(b *testing.B, def, input string) {
	dir := b.TempDir()
	defFile, inFile := filepath.Join(dir, "def.asl.json"), filepath.Join(dir, "input.json")
	if err := os.WriteFile(defFile, []byte(def), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(inFile, []byte(input), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"exec", "--definition", defFile, "--input", inFile}
	b.ReportAllocs()
	for b.Loop() {
		if code := Run(args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
