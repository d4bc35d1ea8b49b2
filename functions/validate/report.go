package validate

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
)

// Report statuses.
const (
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
)

// Report is the JSON validation report written to contract.ReportKey when
// a file has bad rows or is rejected.
type Report struct {
	// Dataset names the dataset.
	Dataset string `json:"dataset"`
	// Source is the validated object.
	Source contract.Object `json:"source"`
	// Format is the dataset's format kind ("csv", ...).
	Format string `json:"format"`
	// Status is "accepted" (bad rows within the policy) or "rejected".
	Status string `json:"status"`
	// Reason is a one-line summary of a rejection.
	Reason string `json:"reason,omitempty"`
	// Rows counts the data rows read.
	Rows int64 `json:"rows"`
	// BadRows counts the rows with problems.
	BadRows int64 `json:"badRows"`
	// Filtered counts the good rows the dataset's filters dropped.
	Filtered int64 `json:"filtered"`
	// Policy is the dataset's row-error policy.
	Policy dataset.RowErrors `json:"policy"`
	// Errors lists the first problems, in file order: at most
	// Config.MaxReportErrors. A file-level problem (Row 0) comes last.
	Errors []Problem `json:"errors"`
	// ErrorsOmitted counts problems beyond the list.
	ErrorsOmitted int64 `json:"errorsOmitted,omitempty"`
	// CountsByCode counts every problem by code.
	CountsByCode map[string]int64 `json:"countsByCode,omitempty"`
	// Partial says reading stopped early: the file was certain to be
	// rejected (RejectFile policy) and the error list was full, so Rows and
	// BadRows count only the rows read.
	Partial bool `json:"partial,omitempty"`
	// DuplicateCheckLimited says the duplicate-key check stopped
	// remembering keys at its cap; later duplicates may be missed.
	DuplicateCheckLimited bool `json:"duplicateCheckLimited,omitempty"`
}

// Rejected reports whether the file was rejected.
func (r *Report) Rejected() bool { return r.Status == StatusRejected }

// add records a problem, keeping the first max in the list.
func (r *Report) add(p Problem, max int) {
	if r.CountsByCode == nil {
		r.CountsByCode = map[string]int64{}
	}
	r.CountsByCode[p.Code]++
	if len(r.Errors) < max {
		r.Errors = append(r.Errors, p)
	} else {
		r.ErrorsOmitted++
	}
}

