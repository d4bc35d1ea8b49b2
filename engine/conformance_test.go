package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/engine/mock"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/asl"
)

type baseline struct {
	Passed int `json:"passed"`
	Total  int `json:"total"`
}

const baselineFile = "testdata/conformance-baseline.json"

func TestConformance(t *testing.T) {
	dir := corpus.Dir(t)
	files, err := corpus.Files(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases under %s: %v", dir, err)
	}
	type outcome struct {
		file   string
		tags   []string
		reason string
	}
	results := make([]outcome, len(files))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0)*2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				tags, reason := runCase(files[i])
				results[i] = outcome{file: files[i], tags: tags, reason: reason}
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()

	type tally struct{ pass, total int }
	byTag := map[string]*tally{}
	passed := 0
	var failures []string
	for _, r := range results {
		ok := r.reason == ""
		if ok {
			passed++
		} else {
			rel, _ := filepath.Rel(filepath.Join(dir, "cases"), r.file)
			failures = append(failures, fmt.Sprintf("%s: %s", rel, r.reason))
		}
		for _, tag := range r.tags {
			tl := byTag[tag]
			if tl == nil {
				tl = &tally{}
				byTag[tag] = tl
			}
			tl.total++
			if ok {
				tl.pass++
			}
		}
	}
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		tags = append(tags, tag)
	}
	sort.Slice(tags, func(i, j int) bool {
		if byTag[tags[i]].total != byTag[tags[j]].total {
			return byTag[tags[i]].total > byTag[tags[j]].total
		}
		return tags[i] < tags[j]
	})
	var b strings.Builder
	for _, tag := range tags {
		tl := byTag[tag]
		fmt.Fprintf(&b, "  %-24s %4d/%4d  %5.1f%%\n", tag, tl.pass, tl.total, 100*float64(tl.pass)/float64(tl.total))
	}
	t.Logf("conformance per tag:\n%s", b.String())
	for _, f := range failures {
		t.Log("FAIL " + f)
	}
	summary := fmt.Sprintf("conformance: %d/%d passed (%.1f%%)", passed, len(files), 100*float64(passed)/float64(len(files)))
	t.Log(summary)
	fmt.Println(summary)

	var base baseline
	raw, err := os.ReadFile(baselineFile)
	if err != nil {
		t.Fatalf("read baseline: %v", err)
	}
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatalf("parse baseline: %v", err)
	}
	if os.Getenv("SLUICE_CONFORMANCE_UPDATE") != "" && passed > base.Passed {
		out, _ := json.MarshalIndent(baseline{Passed: passed, Total: len(files)}, "", "  ")
		if err := os.WriteFile(baselineFile, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("baseline raised from %d to %d", base.Passed, passed)
	}
	if passed < base.Passed {
		t.Errorf("conformance dropped below the baseline: %d passed, baseline %d", passed, base.Passed)
	}
}

