package cli

import (
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// defaultStack is the stack drawn when --stack is not given.
const defaultStack = "dev"

// pipelineMachine returns the compiled pipeline of a stack, with synthetic
// ARNs (pipeline.Synthetic). An unknown stack is a usage error.
func pipelineMachine(stack string) (*asl.StateMachine, error) {
	if stack == "" {
		stack = defaultStack
	}
	c, err := pipeline.Synthetic(stack)
	if err != nil {
		return nil, usagef("--stack: %v", err)
	}
	return c.Machine, nil
}
