package records

import (
	"errors"
	"fmt"
	"io"
)

// window wraps the input of a decoder that reads ahead (encoding/json,
// encoding/xml). It fails the read when more than limit bytes pass since
// the last mark, which bounds what the decoder can buffer for one record,
// and it remembers where the newlines are so that a decoder offset can be
// turned into a line number. Only newlines past the last lineAt query are
// kept, and the decoder never holds more than one record plus its buffer
// ahead, so that list stays bounded too.
type window struct {
	r        io.Reader
	limit    int64
	read     int64   // bytes read so far
	mark     int64   // offset of the last mark
	newlines []int64 // offsets of newlines not yet counted
	line     int64   // newlines before the last lineAt offset
	// readErr is the first error of the underlying stream other than
	// io.EOF and a *FormatError (invalid UTF-8, gzip): a failure to read,
	// not a problem of the file.
	readErr error
}

func (w *window) Read(p []byte) (int, error) {
	if w.read-w.mark > w.limit {
		return 0, &FormatError{Line: w.lineAt(w.mark), Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", w.limit)}
	}
	if max := w.limit + 1 - (w.read - w.mark); int64(len(p)) > max && max > 0 {
		p = p[:max]
	}
	n, err := w.r.Read(p)
	var fe *FormatError
	if err != nil && err != io.EOF && !errors.As(err, &fe) && w.readErr == nil {
		w.readErr = err
	}
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			w.newlines = append(w.newlines, w.read+int64(i))
		}
	}
	w.read += int64(n)
	return n, err
}

// setMark starts a new record at decoder offset off.
func (w *window) setMark(off int64) { w.mark = off }

// lineAt returns the 1-based line of decoder offset off. Offsets must not
// decrease between calls.
func (w *window) lineAt(off int64) int64 {
	i := 0
	for i < len(w.newlines) && w.newlines[i] < off {
		i++
	}
	w.line += int64(i)
	w.newlines = w.newlines[i:]
	if len(w.newlines) == 0 {
		w.newlines = nil
	}
	return w.line + 1
}
