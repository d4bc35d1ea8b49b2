package local

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportRendersInABrowser opens an execution's HTML report in headless
// Chromium with the network off and checks, in the screenshot, that the
// state machine is drawn: the states of the path taken are filled with
// the graph's visited colour over a real area, which neither Mermaid
// source text nor a broken image would give. SLUICE_CHROMIUM names the
// browser (scripts/setup.d/30-chromium.sh); without it the test skips,
// and fails under CI=true.
func TestReportRendersInABrowser(t *testing.T) {
	chromium := os.Getenv("SLUICE_CHROMIUM")
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUICE_CHROMIUM is not set (scripts/setup.d/30-chromium.sh installs chromium)")
		}
		t.Skip("SLUICE_CHROMIUM is not set; run scripts/test.sh or source scripts/setup.d/30-chromium.sh")
	}
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := submit(t, r, writeCSV(t, t.TempDir(), "five.csv", 5))
	if res.Status != Loaded {
		t.Fatalf("run: %s %s %s", res.Status, res.Error, res.Cause)
	}
	var page bytes.Buffer
	if err := r.Report(context.Background(), res.Execution, &page); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	htmlPath, shot := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.png")
	if err := os.WriteFile(htmlPath, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--hide-scrollbars", "--window-size=1200,4000",
		// No network: the report must stand alone.
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--screenshot="+shot, "file://"+htmlPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	visited := color.RGBA{0xc8, 0xe6, 0xc9, 0xff} // graph.SVG's fill of a visited state
	n := countColour(img, visited)
	states := strings.Count(page.String(), `fill="#c8e6c9"`)
	t.Logf("%d pixels of the visited colour for %d visited states", n, states)
	// Each visited box is about 250×30 pixels; ask for half of that.
	if states == 0 || n < states*250*30/2 {
		t.Errorf("screenshot has %d pixels of the visited colour for %d visited states: the graph is not drawn", n, states)
	}
}

func countColour(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}
