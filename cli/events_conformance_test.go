package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/cli"
	"github.com/sluicehq/sluice/internal/corpus"
)

// eventCase is one case of the EventBridge event-pattern corpus
// (../shared/conformance/events/README.md). Pattern and event stay raw so
// that their number text reaches the command as written.
type eventCase struct {
	Name       string          `json:"name"`
	Pattern    json.RawMessage `json:"pattern"`
	PatternRaw *string         `json:"pattern_raw"`
	Event      json.RawMessage `json:"event"`
	EventRaw   *string         `json:"event_raw"`
	Expect     struct {
		Result *bool  `json:"result"`
		Error  string `json:"error"`
	} `json:"expect"`
	Evidence  string   `json:"evidence"`
	Operators []string `json:"operators"`
}

// TestEventPatternConformance runs every case of the EventBridge corpus
// through "sluice events test-pattern" (cli.Run, as a user runs it) and
// fails on any disagreement with what AWS recorded. It logs the rate per
// group, per operator and per evidence kind.
func TestEventPatternConformance(t *testing.T) {
	dir := corpus.EventsDir(t)
	files, err := corpus.Files(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases under %s: %v", dir, err)
	}
	tmp := t.TempDir()
	type tally struct{ pass, total int }
	tallies := map[string]*tally{}
	count := func(key string, ok bool) {
		tl := tallies[key]
		if tl == nil {
			tl = &tally{}
			tallies[key] = tl
		}
		tl.total++
		if ok {
			tl.pass++
		}
	}
	passed := 0
	var failures []string
	for i, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c eventCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		pattern, event := []byte(c.Pattern), []byte(c.Event)
		if c.PatternRaw != nil {
			pattern = []byte(*c.PatternRaw)
		}
		if c.EventRaw != nil {
			event = []byte(*c.EventRaw)
		}
		pf := filepath.Join(tmp, fmt.Sprintf("%d.pattern.json", i))
		ef := filepath.Join(tmp, fmt.Sprintf("%d.event.json", i))
		if err := os.WriteFile(pf, pattern, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ef, event, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := cli.Run([]string{"events", "test-pattern", "--pattern", pf, "--event", ef}, strings.NewReader(""), &stdout, &stderr)
		reason := judge(c, code, stdout.String(), stderr.String())
		ok := reason == ""
		if ok {
			passed++
		} else {
			rel, _ := filepath.Rel(filepath.Join(dir, "cases"), file)
			failures = append(failures, rel+": "+reason)
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "cases"), file)
		count("group "+filepath.Dir(rel), ok)
		count("evidence "+c.Evidence, ok)
		for _, op := range c.Operators {
			count("operator "+op, ok)
		}
	}
	keys := make([]string, 0, len(tallies))
	for k := range tallies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		tl := tallies[k]
		fmt.Fprintf(&b, "  %-30s %3d/%3d  %5.1f%%\n", k, tl.pass, tl.total, 100*float64(tl.pass)/float64(tl.total))
	}
	t.Logf("event-pattern conformance:\n%s", b.String())
	summary := fmt.Sprintf("event-pattern conformance: %d/%d agree with AWS (%.1f%%)", passed, len(files), 100*float64(passed)/float64(len(files)))
	t.Log(summary)
	fmt.Println(summary)
	for _, f := range failures {
		t.Error("DISAGREES " + f)
	}
}

// judge returns "" when the command's outcome is the recorded one, else
// what differs.
func judge(c eventCase, code int, stdout, stderr string) string {
	switch {
	case c.Expect.Error != "":
		if code != 1 {
			return fmt.Sprintf("AWS refused it (%s), the command exited %d: %s%s", c.Expect.Error, code, stdout, stderr)
		}
		if !strings.Contains(stderr, c.Expect.Error) {
			return fmt.Sprintf("AWS answered %s, the command said %s", c.Expect.Error, strings.TrimSpace(stderr))
		}
		return ""
	case c.Expect.Result != nil:
		want := fmt.Sprintf("{\"result\": %t}\n", *c.Expect.Result)
		if code != 0 || stdout != want {
			return fmt.Sprintf("AWS: %s, the command exited %d: %q %s", strings.TrimSpace(want), code, stdout, strings.TrimSpace(stderr))
		}
		return ""
	}
	return "the case has no expectation"
}
