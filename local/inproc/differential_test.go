package inproc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/local/inproc"
)

// script tells the echo handler how to answer (it travels in the
// X-Script request header, so both transports carry the same one).
type script struct {
	ReadBody bool                `json:"read,omitempty"`
	Status   int                 `json:"status,omitempty"`
	Set      map[string][]string `json:"set,omitempty"`
	// CL is the Content-Length the handler declares: "" none, "exact" the
	// sum of Writes, "short" one more than that (the body ends early).
	CL       string            `json:"cl,omitempty"`
	Writes   []int             `json:"writes,omitempty"`
	Flush    int               `json:"flush,omitempty"` // flush after this many writes (0: never)
	Declared map[string]string `json:"declared,omitempty"`
	Prefixed map[string]string `json:"prefixed,omitempty"`
	Panic    bool              `json:"panic,omitempty"`
}

// seen is what the handler saw of a request.
type seen struct {
	Method, RequestURI, URL, Host, Proto string
	Header                               http.Header
	ContentLength                        int64
	TransferEncoding                     []string
	Close                                bool
	Body                                 string
	BodyErr                              bool
	Trailer                              http.Header
}

// got is what the client got back.
type got struct {
	Err              bool
	Status           string
	StatusCode       int
	Proto            string
	Header           http.Header
	ContentLength    int64
	TransferEncoding []string
	Body             string
	BodyErr          bool
	Trailer          http.Header
}

// echo is a handler that records what it saw on its channel and answers
// as the request's script says.
func echo(saw chan<- seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sc script
		_ = json.Unmarshal([]byte(r.Header.Get("X-Script")), &sc)
		s := seen{Method: r.Method, RequestURI: r.RequestURI, URL: r.URL.String(), Host: r.Host, Proto: r.Proto,
			Header: r.Header.Clone(), ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Close: r.Close}
		if sc.ReadBody {
			b, err := io.ReadAll(r.Body)
			s.Body, s.BodyErr = string(b), err != nil
			s.Trailer = r.Trailer.Clone()
		}
		defer func() {
			select {
			case saw <- s:
			default: // a retry (the client retries a GET whose connection died)
			}
		}()
		for k, vv := range sc.Set {
			w.Header()[k] = vv
		}
		total := 0
		for _, n := range sc.Writes {
			total += n
		}
		switch sc.CL {
		case "exact":
			w.Header().Set("Content-Length", strconv.Itoa(total))
		case "short":
			w.Header().Set("Content-Length", strconv.Itoa(total+1))
		}
		for k := range sc.Declared {
			w.Header().Add("Trailer", k)
		}
		if sc.Status != 0 {
			w.WriteHeader(sc.Status)
		}
		for i, n := range sc.Writes {
			_, _ = w.Write(bytes.Repeat([]byte{byte('a' + i%26)}, n))
			if sc.Flush == i+1 {
				w.(http.Flusher).Flush()
			}
		}
		if sc.Panic {
			panic(http.ErrAbortHandler)
		}
		for k, v := range sc.Declared {
			w.Header().Set(k, v)
		}
		for k, v := range sc.Prefixed {
			w.Header().Set(http.TrailerPrefix+k, v)
		}
	})
}

// request is one generated request.
type request struct {
	method, path, query string
	header              http.Header
	body                string
	// bodyMode: 0 no body, 1 known length, 2 ContentLength 0 with a body
	// (the client probes it), 3 unknown length, 4 unknown with trailers.
	bodyMode int
	sc       script
}

func (rq request) build(t testing.TB, base string) *http.Request {
	u := base + "/" + rq.path
	if rq.query != "" {
		u += "?" + rq.query
	}
	var body io.Reader
	if rq.bodyMode != 0 {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, u, body)
	if err != nil {
		t.Skipf("bad request: %v", err)
	}
	for k, vv := range rq.header {
		req.Header[k] = vv
	}
	sc, _ := json.Marshal(rq.sc)
	req.Header.Set("X-Script", string(sc))
	switch rq.bodyMode {
	case 2:
		req.ContentLength = 0
		req.Body = io.NopCloser(strings.NewReader(rq.body)) // not a known in-memory reader
	case 3, 4:
		req.ContentLength = -1
		req.Body = io.NopCloser(strings.NewReader(rq.body))
		if rq.bodyMode == 4 {
			req.Trailer = http.Header{"X-Req-Trailer": {"t1"}, "X-Other": nil}
		}
	}
	return req
}

func roundTrip(t testing.TB, c *http.Client, req *http.Request, saw <-chan seen) (got, seen) {
	t.Helper()
	resp, err := c.Do(req)
	var g got
	if err != nil {
		g.Err = true
	} else {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		hd := resp.Header.Clone()
		hd.Del("Date")
		g = got{Status: resp.Status, StatusCode: resp.StatusCode, Proto: resp.Proto, Header: hd,
			ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding,
			Body: string(b), BodyErr: err != nil, Trailer: resp.Trailer}
	}
	select {
	case s := <-saw:
		return g, s
	case <-time.After(10 * time.Second):
		t.Fatalf("the handler did not finish")
	}
	return g, seen{}
}

