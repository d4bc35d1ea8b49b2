package workflow

import (
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// validate runs validate.Machine and records its findings: errors fail
// Compile, warnings end up in Compiled.Warnings.
func (c *compiler) validate(m *asl.StateMachine) {
	for _, is := range validate.Machine(m, validate.WithType(c.cfg.machineType)) {
		c.add(Issue{Path: is.Path, State: is.State, Code: is.Code, Warning: is.Severity == validate.Warning, Msg: is.Msg})
	}
}
