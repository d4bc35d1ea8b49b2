package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/functions/build"
)

// zipBudget is the most a function's zip may weigh. Functions that link
// package dataset get more: its expression engine (expr-lang) calls
// reflect.Type.Method, which stops the linker from dropping unused methods
// of every type in the binary (the AWS SDK's included), growing the zip from
// about 3.8 MB to about 5.8 MB. The loader avoids that import for this reason.
func zipBudget(fn string) int64 {
	switch fn {
	case "enrich", "validate", "transform":
		return 7 << 20
	}
	return 5 << 20
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := build.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func functions(t *testing.T, root string) []string {
	t.Helper()
	fns, err := build.Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("no functions under functions/cmd")
	}
	return fns
}

// TestPackageIsReproducible builds every function for Lambda (linux/arm64)
// twice into different folders and expects byte-identical zips within
// budget.
func TestPackageIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds every function twice")
	}
	root := moduleRoot(t)
	for _, fn := range functions(t, root) {
		t.Run(fn, func(t *testing.T) {
			var zips [2][]byte
			var hashes [2]string
			for i := range zips {
				path, hash, err := build.Package(t.Context(), root, fn, t.TempDir(), build.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(path) != fn+"_linux_arm64.zip" {
					t.Errorf("zip name %s", filepath.Base(path))
				}
				zips[i], err = os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				hashes[i] = hash
			}
			if !bytes.Equal(zips[0], zips[1]) || hashes[0] != hashes[1] {
				t.Errorf("two builds differ: %s vs %s", hashes[0], hashes[1])
			}
			size := int64(len(zips[0]))
			t.Logf("%s: %d bytes, source_code_hash %s", fn, size, hashes[0])
			if size > zipBudget(fn) {
				t.Errorf("zip is %d bytes, budget %d", size, zipBudget(fn))
			}
		})
	}
}
