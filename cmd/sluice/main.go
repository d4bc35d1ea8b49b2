// Command sluice runs, checks and explains Sluice pipelines on one machine:
// see `sluice help`.
package main

import (
	"os"

	"github.com/sluicehq/sluice/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
