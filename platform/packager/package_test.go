package packager_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/platform/packager"
)

// zipBudget is the most a function's zip may weigh: 5.25 MiB for every
// function. It was 5 MiB until enrich linked the Secrets Manager client
// for the secrets of HTTP enrichments (about 0.1 MB of its zip, given as
// the method value enrich.GetSecretValueFunc; enrich was 50 KB under 5 MiB
// before).
//
// What threatens it: the functions that evaluate dataset expressions (all
// but load) link github.com/expr-lang/expr, whose evaluator calls
// reflect.Value.MethodByName and reflect.Value.Method with computed
// arguments. From then on the linker keeps every exported method of every
// type that is ever stored in an interface. The AWS SDK stores its own
// clients in interfaces (the S3 client in its S3 Express credentials
// provider, config.LoadDefaultConfig's STS, SSO, SSO OIDC and Sign-In
// clients in its credential providers), so each of their operations, with
// its serialisers, stays in the binary. The functions therefore load their
// AWS configuration with functions/awsenv (no credential chain) and hand
// enrich its DynamoDB client as a method value (enrich.BatchGetItemFunc),
// never as a *dynamodb.Client in an interface. See docs/functions.md,
// "Packaging".
const zipBudget = 5<<20 + 256<<10

func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := packager.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func functions(t testing.TB, root string) []string {
	t.Helper()
	fns, err := packager.Functions(root)
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
				path, hash, err := packager.Package(t.Context(), root, fn, t.TempDir(), packager.Options{})
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
			if size > zipBudget {
				t.Errorf("zip is %d bytes, budget %d", size, zipBudget)
			}
		})
	}
}
