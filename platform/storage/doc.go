// Package storage holds the Storage component: the pipeline bucket.
// Incoming files land under each dataset's prefix; the pipeline writes
// under staging/, reports/, quarantine/ and results/ (functions/contract).
// The bucket is versioned, SSE-KMS encrypted with a bucket key, blocks
// public access, enforces bucket-owner object ownership, denies requests
// without TLS, ages data out through lifecycle rules and sends its events
// to EventBridge.
package storage
