package cli

// cmdTransform is not built yet; see the issue that delivers it.
func (c *cli) cmdTransform(args []string) error {
	return fail(ExitUsage, "transform: not implemented yet")
}
