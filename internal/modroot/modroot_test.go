package modroot_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/modroot"
)

func TestDir(t *testing.T) {
	dir, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Errorf("Dir() = %s, which has no go.mod: %v", dir, err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Join(dir, "internal", "modroot"); wd != want {
		t.Errorf("working directory %s, want %s below the root %s", wd, want, dir)
	}
}
