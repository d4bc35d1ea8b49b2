package emf

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var specSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return jsonschema.NewCompiler().Compile("testdata/emf.schema.json")
})

// checkSpec checks a written line against the specification: the schema
// of its shape, then what no schema says: every dimension a directive
// names is a string member of the root, every metric a number.
func checkSpec(t *testing.T, line []byte) map[string]any {
	t.Helper()
	sch, err := specSchema()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("%s breaks the specification: %v", line, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	for _, d := range doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any) {
		dir := d.(map[string]any)
		for _, set := range dir["Dimensions"].([]any) {
			for _, name := range set.([]any) {
				if _, ok := doc[name.(string)].(string); !ok {
					t.Errorf("%s: dimension %v is not a string member of the root", line, name)
				}
			}
		}
		for _, m := range dir["Metrics"].([]any) {
			name := m.(map[string]any)["Name"].(string)
			if _, ok := doc[name].(float64); !ok {
				t.Errorf("%s: metric %s is not a number member of the root", line, name)
			}
		}
	}
	return doc
}

func TestLoggerWritesTheSpecificationsShape(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	l := &Logger{W: &buf, Namespace: "Sluice", Dimensions: []Dimension{{"Stack", "prod"}}, Now: func() time.Time { return at }}
	if err := l.Emit([]Dimension{{"Dataset", "orders"}}, Metric{"RecordsIn", 20, Count}, Metric{"RecordsRejected", 0, Count}); err != nil {
		t.Fatal(err)
	}
	if err := (&Logger{W: &buf, Namespace: "Sluice", Dimensions: []Dimension{{"Stack", ""}}}).Emit([]Dimension{{"Dataset", "orders"}}, Metric{Name: "RecordsLoaded", Value: 5}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per Emit:\n%s", len(lines), buf.String())
	}
	got := checkSpec(t, []byte(lines[0]))
	want := map[string]any{
		"Dataset": "orders", "Stack": "prod", "RecordsIn": 20.0, "RecordsRejected": 0.0,
		"_aws": map[string]any{
			"Timestamp": float64(at.UnixMilli()),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "Sluice",
				"Dimensions": []any{[]any{"Dataset", "Stack"}},
				"Metrics":    []any{map[string]any{"Name": "RecordsIn", "Unit": "Count"}, map[string]any{"Name": "RecordsRejected", "Unit": "Count"}},
			}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("document (-want +got):\n%s", d)
	}
	// An empty stack is left out rather than written as an invalid value.
	second := checkSpec(t, []byte(lines[1]))
	if _, ok := second["Stack"]; ok {
		t.Errorf("an empty dimension was written: %s", lines[1])
	}
}

func TestDocumentRefusesWhatTheSpecificationForbids(t *testing.T) {
	long := strings.Repeat("x", 256)
	many := make([]Metric, MaxMetrics+1)
	for i := range many {
		many[i] = Metric{Name: "M" + strings.Repeat("x", i), Value: 1}
	}
	dims := make([]Dimension, MaxDimensions+1)
	for i := range dims {
		dims[i] = Dimension{Name: "D" + strings.Repeat("x", i), Value: "v"}
	}
	m := []Metric{{Name: "M", Value: 1}}
	tests := []struct {
		name      string
		namespace string
		dims      []Dimension
		metrics   []Metric
	}{
		{"no namespace", "", nil, m},
		{"namespace too long", long, nil, m},
		{"AWS namespace", "AWS/Lambda", nil, m},
		{"no metrics", "N", nil, nil},
		{"too many metrics", "N", nil, many},
		{"too many dimensions", "N", dims, m},
		{"empty dimension value", "N", []Dimension{{"Dataset", ""}}, m},
		{"dimension value too long", "N", []Dimension{{"Dataset", strings.Repeat("v", 1025)}}, m},
		{"metric named as a dimension", "N", []Dimension{{"M", "v"}}, m},
		{"metric twice", "N", nil, []Metric{{Name: "M"}, {Name: "M"}}},
		{"metric named _aws", "N", nil, []Metric{{Name: "_aws"}}},
		{"empty metric name", "N", nil, []Metric{{Name: ""}}},
		{"NaN", "N", nil, []Metric{{Name: "M", Value: math.NaN()}}},
		{"infinity", "N", nil, []Metric{{Name: "M", Value: math.Inf(1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if doc, err := Document(tt.namespace, time.Unix(0, 0), tt.dims, tt.metrics); err == nil {
				t.Errorf("accepted: %v", doc)
			}
		})
	}
	var buf bytes.Buffer
	if err := (&Logger{W: &buf, Namespace: "N"}).Emit(nil, Metric{Name: "M", Value: math.NaN()}); err == nil || buf.Len() != 0 {
		t.Errorf("Emit of a refused document: err %v, wrote %q", err, buf.String())
	}
}

func TestNilLoggerWritesNothing(t *testing.T) {
	var l *Logger
	if err := l.Emit(nil, Metric{Name: "M", Value: 1}); err != nil {
		t.Error(err)
	}
}
