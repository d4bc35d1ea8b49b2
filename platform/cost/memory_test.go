package cost

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMemoryFloorMB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		peak float64
		want int
	}{
		{0, 0}, {-1, 0}, {12.7, 128}, {85, 128}, {85.4, 192}, {100, 192}, {200, 320}, {4000, 6016},
	}
	for _, tt := range tests {
		if got := MemoryFloorMB(tt.peak); got != tt.want {
			t.Errorf("MemoryFloorMB(%v) = %d, want %d", tt.peak, got, tt.want)
		}
	}
}

// TestMemoryComparison prices the I/O-bound functions at their floor and
// names a function set below its floor.
func TestMemoryComparison(t *testing.T) {
	t.Parallel()
	m := model(t, "prod")
	m.Timings.Functions = map[string]Timing{}
	for fn, v := range DefaultTimings().Functions {
		m.Timings.Functions[fn] = v
	}
	validate := m.Timings.Functions["validate"]
	validate.PeakMemoryMB = 900 // floor 1,408 MB, above prod's 1,024
	m.Timings.Functions["validate"] = validate
	w := Workload{FilesPerDay: 1000, RecordsPerFile: 10000}
	rep, err := m.Compare(w)
	if err != nil {
		t.Fatal(err)
	}
	var mem *Comparison
	for i := range rep.Comparisons {
		if rep.Comparisons[i].Topic == "function memory" {
			mem = &rep.Comparisons[i]
		}
	}
	if mem == nil {
		t.Fatalf("no function memory comparison in %+v", rep.Comparisons)
	}
	if len(mem.Alternatives) != 2 {
		t.Fatalf("alternatives %+v, want the current one and one more", mem.Alternatives)
	}
	alt := mem.Alternatives[1]
	// prod: load 512 MB and reconcile 256 MB, both I/O-bound with floors
	// of 128 MB; the CPU-bound functions keep theirs.
	if diff := cmp.Diff("pulumi config set sluice:loadMemoryMb 128; pulumi config set sluice:reconcileMemoryMb 128", alt.Change); diff != "" {
		t.Errorf("change (-want +got):\n%s", diff)
	}
	s := m.Stack
	s.FunctionMemoryMB = map[string]int{}
	for fn, mb := range m.Stack.FunctionMemoryMB {
		s.FunctionMemoryMB[fn] = mb
	}
	s.FunctionMemoryMB["load"], s.FunctionMemoryMB["reconcile"] = 128, 128
	lower, err := NewModel(s, m.Prices, m.Timings)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lower.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if alt.TotalUSD != want.TotalUSD || alt.TotalUSD >= rep.TotalUSD {
		t.Errorf("alternative $%.4f, want $%.4f (the stack with those settings), below the current $%.4f", alt.TotalUSD, want.TotalUSD, rep.TotalUSD)
	}
	var warned []string
	for _, r := range rep.Recommendations {
		if strings.HasPrefix(r, "memory: ") {
			warned = append(warned, r)
		}
	}
	if diff := cmp.Diff([]string{"memory: validate has 1024 MB, below its floor of 1408 MB (measured peak 900 MB and half again): pulumi config set sluice:validateMemoryMb 1408"}, warned); diff != "" {
		t.Errorf("memory recommendations (-want +got):\n%s", diff)
	}
}
