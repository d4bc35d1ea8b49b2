package records

import (
	"io"

	"github.com/sluicehq/sluice/dataset"
)

// Options configure Open.
type Options struct {
	// Limits bound every record.
	Limits Limits
	// Gzip bounds decompression of gzip files.
	Gzip GzipGuard
}

// Open returns the reader of a file in format f (decompressing it first
// when f.Gzip is set).
func Open(r io.Reader, f dataset.Format, opt Options) (Reader, error) {
	if f.Gzip {
		zr, err := NewGzip(r, opt.Gzip)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	switch f.Kind {
	case dataset.CSV:
		return NewCSV(r, CSVOptions{Delimiter: byte(f.Delimiter), Quote: byte(f.Quote), Columns: f.Columns, Limits: opt.Limits}), nil
	case dataset.JSON:
		return NewJSON(r, opt.Limits), nil
	case dataset.JSONL:
		return NewJSONL(r, opt.Limits), nil
	case dataset.XML:
		return NewXML(r, f.RecordElement, opt.Limits), nil
	}
	return nil, &FormatError{Code: CodeHeader, Msg: "unknown format " + string(f.Kind)}
}
