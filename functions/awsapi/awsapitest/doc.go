// Package awsapitest provides an in-memory, versioned S3 for tests of the
// functions (and for running them in-process, as the CLI does), with
// injectable failures. It needs no network.
package awsapitest
