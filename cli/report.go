package cli

// cmdReport is not built yet; see the issue that delivers it.
func (c *cli) cmdReport(args []string) error {
	return fail(ExitUsage, "report: not implemented yet")
}
