package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHTTPEnrichmentIssues: every bad HTTP enrichment declaration is an
// issue naming its field path and a stable code (what `go test
// ./dataset/...` and the platform report before anything is deployed).
func TestHTTPEnrichmentIssues(t *testing.T) {
	t.Parallel()
	base := func() *Dataset {
		return &Dataset{
			Name: "t", Prefix: "incoming/t/", Format: Format{Kind: CSV},
			Fields: []Field{{Name: "id", Type: String, Required: true}, {Name: "n", Type: Int}},
			Key:    Key{Partition: "T#{id}"},
			Enrichment: Enrichment{HTTP: []HTTPEnrichment{{
				Name: "geo", URL: "https://geo.example/v1/{id}", Method: "POST", Body: `{"id": "{id}", "n": "{n}", "tag": "T-{id}"}`,
				Headers: map[string]string{"Accept-Language": "en"},
				Auth:    &HTTPAuth{Secret: "geo-api"},
				Copy:    map[string]string{"lat": "lat"},
			}}},
		}
	}
	const p = "Enrichment.HTTP[0]"
	tests := []struct {
		name     string
		mutate   func(h *HTTPEnrichment)
		wantPath string
		wantCode string
	}{
		{"name", func(h *HTTPEnrichment) { h.Name = "Geo API" }, p + ".Name", CodeBadName},
		{"plain http", func(h *HTTPEnrichment) { h.URL = "http://geo.example/v1/{id}" }, p + ".URL", CodeInsecureURL},
		{"http to a name that resolves to loopback", func(h *HTTPEnrichment) { h.URL = "http://localhost/{id}" }, p + ".URL", CodeInsecureURL},
		{"no scheme", func(h *HTTPEnrichment) { h.URL = "geo.example/{id}" }, p + ".URL", CodeInsecureURL},
		{"other scheme", func(h *HTTPEnrichment) { h.URL = "ftp://geo.example/{id}" }, p + ".URL", CodeInsecureURL},
		{"host from a record", func(h *HTTPEnrichment) { h.URL = "https://{id}/v1" }, p + ".URL", CodeBadTemplate},
		{"host suffix from a record", func(h *HTTPEnrichment) { h.URL = "https://geo.example{id}" }, p + ".URL", CodeBadTemplate},
		{"user info", func(h *HTTPEnrichment) { h.URL = "https://me:pw@geo.example/{id}" }, p + ".URL", CodeBadTemplate},
		{"URL syntax", func(h *HTTPEnrichment) { h.URL = "https://geo.example/{id" }, p + ".URL", CodeBadTemplate},
		{"URL field", func(h *HTTPEnrichment) { h.URL = "https://geo.example/{nope}" }, p + ".URL", CodeUnknownField},
		{"method", func(h *HTTPEnrichment) { h.Method = "DELETE" }, p + ".Method", CodeBadOption},
		{"body on GET", func(h *HTTPEnrichment) { h.Method = "" }, p + ".Body", CodeBadOption},
		{"body not JSON", func(h *HTTPEnrichment) { h.Body = `{"id": {id}}` }, p + ".Body", CodeBadTemplate},
		{"body placeholder", func(h *HTTPEnrichment) { h.Body = `{"id": "{id"}` }, p + ".Body", CodeBadTemplate},
		{"body field", func(h *HTTPEnrichment) { h.Body = `{"id": "{nope}"}` }, p + ".Body", CodeUnknownField},
		{"authorization header", func(h *HTTPEnrichment) { h.Headers = map[string]string{"authorization": "Bearer x"} }, p + ".Headers[authorization]", CodeBadHeader},
		{"auth header as header", func(h *HTTPEnrichment) {
			h.Auth = &HTTPAuth{Secret: "k", Scheme: AuthHeader, Header: "X-Api-Key"}
			h.Headers = map[string]string{"X-API-KEY": "x"}
		}, p + ".Headers[X-API-KEY]", CodeBadHeader},
		{"client header", func(h *HTTPEnrichment) { h.Headers = map[string]string{"Host": "x"} }, p + ".Headers[Host]", CodeBadHeader},
		{"header name", func(h *HTTPEnrichment) { h.Headers = map[string]string{"Bad Name": "x"} }, p + ".Headers[Bad Name]", CodeBadHeader},
		{"header value", func(h *HTTPEnrichment) { h.Headers = map[string]string{"X-A": "a\nb"} }, p + ".Headers[X-A]", CodeBadHeader},
		{"secret name", func(h *HTTPEnrichment) { h.Auth.Secret = "arn:aws:secretsmanager:eu-west-1:1:secret:x" }, p + ".Auth.Secret", CodeBadAuth},
		{"scheme", func(h *HTTPEnrichment) { h.Auth.Scheme = "basic" }, p + ".Auth.Scheme", CodeBadAuth},
		{"header scheme without header", func(h *HTTPEnrichment) { h.Auth.Scheme = AuthHeader }, p + ".Auth.Header", CodeBadAuth},
		{"bearer with header", func(h *HTTPEnrichment) { h.Auth.Header = "X-Api-Key" }, p + ".Auth.Header", CodeBadAuth},
		{"negative retries", func(h *HTTPEnrichment) { h.Retries = -1 }, p, CodeBadOption},
		{"negative rate", func(h *HTTPEnrichment) { h.RateLimit = -1 }, p + ".RateLimit", CodeBadOption},
		{"infinite rate", func(h *HTTPEnrichment) { h.RateLimit = math.Inf(1) }, p + ".RateLimit", CodeBadOption},
	}
	if err := base().Compile(); err != nil {
		t.Fatalf("base: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := base()
			tt.mutate(&d.Enrichment.HTTP[0])
			var is Issues
			if err := d.Compile(); !errors.As(err, &is) {
				t.Fatalf("Compile = %v, want Issues", err)
			}
			for _, i := range is {
				if i.Path == tt.wantPath && i.Code == tt.wantCode {
					return
				}
			}
			t.Errorf("issues %+v lack %s at %s", is, tt.wantCode, tt.wantPath)
		})
	}

	t.Run("loopback http compiles", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{"http://127.0.0.1:8080/{id}", "http://[::1]:80/v1/{id}", "https://127.0.0.1:8443/{id}"} {
			d := base()
			d.Enrichment.HTTP[0].URL = u
			if err := d.Compile(); err != nil {
				t.Errorf("URL %s: %v", u, err)
			}
		}
	})
}

