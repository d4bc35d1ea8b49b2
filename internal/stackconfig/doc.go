// Package stackconfig reads values of a stack's configuration from the
// Pulumi project files themselves (Pulumi.yaml and Pulumi.<stack>.yaml), for
// the commands that need a stack's settings without the Pulumi SDK: the CLI
// must not import it (STYLE.md, section 1), and the deployed program reads
// the same keys through Pulumi (platform.LoadConfig).
package stackconfig
