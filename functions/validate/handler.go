package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/emf"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
)

// Handler is the validate function. Set the fields before the first call;
// it is then safe for concurrent use.
type Handler struct {
	// S3 reads the file and writes the report.
	S3 awsapi.ObjectReadWriter
	// Datasets resolves the event's dataset.
	Datasets *dataset.Set
	// Config tunes the checks.
	Config Config
	// Log receives the function's JSON log lines (fnlog.New). Default:
	// none.
	Log *slog.Logger
	// Metrics receives one embedded metric format line per file read to
	// the end, validated or rejected: RecordsIn and RecordsRejected of its
	// dataset. Default: none.
	Metrics *emf.Logger
}

// Handle validates the object of a FileEvent. It returns the
// ValidateOutput of an accepted file; *fnerr.ValidationFailed (carrying the
// report key) for a rejected one; *fnerr.Retryable when S3 failed
// transiently; *fnerr.ConfigError for an unknown dataset. A report is
// written whenever there were bad rows.
func (h *Handler) Handle(ctx context.Context, ev contract.FileEvent) (contract.ValidateOutput, error) {
	log := fnlog.Or(h.Log).With(fnlog.File("", ev.Dataset, ev.Source())...)
	log.Debug("validating", slog.Int64("size", ev.Size))
	out, err := h.validate(ctx, ev)
	rows, bad, counted := out.Rows, out.BadRows, err == nil
	if vf := (*fnerr.ValidationFailed)(nil); errors.As(err, &vf) {
		rows, bad, counted = vf.Rows, vf.BadRows, true
	}
	if counted {
		fnlog.EmitRecords(ctx, log, h.Metrics, ev.Dataset,
			emf.Metric{Name: contract.MetricRecordsIn, Value: float64(rows), Unit: emf.Count},
			emf.Metric{Name: contract.MetricRecordsRejected, Value: float64(bad), Unit: emf.Count})
	}
	if err != nil {
		fnlog.Failed(ctx, log, "validate failed", err, fnerr.Expected(err))
	} else {
		log.Info("validated", slog.Int64("rows", out.Rows), slog.Int64("badRows", out.BadRows), slog.String("report", out.Report))
	}
	return out, fnerr.Surface(err)
}

func (h *Handler) validate(ctx context.Context, ev contract.FileEvent) (contract.ValidateOutput, error) {
	src := ev.Source()
	out := contract.ValidateOutput{Dataset: ev.Dataset, Source: src}
	if h.S3 == nil || h.Datasets == nil {
		return out, &fnerr.ConfigError{Msg: "validate: Handler needs S3 and Datasets"}
	}
	ds, err := h.Datasets.Lookup(ev.Dataset)
	if err != nil {
		return out, &fnerr.ConfigError{Msg: "validate: " + err.Error()}
	}
	out.Format = string(ds.Format.Kind)
	rep, err := h.check(ctx, src, ds)
	if err != nil {
		return out, err
	}
	out.Rows, out.BadRows = rep.Rows, rep.BadRows
	if rep.BadRows > 0 || rep.Rejected() {
		key := contract.ReportKey(ds.Name, src)
		if err := h.putReport(ctx, src.Bucket, key, rep); err != nil {
			return out, err
		}
		out.Report = key
	}
	if rep.Rejected() {
		return out, &fnerr.ValidationFailed{Bucket: src.Bucket, Key: src.Key, Report: out.Report, Rows: rep.Rows, BadRows: rep.BadRows, Reason: rep.Reason}
	}
	return out, nil
}

// check reads the object and validates it. Read failures are retryable.
func (h *Handler) check(ctx context.Context, src contract.Object, ds *dataset.Dataset) (*Report, error) {
	if _, bad := sizeProblem(src.Size, ds); bad {
		// Rejected on the event's size alone: no need to read the object.
		return Check(bytes.NewReader(nil), src, ds, h.Config)
	}
	in := &s3.GetObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key)}
	if src.VersionID != "" {
		in.VersionId = aws.String(src.VersionID)
	}
	obj, err := h.S3.GetObject(ctx, in)
	if err != nil {
		return nil, awsapi.Classify("s3 GetObject", err)
	}
	defer obj.Body.Close()
	if src.Size == 0 && obj.ContentLength != nil {
		src.Size = *obj.ContentLength
	}
	rep, err := Check(obj.Body, src, ds, h.Config)
	if err != nil {
		var re *ReadError
		if errors.As(err, &re) {
			return nil, &fnerr.Retryable{Op: "s3 GetObject (reading the body)", Err: re.Err}
		}
		return nil, err
	}
	return rep, nil
}

func (h *Handler) putReport(ctx context.Context, srcBucket, key string, rep *Report) error {
	b, err := MarshalReport(rep)
	if err != nil {
		return err
	}
	bucket := h.Config.ReportBucket
	if bucket == "" {
		bucket = srcBucket
	}
	_, err = h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(b),
		ContentType: aws.String("application/json"),
	})
	return awsapi.Classify("s3 PutObject report", err)
}

// MarshalReport encodes a report as indented JSON with a trailing newline.
func MarshalReport(rep *Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
