// Package diff compares two state machines state by state and explains the
// difference the way a reviewer would: states added, removed or renamed
// (matched by shape, so a rename is not shown as a removal plus an addition),
// transitions changed, Retry and Catch changes, paths, parameters and
// timeouts changed.
//
// It works on the asl model only, so it compares compiled pipelines and
// hand-written definitions alike. Rendering is plain text or Markdown for
// pull-request comments.
package diff
