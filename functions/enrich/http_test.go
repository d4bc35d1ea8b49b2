package enrich

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
)

// token is the API's secret in these tests: no error, log line or output
// record may contain it.
const token = "s3cr3t-t0ken-7f9c2a"

// rotating is a SecretSource whose value changes after the first read.
type rotating struct {
	mu     sync.Mutex
	values []string
	reads  int
}

func (r *rotating) Secret(_ context.Context, name string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name != "geo-api" {
		return "", &fnerr.ConfigError{Msg: "no secret " + name}
	}
	v := r.values[min(r.reads, len(r.values)-1)]
	r.reads++
	return v, nil
}

func (r *rotating) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// apiSet is a dataset set whose "shops" dataset POSTs to url with a bearer
// token, after the caller's changes to the enrichment.
func apiSet(t *testing.T, url string, change func(h *dataset.HTTPEnrichment)) *dataset.Set {
	t.Helper()
	h := dataset.HTTPEnrichment{
		Name: "geo", URL: url + "/v1/geo/{postcode}", Method: "POST",
		Body:    `{"postcode": "{postcode}", "shop": "shop-{shop_id}"}`,
		Headers: map[string]string{"X-Client": "sluice"},
		Auth:    &dataset.HTTPAuth{Secret: "geo-api"},
		Timeout: time.Minute, Copy: map[string]string{"region": "region"}, MissingFlag: "geo_missing",
	}
	if change != nil {
		change(&h)
	}
	d := &dataset.Dataset{
		Name: "shops", Prefix: "incoming/shops/", Format: dataset.Format{Kind: dataset.CSV},
		Fields:     []dataset.Field{{Name: "shop_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
		Key:        dataset.Key{Partition: "SHOP#{shop_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{h}},
	}
	set, err := dataset.NewSet(d)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// apiEnv is an enricher calling srv with the given secrets and a log, its
// sleeps recorded instead of slept.
type apiEnv struct {
	*env
	log    bytes.Buffer
	mu     sync.Mutex
	sleeps []time.Duration
}

func newAPIEnv(t *testing.T, srv *httptest.Server, set *dataset.Set, secrets SecretSource) *apiEnv {
	t.Helper()
	a := &apiEnv{env: newEnv(t, set)}
	a.h.HTTP = srv.Client() // trusts the test server's certificate, and only that
	a.h.Secrets = secrets
	a.h.Log = fnlog.New(&a.log, slog.LevelDebug, "enrich")
	a.h.Sleep = func(ctx context.Context, d time.Duration) error {
		a.mu.Lock()
		a.sleeps = append(a.sleeps, d)
		a.mu.Unlock()
		return ctx.Err()
	}
	return a
}

func (a *apiEnv) waits() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Duration(nil), a.sleeps...)
}

// noSecret fails the test when the secret shows in s.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, token) || strings.Contains(s, "old-"+token) {
		t.Errorf("%s contains the secret: %s", what, s)
	}
}

// TestHTTPEnrichmentRequest: the call has the method, rendered body,
// declared headers and the bearer token from the secret source, over TLS.
func TestHTTPEnrichmentRequest(t *testing.T) {
	t.Parallel()
	type seen struct{ Method, Path, Auth, Client, ContentType, Body string }
	var got []seen
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Client"), r.Header.Get("Content-Type"), string(b)})
		mu.Unlock()
		fmt.Fprint(w, `{"region": "North"}`)
	}))
	t.Cleanup(srv.Close)
	secrets := &rotating{values: []string{token}}
	a := newAPIEnv(t, srv, apiSet(t, srv.URL, nil), secrets)
	for i := range 2 {
		out, err := a.h.Handle(t.Context(), a.stage(t, "shops", i, shop("1", "AB 1")))
		if err != nil {
			t.Fatal(err)
		}
		if r := a.output(t, out)[0]; r["region"] != "North" || r["geo_missing"] != false {
			t.Errorf("record %v, want region North and geo_missing false", r)
		}
	}
	want := seen{"POST", "/v1/geo/AB 1", "Bearer " + token, "sluice", "application/json", `{"postcode":"AB 1","shop":"shop-1"}`}
	if diff := cmp.Diff([]seen{want, want}, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := secrets.count(); n != 1 {
		t.Errorf("secret read %d times for two chunks, want 1 (cached)", n)
	}
	noSecret(t, "log", a.log.String())
}

