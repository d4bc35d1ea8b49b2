// Package naming derives resource names and default tags for the Sluice
// platform, so that every component names and tags its children the same
// way.
package naming
