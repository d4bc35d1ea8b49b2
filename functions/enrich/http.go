package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
)

func jsonNumber(s string) json.Number { return json.Number(s) }

// Defaults of dataset.HTTPEnrichment applied here.
const (
	defaultHTTPTimeout     = 2 * time.Second
	defaultHTTPConcurrency = 4
	maxHTTPResponse        = 1 << 20
)

// semaphore returns the per-instance concurrency limit of an enrichment,
// shared by all invocations of the Handler.
func (h *Handler) semaphore(e *dataset.HTTPEnrichment) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := e.Name + "\x00" + e.URL
	s, ok := h.sems[key]
	if !ok {
		n := e.Concurrency
		if n <= 0 {
			n = defaultHTTPConcurrency
		}
		s = make(chan struct{}, n)
		h.sems[key] = s
	}
	return s
}

// errNoObject reports a response that is not a JSON object (or a 404).
var errNoObject = errors.New("no object in response")

// callHTTP performs enrichment e for every record of the block, at most
// Concurrency calls at a time, and copies the response fields.
func (h *Handler) callHTTP(ctx context.Context, e *dataset.HTTPEnrichment, block []map[string]any) error {
	sem := h.semaphore(e)
	results := make([]map[string]any, len(block))
	errs := make([]error, len(block))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i, rec := range block {
		url, err := e.URLFor(rec)
		if err != nil {
			errs[i] = err // a record missing a URL field: no call
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return &fnerr.Retryable{Op: "http " + e.Name, Err: ctx.Err()}
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i], errs[i] = h.fetch(ctx, e, url)
			if errs[i] != nil && e.Required {
				cancel()
			}
		})
	}
	wg.Wait()
	for i, rec := range block {
		if errs[i] != nil {
			if e.Required {
				return &fnerr.EnrichmentFailed{Source: e.Name, Err: errs[i]}
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

// fetch GETs url with the enrichment's per-attempt timeout and retries:
// transport errors, timeouts, 429 and 5xx are retried with jittered
// backoff; other statuses are final.
func (h *Handler) fetch(ctx context.Context, e *dataset.HTTPEnrichment, url string) (map[string]any, error) {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	client := h.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	var lastErr error
	for attempt := 0; attempt <= max(e.Retries, 0); attempt++ {
		if attempt > 0 {
			if err := h.sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
		}
		obj, retry, err := h.get(ctx, client, url, timeout)
		if err == nil {
			return obj, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func (h *Handler) get(ctx context.Context, client *http.Client, url string, timeout time.Duration) (obj map[string]any, retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, true, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPResponse))
	if err != nil {
		return nil, true, err
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, true, fmt.Errorf("GET %s: %s", url, resp.Status)
	case resp.StatusCode == http.StatusNotFound:
		return nil, false, errNoObject
	case resp.StatusCode/100 != 2:
		return nil, false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := decodeObject(body, &obj); err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", url, err)
	}
	return obj, false, nil
}

func decodeObject(body []byte, obj *map[string]any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(obj); err != nil || *obj == nil {
		return errNoObject
	}
	return nil
}
