package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/local/integrations"
)

// progressMode says how progress is shown.
type progressMode int

const (
	// progressOff shows nothing (--json, or a nil *progress).
	progressOff progressMode = iota
	// progressBar redraws one line in place on a terminal.
	progressBar
	// progressLines prints a plain line now and then, for logs.
	progressLines
)

// progress shows a file's progress on stderr while `sluice run` works on
// it: the bytes uploaded, then the last task to finish, the chunks loaded
// of the chunks staged and the records loaded of the records staged, with
// the rate and the time left. On a terminal it is one line redrawn in place
// (a progressbar once the record count is known), fitted to the
// terminal's width and redrawn on a timer, so the elapsed time, rate and
// ETA move even while a long task runs; elsewhere it is a plain line every
// few seconds. A nil *progress shows nothing.
//
// The line is composed here rather than by a progress-bar library:
// schollz/progressbar (tried first) renders one counter in its own layout,
// narrows only the bar when the line is too wide (a long description
// still wraps, which is the bug this replaces), shows "0s" left while the
// rate is unknown, and redraws on a timer only in spinner mode. Here the
// fields are dropped by priority to fit, the bar takes the space left,
// and golang.org/x/term gives the width at every redraw (a resized
// terminal is followed).
type progress struct {
	w        io.Writer
	mode     progressMode
	width    func() int    // terminal columns
	interval time.Duration // redraw (bar) or print (lines) period
	now      func() time.Time

	mu         sync.Mutex
	file       string
	started    time.Time
	size, sent int64 // upload
	uploading  bool
	state      string    // the last task to finish, and how ("Load done")
	records    int64     // staged by Transform (0: not known yet)
	loaded     int64     // written by the loads so far
	chunks     int       // loads that succeeded
	chunkTotal int       // chunks staged
	staged     time.Time // when Transform reported the record count
	drawn      bool      // a line is on screen (bar mode)
	stop       chan struct{}
	ticker     sync.WaitGroup
}

// newProgress shows progress on w: redrawn in place when w is a terminal,
// as plain lines otherwise; off when on is false.
func newProgress(w io.Writer, on bool) *progress {
	p := &progress{w: w, mode: progressOff, now: time.Now, width: func() int { return 80 }}
	if !on {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.mode, p.interval = progressBar, 200*time.Millisecond
		p.width = func() int {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
				return cols
			}
			return 80
		}
	} else {
		p.mode, p.interval = progressLines, 5*time.Second
	}
	return p
}

// start begins a file: its progress is shown until done.
func (p *progress) start(file string) {
	if p == nil || p.mode == progressOff {
		return
	}
	p.mu.Lock()
	p.file, p.started = file, p.now()
	p.size, p.sent, p.uploading, p.state = 0, 0, false, ""
	p.records, p.loaded, p.chunks, p.chunkTotal = 0, 0, 0, 0
	p.stop = make(chan struct{})
	p.mu.Unlock()
	p.ticker.Add(1)
	go p.tick(p.stop)
}

// tick redraws on a timer, so that a long task still shows time passing.
func (p *progress) tick(stop chan struct{}) {
	defer p.ticker.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw(true)
			p.mu.Unlock()
		}
	}
}

// upload reports bytes sent.
func (p *progress) upload(done, total int64) {
	if p == nil || p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uploading, p.sent, p.size = done < total, done, total
	p.draw(false)
}

// observe takes a task attempt as it ends.
func (p *progress) observe(e integrations.TaskEvent) {
	if p == nil || p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uploading = false
	p.state = e.State + " done"
	if e.Err != nil {
		p.state = e.State + " failed (" + sanitize(e.Err.Error()) + ")"
	} else if out, ok := e.Output.(map[string]any); ok {
		switch {
		case out["written"] != nil:
			p.loaded += local.Count(out["written"])
			p.chunks++
		case out["chunkCount"] != nil:
			p.records, p.staged = local.Count(out["records"]), p.now()
			p.chunkTotal = int(local.Count(out["chunkCount"]))
		}
	}
	p.draw(false)
}

// done ends a file: the line is cleared.
func (p *progress) done() {
	if p == nil || p.mode == progressOff {
		return
	}
	close(p.stop)
	p.ticker.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[2K")
		p.drawn = false
	}
}

