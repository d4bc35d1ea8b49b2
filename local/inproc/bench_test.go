package inproc_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicehq/sluice/local/inproc"
)

// BenchmarkRoundTrip compares a round trip through the Transport with one
// over loopback TCP to the same handler, for a DynamoDB-sized JSON request
// and response and for a 1 MB object body each way.
func BenchmarkRoundTrip(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write(bytes.Repeat([]byte("x"), int(n)))
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	clients := []struct {
		name string
		c    *http.Client
	}{
		{"tcp", srv.Client()},
		{"inproc", &http.Client{Transport: &inproc.Transport{Handler: h}}},
	}
	for _, size := range []int{2 << 10, 1 << 20} {
		body := bytes.Repeat([]byte("{"), size)
		for _, c := range clients {
			b.Run(c.name+"/"+sizeName(size), func(b *testing.B) {
				b.SetBytes(int64(2 * size))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					resp, err := c.c.Post(srv.URL+"/", "application/x-amz-json-1.0", bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					n, err := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || n != int64(size) {
						b.Fatalf("read %d bytes, %v", n, err)
					}
				}
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return "1MB"
	}
	return "2KB"
}
