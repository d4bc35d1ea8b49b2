package records

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// Writer writes records as JSON Lines: one compact JSON object per line,
// keys sorted, no HTML escaping. It buffers; call Flush at the end.
type Writer struct {
	bw    *bufio.Writer
	buf   bytes.Buffer
	enc   *json.Encoder
	n     int64
	bytes int64
}

// NewWriter returns a writer to w.
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{bw: bufio.NewWriterSize(w, 64<<10)}
	wr.enc = json.NewEncoder(&wr.buf)
	wr.enc.SetEscapeHTML(false)
	return wr
}

// Write writes one record.
func (w *Writer) Write(rec map[string]any) error {
	w.buf.Reset()
	if err := w.enc.Encode(rec); err != nil {
		return err
	}
	n, err := w.bw.Write(w.buf.Bytes())
	w.bytes += int64(n)
	if err != nil {
		return err
	}
	w.n++
	return nil
}

// Records returns the number of records written.
func (w *Writer) Records() int64 { return w.n }

// Bytes returns the number of bytes written.
func (w *Writer) Bytes() int64 { return w.bytes }

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
