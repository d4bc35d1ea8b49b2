package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/local"
)

// apiToken is the geo API's bearer token: it must show in no output, log,
// history, report, event or object of the state directory.
const apiToken = "tok-9d2f6c1e-not-for-logs"

// storesSet is the built-in datasets plus "stores", whose enrichment calls
// the geo API at base with a bearer token, the way a user declares one in
// dataset/builtin.go.
func storesSet(t *testing.T, base string) *dataset.Set {
	t.Helper()
	stores := &dataset.Dataset{
		Name: "stores", Prefix: "incoming/stores/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{
			{Name: "store_id", Type: dataset.String, Required: true},
			{Name: "postcode", Type: dataset.String, Required: true},
		},
		Key: dataset.Key{Partition: "STORE#{store_id}", Sort: "STORE"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: base + "/v1/postcodes/{postcode}",
			Auth:    &dataset.HTTPAuth{Secret: "geo-api"},
			Timeout: 10 * time.Second, Retries: 2, RateLimit: 50, MaxFailures: 3,
			Copy: map[string]string{"region": "region"}, MissingFlag: "geo_missing",
		}}},
	}
	all := append(dataset.Builtin().All(), stores)
	set, err := dataset.NewSet(all...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// apiCLI runs sluice with the stores dataset and an HTTP client that
// trusts srv's certificate (and nothing else: no verification is turned
// off).
func apiCLI(t *testing.T, srv *httptest.Server, args ...string) (code ExitCode, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, prog: "sluice"}
	set := storesSet(t, srv.URL)
	c.runtimeHook = func(cfg *local.Config) {
		cfg.Datasets = set
		cfg.EnrichHTTP = srv.Client()
	}
	code = c.execute(args)
	return code, out.String(), errb.String()
}

// geoAPI answers GET /v1/postcodes/{pc} with a region for the bearer
// token; BUSY* postcodes first answer 429 with Retry-After: 1.
type geoAPI struct {
	mu    sync.Mutex
	calls map[string]int
}

