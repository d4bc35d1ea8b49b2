package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
)

func jsonNumber(s string) json.Number { return json.Number(s) }

// maxHTTPResponse bounds the response body read.
const maxHTTPResponse = 1 << 20

// maxFileCalls bounds the per-file call states (rate limiter, circuit) an
// instance keeps; the least recently used is dropped beyond it.
const maxFileCalls = 64

// semaphore returns the per-instance concurrency limit of an enrichment,
// shared by all invocations of the Handler.
func (h *Handler) semaphore(ds string, e *dataset.HTTPEnrichment) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := ds + "\x00" + e.Name
	s, ok := h.sems[key]
	if !ok {
		n := e.Concurrency
		if n <= 0 {
			n = dataset.DefaultHTTPConcurrency
		}
		s = make(chan struct{}, n)
		h.sems[key] = s
	}
	return s
}

// fileCalls is what one enrichment's calls for one file share in this
// instance: the rate limiter and the circuit breaker. Chunks of a file
// that this instance enriches, one after the other, share it.
type fileCalls struct {
	limiter *rate.Limiter // nil: no limit
	max     int64         // failures in a row that open the circuit; 0: never
	mu      sync.Mutex
	inRow   int64 // calls failed in a row
	last    error // the last failure
	open    bool  // the circuit is open: no more calls for this file
	used    time.Time
}

// failed records a failed call and reports whether the circuit is now
// open.
func (f *fileCalls) failed(err error) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inRow++
	f.last = err
	if f.max > 0 && f.inRow >= f.max {
		f.open = true
	}
	return f.open
}

// answered records a call the service answered.
func (f *fileCalls) answered() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		f.inRow = 0
	}
}

// openErr returns the error of an open circuit, nil when it is closed.
func (f *fileCalls) openErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		return nil
	}
	return fmt.Errorf("%d calls in a row failed (MaxFailures), the service looks down; the last: %w", f.inRow, f.last)
}

// calls returns the call state of enrichment e for the file of execution
// exec.
func (h *Handler) calls(exec, ds string, e *dataset.HTTPEnrichment) *fileCalls {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := exec + "\x00" + ds + "\x00" + e.Name
	now := time.Now()
	if f, ok := h.files[key]; ok {
		f.used = now
		return f
	}
	if len(h.files) >= maxFileCalls {
		var oldest string
		for k, f := range h.files {
			if oldest == "" || f.used.Before(h.files[oldest].used) {
				oldest = k
			}
		}
		delete(h.files, oldest)
	}
	f := &fileCalls{used: now, max: int64(e.MaxFailures)}
	if e.MaxFailures == 0 {
		f.max = dataset.DefaultHTTPMaxFailures
	} else if e.MaxFailures < 0 {
		f.max = 0
	}
	if e.RateLimit > 0 {
		burst := e.Burst
		if burst <= 0 {
			burst = max(e.Concurrency, dataset.DefaultHTTPConcurrency)
		}
		f.limiter = rate.NewLimiter(rate.Limit(e.RateLimit), burst)
	}
	h.files[key] = f
	return f
}

// describe names an enrichment in errors: dataset, enrichment, the fields
// it writes and its method and URL template (never a rendered URL's record
// values beyond what the error itself says, never a secret).
func describe(ds string, e *dataset.HTTPEnrichment) string {
	return fmt.Sprintf("%s of dataset %s (fields %s; %s %s)", e.Name, ds, strings.Join(e.Fields(), ", "), e.MethodOrDefault(), e.URL)
}

// errNoObject reports a response that is not a JSON object (or a 404): an
// answer without data, not a failure of the service.
var errNoObject = errors.New("no object in response")

// request is one record's call.
type request struct {
	url  string
	body []byte
}

