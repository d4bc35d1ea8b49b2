package inproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that serves every request with
// Handler in the calling process (see the package documentation for what
// it reproduces of a round trip over HTTP/1.1).
//
// It is safe for concurrent use if Handler is.
type Transport struct {
	// Handler serves the requests.
	Handler http.Handler
}

// RemoteAddr is the http.Request.RemoteAddr a handler sees.
const RemoteAddr = "127.0.0.1:0"

// bufferBeforeChunking is how much of a response net/http's server holds
// before it commits the header: a response that fits gets a
// Content-Length, a longer one is chunked.
const bufferBeforeChunking = 2048

// defaultUserAgent is the User-Agent net/http's client sends when the
// request names none.
const defaultUserAgent = "Go-http-client/1.1"

var (
	errBodyClosed = errors.New("http: read on closed response body")
	errAborted    = errors.New("inproc: handler aborted the response")
)

// RoundTrip serves req with the handler. It returns once the handler has
// committed the response header (by writing past the server's buffer,
// flushing or returning), or with the context's error if req's context
// ends first. The response body streams what the handler writes after.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	// The handler's context carries the caller's values but ends on its
	// own: when the caller's context ends (after the body pipe is closed,
	// so the handler's next write fails), when the caller closes the body
	// early, or when the handler returns.
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sreq, err := serverRequest(hctx, req)
	if err != nil {
		cancel()
		closeBody(req)
		return nil, err
	}
	pr, pw := io.Pipe()
	w := &responseWriter{req: sreq, header: http.Header{}, pw: pw, cl: -1, ready: make(chan struct{})}
	// Ending the write side first makes the caller's reads fail with the
	// context's error and the handler's next write fail; the registration
	// ends with the handler.
	stop := context.AfterFunc(ctx, func() {
		pw.CloseWithError(ctx.Err())
		cancel()
	})
	go w.serve(t.Handler, req, func() { stop(); cancel() })
	select {
	case <-w.ready:
	case <-ctx.Done():
		cancel()
		pr.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
	if w.err != nil {
		cancel()
		pr.CloseWithError(w.err)
		return nil, w.err
	}
	resp := w.resp
	resp.Request = req
	if resp.Body != nil { // no body, or all of it held: nothing streams
		pr.Close()
		return resp, nil
	}
	resp.Body = &body{pr: pr, cancel: cancel, w: w, resp: resp}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// serverRequest builds the request net/http's server would parse from
// the bytes net/http's client would write for req, with context ctx.
func serverRequest(ctx context.Context, req *http.Request) (*http.Request, error) {
	if req.URL == nil {
		return nil, errors.New("inproc: nil Request.URL")
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	ruri := req.URL.RequestURI()
	u, err := url.ParseRequestURI(ruri)
	if err != nil {
		return nil, fmt.Errorf("inproc: request URI %q: %w", ruri, err)
	}
	h := make(http.Header, len(req.Header)+2)
	for k, vv := range req.Header {
		switch k = http.CanonicalHeaderKey(k); k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue // the client writes these from the request's fields
		}
		for _, v := range vv {
			h[k] = append(h[k], wireValue(v))
		}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		h.Set("User-Agent", defaultUserAgent)
	} else if h.Get("User-Agent") == "" {
		delete(h, "User-Agent")
	}
	closing := req.Close
	if closing && !hasToken(h.Get("Connection"), "close") {
		h.Add("Connection", "close")
	}
	closing = closing || hasToken(h.Get("Connection"), "close")

	s := (&http.Request{
		Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: host, RequestURI: ruri, RemoteAddr: RemoteAddr, Close: closing,
	}).WithContext(ctx)
	src, n := outgoing(req)
	switch {
	case n < 0: // chunked
		s.ContentLength = -1
		s.TransferEncoding = []string{"chunked"}
		b := &requestBody{src: src, remaining: -1, client: req, server: s}
		if len(req.Trailer) > 0 {
			s.Trailer = make(http.Header, len(req.Trailer))
			for k := range req.Trailer {
				s.Trailer[http.CanonicalHeaderKey(k)] = nil
			}
		}
		s.Body = b
	case n == 0:
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			h.Set("Content-Length", "0")
		}
		s.Body = http.NoBody
		if src != nil {
			src.Close()
		}
	default:
		h.Set("Content-Length", strconv.FormatInt(n, 10))
		s.ContentLength = n
		s.Body = &requestBody{src: src, remaining: n}
	}
	return s, nil
}

