package records

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"strconv"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// Writer writes records as JSON Lines: one compact JSON object per line,
// keys sorted, no HTML escaping (the same bytes encoding/json would give
// with SetEscapeHTML(false), produced without reflection for the value
// types records hold: string, json.Number, bool, integers, nil). It
// buffers; call Flush at the end.
type Writer struct {
	bw    *bufio.Writer
	buf   []byte
	keys  []string
	n     int64
	bytes int64
}

// NewWriter returns a writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes one record.
func (w *Writer) Write(rec map[string]any) error {
	if !w.sameKeys(rec) {
		w.keys = w.keys[:0]
		for k := range rec {
			w.keys = append(w.keys, k)
		}
		slices.Sort(w.keys)
	}
	b, err := appendRecord(w.buf[:0], w.keys, rec)
	if err != nil {
		return err
	}
	w.buf = b
	n, err := w.bw.Write(b)
	w.bytes += int64(n)
	if err != nil {
		return err
	}
	w.n++
	return nil
}

// sameKeys reports whether rec has exactly the keys of the previous record,
// whose sorted order can then be reused: records of one file mostly do.
func (w *Writer) sameKeys(rec map[string]any) bool {
	if len(w.keys) == 0 || len(rec) != len(w.keys) {
		return false
	}
	for _, k := range w.keys {
		if _, ok := rec[k]; !ok {
			return false
		}
	}
	return true
}

// AppendValue appends v as Write writes a record's value: the bytes a
// record holding v gets in its line.
func AppendValue(dst []byte, v any) ([]byte, error) { return appendValue(dst, v) }

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return jsonenc.AppendString(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		return append(b, x...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case nil:
		return append(b, "null"...), nil
	}
	m, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, m...), nil
}

// AppendRecord appends rec to dst as one JSON line, exactly as Write
// writes it.
func AppendRecord(dst []byte, rec map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(rec))
	for k := range rec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return appendRecord(dst, keys, rec)
}

func appendRecord(b []byte, keys []string, rec map[string]any) ([]byte, error) {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, rec[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}', '\n'), nil
}

// Records returns the number of records written.
func (w *Writer) Records() int64 { return w.n }

// Bytes returns the number of bytes written.
func (w *Writer) Bytes() int64 { return w.bytes }

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
