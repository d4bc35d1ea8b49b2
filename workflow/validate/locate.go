package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Offsets maps the Issue paths of a JSON document to the byte offsets of the
// values they name, so that a caller can show an issue at a line and column.
// Build it with NewOffsets.
type Offsets struct {
	at map[string]int
}

// NewOffsets indexes every value of the JSON document b by its issue path
// ("States.A.Retry[1].ErrorEquals"); the document itself is "". A document
// that is not valid JSON gives an empty index.
func NewOffsets(b []byte) *Offsets {
	o := &Offsets{at: map[string]int{}}
	if !json.Valid(b) {
		return o
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	o.value(dec, b, "", skipSpace(b, 0))
	return o
}

// Offset returns the byte offset of the value at path, or, for a field that
// is absent (a missing Next, say), of the closest enclosing value that
// exists. ok is false only when nothing is indexed.
func (o *Offsets) Offset(path string) (offset int, ok bool) {
	for {
		if off, found := o.at[path]; found {
			return off, true
		}
		if path == "" {
			return 0, false
		}
		path = parentPath(path)
	}
}

// parentPath drops the last segment of a path: "A.B[2]" → "A.B" → "A" → "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == ':' || b[i] == ',') {
		i++
	}
	return i
}

// value records the value starting at start under path and walks into it.
func (o *Offsets) value(dec *json.Decoder, b []byte, path string, start int) {
	if _, seen := o.at[path]; !seen {
		o.at[path] = start
	}
	tok, err := dec.Token()
	if err != nil {
		return
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return
	}
	switch d {
	case '{':
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return
			}
			k, _ := kt.(string)
			child := k
			if path != "" {
				child = path + "." + k
			}
			o.value(dec, b, child, skipSpace(b, int(dec.InputOffset())))
		}
	case '[':
		for i := 0; dec.More(); i++ {
			o.value(dec, b, fmt.Sprintf("%s[%d]", path, i), skipSpace(b, int(dec.InputOffset())))
		}
	}
	_, _ = dec.Token() // the closing delimiter
}