// outgoing returns the body the client would send and its length, -1 for
// unknown (chunked). Like net/http's client, it reads one byte of a body
// of unknown length (ContentLength 0 or -1) to tell an empty body from a
// chunked one when the method usually has none (GET, HEAD, DELETE...);
// unlike it, it waits for that byte rather than give up after 200 ms (no
// caller here sends a GET whose body waits on the response).
func outgoing(req *http.Request) (io.ReadCloser, int64) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, 0
	}
	if req.ContentLength > 0 {
		return req.Body, req.ContentLength
	}
	switch req.Method {
	case "", "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH":
	default:
		return req.Body, -1 // only methods that usually lack a body are probed
	}
	var one [1]byte
	n, err := io.ReadFull(req.Body, one[:])
	if n == 0 {
		if err == io.EOF {
			req.Body.Close()
			return nil, 0
		}
		return &struct {
			io.Reader
			io.Closer
		}{errReader{err}, req.Body}, -1
	}
	return &struct {
		io.Reader
		io.Closer
	}{io.MultiReader(strings.NewReader(string(one[:n])), req.Body), req.Body}, -1
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// requestBody is the handler's http.Request.Body: the caller's body,
// bounded by the Content-Length sent (a shorter body is an unexpected
// EOF), with the caller's trailers copied over at the end of a chunked
// one.
type requestBody struct {
	mu        sync.Mutex
	src       io.ReadCloser
	remaining int64 // -1 when chunked
	closed    bool
	eof       bool
	// client and server are the requests of a chunked body, whose
	// trailers are copied at its end.
	client, server *http.Request
}

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.eof {
		return 0, io.EOF
	}
	if b.remaining >= 0 {
		if b.remaining == 0 {
			b.eof = true
			return 0, io.EOF
		}
		if int64(len(p)) > b.remaining {
			p = p[:b.remaining]
		}
	}
	n, err := b.src.Read(p)
	if b.remaining >= 0 {
		b.remaining -= int64(n)
		if err == io.EOF && b.remaining > 0 {
			return n, io.ErrUnexpectedEOF
		}
		if b.remaining == 0 {
			b.eof = true
			if err == nil || err == io.EOF {
				err = io.EOF
			}
		}
		return n, err
	}
	if err == io.EOF {
		b.eof = true
		for k, vv := range b.client.Trailer {
			if b.server.Trailer == nil {
				b.server.Trailer = http.Header{}
			}
			b.server.Trailer[http.CanonicalHeaderKey(k)] = vv
		}
	}
	return n, err
}

func (b *requestBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// closeSource closes the caller's body once the handler is done.
func (b *requestBody) closeSource() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.src.Close()
}

