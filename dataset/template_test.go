package dataset

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		src        string
		wantFields []string
		wantOut    string
		wantErr    bool
	}{
		{src: "ORDER#{order_id}", wantFields: []string{"order_id"}, wantOut: "ORDER#A1"},
		{src: "{a}-{b}", wantFields: []string{"a", "b"}, wantOut: "x-y"},
		{src: "LIT", wantOut: "LIT"},
		{src: "{{x}}#{a}", wantFields: []string{"a"}, wantOut: "{x}#x"},
		{src: "", wantOut: ""},
		{src: "{a", wantErr: true},
		{src: "a}", wantErr: true},
		{src: "{}", wantErr: true},
		{src: "{1a}", wantErr: true},
		{src: "{a b}", wantErr: true},
	}
	vals := map[string]string{"order_id": "A1", "a": "x", "b": "y"}
	get := func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := ParseTemplate(tt.src)
			if tt.wantErr {
				var te *TemplateError
				if !errors.As(err, &te) {
					t.Fatalf("ParseTemplate(%q) = %v, want *TemplateError", tt.src, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFields, tpl.Fields()); diff != "" {
				t.Errorf("Fields (-want +got):\n%s", diff)
			}
			out, err := tpl.Render(get)
			if err != nil || out != tt.wantOut {
				t.Errorf("Render = %q, %v; want %q", out, err, tt.wantOut)
			}
		})
	}
	tpl, _ := ParseTemplate("X#{missing}")
	if _, err := tpl.Render(get); err == nil {
		t.Error("Render with a missing field succeeded")
	}
}

// FuzzTemplateParse: parsing never panics, and whatever parses prints back
// to a template that parses to the same thing.
func FuzzTemplateParse(f *testing.F) {
	for _, s := range []string{"ORDER#{order_id}", "{a}{b}", "{{}}", "{", "}", "a{{b}}c{d_1}", "TS#{ts}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1024 {
			return
		}
		tpl, err := ParseTemplate(s)
		if err != nil {
			return
		}
		again, err := ParseTemplate(tpl.String())
		if err != nil {
			t.Fatalf("reparse of %q (from %q): %v", tpl.String(), s, err)
		}
		if again.String() != tpl.String() || !cmp.Equal(again.Fields(), tpl.Fields()) {
			t.Fatalf("round trip of %q: %q then %q", s, tpl.String(), again.String())
		}
		get := func(n string) (string, bool) { return "<" + n + ">", true }
		a, _ := tpl.Render(get)
		b, _ := again.Render(get)
		if a != b {
			t.Fatalf("render differs: %q vs %q", a, b)
		}
	})
}
