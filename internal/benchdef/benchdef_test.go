package benchdef

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestPassChain: the chain is valid JSON with n states, S0 first, each
// naming the next and the last ending.
func TestPassChain(t *testing.T) {
	var m struct {
		StartAt string
		States  map[string]struct {
			Type, Next string
			End        bool
		}
	}
	if err := json.Unmarshal(PassChain(3), &m); err != nil {
		t.Fatal(err)
	}
	if m.StartAt != "S0" || len(m.States) != 3 {
		t.Fatalf("StartAt %q, %d states", m.StartAt, len(m.States))
	}
	for i := range 3 {
		st := m.States[fmt.Sprint("S", i)]
		want := fmt.Sprint("S", i+1)
		if i == 2 {
			want = ""
		}
		if st.Type != "Pass" || st.Next != want || st.End != (i == 2) {
			t.Errorf("S%d = %+v", i, st)
		}
	}
}