// responseWriter is the handler's http.ResponseWriter. Only the handler's
// goroutine calls it; RoundTrip waits on ready for resp (or err).
type responseWriter struct {
	req    *http.Request
	header http.Header
	pw     *io.PipeWriter

	wroteHeader bool
	status      int
	snapshot    http.Header // the header as of WriteHeader
	cl          int64       // declared Content-Length, -1 if none
	written     int64
	buf         []byte // held until the header is committed
	committed   bool
	chunked     bool // the response streams without a Content-Length
	noBody      bool // HEAD, 1xx, 204, 304: writes are dropped
	trailers    []string
	handlerDone bool
	final       http.Header // the trailers, once the handler is done
	held        bool        // the whole body went to the caller with the header
	writeErr    error

	ready chan struct{}
	resp  *http.Response
	err   error
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.wroteHeader {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // informational: net/http's client skips it
	}
	w.wroteHeader, w.status = true, code
	w.snapshot = w.header.Clone()
	if w.snapshot == nil {
		w.snapshot = http.Header{}
	}
	if cl := w.header.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.cl = v
		} else {
			// As net/http's server: dropped from the handler's header
			// but not from the snapshot, so the response is chunked.
			w.header.Del("Content-Length")
		}
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.cl != -1 && w.written > w.cl {
		return 0, http.ErrContentLength
	}
	if w.writeErr != nil {
		return 0, w.writeErr
	}
	if !w.committed {
		if len(w.buf)+len(p) <= bufferBeforeChunking {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.commit(append(w.buf, p[:min(len(p), 512)]...))
		if err := w.send(w.buf); err != nil {
			return 0, err
		}
		w.buf = nil
	}
	if err := w.send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// send writes p to the caller unless the response has no body.
func (w *responseWriter) send(p []byte) error {
	if w.noBody || len(p) == 0 {
		return nil
	}
	if _, err := w.pw.Write(p); err != nil {
		w.writeErr = err
		return err
	}
	return nil
}

// Flush commits the header and sends what is held.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush, for http.ResponseController.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(w.buf)
		err := w.send(w.buf)
		w.buf = nil
		return err
	}
	return w.writeErr
}

// commit fixes the response header as net/http's server writes it (its
// chunkWriter.writeHeader: p is the start of the body) and hands the
// response to RoundTrip.
func (w *responseWriter) commit(p []byte) {
	w.committed = true
	h, code := w.snapshot, w.status
	isHEAD := w.req.Method == http.MethodHead

	hasTrailers := false
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			hasTrailers = true
		}
	}
	for _, v := range h["Trailer"] {
		hasTrailers = true
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				w.trailers = append(w.trailers, http.CanonicalHeaderKey(f))
			}
		}
	}
	te := h.Get("Transfer-Encoding")
	hasTE := te != ""
	if w.handlerDone && !hasTrailers && !hasTE && bodyAllowedForStatus(code) && len(h["Content-Length"]) == 0 && (!isHEAD || len(p) > 0) {
		w.cl = int64(len(p))
		h.Set("Content-Length", strconv.Itoa(len(p)))
	}
	if bodyAllowedForStatus(code) {
		_, haveType := h["Content-Type"]
		if !haveType && h.Get("Content-Encoding") == "" && !hasTE && len(p) > 0 {
			h.Set("Content-Type", http.DetectContentType(p))
		}
	} else {
		h.Del("Content-Length")
		h.Del("Transfer-Encoding")
		if code == http.StatusNotModified {
			h.Del("Content-Type")
		}
	}
	if _, ok := h["Date"]; !ok {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if w.cl != -1 && hasTE && te != "identity" {
		h.Del("Content-Length")
		w.cl = -1
	}

	resp := &http.Response{
		Status: statusLine(code), StatusCode: code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, len(h)),
	}
	switch {
	case isHEAD || !bodyAllowedForStatus(code):
		w.noBody = true
		h.Del("Transfer-Encoding")
		resp.Body = http.NoBody
		if isHEAD {
			// The client takes a HEAD response's length from its header.
			resp.ContentLength = -1
			if v, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
				resp.ContentLength = v
			}
		}
	case w.cl != -1:
		h.Del("Transfer-Encoding")
		resp.ContentLength = w.cl
		if w.cl == 0 {
			resp.Body = http.NoBody
		}
	default:
		w.chunked = true
		h.Del("Transfer-Encoding")
		h.Del("Content-Length") // the client ignores it beside chunking
		resp.ContentLength = -1
		resp.TransferEncoding = []string{"chunked"}
	}
	for k, vv := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		k = http.CanonicalHeaderKey(k)
		for _, v := range vv {
			resp.Header[k] = append(resp.Header[k], wireValue(v))
		}
	}
	if w.chunked && len(w.trailers) > 0 {
		// The client turns the declaration into Response.Trailer.
		delete(resp.Header, "Trailer")
		resp.Trailer = make(http.Header, len(w.trailers))
		for _, k := range w.trailers {
			resp.Trailer[k] = nil
		}
	}
	if w.handlerDone && resp.Body == nil && !w.chunked && w.cl == int64(len(p)) {
		// The whole body is held: the caller reads it from memory.
		resp.Body = &heldBody{r: bytes.NewReader(p)}
		w.held = true
	}
	w.resp = resp
	close(w.ready)
}