// TestHTTPEnrichmentRotatedSecret: a 401 re-reads the secret once and the
// call succeeds with the new value; a secret refused again fails the
// chunk without naming it.
func TestHTTPEnrichmentRotatedSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			// A careless API echoes what it got.
			w.Header().Set("WWW-Authenticate", "Bearer error="+r.Header.Get("Authorization"))
			http.Error(w, "bad token "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"region": "North"}`)
	}))
	t.Cleanup(srv.Close)

	t.Run("rotated", func(t *testing.T) {
		t.Parallel()
		secrets := &rotating{values: []string{"old-" + token, token}}
		a := newAPIEnv(t, srv, apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) { h.Required = true }), secrets)
		out, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", "N1"), shop("2", "N2")))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range a.output(t, out) {
			if r["region"] != "North" {
				t.Errorf("record %v, want region North", r)
			}
		}
		if n := secrets.count(); n != 2 {
			t.Errorf("secret read %d times, want 2 (once, then once after the 401)", n)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		secrets := &rotating{values: []string{"old-" + token}}
		a := newAPIEnv(t, srv, apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) { h.Required = true }), secrets)
		_, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", "N1")))
		var ef *fnerr.EnrichmentFailed
		if !errors.As(err, &ef) {
			t.Fatalf("err = %v, want EnrichmentFailed", err)
		}
		if !strings.Contains(err.Error(), "401 Unauthorized") {
			t.Errorf("error %q does not say 401", err)
		}
		noSecret(t, "error", err.Error())
		noSecret(t, "log", a.log.String())
	})
}

// TestHTTPEnrichmentRetryAfter: a 429 is retried after the Retry-After
// the service asked for (seconds or a date); one beyond MaxRetryWait ends
// the attempts.
func TestHTTPEnrichmentRetryAfter(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := strings.TrimPrefix(r.URL.Path, "/v1/geo/")
		mu.Lock()
		calls[code]++
		n := calls[code]
		mu.Unlock()
		if n == 1 {
			switch code {
			case "SECONDS":
				w.Header().Set("Retry-After", "3")
			case "DATE":
				w.Header().Set("Retry-After", ingest.Add(7*time.Second).UTC().Format(http.TimeFormat))
			case "LONG":
				w.Header().Set("Retry-After", "3600")
			}
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		fmt.Fprintf(w, `{"region": "R-%s"}`, code)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		code     string
		minWait  time.Duration
		wantFlag bool
	}{
		{code: "SECONDS", minWait: 3 * time.Second},
		{code: "DATE", minWait: 7 * time.Second},
		{code: "NONE"},
		{code: "LONG", wantFlag: true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			a := newAPIEnv(t, srv, apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) { h.Retries = 2; h.Auth = nil }), nil)
			out, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", tt.code)))
			if err != nil {
				t.Fatal(err)
			}
			r := a.output(t, out)[0]
			if r["geo_missing"] != tt.wantFlag {
				t.Fatalf("record %v, want geo_missing %v", r, tt.wantFlag)
			}
			waits := a.waits()
			if tt.wantFlag {
				if len(waits) != 0 {
					t.Errorf("slept %v for a Retry-After beyond MaxRetryWait, want no wait", waits)
				}
				return
			}
			if len(waits) != 1 || waits[0] < tt.minWait || waits[0] > max(tt.minWait, 5*time.Second) {
				t.Errorf("waits %v, want one of at least %s", waits, tt.minWait)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"soon":                          0,
		"99999999999999999999":          0,
		"Mon, 07 Dec 2026 01:00:30 GMT": 30 * time.Second,
		"Mon, 07 Dec 2026 00:59:30 GMT": 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

// TestHTTPEnrichmentCircuit: when the service is down the chunk fails
// after MaxFailures failed calls, Required or not, with an error naming
// the dataset, the enrichment, its fields and URL, and not the secret; a
// second chunk of the same file fails without calling.
func TestHTTPEnrichmentCircuit(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down "+r.Header.Get("Authorization"), http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	a := newAPIEnv(t, srv, apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) {
		h.MaxFailures, h.Retries, h.Concurrency = 3, 1, 1
	}), &rotating{values: []string{token}})
	var lines []string
	for i := range 50 {
		lines = append(lines, shop(fmt.Sprint(i), "P"+fmt.Sprint(i)))
	}
	_, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, lines...))
	var ef *fnerr.EnrichmentFailed
	if !errors.As(err, &ef) {
		t.Fatalf("err = %v, want EnrichmentFailed", err)
	}
	msg := err.Error()
	for _, want := range []string{"dataset shops", "geo", "fields region, geo_missing", "POST " + srv.URL + "/v1/geo/{postcode}", "3 calls in a row failed", "503 Service Unavailable"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if n := calls.Load(); n != 6 {
		t.Errorf("%d requests, want 6 (3 calls of 2 attempts, then the circuit opens)", n)
	}
	noSecret(t, "error", msg)
	noSecret(t, "log", a.log.String())
	if !strings.Contains(a.log.String(), "dataset shops") {
		t.Errorf("log %q does not name the failure", a.log.String())
	}

	before := calls.Load()
	if _, err := a.h.Handle(t.Context(), a.stage(t, "shops", 1, lines[:2]...)); !errors.As(err, &ef) {
		t.Fatalf("second chunk: err = %v, want EnrichmentFailed", err)
	}
	if n := calls.Load() - before; n != 0 {
		t.Errorf("second chunk of the file made %d requests, want 0 (circuit open)", n)
	}
}

// TestHTTPEnrichmentRateLimit: calls for one file wait their turn: with 4
// calls a second and a burst of 1, the tenth call waits 9/4 s.
func TestHTTPEnrichmentRateLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"region": "N"}`)
	}))
	t.Cleanup(srv.Close)
	a := newAPIEnv(t, srv, apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) {
		h.RateLimit, h.Burst, h.Concurrency, h.Auth = 4, 1, 1, nil
	}), nil)
	var lines []string
	for i := range 10 {
		lines = append(lines, shop(fmt.Sprint(i), "P"))
	}
	if _, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, lines...)); err != nil {
		t.Fatal(err)
	}
	var want []time.Duration
	for i := 1; i < 10; i++ {
		want = append(want, time.Duration(i)*time.Second/4)
	}
	if diff := cmp.Diff(want, a.waits()); diff != "" {
		t.Errorf("rate-limit waits (-want +got):\n%s", diff)
	}
}

