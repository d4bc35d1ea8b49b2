// Package packager compiles the Sluice Lambda functions and packages them as
// reproducible deployment zips.
//
// Each function lives in functions/cmd/<fn> and is built as a single
// executable named bootstrap for the provided.al2023 runtime:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -buildvcs=false \
//	    -tags lambda.norpc -ldflags "-s -w -buildid=" -o bootstrap ./functions/cmd/<fn>
//
// The zip holds that one entry with a fixed timestamp (1980-01-01 00:00, the
// zip epoch), fixed mode 0755 and no extra fields, so building the same
// source with the same toolchain twice gives byte-identical zips and Pulumi
// sees no change in source_code_hash. Package returns that hash: the base64
// standard encoding of the zip's SHA-256, which is what Lambda's
// source_code_hash / CodeSha256 compare against.
//
// Outputs go under the repository's git-ignored build/ folder (DefaultDir).
// The functions in this package are safe for concurrent use on different
// output paths; building the same function into the same folder concurrently
// is safe too (files are written to a temporary name and renamed), but wastes
// work.
package packager
