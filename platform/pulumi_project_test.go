package platform

import (
	"io"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// TestPulumiFilesLoad loads Pulumi.yaml and the stack files with the Pulumi
// SDK's own loaders: the project must pass the project-file schema, every
// declared default must fit its type, and every stack value of the project
// namespace must be declared and fit the declared type.
func TestPulumiFilesLoad(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if proj.Name != "sluice" || proj.Runtime.Name() != "go" {
		t.Errorf("project %s runtime %s", proj.Name, proj.Runtime.Name())
	}
	if len(proj.Config) != len(Keys) {
		t.Errorf("%d declared keys, want %d", len(proj.Config), len(Keys))
	}
	typeOf := func(d workspace.ProjectConfigType) string {
		if d.Type == nil {
			return ""
		}
		return *d.Type
	}
	for name, decl := range proj.Config {
		if typeOf(decl) == "" || decl.Description == "" {
			t.Errorf("key %s: type %q description %q", name, typeOf(decl), decl.Description)
		}
		if !workspace.ValidateConfigValue(typeOf(decl), decl.Items, decl.Default) {
			t.Errorf("key %s: default %v is not a %s", name, decl.Default, typeOf(decl))
		}
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	for _, stack := range []string{"dev", "prod"} {
		ps, err := workspace.LoadProjectStack(sink, proj, "../Pulumi."+stack+".yaml")
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		for k, v := range ps.Config {
			if k.Namespace() != "sluice" {
				continue
			}
			decl, ok := proj.Config[k.Name()]
			if !ok {
				t.Errorf("%s: %s is not declared in Pulumi.yaml", stack, k)
				continue
			}
			val, err := v.Value(nil)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := v.ToObject()
			if err != nil {
				t.Fatal(err)
			}
			if !workspace.ValidateConfigValue(typeOf(decl), decl.Items, obj) {
				t.Errorf("%s: %s = %s is not a %s", stack, k, val, typeOf(decl))
			}
		}
	}
}
