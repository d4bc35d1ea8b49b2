package cli

// cmdLint is not built yet; see the issue that delivers it.
func (c *cli) cmdLint(args []string) error {
	return fail(ExitUsage, "lint: not implemented yet")
}
