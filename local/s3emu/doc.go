// Package s3emu is the local runtime's S3: a versioned, persistent object
// store served through gofakes3's S3 REST API, so that the real
// aws-sdk-go-v2 client (and every handler using it) talks to it over HTTP
// as it would to S3.
//
// Object bodies are stored under blobs/, named by their MD5 (compared byte
// for byte before a body shares a name), and object keys never become file
// paths, so a key such as "../../etc/passwd" cannot escape the directory;
// an append-only journal keeps buckets, keys and version IDs across runs.
package s3emu
