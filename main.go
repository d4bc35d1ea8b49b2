// Command sluice-platform is the Pulumi program of Sluice (Pulumi.yaml,
// runtime go): it reads the stack configuration once into a validated
// platform.Config and deploys the stack with platform.Program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg, err := platform.LoadConfig(ctx.Project(), ctx.Stack(), ctx.GetConfig)
		if err != nil {
			return err
		}
		return platform.Program(ctx, cfg, platform.Options{})
	})
}
