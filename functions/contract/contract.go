// Package contract is what the state machine (workflow/pipeline), the
// functions, the platform and the local runtime share: the JSON documents
// that pass between the states of the Sluice workflow and the S3 key layout
// they point into (contract.go), the ledger's statuses and the reconciler's
// rules (ledger.go), the functions' environment variables (env.go) and the
// metrics they emit (metrics.go). The platform imports no handler package:
// it names what it sets and reads through this one.
//
// Data never moves through the state machine (its payload limit is
// 256 KiB): only the small documents of this package do, each naming
// objects in the pipeline bucket.
//
// The types live together, rather than one per function package, because the
// state machine (workflow/pipeline), the four functions and the local runtime
// all read them: one definition keeps the JSONPath in the workflow and the
// json tags here from drifting apart, and a test in workflow/pipeline checks
// every path it uses against these tags.
//
// The maxBytes tags bound the strings for the workflow's payload budget
// (workflow/shape): S3 allows buckets of 63 bytes, keys and version IDs of
// 1,024; dataset names are at most 63 (package dataset); execution ARNs
// at most 2,048. The functions do not enforce them: they describe values
// that S3 and Step Functions already bound.
package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// Object points at one S3 object version.
type Object struct {
	Bucket    string `json:"bucket" maxBytes:"63"`
	Key       string `json:"key" maxBytes:"1024"`
	VersionID string `json:"versionId,omitempty" maxBytes:"1024"`
	Size      int64  `json:"size,omitempty"`
}

// FileEvent is the execution input: what the EventBridge rule's input
// transformer extracts from an S3 "Object Created" event, plus the dataset the
// rule belongs to.
type FileEvent struct {
	Dataset   string `json:"dataset" maxBytes:"63"`
	Bucket    string `json:"bucket" maxBytes:"63"`
	Key       string `json:"key" maxBytes:"1024"`
	VersionID string `json:"versionId,omitempty" maxBytes:"1024"`
	Size      int64  `json:"size"`
	ETag      string `json:"etag,omitempty" maxBytes:"64"`
	EventTime string `json:"eventTime,omitempty" maxBytes:"64"`
}

// Source returns the event's object.
func (e FileEvent) Source() Object {
	return Object{Bucket: e.Bucket, Key: e.Key, VersionID: e.VersionID, Size: e.Size}
}

// ValidateOutput is the Validator's result (the input is the FileEvent).
type ValidateOutput struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Source  Object `json:"source"`
	Format  string `json:"format" maxBytes:"16"`
	// Rows counts data rows read; BadRows those that failed validation but
	// were tolerated by the dataset's row-error policy.
	Rows    int64 `json:"rows"`
	BadRows int64 `json:"badRows"`
	// Report is the key of the validation report, written whenever there
	// were bad rows (and always on rejection); "" when there is none. It
	// is always present: the workflow copies it into the execution output
	// and the ledger, and a JSONPath to a missing field fails the state.
	Report string `json:"report" maxBytes:"1024"`
}

// TransformInput is what the Transformer receives.
type TransformInput struct {
	Dataset     string `json:"dataset" maxBytes:"63"`
	Source      Object `json:"source"`
	ExecutionID string `json:"executionId,omitempty" maxBytes:"2048"`
}

// TransformOutput is the Transformer's result: the staged JSON Lines, split
// into chunks sized for the Distributed Map path.
type TransformOutput struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Source  Object `json:"source"`
	// Records counts the staged records; Filtered those the dataset's
	// filters dropped; Rejected those bad rows skipped under the row-error
	// policy.
	Records  int64 `json:"records"`
	Filtered int64 `json:"filtered"`
	Rejected int64 `json:"rejected"`
	// Chunks lists the staged chunk files in order.
	ChunkCount int `json:"chunkCount"`
	// Manifest is the key of a JSON array of Chunk documents (the
	// Distributed Map's ItemReader source).
	Manifest string `json:"manifest" maxBytes:"1024"`
	// First is the first chunk, used directly by the inline path when
	// ChunkCount is 1.
	First Chunk `json:"first"`
	// Enrich reports whether the dataset declares enrichment.
	Enrich bool `json:"enrich"`
}

