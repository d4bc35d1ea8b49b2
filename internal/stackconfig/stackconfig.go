package stackconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// BatchDatasetsKey is the stack configuration key naming the datasets
// processed in batches (platform.Config.BatchDatasets), without its
// project namespace.
const BatchDatasetsKey = "batchDatasets"

// BatchDatasets reads the batchDatasets of stack from the Pulumi
// project in dir: its value in Pulumi.<stack>.yaml ("sluice:batchDatasets:
// [readings]", or the JSON text Pulumi also accepts), else the default
// Pulumi.yaml declares. from names the file the value came from. The
// program (platform.LoadConfig) reads the same key through Pulumi. Every
// error names the file (a missing one too) and the key. Names are not
// checked against a dataset set: the caller knows it.
func BatchDatasets(dir, stack string) (names []string, from string, err error) {
	return list(dir, stack, BatchDatasetsKey, "dataset names")
}

// Strings reads the list of strings key (without its project namespace:
// "tableReplicaRegions", "enrichmentSecrets") of stack from the Pulumi
// project in dir, as BatchDatasets reads batchDatasets: the stack file's
// value (a YAML sequence or the JSON text Pulumi also accepts), else
// Pulumi.yaml's default. from names the file the value came from; every
// error names the file and the key.
func Strings(dir, stack, key string) (values []string, from string, err error) {
	return list(dir, stack, key, "strings")
}

// String reads the scalar key (without its project namespace:
// "batchSchedule") of stack from the Pulumi project in dir: the stack
// file's value, else Pulumi.yaml's default ("" when it declares none).
// from names the file the value came from; every error names the file
// and the key.
func String(dir, stack, key string) (value, from string, err error) {
	n, from, where, err := lookup(dir, stack, key)
	if err != nil {
		return "", "", err
	}
	switch n.Kind {
	case 0:
		return "", from, nil
	case yaml.ScalarNode:
		return n.Value, from, nil
	}
	return "", "", fmt.Errorf("%s: %s: want a single value", from, where)
}

// list is BatchDatasets and Strings: noun says what the list holds, in
// errors.
func list(dir, stack, key, noun string) (names []string, from string, err error) {
	n, from, where, err := lookup(dir, stack, key)
	if err != nil {
		return nil, "", err
	}
	if names, err = yamlNames(n, noun); err != nil {
		return nil, "", fmt.Errorf("%s: %s: %w", from, where, err)
	}
	return names, from, nil
}

// lookup reads the project and stack files in dir and returns key's node
// with the file it came from and where in it (for errors).
func lookup(dir, stack, key string) (n yaml.Node, from, where string, err error) {
	projFile := filepath.Join(dir, "Pulumi.yaml")
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	proj, err := readFile(projFile)
	if err != nil {
		return yaml.Node{}, "", "", err
	}
	st, err := readFile(stackFile)
	if err != nil {
		return yaml.Node{}, "", "", err
	}
	return parseValue(projFile, proj, stackFile, st, key)
}

// parseBatchDatasets is BatchDatasets over the files' contents; projFile
// and stackFile name them in errors and in from.
func parseBatchDatasets(projFile string, projYAML []byte, stackFile string, stackYAML []byte) (names []string, from string, err error) {
	n, from, where, err := parseValue(projFile, projYAML, stackFile, stackYAML, BatchDatasetsKey)
	if err != nil {
		return nil, "", err
	}
	if names, err = yamlNames(n, "dataset names"); err != nil {
		return nil, "", fmt.Errorf("%s: %s: %w", from, where, err)
	}
	return names, from, nil
}

// parseValue finds key over the files' contents: the stack file's value
// of the namespaced key, else Pulumi.yaml's default. where is the key as
// the file spells it.
func parseValue(projFile string, projYAML []byte, stackFile string, stackYAML []byte, key string) (n yaml.Node, from, where string, err error) {
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(projYAML, &proj); err != nil {
		return yaml.Node{}, "", "", fmt.Errorf("%s: %w", projFile, err)
	}
	if proj.Name == "" {
		return yaml.Node{}, "", "", fmt.Errorf("%s: no project name", projFile)
	}
	var st struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(stackYAML, &st); err != nil {
		return yaml.Node{}, "", "", fmt.Errorf("%s: %w", stackFile, err)
	}
	full := proj.Name + ":" + key
	if n, ok := st.Config[full]; ok {
		return n, stackFile, full, nil
	}
	return proj.Config[key].Default, projFile, "config." + key + ".default", nil
}

// readFile reads the file at path; a missing file is an error naming it.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", path)
	}
	return b, err
}

// yamlNames reads a list of names: a YAML sequence of strings, or a string
// holding a JSON array (as `pulumi config set` may store it). An absent
// or empty value is no names. noun says what the names are, in errors.
func yamlNames(n yaml.Node, noun string) ([]string, error) {
	var names []string
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.SequenceNode:
		if err := n.Decode(&names); err != nil {
			return nil, fmt.Errorf("want a list of %s: %w", noun, err)
		}
	case yaml.ScalarNode:
		if n.Value == "" {
			return nil, nil
		}
		if err := json.Unmarshal([]byte(n.Value), &names); err != nil {
			return nil, fmt.Errorf("%q is not a list of %s", n.Value, noun)
		}
	default:
		return nil, fmt.Errorf("want a list of %s", noun)
	}
	return names, nil
}
