package cli

// cmdRun is not built yet; see the issue that delivers it.
func (c *cli) cmdRun(args []string) error {
	return fail(ExitUsage, "run: not implemented yet")
}
