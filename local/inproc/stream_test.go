package inproc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/local/inproc"
)

// TestStreamsBothWays proves that neither body is buffered whole: the
// handler answers after reading only the start of the request body, the
// caller gets the response while it is still writing that body, and each
// side's next piece waits for the other to have seen the previous one. A
// transport that buffered either body would deadlock here.
func TestStreamsBothWays(t *testing.T) {
	const piece = 1 << 20
	readFirst := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, piece)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			t.Errorf("handler: first piece: %v", err)
			return
		}
		close(readFirst)
		w.Write(bytes.Repeat([]byte("a"), piece))
		w.(http.Flusher).Flush()
		// The rest of the request body arrives only after the caller
		// read the first piece of the response.
		n, err := io.Copy(w, r.Body)
		if err != nil || n != piece {
			t.Errorf("handler: echoed %d bytes, %v; want %d", n, err, piece)
		}
	})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", "http://local/object", pr)
	req.ContentLength = 2 * piece
	go func() {
		pw.Write(bytes.Repeat([]byte("b"), piece))
		<-readFirst
	}()
	resp, err := (&inproc.Transport{Handler: h}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != -1 {
		t.Errorf("ContentLength = %d, want -1 (chunked)", resp.ContentLength)
	}
	first := make([]byte, piece)
	if _, err := io.ReadFull(resp.Body, first); err != nil || first[piece-1] != 'a' {
		t.Fatalf("first piece of the response: %v", err)
	}
	go func() {
		pw.Write(bytes.Repeat([]byte("c"), piece))
		pw.Close()
	}()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || len(rest) != piece || rest[0] != 'c' {
		t.Fatalf("rest of the response: %d bytes, %v", len(rest), err)
	}
}

// TestLargeBodyBoundedMemory streams 128 MB each way through the transport: the
// heap must not grow with it (a buffered body would hold it all).
func TestLargeBodyBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 128 MB each way")
	}
	const size = 128 << 20
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil || n != size {
			t.Errorf("request body: %d bytes, %v", n, err)
		}
		for i := 0; i < size/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	})
	req, _ := http.NewRequest("PUT", "http://local/big", io.LimitReader(zeros{}, size))
	req.ContentLength = size
	resp, err := (&inproc.Transport{Handler: h}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var peak uint64
	buf := make([]byte, 32<<10)
	var n int64
	for i := 0; ; i++ {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if i%1024 == 0 {
			if h := heapInUse(); h > peak {
				peak = h
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != size {
		t.Fatalf("read %d bytes, want %d", n, size)
	}
	if peak > 64<<20 {
		t.Errorf("heap in use reached %d MB while streaming %d MB", peak>>20, size>>20)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestCancelDuringBody(t *testing.T) {
	handlerDone := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		_, err := w.Write([]byte("more"))
		handlerDone <- err
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://local/", nil)
	resp, err := (&inproc.Transport{Handler: h}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Errorf("body read after cancel: %v, want context.Canceled", err)
	}
	select {
	case err := <-handlerDone:
		if err == nil {
			t.Errorf("the handler's write after the cancel succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not see its context end")
	}
}

func TestCloseBodyEarlyStopsHandler(t *testing.T) {
	handlerDone := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 4096)
		for {
			if _, err := w.Write(chunk); err != nil {
				<-r.Context().Done()
				handlerDone <- err
				return
			}
		}
	})
	resp, err := (&inproc.Transport{Handler: h}).RoundTrip(httpGet(t))
	if err != nil {
		t.Fatal(err)
	}
	io.CopyN(io.Discard, resp.Body, 10000)
	resp.Body.Close()
	select {
	case err := <-handlerDone:
		if err == nil {
			t.Fatal("want a write error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler kept writing after the caller closed the body")
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("read after Close: %v", err)
	}
}

func TestRequestBodyClosed(t *testing.T) {
	for _, read := range []bool{false, true} {
		b := &closeRecorder{Reader: strings.NewReader("abc")}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if read {
				io.ReadAll(r.Body)
			}
		})
		req, _ := http.NewRequest("POST", "http://local/", b)
		req.ContentLength = 3
		resp, err := (&inproc.Transport{Handler: h}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		deadline := time.Now().Add(10 * time.Second)
		for !b.closed() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if !b.closed() {
			t.Errorf("read=%v: the request body was never closed", read)
		}
	}
}

func httpGet(t *testing.T) *http.Request {
	req, err := http.NewRequest("GET", "http://local/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestTrailersArriveAtEOF: the caller may look at Response.Trailer's
// declared keys while the handler is still running (run with -race); the
// values arrive with the end of the body.
func TestTrailersArriveAtEOF(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		w.Write([]byte("body"))
		w.(http.Flusher).Flush()
		w.Write([]byte(" more"))
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "7")
	})
	resp, err := (&inproc.Transport{Handler: h}).RoundTrip(httpGet(t))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, ok := resp.Trailer["X-Sum"]; !ok || resp.Trailer.Get("X-Sum") != "" {
		t.Errorf("before EOF: Trailer %v, want X-Sum declared without a value", resp.Trailer)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "body more" {
		t.Fatalf("body %q, %v", b, err)
	}
	if resp.Trailer.Get("X-Sum") != "42" || resp.Trailer.Get("X-Late") != "7" {
		t.Errorf("after EOF: Trailer %v, want X-Sum 42 and X-Late 7", resp.Trailer)
	}
}
