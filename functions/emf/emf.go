package emf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"
)

// Limits of the specification and of CloudWatch.
const (
	// MaxMetrics is the most metrics one directive may name.
	MaxMetrics = 100
	// MaxDimensions is the most dimensions one dimension set may name.
	MaxDimensions = 30
	// MaxNameLength bounds namespaces, metric and dimension names.
	MaxNameLength = 255
	// MaxDimensionValueLength bounds a dimension's value.
	MaxDimensionValueLength = 1024
)

// Unit is a CloudWatch metric unit ("Count", "Bytes", "Milliseconds" ...).
type Unit string

// The units this project uses.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Bytes        Unit = "Bytes"
)

// Metric is one value of one metric.
type Metric struct {
	Name  string
	Value float64
	// Unit defaults to None (CloudWatch's default).
	Unit Unit
}

// Dimension is one dimension of the metrics: a name and its value.
type Dimension struct {
	Name, Value string
}

// Document returns the EMF document of metrics with dimensions (one
// dimension set, in the order given) in namespace, stamped at. It returns
// an error, and no document, when the result would break the
// specification.
func Document(namespace string, at time.Time, dims []Dimension, metrics []Metric) (map[string]any, error) {
	if err := checkName("namespace", namespace); err != nil {
		return nil, err
	}
	if strings.HasPrefix(namespace, "AWS/") {
		return nil, fmt.Errorf("emf: namespace %q: the AWS/ prefix is reserved", namespace)
	}
	if len(metrics) == 0 || len(metrics) > MaxMetrics {
		return nil, fmt.Errorf("emf: %d metrics, want 1 to %d", len(metrics), MaxMetrics)
	}
	if len(dims) > MaxDimensions {
		return nil, fmt.Errorf("emf: %d dimensions, want at most %d", len(dims), MaxDimensions)
	}
	doc := map[string]any{}
	names := make([]string, 0, len(dims))
	for _, d := range dims {
		if err := checkName("dimension", d.Name); err != nil {
			return nil, err
		}
		if d.Value == "" || len(d.Value) > MaxDimensionValueLength {
			return nil, fmt.Errorf("emf: dimension %s: value of %d bytes, want 1 to %d", d.Name, len(d.Value), MaxDimensionValueLength)
		}
		if _, dup := doc[d.Name]; dup || d.Name == "_aws" {
			return nil, fmt.Errorf("emf: dimension %s named twice", d.Name)
		}
		doc[d.Name] = d.Value
		names = append(names, d.Name)
	}
	defs := make([]map[string]any, 0, len(metrics))
	for _, m := range metrics {
		if err := checkName("metric", m.Name); err != nil {
			return nil, err
		}
		if _, dup := doc[m.Name]; dup || m.Name == "_aws" {
			return nil, fmt.Errorf("emf: metric %s: the name is already a dimension or a metric", m.Name)
		}
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return nil, fmt.Errorf("emf: metric %s: value %v is not a finite number", m.Name, m.Value)
		}
		doc[m.Name] = m.Value
		def := map[string]any{"Name": m.Name}
		if m.Unit != "" {
			def["Unit"] = string(m.Unit)
		}
		defs = append(defs, def)
	}
	doc["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  namespace,
			"Dimensions": [][]string{names},
			"Metrics":    defs,
		}},
	}
	return doc, nil
}

func checkName(what, s string) error {
	if s == "" || len(s) > MaxNameLength {
		return fmt.Errorf("emf: %s name %q: want 1 to %d bytes", what, s, MaxNameLength)
	}
	return nil
}

// Logger writes one EMF document per Emit, as one line, to W. The zero
// value and a nil *Logger write nothing. It is safe for concurrent use.
type Logger struct {
	// W receives the lines (os.Stdout on Lambda).
	W io.Writer
	// Namespace is the metrics' namespace.
	Namespace string
	// Dimensions are added after the ones each Emit names (the stack);
	// one with an empty value is left out, so that a function run without
	// it (locally, in a test) still writes valid documents.
	Dimensions []Dimension
	// Now stamps the documents. Default: time.Now.
	Now func() time.Time

	mu sync.Mutex
}

// Emit writes the metrics with dims and the Logger's own dimensions. A
// document the specification would refuse is not written: the error says
// why.
func (l *Logger) Emit(dims []Dimension, metrics ...Metric) error {
	if l == nil || l.W == nil {
		return nil
	}
	all := append([]Dimension(nil), dims...)
	for _, d := range l.Dimensions {
		if d.Value != "" {
			all = append(all, d)
		}
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	doc, err := Document(l.Namespace, now(), all, metrics)
	if err != nil {
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return errors.Join(errors.New("emf: encode"), err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.W.Write(append(b, '\n'))
	return err
}
