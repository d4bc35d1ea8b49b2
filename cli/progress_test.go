package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/local/integrations"
)

// fakeProgress is a progress in mode at a fixed clock the test moves.
func fakeProgress(mode progressMode, width int) (*progress, *bytes.Buffer, *time.Time) {
	var out bytes.Buffer
	clock := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	p := &progress{w: &out, mode: mode, width: func() int { return width }, interval: time.Hour, now: func() time.Time { return clock }}
	return p, &out, &clock
}

// TestProgressLine renders each phase of a file at several widths: every
// line fits (so the terminal never wraps it into stale lines), and what is
// left out when it is narrow goes in order: elapsed time, rate, ETA.
func TestProgressLine(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		apply   func(p *progress)
	}
	upload := func(done, total int64) func(p *progress) { return func(p *progress) { p.upload(done, total) } }
	task := func(state string, out map[string]any, err error) func(p *progress) {
		return func(p *progress) { p.observe(integrations.TaskEvent{State: state, Output: out, Err: err}) }
	}
	tests := []struct {
		name  string
		steps []step
		width int
		want  string
	}{
		{"uploading", []step{{0, upload(0, 8<<20)}, {2 * time.Second, upload(2<<20, 8<<20)}}, 120,
			"orders.csv: uploading [###########                                   ]  25% · 2.0 MiB/8.0 MiB · 1.0 MiB/s · ETA 6s · 2s"},
		{"uploading, 80 columns", []step{{0, upload(0, 8<<20)}, {2 * time.Second, upload(2<<20, 8<<20)}}, 80,
			"orders.csv: uploading · 2.0 MiB/8.0 MiB · 1.0 MiB/s · ETA 6s · 2s"},
		{"a task done, count not known", []step{{0, upload(8, 8)}, {3 * time.Second, task("Validate", map[string]any{"records": 200000}, nil)}}, 80,
			"orders.csv: Validate done · 3s"},
		{"chunks loading", []step{
			{0, upload(8, 8)},
			{10 * time.Second, task("Transform", map[string]any{"records": 200000, "chunkCount": 10}, nil)},
			{20 * time.Second, task("Load", map[string]any{"written": 20000}, nil)},
			{0, task("Load", map[string]any{"written": 20000}, nil)},
		}, 80, "orders.csv: Load done · 2/10 chunks · 40.0k/200.0k records · ETA 1m20s"},
		{"chunks loading, wide", []step{
			{0, upload(8, 8)},
			{10 * time.Second, task("Transform", map[string]any{"records": 200000, "chunkCount": 10}, nil)},
			{20 * time.Second, task("Load", map[string]any{"written": 20000}, nil)},
			{0, task("Load", map[string]any{"written": 20000}, nil)},
		}, 140, "orders.csv: Load done · 2/10 chunks [#######                               ]  20% · 40.0k/200.0k records · 2000 records/s · ETA 1m20s · 30s"},
		{"chunks loading, 40 columns", []step{
			{0, upload(8, 8)},
			{10 * time.Second, task("Transform", map[string]any{"records": 200000, "chunkCount": 10}, nil)},
			{20 * time.Second, task("Load", map[string]any{"written": 20000}, nil)},
		}, 40, "orders.csv: Load done · 1/10 chunks · …"},
		{"a failed attempt", []step{{0, upload(8, 8)}, {time.Second, task("Load", nil, errors.New("Lambda.ServiceException"))}}, 80,
			"orders.csv: Load failed (Lambda.ServiceException) · 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, out, clock := fakeProgress(progressBar, tt.width)
			p.file, p.started = "examples/orders/orders.csv", *clock
			for _, s := range tt.steps {
				*clock = clock.Add(s.advance)
				s.apply(p)
			}
			frames := strings.Split(out.String(), "\r\033[2K")
			got := frames[len(frames)-1]
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("last frame (-want +got):\n%s", diff)
			}
			for _, f := range frames {
				if n := utf8.RuneCountInString(f); n >= tt.width || strings.ContainsAny(f, "\n\r") {
					t.Errorf("frame %q: %d columns or a line break, want under %d on one line", f, n, tt.width)
				}
			}
		})
	}
}

// TestProgressTicks: the line is redrawn on time, with no task ending,
// and cleared when the file is done; when not a terminal a plain line is
// printed on each tick instead.
func TestProgressTicks(t *testing.T) {
	t.Parallel()
	p, out, clock := fakeProgress(progressBar, 80)
	p.file, p.started = "orders.csv", *clock
	p.observe(integrations.TaskEvent{State: "Validate"})
	for range 3 {
		*clock = clock.Add(time.Second)
		p.draw(true)
	}
	want := "\r\033[2Korders.csv: Validate done · 0s" + "\r\033[2Korders.csv: Validate done · 1s" +
		"\r\033[2Korders.csv: Validate done · 2s" + "\r\033[2Korders.csv: Validate done · 3s"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("redraws (-want +got):\n%q", diff)
	}

	lines, out, clock := fakeProgress(progressLines, 80)
	lines.file, lines.started = "orders.csv", *clock
	lines.observe(integrations.TaskEvent{State: "Transform", Output: map[string]any{"records": 300, "chunkCount": 3}})
	*clock = clock.Add(5 * time.Second)
	lines.observe(integrations.TaskEvent{State: "Load", Output: map[string]any{"written": 100}})
	lines.draw(true)
	if diff := cmp.Diff("orders.csv: Load done · 1/3 chunks · 100/300 records · 20 records/s · ETA 10s · 5s\n", out.String()); diff != "" {
		t.Errorf("plain lines (-want +got):\n%s", diff)
	}
}

// TestProgressOff: a nil progress, or one that is off, writes nothing.
func TestProgressOff(t *testing.T) {
	t.Parallel()
	var nilProgress *progress
	nilProgress.start("x")
	nilProgress.upload(1, 2)
	nilProgress.observe(integrations.TaskEvent{State: "Load"})
	nilProgress.done()
	var out bytes.Buffer
	p := newProgress(&out, false)
	p.start("x")
	p.upload(1, 2)
	p.done()
	if out.Len() != 0 {
		t.Errorf("off progress wrote %q", out.String())
	}
}
