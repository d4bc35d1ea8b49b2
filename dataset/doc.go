// Package dataset declares the datasets Sluice ingests: where their files land
// (Prefix, Suffixes, size bounds), how the files are encoded (Format), the
// typed fields and their constraints (Fields), the DynamoDB item key (Key),
// the transforms, the enrichment (reference lookups, calculated fields, HTTP)
// and the row-error policy.
//
// One declaration drives everything: the EventBridge rules and IAM in
// platform/, the validate and transform functions, the enricher and loader,
// the local runtime and the CLI. A data team adds a dataset by writing a Go
// value of type Dataset and adding it to the set (see docs/datasets.md).
//
// A Dataset must be compiled before use. Compile type-checks every part of
// the declaration at once (patterns, bounds, enum values, key templates,
// filter and calculated-field expressions) and returns all problems as
// Issues, each naming the dataset and the field. A compiled Dataset is
// immutable and safe for concurrent use. NewSet compiles a group of datasets
// together and resolves cross-dataset references (lookups); Builtin returns
// the compiled example set shipped with Sluice.
//
// Values: records are JSON objects. Normalize turns one raw record (strings
// from CSV or XML, json.Number, bool or nested values from JSON) into the
// typed, normalised record written to staging: strings stay strings, int and
// decimal become json.Number (decimals are never floats, so they stay exact),
// bool becomes bool, date becomes "YYYY-MM-DD" and timestamp becomes
// RFC 3339 in UTC with millisecond precision ("2006-01-02T15:04:05.000Z",
// which sorts lexically in time order). A list field (Field.List) becomes a
// []any of such values, read from a JSON array, repeated XML elements or a
// delimited text, each element checked and reported as "field[i]"; it is
// stored as a DynamoDB List, or a String or Number Set where declared.
//
// Expressions (filters and calculated fields) use github.com/expr-lang/expr.
// Field values appear in them with these Go types: string, enum and date as
// string, int as int, decimal as Number (exact, with + - * / and comparisons
// overloaded), bool as bool and timestamp as time.Time.
package dataset
