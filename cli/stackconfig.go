package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// batchDatasetsKey is the stack configuration key naming the datasets
// processed in batches (platform.Config.BatchDatasets).
const batchDatasetsKey = "batchDatasets"

// stackBatchDatasets reads the batchDatasets of stack from the Pulumi
// project in dir: its value in Pulumi.<stack>.yaml ("sluice:batchDatasets:
// [readings]", or the JSON text Pulumi also accepts), else the default
// Pulumi.yaml declares. from names the file the value came from. The
// program (platform.LoadConfig) reads the same key through Pulumi; the CLI
// reads the files itself so as not to depend on the Pulumi SDK. A missing
// stack file is an error naming it.
func stackBatchDatasets(dir, stack string) (names []string, from string, err error) {
	projFile := filepath.Join(dir, "Pulumi.yaml")
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := readYAMLFile(projFile, &proj); err != nil {
		return nil, "", err
	}
	if proj.Name == "" {
		return nil, "", fmt.Errorf("%s: no project name", projFile)
	}
	var st struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := readYAMLFile(stackFile, &st); err != nil {
		return nil, "", err
	}
	full := proj.Name + ":" + batchDatasetsKey
	if n, ok := st.Config[full]; ok {
		names, err := yamlNames(n)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %s: %w", stackFile, full, err)
		}
		return names, stackFile, nil
	}
	names, err = yamlNames(proj.Config[batchDatasetsKey].Default)
	if err != nil {
		return nil, "", fmt.Errorf("%s: config.%s.default: %w", projFile, batchDatasetsKey, err)
	}
	return names, projFile, nil
}

// readYAMLFile decodes the YAML file at path into v; errors name the file.
func readYAMLFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// yamlNames reads a list of names: a YAML sequence of strings, or a string
// holding a JSON array (as `pulumi config set` may store it). An absent
// or empty value is no names.
func yamlNames(n yaml.Node) ([]string, error) {
	var names []string
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.SequenceNode:
		if err := n.Decode(&names); err != nil {
			return nil, fmt.Errorf("want a list of dataset names: %w", err)
		}
	case yaml.ScalarNode:
		if n.Value == "" {
			return nil, nil
		}
		if err := json.Unmarshal([]byte(n.Value), &names); err != nil {
			return nil, fmt.Errorf("%q is not a list of dataset names", n.Value)
		}
	default:
		return nil, errors.New("want a list of dataset names")
	}
	return names, nil
}
