// Package offline runs the Pulumi program under mocks, with no Pulumi CLI,
// no plugins and no AWS: Recorder answers the engine's calls with
// deterministic IDs and ARNs and records every resource (type, name,
// parent, provider, inputs), Run executes platform.Program for a stack's
// configuration, and Render, RenderJSON and Diff print what it would
// deploy. cmd/preview and the platform tests use it.
package offline