// finish ends the response after the handler returns, as the server
// does: commit what is held, then the trailers, then the end of the body
// (an unexpected EOF when the handler wrote less than it declared).
func (w *responseWriter) finish() {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(w.buf)
		if !w.held {
			_ = w.send(w.buf)
		}
		w.buf = nil
	}
	if w.noBody || w.held {
		w.pw.Close()
		return
	}
	if w.cl != -1 && w.written < w.cl {
		w.pw.CloseWithError(io.ErrUnexpectedEOF)
		return
	}
	if w.chunked {
		w.setTrailers()
	}
	w.pw.Close()
}

// setTrailers keeps the handler's declared and "Trailer:"-prefixed
// header entries for the caller's body to merge into Response.Trailer at
// its EOF (in the caller's goroutine, as net/http's client does).
func (w *responseWriter) setTrailers() {
	t := http.Header{}
	set := func(k string, vv []string) {
		vals := make([]string, len(vv))
		for i, v := range vv {
			vals[i] = wireValue(v)
		}
		t[http.CanonicalHeaderKey(k)] = vals
	}
	for k, vv := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			if k = strings.TrimPrefix(k, http.TrailerPrefix); k != "" {
				set(k, vv)
			}
		}
	}
	for _, k := range w.trailers {
		if vv, ok := w.header[k]; ok {
			set(k, vv)
		}
	}
	if len(t) > 0 {
		w.final = t
	}
}

// serve runs the handler on the server request w.req; req is the
// caller's request, whose body is closed when the handler is done.
func (w *responseWriter) serve(h http.Handler, req *http.Request, cancel context.CancelFunc) {
	defer cancel()
	defer func() {
		if b, ok := w.req.Body.(*requestBody); ok {
			b.closeSource()
		} else {
			closeBody(req)
		}
	}()
	defer func() {
		p := recover()
		if p == nil {
			w.finish()
			return
		}
		err := errAborted
		if p != http.ErrAbortHandler {
			err = fmt.Errorf("inproc: handler for %s %s panicked: %v", w.req.Method, w.req.RequestURI, p)
		}
		if !w.committed {
			w.err = err
			close(w.ready)
			return
		}
		w.pw.CloseWithError(io.ErrUnexpectedEOF)
	}()
	h.ServeHTTP(w, w.req)
}

// body is the caller's Response.Body: the read end of the pipe the
// handler writes into.
type body struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
	once   sync.Once
	// w and resp: at EOF the handler's trailers go into resp.Trailer.
	w    *responseWriter
	resp *http.Response
	eof  bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.pr.Read(p)
	if err == io.EOF && !b.eof {
		b.eof = true
		// The handler set w.final before closing the pipe.
		for k, vv := range b.w.final {
			if b.resp.Trailer == nil {
				b.resp.Trailer = http.Header{}
			}
			b.resp.Trailer[k] = vv
		}
	}
	return n, err
}

// Close stops the handler's writes (they fail, as on a closed connection)
// and cancels its context.
func (b *body) Close() error {
	b.once.Do(func() {
		b.pr.CloseWithError(errBodyClosed)
		b.cancel()
	})
	return nil
}

// heldBody is a response body the handler finished before the header
// was committed.
type heldBody struct {
	r      *bytes.Reader
	closed bool
}

func (b *heldBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errBodyClosed
	}
	return b.r.Read(p)
}

func (b *heldBody) Close() error {
	b.closed = true
	return nil
}

func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return strconv.Itoa(code) + " " + text
	}
	return fmt.Sprintf("%03d status code %d", code, code)
}

func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}

// wireValue is a header value as it arrives after a trip over the wire:
// newlines become spaces and surrounding blanks go.
func wireValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	}
	return strings.Trim(v, " \t")
}

func hasToken(v, token string) bool {
	for _, f := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(f), token) {
			return true
		}
	}
	return false
}
