// Package awsapi holds the narrow S3 interfaces the functions depend on
// (*s3.Client satisfies each) and the classification of SDK errors into the
// typed errors of fnerr. In-memory fakes for tests live in awsapitest.
package awsapi