// fields are the parts of the progress line, most important first, and
// the fraction done (negative when unknown). The caller holds the lock.
func (p *progress) fields() (parts []string, frac float64) {
	now := p.now()
	// File names are not printed raw.
	name := quoteName(filepath.Base(p.file))
	frac = -1
	elapsed := now.Sub(p.started).Round(time.Second).String()
	switch {
	case p.uploading || p.state == "" && p.size > 0:
		parts = []string{name + ": uploading", fmt.Sprintf("%s/%s", bytesText(p.sent), bytesText(p.size))}
		if p.size > 0 {
			frac = float64(p.sent) / float64(p.size)
		}
		parts = append(parts, rateETA(float64(p.sent), float64(p.size), now.Sub(p.started), "/s", bytesRate)...)
	case p.state == "":
		parts = []string{name + ": starting"}
	default:
		what := name + ": " + p.state
		if p.chunkTotal > 1 {
			what += fmt.Sprintf(" · %d/%d chunks", p.chunks, p.chunkTotal)
		}
		parts = []string{what}
		if p.records > 0 {
			frac = float64(p.loaded) / float64(p.records)
			parts = append(parts, fmt.Sprintf("%s/%s records", countText(p.loaded), countText(p.records)))
			parts = append(parts, rateETA(float64(p.loaded), float64(p.records), now.Sub(p.staged), " records/s", countRate)...)
		}
	}
	return append(parts, elapsed), frac
}

// rateETA renders the rate of done units over d and the time left, once
// anything is done.
func rateETA(done, total float64, d time.Duration, unit string, rate func(float64) string) []string {
	if done <= 0 || d <= 0 {
		return nil
	}
	r := done / d.Seconds()
	out := []string{rate(r) + unit}
	if left := total - done; left > 0 {
		out = append(out, "ETA "+(time.Duration(left/r*float64(time.Second))).Round(time.Second).String())
	}
	return out
}

func bytesRate(r float64) string { return bytesText(int64(r)) }
func countRate(r float64) string { return countText(int64(r)) }

// line is the progress line in width columns: the fields that fit, most
// important first, and on a terminal a bar in the space left (at least 10
// columns, else none).
func (p *progress) line(width int, withBar bool) string {
	parts, frac := p.fields()
	// Too wide: leave out the elapsed time, then the rate, then the ETA.
	for _, drop := range []func([]string) []string{dropElapsed, dropSuffix("/s"), dropPrefix("ETA ")} {
		if utf8.RuneCountInString(strings.Join(parts, " · ")) <= width {
			break
		}
		parts = drop(parts)
	}
	text := strings.Join(parts, " · ")
	if withBar && frac >= 0 {
		// "[####      ] 61% " before the counts.
		first := parts[0]
		rest := strings.TrimPrefix(text, first)
		pct := fmt.Sprintf(" %3.0f%%", 100*min(frac, 1))
		if room := width - utf8.RuneCountInString(text) - len(pct) - 3; room >= 10 {
			filled := int(float64(room) * min(frac, 1))
			text = first + " [" + strings.Repeat("#", filled) + strings.Repeat(" ", room-filled) + "]" + pct + rest
		}
	}
	return fit(text, width)
}

// draw shows the current progress; timed is true for the ticker's
// redraws. The caller holds the lock.
func (p *progress) draw(timed bool) {
	switch p.mode {
	case progressLines:
		// A plain line on the ticker's beat only: a log gets one line
		// every interval, not one per chunk.
		if timed {
			fmt.Fprintln(p.w, p.line(1<<20, false))
		}
	case progressBar:
		// Clear the line, then write at most width-1 columns: a line as
		// wide as the terminal would wrap on some terminals.
		fmt.Fprint(p.w, "\r\033[2K"+p.line(p.width()-1, true))
		p.drawn = true
	}
}

// fit cuts s to width columns (counting runes), ending in "…" when cut.
func fit(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	return string([]rune(s)[:width-1]) + "…"
}

// dropElapsed leaves out the last part, the elapsed time.
func dropElapsed(parts []string) []string {
	if len(parts) < 2 {
		return parts
	}
	return parts[:len(parts)-1]
}

// dropSuffix and dropPrefix return a function that leaves out the last
// part (after the first) with that suffix or prefix.
func dropSuffix(suffix string) func([]string) []string {
	return dropLast(func(s string) bool { return strings.HasSuffix(s, suffix) })
}

func dropPrefix(prefix string) func([]string) []string {
	return dropLast(func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func dropLast(match func(string) bool) func([]string) []string {
	return func(parts []string) []string {
		for i := len(parts) - 1; i > 0; i-- {
			if match(parts[i]) {
				return append(parts[:i:i], parts[i+1:]...)
			}
		}
		return parts
	}
}

// countText renders a count compactly: 999, 12.3k, 4.6M.
func countText(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%d", n)
}

// bytesText renders a size for people: 4.0 GiB, 12.3 KiB, 512 B.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
