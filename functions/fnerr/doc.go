// Package fnerr defines the errors the Lambda functions return. The Go type
// name of each is the ASL error name that the workflow's Retry and Catch
// match: aws-lambda-go reports errorType as the type name of the returned
// value without unwrapping, so a handler must return these values themselves
// (Surface does that), never a wrapper around them.
//
// workflow/pipeline takes its error names from NameOf applied to these types,
// so a rename here changes the state machine with it.
package fnerr