// differ runs rq over a real loopback server and over a Transport with
// the same handler and reports any difference in what the handler saw
// or what the client got.
type differ struct {
	srv            *httptest.Server
	tcp, mem       *http.Client
	tcpSaw, memSaw chan seen
}

func newDiffer(t testing.TB) *differ {
	d := &differ{tcpSaw: make(chan seen, 1), memSaw: make(chan seen, 1)}
	d.srv = httptest.NewUnstartedServer(echo(d.tcpSaw))
	d.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	d.srv.Start()
	t.Cleanup(d.srv.Close)
	// The in-process transport adds no Accept-Encoding (nothing is
	// compressed): neither does this one.
	d.tcp = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 5 * time.Second}
	d.mem = &http.Client{Transport: &inproc.Transport{Handler: echo(d.memSaw)}, Timeout: 5 * time.Second}
	return d
}

func (d *differ) check(t testing.TB, rq request) {
	t.Helper()
	for _, c := range []chan seen{d.tcpSaw, d.memSaw} {
		select {
		case <-c:
		default:
		}
	}
	wantGot, wantSeen := roundTrip(t, d.tcp, rq.build(t, d.srv.URL), d.tcpSaw)
	gotGot, gotSeen := roundTrip(t, d.mem, rq.build(t, d.srv.URL), d.memSaw)
	if diff := cmp.Diff(wantSeen, gotSeen); diff != "" {
		t.Errorf("the handler saw a different request (-tcp +inproc):\n%s", diff)
	}
	if diff := cmp.Diff(wantGot, gotGot); diff != "" {
		t.Errorf("the client got a different response (-tcp +inproc):\n%s", diff)
	}
}

var differentialCases = []struct {
	name string
	rq   request
}{
	{"get", request{method: "GET", path: "a/b", query: "x=1&y=%20z"}},
	{"get with small body", request{method: "GET", sc: script{Writes: []int{5}}}},
	{"html sniffed", request{method: "GET", sc: script{Set: map[string][]string{"X-A": {" spaced "}}, Writes: []int{0, 3}}}},
	{"put known length", request{method: "PUT", path: "bucket/key", body: "hello", bodyMode: 1, sc: script{ReadBody: true}}},
	{"post empty", request{method: "POST", bodyMode: 1, sc: script{ReadBody: true}}},
	{"delete empty", request{method: "DELETE", bodyMode: 1, sc: script{ReadBody: true, Status: 204}}},
	{"probed empty body", request{method: "PUT", bodyMode: 2, sc: script{ReadBody: true}}},
	{"probed body", request{method: "PUT", body: "abc", bodyMode: 2, sc: script{ReadBody: true}}},
	{"chunked request", request{method: "POST", body: strings.Repeat("x", 5000), bodyMode: 3, sc: script{ReadBody: true, Writes: []int{10}}}},
	{"request trailers", request{method: "POST", body: "abc", bodyMode: 4, sc: script{ReadBody: true}}},
	{"unread body", request{method: "POST", body: "abc", bodyMode: 1, sc: script{Writes: []int{1}}}},
	{"chunked response", request{method: "GET", sc: script{Writes: []int{1000, 1000, 1000}}}},
	{"large single write", request{method: "GET", sc: script{Writes: []int{70000}}}},
	{"flushed", request{method: "GET", sc: script{Writes: []int{3, 4}, Flush: 1}}},
	{"declared length", request{method: "GET", sc: script{CL: "exact", Writes: []int{3000, 10}}}},
	{"short length", request{method: "GET", sc: script{CL: "short", Writes: []int{30}}}},
	{"head", request{method: "HEAD", sc: script{Writes: []int{30}}}},
	{"head declared", request{method: "HEAD", sc: script{CL: "exact", Writes: []int{30}}}},
	{"head large", request{method: "HEAD", sc: script{Writes: []int{3000}}}},
	{"not modified", request{method: "GET", sc: script{Status: 304, Set: map[string][]string{"Content-Type": {"x/y"}, "Etag": {`"1"`}}, Writes: []int{3}}}},
	{"no content", request{method: "GET", sc: script{Status: 204, Writes: []int{3}}}},
	{"unknown status", request{method: "GET", sc: script{Status: 599, Writes: []int{3}}}},
	{"error status", request{method: "PUT", body: "x", bodyMode: 1, sc: script{Status: 503, Set: map[string][]string{"Content-Type": {"application/x-amz-json-1.0"}}, Writes: []int{40}}}},
	{"declared trailers", request{method: "GET", sc: script{Declared: map[string]string{"X-Sum": "abc"}, Writes: []int{3}}}},
	{"prefixed trailers", request{method: "GET", sc: script{Prefixed: map[string]string{"X-Late": "z"}, Writes: []int{3}}}},
	{"trailers with length", request{method: "GET", sc: script{CL: "exact", Declared: map[string]string{"X-Sum": "abc"}, Writes: []int{3}}}},
	{"panic before header", request{method: "GET", sc: script{Panic: true}}},
	{"panic after flush", request{method: "GET", sc: script{Writes: []int{3}, Flush: 1, Panic: true}}},
	{"connection close", request{method: "GET", header: http.Header{"Connection": {"close"}}}},
	{"empty user agent", request{method: "GET", header: http.Header{"User-Agent": {""}}}},
	{"many values", request{method: "GET", header: http.Header{"x-lower": {"a", "b"}, "X-Amz-Target": {"DynamoDB_20120810.BatchWriteItem"}}}},
	{"header keys", request{method: "GET", sc: script{Set: map[string][]string{"x-amz-version-id": {"v1"}, "Content-Length": {"bad"}}, Writes: []int{2}}}},
}

