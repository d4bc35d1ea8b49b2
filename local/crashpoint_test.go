package local

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCrash(t *testing.T) {
	tests := []struct {
		spec    string
		want    *CrashPoint
		wantErr bool
	}{
		{"", nil, false},
		{"state:Load", &CrashPoint{State: "Load", Nth: 1}, false},
		{"state:LoadChunk@4", &CrashPoint{State: "LoadChunk", Nth: 4}, false},
		{"items:25", &CrashPoint{Items: 25}, false},
		{"upload:512", &CrashPoint{UploadBytes: 512}, false},
		{"state:Load@0", nil, true},
		{"items:-1", nil, true},
		{"items:x", nil, true},
		{"upload:", nil, true},
		{"time:5", nil, true},
		{"Load", nil, true},
		{"state:@3", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseCrash(tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseCrash(%q) error %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseCrash(%q) (-want +got):\n%s", tt.spec, d)
			}
		})
	}
}

// FuzzParseCrash: no panic, and a parsed point names exactly one trigger
// with positive counts.
func FuzzParseCrash(f *testing.F) {
	for _, s := range []string{"state:Load", "state:LoadChunk@4", "items:25", "upload:512", "state:@", "items:99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if len(spec) > 256 {
			return
		}
		c, err := ParseCrash(spec)
		if err != nil || c == nil {
			return
		}
		set := 0
		if c.State != "" || c.Nth != 0 {
			set++
			if c.Nth < 1 || c.State == "" {
				t.Errorf("%q: Nth %d", spec, c.Nth)
			}
		}
		if c.Items != 0 {
			set++
		}
		if c.UploadBytes != 0 {
			set++
		}
		if set != 1 || c.Items < 0 || c.UploadBytes < 0 {
			t.Errorf("%q parsed to %+v", spec, c)
		}
	})
}
