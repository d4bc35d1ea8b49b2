package cli

// cmdExec is not built yet; see the issue that delivers it.
func (c *cli) cmdExec(args []string) error {
	return fail(ExitUsage, "exec: not implemented yet")
}
