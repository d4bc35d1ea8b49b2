package dataset

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/http/httpguts"
)

// secretRE is the form of a secret name: it becomes part of an environment
// variable locally (SLUICE_SECRET_GEO_API) and a key of the stack config.
// It is compiled on first use: its 62-fold repetition costs about 700
// allocations, which every sluice command paid at start.
var secretRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`) })

// clientHeaders are the headers the HTTP client sets itself.
var clientHeaders = []string{"Host", "Content-Length", "Content-Type", "Connection", "Transfer-Encoding"}

// compileHTTP checks the HTTP enrichments (their URL and body templates
// read the fields and what the lookups added) and declares the fields they
// copy and flag.
func (d *Dataset) compileHTTP(c *compiled, env map[string]any, added fieldAdder, add issueAdder) {
	for i := range d.Enrichment.HTTP {
		h := &d.Enrichment.HTTP[i]
		p := fmt.Sprintf("Enrichment.HTTP[%d]", i)
		if !validName(h.Name) {
			add(p+".Name", CodeBadName, "an HTTP enrichment needs a Name of lower-case letters, digits, '-' and '_', not %q", h.Name)
		}
		h.url, h.body = nil, nil
		t, err := ParseTemplate(h.URL)
		if err != nil {
			add(p+".URL", CodeBadTemplate, "%v", err)
		} else {
			h.url = t
			if code, msg := checkURL(t); code != "" {
				add(p+".URL", code, "%s", msg)
			}
			checkFields(p+".URL", "URL", t.Fields(), env, add)
			for _, name := range t.Fields() {
				if c.lists[name] {
					add(p+".URL", CodeListField, "URL names list field %q: a URL is built from single values", name)
				}
			}
		}
		switch h.Method {
		case "", http.MethodGet:
			if h.Body != "" {
				add(p+".Body", CodeBadOption, "a GET has no body: set Method POST")
			}
		case http.MethodPost:
			if h.Body != "" {
				b, err := ParseBodyTemplate(h.Body)
				if err != nil {
					add(p+".Body", CodeBadTemplate, "%v", err)
				} else {
					h.body = b
					checkFields(p+".Body", "body", b.Fields(), env, add)
				}
			}
		default:
			add(p+".Method", CodeBadOption, "Method is GET or POST, not %q", h.Method)
		}
		for _, name := range sortedKeys(h.Headers) {
			hp := p + ".Headers[" + name + "]"
			switch {
			case !httpguts.ValidHeaderFieldName(name):
				add(hp, CodeBadHeader, "not a valid header name")
			case strings.EqualFold(name, "Authorization") || h.Auth != nil && strings.EqualFold(name, h.Auth.Header):
				add(hp, CodeBadHeader, "a credential does not belong in the declaration: use Auth, whose secret the deployment provides")
			case slices.ContainsFunc(clientHeaders, func(c string) bool { return strings.EqualFold(c, name) }):
				add(hp, CodeBadHeader, "set by the HTTP client")
			case !httpguts.ValidHeaderFieldValue(h.Headers[name]):
				add(hp, CodeBadHeader, "the value has a control character")
			}
		}
		if a := h.Auth; a != nil {
			if !secretRE().MatchString(a.Secret) {
				add(p+".Auth.Secret", CodeBadAuth, "a secret name is lower-case letters, digits and '-', not %q", a.Secret)
			}
			switch a.Scheme {
			case "", AuthBearer:
				if a.Header != "" {
					add(p+".Auth.Header", CodeBadAuth, "a bearer token goes in Authorization: Header is for Scheme %q", AuthHeader)
				}
			case AuthHeader:
				if !httpguts.ValidHeaderFieldName(a.Header) || slices.ContainsFunc(clientHeaders, func(c string) bool { return strings.EqualFold(c, a.Header) }) {
					add(p+".Auth.Header", CodeBadAuth, "Scheme %q needs a valid Header such as X-Api-Key, not %q", AuthHeader, a.Header)
				}
			default:
				add(p+".Auth.Scheme", CodeBadAuth, "Scheme is %q or %q, not %q", AuthBearer, AuthHeader, a.Scheme)
			}
		}
		if h.Timeout < 0 || h.Retries < 0 || h.Concurrency < 0 || h.MaxRetryWait < 0 || h.Burst < 0 {
			add(p, CodeBadOption, "Timeout, Retries, MaxRetryWait, Concurrency and Burst must not be negative")
		}
		if h.RateLimit < 0 || math.IsNaN(h.RateLimit) || math.IsInf(h.RateLimit, 0) {
			add(p+".RateLimit", CodeBadOption, "RateLimit is calls per second, positive (or 0 for no limit)")
		}
		for _, to := range sortedKeys(h.Copy) {
			added(p+".Copy["+to+"]", to, nil)
		}
		if h.MissingFlag != "" {
			added(p+".MissingFlag", h.MissingFlag, false)
			c.types[h.MissingFlag] = Bool
		}
	}
}

func checkFields(path, what string, fields []string, env map[string]any, add issueAdder) {
	for _, name := range fields {
		if _, ok := env[name]; !ok {
			add(path, CodeUnknownField, "%s names undeclared field %q", what, name)
		}
	}
}

// checkURL requires a URL whose origin (scheme, host and port) is literal,
// so that no record value can send a call, and its credential, to another
// host, and whose scheme is https, or http to 127.0.0.1 (local runs).
func checkURL(t *Template) (code, msg string) {
	var origin string
	if len(t.parts) > 0 && t.parts[0].field == "" {
		origin = t.parts[0].lit
	}
	rest, ok := strings.CutPrefix(origin, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(origin, "http://")
	}
	if !ok {
		return CodeInsecureURL, fmt.Sprintf("URL %q must start with https://", t.src)
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 && len(t.parts) > 1 {
		return CodeBadTemplate, fmt.Sprintf("URL %q: the host must be literal, placeholders only after the first '/' of the path", t.src)
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil {
		return CodeBadTemplate, fmt.Sprintf("URL %q has no valid host", t.src)
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return CodeInsecureURL, fmt.Sprintf("URL %q must be https (http is accepted for 127.0.0.1 only, in local runs)", t.src)
	}
	return "", ""
}

// IsLoopbackHost reports whether host (no port) is a loopback IP address
// literal, the only host an enrichment may call over plain http.
func IsLoopbackHost(host string) bool {
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

// MethodOrDefault returns Method or its default, GET.
func (h *HTTPEnrichment) MethodOrDefault() string {
	if h.Method == "" {
		return DefaultHTTPMethod
	}
	return h.Method
}

// BodyFor renders the request body of a record (nil when the enrichment
// has none).
func (h *HTTPEnrichment) BodyFor(rec map[string]any) ([]byte, error) {
	if h.body == nil {
		if h.Body != "" {
			return nil, fmt.Errorf("http enrichment %q is not compiled", h.Name)
		}
		return nil, nil
	}
	return h.body.Render(func(name string) (any, bool) {
		v, ok := rec[name]
		return v, ok
	})
}

// Fields returns the fields the enrichment writes, for messages: Copy's
// keys sorted, then MissingFlag.
func (h *HTTPEnrichment) Fields() []string {
	out := sortedKeys(h.Copy)
	if h.MissingFlag != "" {
		out = append(out, h.MissingFlag)
	}
	return out
}