func TestBodyTemplate(t *testing.T) {
	t.Parallel()
	rec := map[string]any{"id": "A\"1", "n": json.Number("42"), "tags": []any{"x", "y"}, "ok": true, "gone": nil}
	tests := []struct {
		src     string
		want    string
		fields  []string
		wantErr bool
	}{
		{src: `{"id": "{id}", "n": "{n}"}`, want: `{"id":"A\"1","n":42}`, fields: []string{"id", "n"}},
		{src: `{"label": "item {id} x{n}", "tags": "{tags}", "ok": "{ok}"}`, want: `{"label":"item A\"1 x42","tags":["x","y"],"ok":true}`, fields: []string{"id", "n", "tags", "ok"}},
		{src: `{"b": "{{literal}}", "z": [1, 2.5, null, false, {"k": "{n}"}]}`, want: `{"b":"{literal}","z":[1,2.5,null,false,{"k":42}]}`, fields: []string{"n"}},
		{src: `  ["{n}"] `, want: `[42]`, fields: []string{"n"}},
		{src: `"{id}"`, want: `"A\"1"`, fields: []string{"id"}},
		{src: `{"k": "{missing}"}`, fields: []string{"missing"}, wantErr: true},
		{src: `{"k": "{gone}"}`, fields: []string{"gone"}, wantErr: true},
		{src: `{"k": "x-{gone}"}`, fields: []string{"gone"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			b, err := ParseBodyTemplate(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.fields, b.Fields()); diff != "" {
				t.Errorf("Fields (-want +got):\n%s", diff)
			}
			got, err := b.Render(func(n string) (any, bool) { v, ok := rec[n]; return v, ok })
			if (err != nil) != tt.wantErr {
				t.Fatalf("Render = %s, %v; want error %v", got, err, tt.wantErr)
			}
			if err == nil && string(got) != tt.want {
				t.Errorf("Render = %s, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{``, `{`, `{"a": 1,}`, `{"a": 1} x`, `{"a": 1, "a": 2}`, `{"a": "{1}"}`, `{"a": "}"}`, `[1 2]`, `nul`} {
		var te *TemplateError
		if _, err := ParseBodyTemplate(bad); !errors.As(err, &te) {
			t.Errorf("ParseBodyTemplate(%q) = %v, want *TemplateError", bad, err)
		}
	}
}

// FuzzBodyTemplateParse: parsing never panics; what parses renders, for
// any record value a field can hold, to valid JSON whose shape does not
// depend on the values (a value never escapes its string or slot).
func FuzzBodyTemplateParse(f *testing.F) {
	for _, s := range []string{`{"id": "{id}"}`, `{"a": ["{x}", 1, {"b": "p-{y}-{{q}}"}]}`, `"{a}"`, `[]`, `{"a":`, `{"a": "{"}`, `[[[[[[1]]]]]]`} {
		f.Add(s, `"}, "x": {"`)
	}
	f.Fuzz(func(t *testing.T, src, val string) {
		if len(src) > 2048 || len(val) > 256 {
			return
		}
		b, err := ParseBodyTemplate(src)
		if err != nil {
			var te *TemplateError
			if !errors.As(err, &te) || te.Offset < 0 || te.Offset > len(src) {
				t.Fatalf("error %v is not a *TemplateError within the source", err)
			}
			return
		}
		var shapes []string
		for _, v := range []any{val, "x", json.Number("1")} {
			out, err := b.Render(func(string) (any, bool) { return v, true })
			if err != nil {
				t.Fatalf("Render of %q: %v", src, err)
			}
			// UseNumber: a literal such as 1E1000 is valid JSON that a
			// float64 cannot hold; the API receives the text as written.
			dec := json.NewDecoder(bytes.NewReader(out))
			dec.UseNumber()
			var doc any
			if err := dec.Decode(&doc); err != nil || dec.More() {
				t.Fatalf("Render of %q with %q = %s: not JSON: %v", src, val, out, err)
			}
			shape, _ := json.Marshal(skeleton(doc))
			shapes = append(shapes, string(shape))
		}
		if shapes[0] != shapes[1] || shapes[1] != shapes[2] {
			t.Fatalf("the value %q changed the shape of %q: %v", val, src, shapes)
		}
	})
}

// skeleton keeps a document's object keys and array lengths only.
func skeleton(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = skeleton(e)
		}
		return out
	case []any:
		return len(v)
	}
	return nil
}
