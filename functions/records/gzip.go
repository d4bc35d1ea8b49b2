package records

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// GzipGuard bounds decompression.
type GzipGuard struct {
	// MaxRatio caps decompressed/compressed bytes, checked continuously
	// once Slack bytes have been produced. Default: 100.
	MaxRatio int64
	// Slack is the output allowed before the ratio applies, so that tiny
	// highly compressible files pass. Default: 1 MiB.
	Slack int64
	// MaxBytes caps the total decompressed size. 0: no cap.
	MaxBytes int64
}

// NewGzip returns a reader of the decompressed content of r that fails with
// a *FormatError (CodeGzipRatio) as soon as the output outgrows the guard,
// and with CodeGzip on a corrupt stream. Concatenated gzip members are read
// in sequence.
func NewGzip(r io.Reader, g GzipGuard) (io.Reader, error) {
	if g.MaxRatio <= 0 {
		g.MaxRatio = 100
	}
	if g.Slack <= 0 {
		g.Slack = 1 << 20
	}
	cr := &countReader{r: r}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return nil, &FormatError{Code: CodeGzip, Msg: "not a gzip stream: " + err.Error()}
	}
	return &gzipGuard{zr: zr, in: cr, g: g}, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type gzipGuard struct {
	zr  *gzip.Reader
	in  *countReader
	out int64
	g   GzipGuard
	err error
}

func (z *gzipGuard) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	// Never produce more than the guard allows in one call.
	if len(p) > 256<<10 {
		p = p[:256<<10]
	}
	n, err := z.zr.Read(p)
	z.out += int64(n)
	if z.g.MaxBytes > 0 && z.out > z.g.MaxBytes {
		z.err = &FormatError{Code: CodeGzipRatio, Msg: fmt.Sprintf("decompressed size exceeds %d bytes", z.g.MaxBytes)}
		return 0, z.err
	}
	if z.out > z.g.Slack && z.out > z.g.MaxRatio*max(z.in.n, 1) {
		z.err = &FormatError{Code: CodeGzipRatio, Msg: fmt.Sprintf("decompression ratio above %d:1 (%d bytes from %d): refusing a possible decompression bomb", z.g.MaxRatio, z.out, z.in.n)}
		return 0, z.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		z.err = &FormatError{Code: CodeGzip, Msg: "corrupt gzip stream: " + err.Error()}
		return n, z.err
	}
	return n, err
}