// Chunk is one staged file of JSON Lines records: an element of the manifest
// and the input of Enrich and Load.
type Chunk struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Bucket  string `json:"bucket" maxBytes:"63"`
	Key     string `json:"key" maxBytes:"1024"`
	Index   int    `json:"index"`
	Records int64  `json:"records"`
	// Source is the original file, for metadata and the loader's version
	// check.
	Source Object `json:"source"`
	// ExecutionID is the workflow execution that staged the chunk (from
	// TransformInput.ExecutionID), written on items as _execution.
	ExecutionID string `json:"executionId,omitempty" maxBytes:"2048"`
}

// EnrichOutput is the Enricher's result: a new chunk with enriched records.
type EnrichOutput = Chunk

// LoadOutput is the Loader's result for one chunk.
type LoadOutput struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Key     string `json:"key" maxBytes:"1024"`
	// Written counts items put; Stale those skipped because the table holds
	// data from a newer version of the source file.
	Written int64 `json:"written"`
	Stale   int64 `json:"stale"`
}

// Key prefixes of the pipeline bucket. Incoming files land under a dataset's
// own prefix (see package dataset); everything the pipeline writes goes under
// these.
const (
	StagingPrefix    = "staging/"
	ReportsPrefix    = "reports/"
	QuarantinePrefix = "quarantine/"
	ResultsPrefix    = "results/"
	// ProcessedPrefix holds a batch dataset's files once they have an
	// outcome (processed/<dataset>/<versionId>/<key>): the batch moves
	// them out of the dataset's prefix, so it lists only pending files.
	ProcessedPrefix = "processed/"
)

// InternalPrefixes returns the prefixes of everything the pipeline writes
// in the bucket itself: staged chunks and manifests, validation reports,
// quarantined copies and the Distributed Map's results. The bucket sends
// EventBridge the events of all its objects, so the rule reporting files
// no dataset accepts ignores these keys.
func InternalPrefixes() []string {
	return []string{StagingPrefix, ReportsPrefix, QuarantinePrefix, ResultsPrefix, ProcessedPrefix}
}

// RunID returns a stable identifier of one version of one object, used to
// name everything derived from it so that a re-run overwrites rather than
// duplicates.
func RunID(o Object) string {
	h := sha256.Sum256([]byte(o.Bucket + "\x00" + o.Key + "\x00" + o.VersionID))
	return hex.EncodeToString(h[:8])
}

// NullVersion is the version id S3 gives an object of a bucket that was
// never versioned. The pipeline's NoVersion state uses it when an event
// carries no version, so the ledger key of such an object ends in "#null".
const NullVersion = "null"

// LedgerKey returns the ledger item key (attribute "pk") of an object
// version, as the pipeline's Claim state writes it with
// States.Format('FILE#{}/{}#{}', $.bucket, $.key, $.versionId):
// "FILE#<bucket>/<key>#<versionId>", NullVersion for an empty version. A
// test in workflow/pipeline evaluates the machine's expression against it.
func LedgerKey(o Object) string {
	v := o.VersionID
	if v == "" {
		v = NullVersion
	}
	return "FILE#" + o.Bucket + "/" + o.Key + "#" + v
}

// StagingDir returns the staging folder of a source object version.
func StagingDir(dataset string, o Object) string {
	return StagingPrefix + dataset + "/" + RunID(o) + "/"
}

// ChunkKey returns the key of chunk i of stage ("transformed", "enriched").
func ChunkKey(dataset string, o Object, stage string, i int) string {
	return StagingDir(dataset, o) + stage + "/part-" + pad5(i) + ".jsonl"
}

// ManifestKey returns the key of a source object's chunk manifest.
func ManifestKey(dataset string, o Object) string {
	return StagingDir(dataset, o) + "manifest.json"
}

// ReportKey returns the key of a source object's validation report.
func ReportKey(dataset string, o Object) string {
	base := path.Base(o.Key)
	return ReportsPrefix + dataset + "/" + RunID(o) + "-" + sanitize(base) + ".report.json"
}

// QuarantineKey returns where a rejected source object is copied.
func QuarantineKey(dataset string, o Object) string {
	return QuarantinePrefix + dataset + "/" + RunID(o) + "/" + sanitize(path.Base(o.Key))
}

func pad5(i int) string {
	s := "00000" + itoa(i)
	return s[len(s)-5:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
