package cli

// cmdTable is not built yet; see the issue that delivers it.
func (c *cli) cmdTable(args []string) error {
	return fail(ExitUsage, "table: not implemented yet")
}