// TestHTTPEnrichmentRefusesPlainHTTP: http://127.0.0.1 compiles for local
// runs, but only a Handler told AllowLoopbackHTTP calls it.
func TestHTTPEnrichmentRefusesPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"region": "N"}`)
	}))
	t.Cleanup(srv.Close)
	set := apiSet(t, srv.URL, func(h *dataset.HTTPEnrichment) { h.Auth = nil })
	a := newAPIEnv(t, srv, set, nil)
	var ce *fnerr.ConfigError
	if _, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", "P"))); !errors.As(err, &ce) || !strings.Contains(err.Error(), "must be https") {
		t.Fatalf("err = %v, want ConfigError saying https", err)
	}
	b := newAPIEnv(t, srv, set, nil)
	b.h.Config.AllowLoopbackHTTP = true
	out, err := b.h.Handle(t.Context(), b.stage(t, "shops", 0, shop("1", "P")))
	if err != nil {
		t.Fatal(err)
	}
	if r := b.output(t, out)[0]; r["region"] != "N" {
		t.Errorf("record %v, want region N", r)
	}
}

// TestHTTPEnrichmentNoRedirect: a redirect is not followed, so the token
// never reaches the host it points to.
func TestHTTPEnrichmentNoRedirect(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(true)
		fmt.Fprint(w, `{"region": "EVIL"}`)
	}))
	t.Cleanup(other.Close)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	a := newAPIEnv(t, srv, apiSet(t, srv.URL, nil), &rotating{values: []string{token}})
	a.h.HTTP = &http.Client{Transport: srv.Client().Transport}
	out, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", "P")))
	if err != nil {
		t.Fatal(err)
	}
	if r := a.output(t, out)[0]; r["geo_missing"] != true || leaked.Load() {
		t.Errorf("record %v, redirect followed: %v; want geo_missing and no call to the other host", r, leaked.Load())
	}
}

// TestHTTPEnrichmentMissingSecret: an enrichment whose secret is not set
// fails the chunk with a ConfigError saying where to set it.
func TestHTTPEnrichmentMissingSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	a := newAPIEnv(t, srv, apiSet(t, srv.URL, nil), LocalSecrets{Getenv: func(string) string { return "" }, File: t.TempDir() + "/secrets.json"})
	_, err := a.h.Handle(t.Context(), a.stage(t, "shops", 0, shop("1", "P")))
	var ce *fnerr.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "SLUICE_SECRET_GEO_API") {
		t.Fatalf("err = %v, want ConfigError naming SLUICE_SECRET_GEO_API", err)
	}
}

func TestLocalSecrets(t *testing.T) {
	t.Parallel()
	file := t.TempDir() + "/secrets.json"
	if err := writeFile(file, `{"geo-api": " from-file\n", "other": "o"}`); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLUICE_SECRET_OTHER": "from-env"}
	s := LocalSecrets{Getenv: func(k string) string { return env[k] }, File: file}
	for name, want := range map[string]string{"geo-api": "from-file", "other": "from-env"} {
		if got, err := s.Secret(t.Context(), name); err != nil || got != want {
			t.Errorf("Secret(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if err := writeFile(file, `{"geo-api": `+`"`+token+`", `); err != nil {
		t.Fatal(err)
	}
	_, err := s.Secret(t.Context(), "geo-api")
	var ce *fnerr.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("malformed file: err = %v, want ConfigError", err)
	}
	noSecret(t, "error", err.Error())
}

// fakeSM is a Secrets Manager answering one ARN.
type fakeSM struct {
	arn, value string
	err        error
}

func (f fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	if aws.ToString(in.SecretId) != f.arn {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such secret"}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(f.value)}, nil
}

func TestSecretsManager(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:geo-api-AbCdEf"
	tests := []struct {
		name     string
		sm       fakeSM
		arns     map[string]string
		want     string
		wantType string
	}{
		{name: "value", sm: fakeSM{arn: arn, value: token + "\n"}, arns: map[string]string{"geo-api": arn}, want: token},
		{name: "no ARN", sm: fakeSM{arn: arn}, arns: nil, wantType: "ConfigError"},
		{name: "not found", sm: fakeSM{arn: "other"}, arns: map[string]string{"geo-api": arn}, wantType: "ConfigError"},
		{name: "denied", sm: fakeSM{err: &smithy.GenericAPIError{Code: "AccessDeniedException"}}, arns: map[string]string{"geo-api": arn}, wantType: "ConfigError"},
		{name: "throttled", sm: fakeSM{err: &smithy.GenericAPIError{Code: "ThrottlingException"}}, arns: map[string]string{"geo-api": arn}, wantType: "Retryable"},
		{name: "binary secret", sm: fakeSM{arn: arn, value: ""}, arns: map[string]string{"geo-api": arn}, wantType: "ConfigError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := (&SecretsManager{Client: tt.sm, ARNs: tt.arns}).Secret(t.Context(), "geo-api")
			if name := fnerr.NameOf(err); name != tt.wantType || got != tt.want {
				t.Errorf("Secret = %q, %v (%s); want %q, %s", got, err, name, tt.want, tt.wantType)
			}
		})
	}
}

func TestParseConfigSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SLUICE_ENRICH_SECRETS":    `{"geo-api": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:geo-api-AbCdEf"}`,
		"SLUICE_ENRICH_SECRET_TTL": "90s",
	}
	c, err := ParseConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretTTL != 90*time.Second || c.SecretARNs["geo-api"] == "" || c.AllowLoopbackHTTP {
		t.Errorf("config %+v", c)
	}
	for _, bad := range []map[string]string{
		{"SLUICE_ENRICH_SECRETS": `["x"]`},
		{"SLUICE_ENRICH_SECRETS": `{"geo-api": "arn:aws:ssm:eu-west-1:1:parameter/x"}`},
		{"SLUICE_ENRICH_SECRET_TTL": "-1s"},
	} {
		if _, err := ParseConfig(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("ParseConfig(%v) succeeded", bad)
		}
	}
}

func writeFile(path, s string) error {
	return os.WriteFile(path, []byte(s), 0o600)
}
