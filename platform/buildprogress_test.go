package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBuildPackagerProgress: every build says when it starts and how it
// ended (time, zip, size), a long one is named every ProgressEvery, and
// the whole Prebuild says what it builds and how long it took.
func TestBuildPackagerProgress(t *testing.T) {
	t.Parallel()
	root, zips := t.TempDir(), t.TempDir()
	for _, fn := range []string{"validate", "load"} {
		if err := os.MkdirAll(filepath.Join(root, "functions", "cmd", fn), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "functions", "cmd", fn, "main.go"), []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out syncBuffer
	release := make(chan struct{})
	b := &BuildPackager{ModuleRoot: root, Progress: &out, ProgressEvery: 10 * time.Millisecond,
		builder: func(fn string) (Package, error) {
			if fn == "load" {
				<-release // a slow build
				return Package{}, errors.New("compile error")
			}
			zip := filepath.Join(zips, fn+".zip")
			return Package{ZipPath: zip}, os.WriteFile(zip, make([]byte, 3<<20), 0o644)
		}}
	go func() {
		for !strings.Contains(out.String(), "still building load") {
			time.Sleep(5 * time.Millisecond)
		}
		close(release)
	}()
	b.Prebuild("validate", "load")
	got := out.String()
	for _, want := range []string{
		"building 2 functions for linux/arm64 (validate, load)",
		"building validate…", "building load…",
		"built validate in ", "(validate.zip, 3.0 MiB)",
		"still building load",
		"building load failed after ", ": compile error",
		"built the functions in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress lacks %q:\n%s", want, got)
		}
	}
}

// syncBuffer is a strings.Builder safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
