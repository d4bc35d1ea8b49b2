package stackconfig

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// project writes a Pulumi project into a new folder: Pulumi.yaml with the
// name and batchDatasets default given, and Pulumi.dev.yaml when stack is
// not empty.
func project(t testing.TB, name, def, stack string) string {
	t.Helper()
	dir := t.TempDir()
	proj := "name: " + name + "\nruntime: go\nconfig:\n  batchDatasets:\n    type: array\n    default: " + def + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(proj), 0o644); err != nil {
		t.Fatal(err)
	}
	if stack != "" {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(stack), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBatchDatasets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, def, stack string
		want             []string
		wantFrom         string // base name of the file the value came from
		wantErr          string
	}{
		{name: "sequence", def: "[]", stack: "config:\n  sluice:batchDatasets: [readings, orders]\n", want: []string{"readings", "orders"}, wantFrom: "Pulumi.dev.yaml"},
		{name: "block sequence", def: "[]", stack: "config:\n  sluice:batchDatasets:\n    - readings\n", want: []string{"readings"}, wantFrom: "Pulumi.dev.yaml"},
		{name: "JSON text", def: "[]", stack: "config:\n  sluice:batchDatasets: '[\"orders\"]'\n", want: []string{"orders"}, wantFrom: "Pulumi.dev.yaml"},
		{name: "empty", def: "[orders]", stack: "config:\n  sluice:batchDatasets: []\n", wantFrom: "Pulumi.dev.yaml"},
		{name: "null", def: "[orders]", stack: "config:\n  sluice:batchDatasets:\n", wantFrom: "Pulumi.dev.yaml"},
		{name: "unset: the project's default", def: "[orders]", stack: "config:\n  sluice:memoryMb: 512\n", want: []string{"orders"}, wantFrom: "Pulumi.yaml"},
		{name: "no config", def: "[]", stack: "# nothing\n", wantFrom: "Pulumi.yaml"},
		{name: "other namespace", def: "[]", stack: "config:\n  other:batchDatasets: [orders]\n", wantFrom: "Pulumi.yaml"},
		{name: "a scalar", def: "[]", stack: "config:\n  sluice:batchDatasets: orders\n", wantErr: `Pulumi.dev.yaml: sluice:batchDatasets: "orders" is not a list of dataset names`},
		{name: "a list of lists", def: "[]", stack: "config:\n  sluice:batchDatasets: [[orders]]\n", wantErr: "Pulumi.dev.yaml: sluice:batchDatasets: want a list of dataset names"},
		{name: "bad default", def: "{a: b}", stack: "config: {}\n", wantErr: "Pulumi.yaml: config.batchDatasets.default: want a list of dataset names"},
		{name: "not YAML", def: "[]", stack: "config: [\n", wantErr: "Pulumi.dev.yaml: yaml:"},
		{name: "no stack file", def: "[]", wantErr: "Pulumi.dev.yaml: no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := project(t, "sluice", tt.def, tt.stack)
			got, from, err := BatchDatasets(dir, "dev")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
			if filepath.Base(from) != tt.wantFrom {
				t.Errorf("from %q, want %s", from, tt.wantFrom)
			}
		})
	}
}

// TestBatchDatasetsOfThisProject: the project's own stacks batch
// readings (Pulumi.dev.yaml, Pulumi.prod.yaml), which sluice reconcile
// then leaves to its batches.
func TestBatchDatasetsOfThisProject(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		got, _, err := BatchDatasets(filepath.Join("..", ".."), stack)
		if err != nil || !slices.Equal(got, []string{"readings"}) {
			t.Errorf("%s: %v, %v; want [readings]", stack, got, err)
		}
	}
}

// FuzzBatchDatasets: any project and stack file are read without
// panicking, to names and the file they came from, or to an error naming
// one of the files.
func FuzzBatchDatasets(f *testing.F) {
	proj, err := os.ReadFile(filepath.Join("..", "..", "Pulumi.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"Pulumi.dev.yaml", "Pulumi.prod.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", seed))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(proj, b)
	}
	small := []byte("name: sluice\nconfig:\n  batchDatasets:\n    default: [orders]\n")
	f.Add(small, []byte("config:\n  sluice:batchDatasets: '[\"a\",\"b\"]'\n"))
	f.Add(small, []byte("config:\n  sluice:batchDatasets: {x: [1]}\n"))
	f.Add(small, []byte("config: {}\n"))
	f.Fuzz(func(t *testing.T, proj, stack []byte) {
		if len(proj)+len(stack) > 1<<16 {
			return
		}
		_, from, err := parseBatchDatasets("Pulumi.yaml", proj, "Pulumi.dev.yaml", stack)
		switch {
		case err != nil && !strings.HasPrefix(err.Error(), "Pulumi.yaml: ") && !strings.HasPrefix(err.Error(), "Pulumi.dev.yaml: "):
			t.Errorf("error %q does not name its file", err)
		case err == nil && from != "Pulumi.yaml" && from != "Pulumi.dev.yaml":
			t.Errorf("names from %q, want one of the files", from)
		}
	})
}

// TestStrings reads other list keys as batchDatasets is read: the stack
// file's value or Pulumi.yaml's default, and errors that name the file and
// the key.
func TestStrings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	proj := "name: sluice\nconfig:\n  tableReplicaRegions:\n    type: array\n    default: []\n  enrichmentSecrets:\n    type: array\n    default: [a=b]\n  azCount:\n    type: integer\n    default: 2\n"
	stack := "config:\n  sluice:tableReplicaRegions: [eu-central-1, us-east-1]\n  sluice:azCount: {x: 1}\n"
	for name, text := range map[string]string{"Pulumi.yaml": proj, "Pulumi.dev.yaml": stack} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		key      string
		want     []string
		wantFrom string
		wantErr  string
	}{
		{key: "tableReplicaRegions", want: []string{"eu-central-1", "us-east-1"}, wantFrom: "Pulumi.dev.yaml"},
		{key: "enrichmentSecrets", want: []string{"a=b"}, wantFrom: "Pulumi.yaml"},
		{key: "undeclared", wantFrom: "Pulumi.yaml"},
		{key: "azCount", wantErr: "Pulumi.dev.yaml: sluice:azCount: want a list of strings"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			got, from, err := Strings(dir, "dev", tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("values (-want +got):\n%s", d)
			}
			if filepath.Base(from) != tt.wantFrom {
				t.Errorf("from %q, want %s", from, tt.wantFrom)
			}
		})
	}
}
