package cli

// cmdDev is not built yet; see the issue that delivers it.
func (c *cli) cmdDev(args []string) error {
	return fail(ExitUsage, "dev: not implemented yet")
}
