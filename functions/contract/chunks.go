package contract

// The transform's chunking: it closes a chunk of staged records at
// DefaultChunkRecords records or DefaultChunkBytes bytes, whichever comes
// first. The cost model (platform/cost) prices the Distributed Map's child
// executions from the same numbers.
const (
	DefaultChunkRecords = 5000
	DefaultChunkBytes   = 16 << 20
)
