// Package inproc serves HTTP requests with an http.Handler in the same
// process: Transport is an http.RoundTripper that hands each request to a
// handler directly, with no socket, no wire encoding and no connection
// pool, so that a real HTTP client (aws-sdk-go-v2's, for one) can reach an
// embedded server at the cost of a function call.
//
// The handler sees the request an HTTP/1.1 server (net/http) would see
// for the bytes net/http's client would write, and the client gets the
// response net/http's client would read back: Host, RequestURI and a URL
// without scheme or host; Content-Length or chunked transfer encoding as
// the client would choose them; a default User-Agent; request trailers;
// on the response side the server's buffering (a short body that fits
// the 2 KB buffer gets a Content-Length, a longer one is chunked),
// Content-Type sniffing, the Date header, suppressed headers for 204 and
// 304, HEAD bodies dropped, declared and "Trailer:"-prefixed trailers, and
// a body that ends early when the handler writes less than its declared
// Content-Length. A differential test holds these against a real loopback
// server.
//
// Bodies stream both ways: the handler reads the caller's request body as
// it is read, and the response body is a pipe the handler writes into as
// the caller reads, so memory stays bounded whatever the body size. The
// request's context is the handler's: cancelling it cancels the handler's
// context and fails a pending round trip or body read.
//
// Not reproduced: the client's transparent gzip (no Accept-Encoding is
// added, as nothing in process compresses), 1xx informational responses
// (ignored), connection management (Connection headers beyond "close",
// Hijack) and the client's validation of header names and values.
package inproc
