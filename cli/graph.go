package cli

// cmdGraph is not built yet; see the issue that delivers it.
func (c *cli) cmdGraph(args []string) error {
	return fail(ExitUsage, "graph: not implemented yet")
}