// TestDifferential holds the Transport to a real loopback server: for
// each request the handler must see the same request and the client get
// the same response (Date and RemoteAddr aside).
func TestDifferential(t *testing.T) {
	d := newDiffer(t)
	for _, tt := range differentialCases {
		t.Run(tt.name, func(t *testing.T) {
			d.check(t, tt.rq)
		})
	}
}

var (
	methods   = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
	statuses  = []int{0, 200, 201, 204, 206, 301, 304, 400, 404, 500, 503, 599}
	clModes   = []string{"", "exact", "short"}
	setValues = []string{"", "text/plain", "application/xml", "a, b"}
)

// FuzzDifferential is TestDifferential over generated requests and
// handler behaviours.
func FuzzDifferential(f *testing.F) {
	f.Add(uint8(0), "p", "q=1", uint8(0), "", uint8(0), uint8(0), uint16(0), uint16(0), uint8(0), uint8(0), "v")
	f.Add(uint8(3), "bucket/key with space", "", uint8(1), "body", uint8(1), uint8(1), uint16(5000), uint16(10), uint8(1), uint8(1), "")
	f.Add(uint8(2), "x", "a=%2F", uint8(3), strings.Repeat("z", 300), uint8(2), uint8(2), uint16(2048), uint16(1), uint8(2), uint8(2), "t")
	f.Add(uint8(1), "", "", uint8(4), "b", uint8(6), uint8(0), uint16(100), uint16(0), uint8(3), uint8(3), "w")
	d := newDiffer(f)
	f.Fuzz(func(t *testing.T, method uint8, path, query string, bodyMode uint8, body string,
		status, cl uint8, w1, w2 uint16, flush, ctype uint8, trailer string) {
		fuzzCase(t, d, method, path, query, bodyMode, body, status, cl, w1, w2, flush, ctype, trailer)
	})
}

func fuzzCase(t *testing.T, d *differ, method uint8, path, query string, bodyMode uint8, body string,
	status, cl uint8, w1, w2 uint16, flush, ctype uint8, trailer string) {
	if len(body) > 1<<16 || len(path) > 200 || len(query) > 200 || len(trailer) > 100 {
		t.Skip()
	}
	rq := request{
		method: methods[int(method)%len(methods)], path: url.PathEscape(path), query: url.PathEscape(query),
		body: body, bodyMode: int(bodyMode) % 5,
		header: http.Header{"X-Value": {printable(trailer)}},
		sc: script{
			ReadBody: bodyMode%2 == 0, Status: statuses[int(status)%len(statuses)],
			CL: clModes[int(cl)%len(clModes)], Writes: []int{int(w1) % 9000, int(w2) % 9000}, Flush: int(flush) % 3,
		},
	}
	if ct := setValues[int(ctype)%len(setValues)]; ct != "" {
		rq.sc.Set = map[string][]string{"Content-Type": {ct}}
	}
	if trailer != "" && rq.sc.CL == "" {
		if ctype%2 == 0 {
			rq.sc.Declared = map[string]string{"X-Trailer": printable(trailer)}
		} else {
			rq.sc.Prefixed = map[string]string{"X-Late": printable(trailer)}
		}
	}
	d.check(t, rq)
}

// printable keeps the bytes a header value may hold.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || (r >= 0x20 && r < 0x7f) {
			return r
		}
		return -1
	}, s)
}

func TestPanicIsAnError(t *testing.T) {
	c := &http.Client{Transport: &inproc.Transport{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })}}
	_, err := c.Get("http://local/x")
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the panic named", err)
	}
}

func TestContextBeforeResponse(t *testing.T) {
	handlerCtx := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		handlerCtx <- r.Context().Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://local/", nil)
	time.AfterFunc(10*time.Millisecond, cancel)
	_, err := (&inproc.Transport{Handler: h}).RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip: %v, want context.Canceled", err)
	}
	if err := <-handlerCtx; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context: %v, want context.Canceled", err)
	}
}