// callHTTP performs enrichment e for every record of the block, at most
// Concurrency calls at a time and RateLimit calls a second for the file,
// and copies the response fields.
func (h *Handler) callHTTP(ctx context.Context, ds *dataset.Dataset, exec string, e *dataset.HTTPEnrichment, block []map[string]any) error {
	fc := h.calls(exec, ds.Name, e)
	if err := fc.openErr(); err != nil {
		return &fnerr.EnrichmentFailed{Source: describe(ds.Name, e), Err: err}
	}
	if err := h.checkScheme(ds.Name, e); err != nil {
		return err
	}
	if e.Auth != nil {
		// Read (or refresh) the secret once for the block, so that a
		// missing or unreadable secret fails the chunk with its own error.
		if _, _, err := h.secret(ctx, ds.Name, e); err != nil {
			return err
		}
	}
	sem := h.semaphore(ds.Name, e)
	results := make([]map[string]any, len(block))
	errs := make([]error, len(block))
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var chunkErr error // a failure of the chunk, not of a call
	var chunkOnce sync.Once
	var wg sync.WaitGroup
	for i, rec := range block {
		u, err := e.URLFor(rec)
		if err != nil {
			errs[i] = err // a record missing a URL field: no call
			continue
		}
		body, err := e.BodyFor(rec)
		if err != nil {
			errs[i] = err
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-callCtx.Done():
		}
		if callCtx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i], errs[i] = h.fetch(callCtx, ds.Name, e, fc, request{u, body})
			var rt *fnerr.Retryable
			var ce *fnerr.ConfigError
			switch err := errs[i]; {
			case err == nil || errors.Is(err, errNoObject):
				fc.answered()
			case callCtx.Err() != nil:
				// Cancelled: the chunk fails for another reason.
			case errors.As(err, &rt) || errors.As(err, &ce):
				chunkOnce.Do(func() { chunkErr = err })
				cancel()
			case fc.failed(err) || e.Required:
				cancel()
			}
		})
	}
	wg.Wait()
	if err := fc.openErr(); err != nil {
		return &fnerr.EnrichmentFailed{Source: describe(ds.Name, e), Err: err}
	}
	if chunkErr != nil {
		return chunkErr
	}
	if ctx.Err() != nil {
		return &fnerr.Retryable{Op: "http enrichment " + e.Name, Err: ctx.Err()}
	}
	for i, rec := range block {
		if errs[i] != nil {
			if e.Required {
				if errors.Is(errs[i], context.Canceled) {
					continue // stopped by the failure reported below
				}
				return &fnerr.EnrichmentFailed{Source: describe(ds.Name, e), Err: fmt.Errorf("%v line %v: %w", rec[AttrSourceKey], rec[AttrLine], errs[i])}
			}
			if e.MissingFlag != "" {
				rec[e.MissingFlag] = true
			}
			continue
		}
		for field, from := range e.Copy {
			if v, ok := results[i][from]; ok {
				rec[field] = v
			}
		}
		if e.MissingFlag != "" {
			rec[e.MissingFlag] = false
		}
	}
	return nil
}

// checkScheme refuses a plain-http URL unless the Handler may call the
// loopback address over http (local runs and tests).
func (h *Handler) checkScheme(ds string, e *dataset.HTTPEnrichment) error {
	if strings.HasPrefix(e.URL, "https://") {
		return nil
	}
	if h.Config.AllowLoopbackHTTP {
		return nil
	}
	return &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: %s: plain http is for 127.0.0.1 in local runs only; deployed, the URL must be https", describe(ds, e))}
}

// secret returns the value and generation of e's secret.
func (h *Handler) secret(ctx context.Context, ds string, e *dataset.HTTPEnrichment) (string, uint64, error) {
	if h.Secrets == nil {
		return "", 0, &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: %s needs secret %q and the enricher has no secret source", describe(ds, e), e.Auth.Secret)}
	}
	ttl := h.Config.SecretTTL
	if ttl <= 0 {
		ttl = DefaultSecretTTL
	}
	return h.secrets.get(ctx, h.Secrets, e.Auth.Secret, ttl, h.now())
}

// callError is a call that failed, with whether another attempt may
// succeed and how long the service asked to wait (Retry-After).
type callError struct {
	err        error
	retry      bool
	retryAfter time.Duration
	auth       bool // 401 or 403
}

func (c *callError) Error() string { return c.err.Error() }
func (c *callError) Unwrap() error { return c.err }