func (g *geoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pc := strings.TrimPrefix(r.URL.Path, "/v1/postcodes/")
	g.mu.Lock()
	g.calls[pc]++
	n := g.calls[pc]
	g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+apiToken {
		http.Error(w, "who are you, "+r.Header.Get("Authorization"), http.StatusUnauthorized)
		return
	}
	if strings.HasPrefix(pc, "BUSY") && n == 1 {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	fmt.Fprintf(w, `{"region": "R-%s"}`, pc)
}

// TestRunEnrichmentCallsTLSAPI: `sluice run` enriches a file through a
// local TLS API with the bearer token of the state directory's
// secrets.json, retrying a 429 after its Retry-After; with the API down,
// the file FAILS with an error naming dataset, enrichment, fields and URL.
// The token shows nowhere.
func TestRunEnrichmentCallsTLSAPI(t *testing.T) {
	t.Parallel()
	api := &geoAPI{calls: map[string]int{}}
	srv := httptest.NewTLSServer(api)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, local.SecretsFile), []byte(`{"geo-api": "`+apiToken+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "stores.csv")
	if err := os.WriteFile(file, []byte("store_id,postcode\nS1,N1\nS2,BUSY1\nS3,E2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	code, stdout, stderr := apiCLI(t, srv, "run", "--state-dir", state, "--dataset", "stores", file)
	seen.WriteString(stdout + stderr)
	if code != ExitOK || !strings.Contains(stdout, "→ LOADED: 3 records in, 3 loaded") {
		t.Fatalf("sluice run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = apiCLI(t, srv, "table", "scan", "--state-dir", state, "--dataset", "stores")
	seen.WriteString(stdout + stderr)
	if code != ExitOK {
		t.Fatalf("table scan: exit %d: %s", code, stderr)
	}
	got := map[string]string{}
	for line := range strings.Lines(stdout) {
		var item struct {
			StoreID, Region string
			Missing         bool `json:"geo_missing"`
		}
		if err := json.Unmarshal([]byte(line), &item); err != nil {
			t.Fatalf("item %q: %v", line, err)
		}
		if item.Missing {
			t.Errorf("item %s: geo_missing", line)
		}
		var raw map[string]any
		_ = json.Unmarshal([]byte(line), &raw)
		got[fmt.Sprint(raw["store_id"])] = fmt.Sprint(raw["region"])
	}
	want := map[string]string{"S1": "R-N1", "S2": "R-BUSY1", "S3": "R-E2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("regions %v, want %v", got, want)
	}
	api.mu.Lock()
	busy := api.calls["BUSY1"]
	api.mu.Unlock()
	if busy != 2 {
		t.Errorf("BUSY1 called %d times, want 2 (a 429, then after Retry-After)", busy)
	}

	// The API goes down: the next file fails, and says which call.
	srv.Close()
	file2 := filepath.Join(dir, "stores2.csv")
	if err := os.WriteFile(file2, []byte("store_id,postcode\nS4,N4\nS5,N5\nS6,N6\nS7,N7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = apiCLI(t, srv, "run", "--fast", "--state-dir", state, "--dataset", "stores", file2)
	seen.WriteString(stdout + stderr)
	if code != ExitFailure || !strings.Contains(stdout, "FAILED") {
		t.Fatalf("sluice run with the API down: exit %d, want %d and FAILED\n%s\n%s", code, ExitFailure, stdout, stderr)
	}
	for _, w := range []string{"EnrichmentFailed", "dataset stores", "geo", "fields region, geo_missing", "GET " + srv.URL + "/v1/postcodes/{postcode}", "3 calls in a row failed"} {
		if !strings.Contains(stdout+stderr, w) {
			t.Errorf("output lacks %q:\n%s\n%s", w, stdout, stderr)
		}
	}

	if strings.Contains(seen.String(), apiToken) {
		t.Errorf("the token is in sluice's output")
	}
	// Nothing the runtime wrote holds the token: objects, reports, the
	// outbox of events, execution histories, logs, the tables.
	files := 0
	err := filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == filepath.Join(state, local.SecretsFile) {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(apiToken)) {
			t.Errorf("%s holds the token", path)
		}
		return nil
	})
	if err != nil || files < 5 {
		t.Fatalf("walked %d files of the state directory: %v", files, err)
	}
}

// TestLintDatasets: `sluice lint --datasets` reports every bad HTTP
// enrichment declaration with dataset, path and code (exit 1), warns of a
// URL only local runs may call (exit 0), and passes the built-in set.
func TestLintDatasets(t *testing.T) {
	t.Parallel()
	shops := func(h dataset.HTTPEnrichment) func() []*dataset.Dataset {
		return func() []*dataset.Dataset {
			d := &dataset.Dataset{
				Name: "shops", Prefix: "incoming/shops/", Format: dataset.Format{Kind: dataset.CSV},
				Fields:     []dataset.Field{{Name: "shop_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
				Key:        dataset.Key{Partition: "SHOP#{shop_id}"},
				Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{h}},
			}
			return append(dataset.Declarations(), d)
		}
	}
	tests := []struct {
		name     string
		decls    func() []*dataset.Dataset
		wantCode ExitCode
		want     []string
	}{
		{name: "built-in", wantCode: ExitOK},
		{name: "bad", decls: shops(dataset.HTTPEnrichment{
			Name: "geo", URL: "http://geo.example/{postcode}", Method: "POST", Body: `{"pc": "{nope}"}`,
			Headers: map[string]string{"Authorization": "Bearer abc"}, Auth: &dataset.HTTPAuth{Secret: "Geo API"},
		}), wantCode: ExitFailure, want: []string{
			"dataset:shops: Enrichment.HTTP[0].URL: InsecureURL: ",
			"dataset:shops: Enrichment.HTTP[0].Body: UnknownField: body names undeclared field \"nope\"",
			"dataset:shops: Enrichment.HTTP[0].Headers[Authorization]: BadHeader: ",
			"dataset:shops: Enrichment.HTTP[0].Auth.Secret: BadAuth: ",
		}},
		{name: "local only", decls: shops(dataset.HTTPEnrichment{Name: "geo", URL: "http://127.0.0.1:8080/{postcode}"}), wantCode: ExitOK,
			want: []string{"dataset:shops: Enrichment.HTTP[0].URL: warning: LocalOnlyURL: http://127.0.0.1:8080/{postcode} calls plain http: local runs only; a deploy refuses it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, prog: "sluice", declarations: tt.decls}
			code := c.execute([]string{"lint", "--datasets"})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out.String(), errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.want == nil && out.Len() > 0 {
				t.Errorf("output %q, want none", out.String())
			}
		})
	}
}
