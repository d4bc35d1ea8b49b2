package cli

// cmdDiff is not built yet; see the issue that delivers it.
func (c *cli) cmdDiff(args []string) error {
	return fail(ExitUsage, "diff: not implemented yet")
}
