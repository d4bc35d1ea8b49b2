package offline

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/platform"
)

// Project is the Pulumi project name (Pulumi.yaml).
const Project = "sluice"

// Result is what one offline run deployed.
type Result struct {
	// Stack is the stack name.
	Stack string `json:"stack"`
	// Resources are every registration, sorted by URN.
	Resources []Resource `json:"resources"`
	// Outputs are the stack outputs, resolved.
	Outputs map[string]any `json:"outputs"`
	// Config is the validated configuration.
	Config platform.Config `json:"-"`
	// Deployed holds the components (valid after Run returns, for tests).
	Deployed *platform.Stack `json:"-"`
}

// LoadStackFile reads the config of a Pulumi.<stack>.yaml file as the flat
// map Pulumi passes to programs ("sluice:memoryMb" → "512").
func LoadStackFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := platform.ParseStackValues(f.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Run validates config for stack and runs the program under a Recorder.
// Without a region in config ("aws:region"), Region is used.
func Run(stack string, config map[string]string, opts platform.Options) (*Result, error) {
	cfg, err := platform.LoadConfigMap(Project, stack, config)
	if err != nil {
		return nil, err
	}
	rec := &Recorder{Project: Project, Stack: stack, Region: cfg.Region}
	res := &Result{Stack: stack, Config: cfg, Outputs: map[string]any{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		st, err := platform.Deploy(ctx, cfg, opts)
		if err != nil {
			return err
		}
		res.Deployed = st
		for _, k := range slices.Sorted(maps.Keys(st.Outputs)) {
			ctx.Export(k, st.Outputs[k])
			wg.Add(1)
			pulumi.All(st.Outputs[k]).ApplyT(func(v []interface{}) error {
				defer wg.Done()
				mu.Lock()
				res.Outputs[k] = v[0]
				mu.Unlock()
				return nil
			})
		}
		return nil
	}, pulumi.WithMocks(Project, stack, rec), func(info *pulumi.RunInfo) {
		info.Config = maps.Clone(config)
	})
	if err != nil {
		return nil, err
	}
	wg.Wait()
	res.Resources = rec.Resources()
	// Outputs as plain JSON values (maps of strings become map[string]any).
	b, err := json.Marshal(res.Outputs)
	if err != nil {
		return nil, err
	}
	res.Outputs = nil
	if err := json.Unmarshal(b, &res.Outputs); err != nil {
		return nil, err
	}
	return res, nil
}
