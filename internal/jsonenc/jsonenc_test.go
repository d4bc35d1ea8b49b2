package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

func stdString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "tab\tnew\nline", "quote\"back\\", "\x00\x1f\b\f\r", "é\u2028\u2029", "bad\xffutf8", "<html>&"} {
		got := string(jsonenc.AppendString([]byte("x"), s))
		if diff := cmp.Diff("x"+stdString(s), got); diff != "" {
			t.Errorf("AppendString(%q) (-want +got):\n%s", s, diff)
		}
	}
}

// FuzzAppendString checks AppendString against encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a\u2028b", "\x01\t\"\\", "\xff\xfe", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(jsonenc.AppendString(nil, s)), stdString(s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
		}
	})
}