// runCase runs one case and returns its tags and "" or the failure reason.
func runCase(file string) (tags []string, reason string) {
	c, err := corpus.Read(file)
	if err != nil {
		return nil, "bad case: " + err.Error()
	}
	defer func() {
		if r := recover(); r != nil {
			reason = fmt.Sprintf("panic: %v", r)
		}
	}()
	m, err := asl.Unmarshal(c.Definition)
	if err != nil {
		return c.Tags, "definition: " + err.Error()
	}
	tasks := c.Tasks
	if len(tasks) == 0 || string(tasks) == "null" {
		tasks = json.RawMessage("{}")
	}
	inv, err := mock.ParseTasks(tasks)
	if err != nil {
		return c.Tags, err.Error()
	}
	opts := []engine.Option{}
	if c.Meta.ExecutionType == "EXPRESS" {
		opts = append(opts, engine.WithExpress())
	}
	eng, err := engine.New(m, append(opts,
		engine.WithInvoker(inv),
		engine.WithMaxConcurrency(maxConc()),
	)...)
	if err != nil {
		return c.Tags, "new: " + err.Error()
	}
	input := any(map[string]any{})
	if len(c.Input) > 0 {
		if input, err = engine.DecodeJSON(c.Input); err != nil {
			return c.Tags, "input: " + err.Error()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := eng.Run(ctx, input,
		engine.WithClock(engine.NewVirtualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))),
		engine.WithRandSeed(1))
	if err != nil {
		return c.Tags, "run: " + err.Error()
	}
	got := map[string]any{"status": string(res.Status)}
	if res.Status == engine.StatusSucceeded {
		got["output"] = res.Output
	} else {
		got["error"] = nilIfEmpty(res.Error)
		got["cause"] = nilIfEmpty(res.Cause)
	}
	gotRaw, _ := json.Marshal(got)
	if got, err = decodeMap(gotRaw); err != nil {
		return c.Tags, err.Error()
	}
	var want map[string]any
	expRaw, _ := json.Marshal(c.Expect)
	if want, err = decodeMap(expRaw); err != nil {
		return c.Tags, err.Error()
	}
	if _, ok := want["error"]; !ok && res.Status != engine.StatusSucceeded {
		want["error"] = nil
	}
	if _, ok := want["cause"]; !ok && res.Status != engine.StatusSucceeded {
		want["cause"] = nil
	}
	if res.Status == engine.StatusSucceeded {
		delete(want, "error")
		delete(want, "cause")
	} else {
		delete(want, "output")
	}
	for _, p := range c.JSONStrings {
		parseJSONString(want, p)
		parseJSONString(got, p)
	}
	for _, p := range c.Ignore {
		if !present(got, p) {
			return c.Tags, fmt.Sprintf("ignored field %s missing", p)
		}
		remove(want, p)
		remove(got, p)
	}
	if diff := diffJSON("", want, got); diff != "" {
		return c.Tags, diff
	}
	return c.Tags, ""
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func decodeMap(b []byte) (map[string]any, error) {
	v, err := engine.DecodeJSON(b)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func pointer(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

// walk returns the parent container and final key of a pointer.
func walk(doc any, p string) (parent any, key string, ok bool) {
	parts := pointer(p)
	if len(parts) == 0 {
		return nil, "", false
	}
	cur := doc
	for _, k := range parts[:len(parts)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur, ok = c[k]
			if !ok {
				return nil, "", false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= len(c) {
				return nil, "", false
			}
			cur = c[i]
		default:
			return nil, "", false
		}
	}
	return cur, parts[len(parts)-1], true
}

func present(doc any, p string) bool {
	parent, key, ok := walk(doc, p)
	if !ok {
		return false
	}
	switch c := parent.(type) {
	case map[string]any:
		_, ok := c[key]
		return ok
	case []any:
		var i int
		_, err := fmt.Sscan(key, &i)
		return err == nil && i >= 0 && i < len(c)
	}
	return false
}

func remove(doc any, p string) {
	parent, key, ok := walk(doc, p)
	if !ok {
		return
	}
	switch c := parent.(type) {
	case map[string]any:
		delete(c, key)
	case []any:
		var i int
		if _, err := fmt.Sscan(key, &i); err == nil && i >= 0 && i < len(c) {
			c[i] = "<ignored>"
		}
	}
}

func parseJSONString(doc any, p string) {
	parent, key, ok := walk(doc, p)
	if !ok {
		return
	}
	if m, isMap := parent.(map[string]any); isMap {
		if s, isStr := m[key].(string); isStr {
			if v, err := engine.DecodeJSON([]byte(s)); err == nil {
				m[key] = v
			}
		}
	}
}

// diffJSON describes the first difference between want and got.
func diffJSON(at string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want %s, got %s", at, short(want), short(got))
		}
		for _, k := range jsonvalue.UnionKeys(w, g) {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				return fmt.Sprintf("%s/%s: unexpected %s", at, k, short(gv))
			case !gok:
				return fmt.Sprintf("%s/%s: missing, want %s", at, k, short(wv))
			}
			if d := diffJSON(at+"/"+k, wv, gv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %s, got %s", at, short(want), short(got))
		}
		for i := range w {
			if d := diffJSON(fmt.Sprintf("%s/%d", at, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !mock.Match(want, got) || isPlaceholderMismatch(want, got) {
		return fmt.Sprintf("%s: want %s, got %s", at, short(want), short(got))
	}
	return ""
}

// isPlaceholderMismatch makes expected placeholders strict: outside
// "ignore" a placeholder must be matched by the same text.
func isPlaceholderMismatch(want, got any) bool {
	w, ok := want.(string)
	if !ok || !strings.HasPrefix(w, "<") || !strings.HasSuffix(w, ">") {
		return false
	}
	g, ok := got.(string)
	return !ok || g != w
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// maxConc is the engine's default Map/Parallel bound in the conformance run:
// 1 (deterministic event ids, as the recordings mostly ran), or
// $SLUICE_CONFORMANCE_CONCURRENCY.
func maxConc() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("SLUICE_CONFORMANCE_CONCURRENCY"), &n); err == nil && n >= 0 {
		return n
	}
	return 1
}
