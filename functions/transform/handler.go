package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/validate"
)

// Handler is the transform function. Set the fields before the first call;
// it is then safe for concurrent use.
type Handler struct {
	// S3 reads the source and writes chunks and the manifest.
	S3 awsapi.ObjectReadWriter
	// Datasets resolves the input's dataset.
	Datasets *dataset.Set
	// Config tunes chunking and the shared validation limits.
	Config Config
	// Log receives the function's JSON log lines (fnlog.New). Default:
	// none.
	Log *slog.Logger
}

// Handle transforms the source object into staged chunks and a manifest.
// Errors: *fnerr.ValidationFailed when the file breaks its dataset's
// policy; *fnerr.Retryable for transient S3 failures; *fnerr.ConfigError
// for an unknown dataset.
func (h *Handler) Handle(ctx context.Context, in contract.TransformInput) (contract.TransformOutput, error) {
	log := fnlog.Or(h.Log).With(fnlog.File(in.ExecutionID, in.Dataset, in.Source)...)
	log.Debug("transforming", slog.Int64("size", in.Source.Size))
	out, err := h.transform(ctx, in)
	if err != nil {
		fnlog.Failed(ctx, log, "transform failed", err, fnerr.Expected(err))
	} else {
		log.Info("transformed", slog.Int64("records", out.Records), slog.Int64("filtered", out.Filtered),
			slog.Int64("rejected", out.Rejected), slog.Int("chunks", out.ChunkCount))
	}
	return out, fnerr.Surface(err)
}

func (h *Handler) transform(ctx context.Context, in contract.TransformInput) (contract.TransformOutput, error) {
	src := in.Source
	out := contract.TransformOutput{Dataset: in.Dataset, Source: src}
	if h.S3 == nil || h.Datasets == nil {
		return out, &fnerr.ConfigError{Msg: "transform: Handler needs S3 and Datasets"}
	}
	ds, err := h.Datasets.Lookup(in.Dataset)
	if err != nil {
		return out, &fnerr.ConfigError{Msg: "transform: " + err.Error()}
	}
	out.Enrich = ds.Enrichment.Enabled()
	bucket := h.Config.StagingBucket
	if bucket == "" {
		bucket = src.Bucket
	}
	get := &s3.GetObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key)}
	if src.VersionID != "" {
		get.VersionId = aws.String(src.VersionID)
	}
	obj, err := h.S3.GetObject(ctx, get)
	if err != nil {
		return out, awsapi.Classify("s3 GetObject", err)
	}
	defer obj.Body.Close()
	sink := func(i int, data []byte, n int64) error {
		_, err := h.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String(bucket),
			Key:         aws.String(contract.ChunkKey(ds.Name, src, Stage, i)),
			Body:        bytes.NewReader(data),
			ContentType: aws.String("application/x-ndjson"),
		})
		return awsapi.Classify("s3 PutObject chunk", err)
	}
	var body io.Reader = obj.Body
	if n := max(src.Size, aws.ToInt64(obj.ContentLength)); n > 0 {
		// The scanner sizes its duplicate-key set from it at once.
		body = sizedReader{obj.Body, n}
	}
	st, err := Run(body, src.Key, ds, h.Config, sink)
	out.Records, out.Filtered, out.Rejected = st.Records, st.Filtered, st.Rejected
	if err != nil {
		var rej *RejectedError
		var re *validate.ReadError
		switch {
		case errors.As(err, &rej):
			return out, &fnerr.ValidationFailed{Bucket: src.Bucket, Key: src.Key, Rows: st.Rows, BadRows: st.Rejected, Reason: rej.Reason}
		case errors.As(err, &re):
			return out, &fnerr.Retryable{Op: "s3 GetObject (reading the body)", Err: re.Err}
		}
		return out, err
	}
	chunks := Chunks(ds.Name, src, bucket, st.Chunk)
	for i := range chunks {
		chunks[i].ExecutionID = in.ExecutionID
	}
	manifest, err := json.Marshal(chunks)
	if err != nil {
		return out, err
	}
	out.Manifest = contract.ManifestKey(ds.Name, src)
	if _, err := h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(out.Manifest),
		Body:        bytes.NewReader(manifest),
		ContentType: aws.String("application/json"),
	}); err != nil {
		return out, awsapi.Classify("s3 PutObject manifest", err)
	}
	out.ChunkCount = len(chunks)
	out.First = chunks[0]
	return out, nil
}

// sizedReader is a reader that tells its size (validate.NewScanner asks).
type sizedReader struct {
	io.Reader
	n int64
}

// Size returns the object's size.
func (r sizedReader) Size() int64 { return r.n }
