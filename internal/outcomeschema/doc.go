// Package outcomeschema compiles the JSON Schema of Sluice's outcome events
// (docs/schemas/outcome.schema.json) with a real JSON Schema validator
// (github.com/santhosh-tekuri/jsonschema/v6, draft 2020-12), so that tests
// check the events the pipeline publishes, and the machine's PutEvents
// parameters, against the published contract itself rather than a copy
// of it.
package outcomeschema