// fetch makes one record's call with the enrichment's per-attempt timeout
// and retries: network errors, timeouts, 429 and 5xx are retried after a
// jittered exponential backoff or the Retry-After the service asked for,
// whichever is longer (up to MaxRetryWait); a 401 or 403 re-reads the
// secret once and tries again; other statuses are final.
func (h *Handler) fetch(ctx context.Context, ds string, e *dataset.HTTPEnrichment, fc *fileCalls, req request) (map[string]any, error) {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = dataset.DefaultHTTPTimeout
	}
	maxWait := e.MaxRetryWait
	if maxWait <= 0 {
		maxWait = dataset.DefaultHTTPMaxRetryWait
	}
	refreshed := false
	var lastErr error
	for attempt := 0; attempt <= max(e.Retries, 0); attempt++ {
		if err := h.waitTurn(ctx, e, fc); err != nil {
			return nil, err
		}
		var secret string
		var gen uint64
		if e.Auth != nil {
			var err error
			if secret, gen, err = h.secret(ctx, ds, e); err != nil {
				return nil, err
			}
		}
		obj, err := h.attempt(ctx, e, req, secret, timeout)
		if err == nil {
			return obj, nil
		}
		lastErr = err
		var ce *callError
		if !errors.As(err, &ce) || ctx.Err() != nil {
			return nil, err
		}
		if ce.auth && e.Auth != nil && !refreshed {
			// The secret may have been rotated: read it again, once.
			refreshed = true
			h.secrets.invalidate(e.Auth.Secret, gen)
			attempt--
			continue
		}
		if !ce.retry || attempt == max(e.Retries, 0) {
			break
		}
		wait := httpBackoff(attempt + 1)
		if ce.retryAfter > maxWait {
			return nil, fmt.Errorf("%w; Retry-After %s is beyond MaxRetryWait %s", err, ce.retryAfter, maxWait)
		}
		wait = max(wait, ce.retryAfter)
		if err := h.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, lastErr
}

// waitTurn waits until the file's rate limit lets one more call through
// (through h.now and h.sleep, so tests see the waits).
func (h *Handler) waitTurn(ctx context.Context, e *dataset.HTTPEnrichment, fc *fileCalls) error {
	if fc.limiter == nil {
		return nil
	}
	now := h.now()
	r := fc.limiter.ReserveN(now, 1)
	if !r.OK() {
		return &fnerr.Internal{Msg: fmt.Sprintf("enrich: http enrichment %s: the rate limit's burst admits no call", e.Name)}
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := h.sleep(ctx, d); err != nil {
			r.CancelAt(now)
			return &fnerr.Retryable{Op: "http enrichment " + e.Name + " rate limit", Err: err}
		}
	}
	return nil
}

// attempt makes one HTTP request.
func (h *Handler) attempt(ctx context.Context, e *dataset.HTTPEnrichment, r request, secret string, timeout time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	method := e.MethodOrDefault()
	req, err := http.NewRequestWithContext(ctx, method, r.url, body)
	if err != nil {
		return nil, err
	}
	for k, v := range e.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.Auth != nil {
		if e.Auth.Scheme == dataset.AuthHeader {
			req.Header.Set(e.Auth.Header, secret)
		} else {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
	}
	what := method + " " + redact(r.url)
	resp, err := h.client().Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("no answer within %s", timeout)
		} else {
			err = errors.Unwrap(err) // *url.Error repeats method and URL
		}
		return nil, &callError{err: fmt.Errorf("%s: %w", what, err), retry: true}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPResponse))
	if err != nil {
		return nil, &callError{err: fmt.Errorf("%s: reading the response: %w", what, err), retry: true}
	}
	status := fmt.Errorf("%s: %s", what, resp.Status)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &callError{err: status, retry: true, retryAfter: retryAfter(resp.Header.Get("Retry-After"), h.now())}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &callError{err: status, auth: true}
	case resp.StatusCode == http.StatusNotFound:
		return nil, errNoObject
	case resp.StatusCode/100 != 2:
		return nil, &callError{err: status}
	}
	var obj map[string]any
	if err := decodeObject(b, &obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// client returns the HTTP client: Handler.HTTP (or the default client)
// following no redirect, so that no credential is sent to where a
// response points.
func (h *Handler) client() *http.Client {
	h.clientOnce.Do(func() {
		c := http.Client{}
		if h.HTTP != nil {
			c = *h.HTTP
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		h.httpClient = &c
	})
	return h.httpClient
}

// redact drops a URL's query and user info from messages: the path is
// what the declaration's template renders, a query may carry anything.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 section 10.2.3). An absent or malformed header is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// httpBackoff is full jitter over 100ms·2^(n-1), capped at 5s: an external
// service under load gets more room than DynamoDB's retries.
func httpBackoff(n int) time.Duration {
	limit := 5 * time.Second
	if n < 7 {
		limit = min(limit, 100*time.Millisecond<<(n-1))
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}

func decodeObject(body []byte, obj *map[string]any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(obj); err != nil || *obj == nil {
		return errNoObject
	}
	return nil
}
