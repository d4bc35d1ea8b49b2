package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/cli"
)

func TestEventsTestPattern(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const envelope = `"id":"1","account":"1","source":"s","time":"t","region":"r","detail-type":"d"`
	pattern := write("p.json", `{"detail":{"n":[300]}}`)
	dup := write("dup.json", `{"detail":{"n":[1],"n":[300]}}`)
	bad := write("bad.json", `{"detail":{"n":[{"numeric":[">",0,">",0]}]}}`)
	float := write("e.json", `{`+envelope+`,"detail":{"n":300.0}}`)
	other := write("o.json", `{`+envelope+`,"detail":{"n":301}}`)
	bare := write("bare.json", `{"detail":{"n":300}}`)
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantOut    string
		wantErrHas string
	}{
		{"match", []string{"--pattern", pattern, "--event", float}, "", 0, "{\"result\": true}\n", ""},
		{"no match", []string{"--pattern", pattern, "--event", other}, "", 0, "{\"result\": false}\n", ""},
		{"the later name wins", []string{"--pattern", dup, "--event", float}, "", 0, "{\"result\": true}\n", ""},
		{"event on stdin", []string{"--pattern", pattern, "--event", "-"}, `{` + envelope + `,"detail":{"n":300}}`, 0, "{\"result\": true}\n", ""},
		{"refused pattern", []string{"--pattern", bad, "--event", float}, "", 1, "", "InvalidEventPatternException: Event pattern is not valid. Reason: Bad numeric range operator: >"},
		{"refused event", []string{"--pattern", pattern, "--event", bare}, "", 1, "", "ValidationException: Parameter Event is not valid."},
		{"missing flag", []string{"--pattern", pattern}, "", 2, "", "want --pattern FILE and --event FILE"},
		{"both on stdin", []string{"--pattern", "-", "--event", "-"}, "", 2, "", "only one of --pattern and --event can read standard input"},
		{"unreadable", []string{"--pattern", filepath.Join(dir, "nope.json"), "--event", float}, "", 2, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := cli.Run(append([]string{"events", "test-pattern"}, tt.args...), strings.NewReader(tt.stdin), &out, &errb)
			if code != tt.wantCode || out.String() != tt.wantOut || !strings.Contains(errb.String(), tt.wantErrHas) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					code, out.String(), errb.String(), tt.wantCode, tt.wantOut, tt.wantErrHas)
			}
		})
	}
	var errb bytes.Buffer
	if code := cli.Run([]string{"events", "nope"}, strings.NewReader(""), &bytes.Buffer{}, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "nope"`) {
		t.Errorf("unknown subcommand: exit %d, %q", code, errb.String())
	}
}
