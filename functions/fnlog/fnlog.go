package fnlog

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/emf"
)

// The Lambda levels slog has no name for.
const (
	// LevelTrace is Lambda's TRACE, below slog.LevelDebug.
	LevelTrace = slog.LevelDebug - 4
	// LevelFatal is Lambda's FATAL, above slog.LevelError.
	LevelFatal = slog.LevelError + 4
)

// ParseLevel maps a Lambda application log level (TRACE, DEBUG, INFO,
// WARN, ERROR, FATAL; any case) to a slog level. "" is INFO, Lambda's
// default; anything else is INFO and ok is false.
func ParseLevel(s string) (level slog.Level, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE":
		return LevelTrace, true
	case "DEBUG":
		return slog.LevelDebug, true
	case "", "INFO":
		return slog.LevelInfo, true
	case "WARN", "WARNING":
		return slog.LevelWarn, true
	case "ERROR":
		return slog.LevelError, true
	case "FATAL":
		return LevelFatal, true
	}
	return slog.LevelInfo, false
}

// New returns a logger writing JSON lines to w from level up, with the
// function's name on every line. A nil w discards everything.
func New(w io.Writer, level slog.Level, function string) *slog.Logger {
	if w == nil {
		return Discard()
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: replace})
	return slog.New(h).With(slog.String("function", function))
}

// Discard returns a logger that writes nothing (a Handler without one).
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// replace names the time "timestamp" and the TRACE and FATAL levels as
// Lambda spells them.
func replace(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		a.Key = "timestamp"
	case slog.LevelKey:
		switch l, _ := a.Value.Any().(slog.Level); {
		case l <= LevelTrace:
			a.Value = slog.StringValue("TRACE")
		case l >= LevelFatal:
			a.Value = slog.StringValue("FATAL")
		}
	}
	return a
}

// File returns the attributes every line about a file carries: the
// execution (when the function's input names it), the dataset, and the
// file as bucket, key and version.
func File(execution, dataset string, o contract.Object) []any {
	attrs := []any{slog.String("dataset", dataset), slog.String("bucket", o.Bucket), slog.String("key", o.Key)}
	if o.VersionID != "" {
		attrs = append(attrs, slog.String("versionId", o.VersionID))
	}
	if execution != "" {
		attrs = append(attrs, slog.String("execution", execution))
	}
	return attrs
}

// Or returns l, or a discarding logger when l is nil.
func Or(l *slog.Logger) *slog.Logger {
	if l == nil {
		return Discard()
	}
	return l
}

// Failed logs a handler's error: WARN for errors the workflow handles as
// an outcome (retried, or a rejection), ERROR otherwise.
func Failed(ctx context.Context, l *slog.Logger, msg string, err error, expected bool) {
	level := slog.LevelError
	if expected {
		level = slog.LevelWarn
	}
	l.Log(ctx, level, msg, slog.String("error", err.Error()))
}

// FromLambda returns the logger of a deployed function: JSON lines on w at
// the level Lambda passes in AWS_LAMBDA_LOG_LEVEL (read through getenv,
// os.Getenv in main), INFO when unset or unknown.
func FromLambda(getenv func(string) string, w io.Writer, function string) *slog.Logger {
	level, _ := ParseLevel(getenv("AWS_LAMBDA_LOG_LEVEL"))
	return New(w, level, function)
}

// EmitRecords writes the record metrics of one invocation on dataset as
// one embedded metric format line (m, nil for none); a document the
// format refuses is a WARN line on l, never the invocation's failure.
func EmitRecords(ctx context.Context, l *slog.Logger, m *emf.Logger, dataset string, metrics ...emf.Metric) {
	if err := m.Emit([]emf.Dimension{{Name: contract.DimensionDataset, Value: dataset}}, metrics...); err != nil {
		Or(l).Log(ctx, slog.LevelWarn, "metrics not written", slog.String("error", err.Error()))
	}
}

// MetricsFromLambda returns the metrics logger of a deployed function:
// embedded metric format lines on w in the Sluice namespace, with the
// Stack dimension from contract.EnvStack (read through getenv, os.Getenv
// in main) when it is set.
func MetricsFromLambda(getenv func(string) string, w io.Writer) *emf.Logger {
	return &emf.Logger{W: w, Namespace: contract.MetricNamespace, Dimensions: []emf.Dimension{{Name: contract.DimensionStack, Value: getenv(contract.EnvStack)}}}
}
