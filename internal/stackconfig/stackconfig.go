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
	projFile := filepath.Join(dir, "Pulumi.yaml")
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	proj, err := readFile(projFile)
	if err != nil {
		return nil, "", err
	}
	st, err := readFile(stackFile)
	if err != nil {
		return nil, "", err
	}
	return parseBatchDatasets(projFile, proj, stackFile, st)
}

// parseBatchDatasets is BatchDatasets over the files' contents; projFile
// and stackFile name them in errors and in from.
func parseBatchDatasets(projFile string, projYAML []byte, stackFile string, stackYAML []byte) (names []string, from string, err error) {
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(projYAML, &proj); err != nil {
		return nil, "", fmt.Errorf("%s: %w", projFile, err)
	}
	if proj.Name == "" {
		return nil, "", fmt.Errorf("%s: no project name", projFile)
	}
	var st struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(stackYAML, &st); err != nil {
		return nil, "", fmt.Errorf("%s: %w", stackFile, err)
	}
	full := proj.Name + ":" + BatchDatasetsKey
	if n, ok := st.Config[full]; ok {
		names, err := yamlNames(n)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %s: %w", stackFile, full, err)
		}
		return names, stackFile, nil
	}
	names, err = yamlNames(proj.Config[BatchDatasetsKey].Default)
	if err != nil {
		return nil, "", fmt.Errorf("%s: config.%s.default: %w", projFile, BatchDatasetsKey, err)
	}
	return names, projFile, nil
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
