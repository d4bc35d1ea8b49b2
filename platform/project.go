package platform

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ProjectFile renders Pulumi.yaml: the project's name, runtime and
// description and a typed `config:` declaration (type, default,
// description) for every key of Keys, in order. Pulumi.yaml is checked
// against it by a test (go test ./platform -update rewrites it).
func ProjectFile(name, description string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "name: %s\nruntime: go\ndescription: %s\n", name, description)
	b.WriteString("# Typed stack configuration, generated from platform.Keys (go test ./platform -update).\n")
	b.WriteString("# Set a value with `pulumi config set sluice:<key> <value>`; docs/deploy.md explains each.\n")
	b.WriteString("config:\n")
	for _, k := range Keys {
		def, err := yamlScalar(k)
		if err != nil {
			return nil, err
		}
		desc, err := yaml.Marshal(k.Description)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %s:\n    type: %s\n", k.Name, k.Type)
		if k.Type == "array" {
			b.WriteString("    items:\n      type: string\n")
		}
		fmt.Fprintf(&b, "    default: %s\n    description: %s", def, strings.TrimLeft(string(desc), " "))
	}
	return b.Bytes(), nil
}

func yamlScalar(k Key) (string, error) {
	switch k.Type {
	case "integer", "boolean", "array":
		return k.Default, nil
	case "string":
		b, err := yaml.Marshal(k.Default)
		if err != nil {
			return "", err
		}
		s := strings.TrimSpace(string(b))
		if s == "" || s == `""` || s == "''" {
			return `""`, nil
		}
		return s, nil
	}
	return "", fmt.Errorf("platform: key %s has type %q", k.Name, k.Type)
}

// ConfigTable renders Keys as a Markdown table (key, type, default,
// meaning) for docs/deploy.md, which a test keeps in step.
func ConfigTable() string {
	var b strings.Builder
	b.WriteString("| Key | Type | Default | Meaning |\n|---|---|---|---|\n")
	for _, k := range Keys {
		def := "`" + k.Default + "`"
		if k.Default == "" {
			def = "(empty)"
		}
		typ := k.Type
		if typ == "array" {
			typ = "array of strings"
		}
		fmt.Fprintf(&b, "| `sluice:%s` | %s | %s | %s |\n", k.Name, typ, def, strings.ReplaceAll(k.Description, "|", "\\|"))
	}
	return b.String()
}
