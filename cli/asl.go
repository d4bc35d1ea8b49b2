package cli

// cmdASL is not built yet; see the issue that delivers it.
func (c *cli) cmdASL(args []string) error {
	return fail(ExitUsage, "asl: not implemented yet")
}
