package cli

import "github.com/sluicehq/sluice/workflow/asl"

// pipelineMachine returns the compiled pipeline of a stack.
func pipelineMachine(stack string) (*asl.StateMachine, error) {
	return nil, usagef("graph: give a FILE (drawing the compiled pipeline comes with workflow/pipeline)")
}
