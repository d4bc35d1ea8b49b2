package asl

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzScanStates checks the fast path of States.UnmarshalJSON against the
// Decoder path: whatever scanStates accepts, decodeStates decodes to the
// same states (and whatever it declines, the Decoder path decides).
func FuzzScanStates(f *testing.F) {
	for _, s := range []string{
		`{"A":{"Type":"Pass","Parameters":{"x.$":"$.y","s":"}]\"{"},"Next":"B"},"B":{"Type":"Succeed"}}`,
		` { } `, `{"A":{"Type":"Pass","End":true},"A":{"Type":"Fail"}}`, `{"\u0041":{"Type":"Succeed"}}`,
		`{"A":1}`, `{"A":{"Type":"Nope"}}`, `{"A":{"Type":"Pass","End":true}} x`, `{"A":{"Type":"Pass","End":tru}}`,
		`{"A":{"Type":"Wait","Seconds":1,"End":true,"X":[{"]":"}"}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		got, ok := scanStates(b)
		if !ok {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("scanStates accepted invalid JSON %q", b)
		}
		want, err := decodeStates(b)
		if err != nil {
			t.Fatalf("scanStates accepted %q, the Decoder path fails: %v", b, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("scanStates(%q) (-Decoder +scan):\n%s", b, diff)
		}
	})
}
