package load_test

import (
	"net"
	"net/http"
)

// httpServer serves a handler on a listener the test chose (127.0.0.1).
type httpServer struct {
	ln  net.Listener
	srv *http.Server
}

func (s *httpServer) start(h http.Handler) {
	s.srv = &http.Server{Handler: h}
	go s.srv.Serve(s.ln)
}

func (s *httpServer) stop() { s.srv.Close() }
