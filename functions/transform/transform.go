package transform

import (
	"errors"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/validate"
)

// Config tunes the transformer. The zero value means the defaults. Read
// from the environment only in functions/cmd.
type Config struct {
	// Validate holds the limits shared with the validator; they must be the
	// same for both functions to agree on bad rows.
	Validate validate.Config
	// ChunkRecords is the most records per chunk. Default: 5,000.
	ChunkRecords int
	// ChunkBytes is the most bytes per chunk (a chunk closes after the
	// record that reaches it). Default: 16 MiB.
	ChunkBytes int
	// StagingBucket is where chunks and the manifest are written.
	// Default: the source object's bucket.
	StagingBucket string
	// Observe, when set, sees every scanned row (good, filtered or bad)
	// as it is staged: a caller can build the validation report in the
	// same pass (validate.Recorder.Row). Row.Record is nil: the record
	// is staged as its JSON line (validate.Scanner.AppendNext). Not read
	// from the environment.
	Observe func(validate.Row)
	// ObserveGood, when set, counts the good, kept rows that Run stages
	// in runs (validate.Scanner.AppendGood, validate.Recorder.Good):
	// Observe then sees only the other rows. When Observe is set and
	// ObserveGood is not, every row goes to Observe one by one. Not read
	// from the environment.
	ObserveGood func(n int64)
	// Recycle, when set, is called after the sink returned with the
	// chunk's buffer and returns the buffer for the next chunk: a sink
	// that keeps the chunk's bytes (to write them on another goroutine)
	// swaps in one it is done with instead of copying. Default: the
	// chunk's buffer is reused. Not read from the environment.
	Recycle func(data []byte) []byte
}

// Defaults of Config, shared with the cost model through the contract.
const (
	DefaultChunkRecords = contract.DefaultChunkRecords
	DefaultChunkBytes   = contract.DefaultChunkBytes
)

func (c Config) withDefaults() Config {
	if c.ChunkRecords <= 0 {
		c.ChunkRecords = DefaultChunkRecords
	}
	if c.ChunkBytes <= 0 {
		c.ChunkBytes = DefaultChunkBytes
	}
	return c
}

// Sink receives each finished chunk: its index (from 0), its JSON Lines
// content (valid only during the call, unless Config.Recycle takes the
// buffer) and its record count.
type Sink func(index int, data []byte, records int64) error

// Stats counts what Run did.
type Stats struct {
	// Rows counts the data rows read.
	Rows int64
	// Records counts the staged records; Filtered the rows the filters
	// dropped; Rejected the bad rows skipped.
	Records, Filtered, Rejected int64
	// Chunks counts the chunks passed to the sink (at least 1: a file with
	// no staged record gives one empty chunk, so that the workflow always
	// has a chunk to pass on).
	Chunks int
	// Chunk holds the record count of each chunk.
	Chunk []int64
	// KeysLimited says the duplicate-key check reached its cap.
	KeysLimited bool
}

// RejectedError reports that the file breaks its dataset's row-error
// policy (or cannot be read as its format): the validator should have
// rejected it first.
type RejectedError struct {
	// Problem is the file-level problem, if any.
	Problem *validate.Problem
	// Stats are the counts so far.
	Stats Stats
	// Reason summarises.
	Reason string
}

func (e *RejectedError) Error() string { return "transform rejected the file: " + e.Reason }

// Run transforms a file of ds (content r, object name for the suffix and
// gzip checks) into chunks passed to sink. It returns a *RejectedError when
// the file breaks the row-error policy, a *validate.ReadError when the
// stream fails, or the sink's error.
func Run(r io.Reader, name string, ds *dataset.Dataset, cfg Config, sink Sink) (Stats, error) {
	cfg = cfg.withDefaults()
	var st Stats
	sc, err := validate.NewScanner(r, name, ds, cfg.Validate)
	if err != nil {
		return st, rejected(err, st)
	}
	defer sc.Close()
	// The chunk's JSON Lines, appended in runs of good rows
	// (Scanner.AppendGood) and row by row (Scanner.AppendNext).
	var buf []byte
	var inChunk int64
	flush := func() error {
		if err := sink(st.Chunks, buf, inChunk); err != nil {
			return err
		}
		st.Chunk = append(st.Chunk, inChunk)
		st.Chunks++
		if cfg.Recycle != nil {
			buf = cfg.Recycle(buf)
		}
		buf, inChunk = buf[:0], 0
		return nil
	}
	// Runs of good rows go into the chunk in one copy each unless every
	// row must be observed on its own.
	runs := cfg.Observe == nil || cfg.ObserveGood != nil
	for {
		if runs {
			var n int
			if buf, n = sc.AppendGood(buf, cfg.ChunkRecords-int(inChunk), cfg.ChunkBytes); n > 0 {
				st.Rows += int64(n)
				st.Records += int64(n)
				inChunk += int64(n)
				if cfg.ObserveGood != nil {
					cfg.ObserveGood(int64(n))
				}
				if inChunk >= int64(cfg.ChunkRecords) || len(buf) >= cfg.ChunkBytes {
					if err := flush(); err != nil {
						return st, err
					}
				}
				continue
			}
		}
		var row validate.Row
		buf, row, err = sc.AppendNext(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var re *validate.ReadError
			var fe *validate.FileError
			if !errors.As(err, &re) && !errors.As(err, &fe) {
				return st, fmt.Errorf("transform: line %d: %w", row.Line, err)
			}
			return st, rejected(err, st)
		}
		if cfg.Observe != nil {
			cfg.Observe(row)
		}
		st.Rows++
		switch {
		case row.Bad():
			st.Rejected++
			continue
		case row.Filtered:
			st.Filtered++
			continue
		}
		st.Records++
		inChunk++
		if inChunk >= int64(cfg.ChunkRecords) || len(buf) >= cfg.ChunkBytes {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	st.KeysLimited = sc.KeysLimited()
	if inChunk > 0 || st.Chunks == 0 {
		if err := flush(); err != nil {
			return st, err
		}
	}
	if st.Rows == 0 {
		return st, &RejectedError{Stats: st, Reason: "the file has no data rows"}
	}
	if p := ds.Policy(); !p.Tolerates(st.Rows, st.Rejected) {
		return st, &RejectedError{Stats: st, Reason: fmt.Sprintf("%d of %d rows are bad, beyond the dataset's row-error policy", st.Rejected, st.Rows)}
	}
	return st, nil
}

func rejected(err error, st Stats) error {
	var fe *validate.FileError
	if errors.As(err, &fe) {
		p := fe.Problem
		return &RejectedError{Problem: &p, Stats: st, Reason: fe.Error()}
	}
	return err
}

// Chunks builds the manifest entries of a run: chunk i of stage
// "transformed" in bucket.
func Chunks(ds string, src contract.Object, bucket string, counts []int64) []contract.Chunk {
	out := make([]contract.Chunk, len(counts))
	for i, n := range counts {
		out[i] = contract.Chunk{Dataset: ds, Bucket: bucket, Key: contract.ChunkKey(ds, src, Stage, i), Index: i, Records: n, Source: src}
	}
	return out
}

// Stage is the staging stage name of the transformer's chunks.
const Stage = "transformed"