func (r *Report) reject(p Problem) {
	r.Status = StatusRejected
	r.Reason = p.Reason
	if p.Line > 0 {
		r.Reason = fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	if r.CountsByCode == nil {
		r.CountsByCode = map[string]int64{}
	}
	r.CountsByCode[p.Code]++
	r.Errors = append(r.Errors, p)
}

// Recorder builds a Report from the rows of one file as they are scanned.
// Check uses it; so can a single-pass caller that validates while it
// transforms (sluice transform). Not safe for concurrent use.
type Recorder struct {
	rep  *Report
	max  int
	stop bool // the report can no longer change its verdict
	done bool
}

// NewRecorder starts the report of src. When the object's size is already
// out of the dataset's bounds the report is rejected at once (Done).
func NewRecorder(src contract.Object, ds *dataset.Dataset, cfg Config) *Recorder {
	cfg = cfg.withDefaults()
	r := &Recorder{
		rep: &Report{Dataset: ds.Name, Source: src, Format: string(ds.Format.Kind), Status: StatusAccepted, Policy: ds.Policy(), Errors: []Problem{}},
		max: cfg.MaxReportErrors,
	}
	if p, ok := sizeProblem(src.Size, ds); ok {
		r.Reject(p)
	}
	return r
}

// Done reports whether reading further cannot change the report: the file
// is rejected and, under RejectFile, the error list is full.
func (r *Recorder) Done() bool { return r.done || r.stop }

// Row records one scanned row.
func (r *Recorder) Row(row Row) {
	rep := r.rep
	rep.Rows++
	switch {
	case row.Bad():
		rep.BadRows++
		for _, p := range row.Problems {
			rep.add(p, r.max)
		}
		if rep.Policy.Mode == dataset.RejectFile && len(rep.Errors) >= r.max {
			r.stop = true
		}
	case row.Filtered:
		rep.Filtered++
	}
}

// Good records n good, kept rows at once: the rows Scanner.AppendGood
// hands out, which Row would only count.
func (r *Recorder) Good(n int64) { r.rep.Rows += n }

// Reject records a file-level problem: the file is rejected.
func (r *Recorder) Reject(p Problem) {
	r.rep.reject(p)
	r.done = true
}

// Finish applies the end-of-file rules (no rows, the row-error policy) and
// returns the report. partial says reading stopped before the end (after
// Done); keysLimited that the duplicate-key check reached its cap.
func (r *Recorder) Finish(partial, keysLimited bool) *Report {
	rep := r.rep
	rep.Partial = partial
	rep.DuplicateCheckLimited = keysLimited
	if r.done {
		return rep
	}
	r.done = true
	switch {
	case rep.Rows == 0:
		rep.reject(Problem{Code: CodeNoRows, Reason: "the file has no data rows"})
	case !rep.Policy.Tolerates(rep.Rows, rep.BadRows):
		rep.Status = StatusRejected
		rep.Reason = policyReason(rep)
		rep.CountsByCode[CodeTooManyBad]++
	}
	return rep
}

// Check validates a whole file (content r, object name used for the
// suffix and gzip checks) and returns its report. The error is non-nil only
// when the stream could not be read (a *ReadError): a bad file is a report
// with Status "rejected". Under RejectFile it stops reading once the report
// is full (Report.Partial).
//
// Rows of a CSV file are checked on the scanner's fast path, on every
// core, without staging them (dataset.RowPlan.CheckPlain): the rows it
// cannot vouch for, and every problem, come from the general path, so the
// report is the one that path alone gives.
func Check(r io.Reader, src contract.Object, ds *dataset.Dataset, cfg Config) (*Report, error) {
	return check(r, src, ds, cfg, false)
}

// check is Check; general keeps the fast path off (the differential
// tests).
func check(r io.Reader, src contract.Object, ds *dataset.Dataset, cfg Config, general bool) (*Report, error) {
	rec := NewRecorder(src, ds, cfg)
	if rec.Done() {
		return rec.Finish(false, false), nil
	}
	sc, err := newScanner(r, src.Key, ds, cfg, max(src.Size, sizeOf(r)))
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			rec.Reject(fe.Problem)
			return rec.Finish(false, false), nil
		}
		return nil, err
	}
	defer sc.Close()
	sc.checkOnly, sc.noPlan = true, general
	for !rec.Done() {
		// A good row cannot make the report Done: runs of them are
		// counted at once.
		if _, n := sc.AppendGood(nil, math.MaxInt, math.MaxInt); n > 0 {
			rec.Good(int64(n))
			continue
		}
		_, row, err := sc.AppendNext(nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				rec.Reject(fe.Problem)
				break
			}
			return nil, err
		}
		rec.Row(row)
	}
	return rec.Finish(rec.stop, sc.KeysLimited()), nil
}

func policyReason(rep *Report) string {
	s := fmt.Sprintf("%d of %d rows failed validation", rep.BadRows, rep.Rows)
	if rep.Partial {
		s = fmt.Sprintf("%d of the first %d rows failed validation", rep.BadRows, rep.Rows)
	}
	switch {
	case rep.Policy.Mode != dataset.SkipBadRows:
		return s + " (the dataset rejects files with any bad row)"
	case rep.BadRows >= rep.Rows:
		return s + " (no good rows)"
	}
	return s + fmt.Sprintf(" (more than the tolerated %g%%)", rep.Policy.MaxErrorRate*100)
}

func sizeProblem(size int64, ds *dataset.Dataset) (Problem, bool) {
	switch {
	case size < 0:
	case size > 0 && size < ds.MinSize:
		return Problem{Code: CodeSize, Reason: fmt.Sprintf("the file has %d bytes, fewer than the minimum %d", size, ds.MinSize)}, true
	case ds.MaxSize > 0 && size > ds.MaxSize:
		return Problem{Code: CodeSize, Reason: fmt.Sprintf("the file has %d bytes, more than the maximum %d", size, ds.MaxSize)}, true
	}
	return Problem{}, false
}
