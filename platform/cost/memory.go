package cost

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Lambda's memory setting, in MB (MiB): its least value.
const MinMemoryMB = 128

// MemoryFloorMB is the least memory setting for a function whose measured
// peak is peakMB: the peak and half again (for larger inputs and the
// garbage collector's timing), rounded up to 64 MB, at least
// MinMemoryMB; 0 when the peak was not measured. scripts/bench.sh prints
// the same floor next to each function's peak.
func MemoryFloorMB(peakMB float64) int {
	if peakMB <= 0 {
		return 0
	}
	return max(MinMemoryMB, int(math.Ceil(peakMB*1.5/64))*64)
}

// memoryComparison prices the I/O-bound functions (not CPUBound: their time
// is spent waiting on other services, so memory buys them no speed) at
// their floor instead of the stack's setting, and lists the functions set
// below their floor. total prices a stack.
func (m *Model) memoryComparison(current float64, total func(Stack) (float64, error)) (Comparison, []string, error) {
	c := Comparison{Topic: "function memory", Note: "a floor is a function's measured peak memory and half again (timings.json: peakMemoryMb, from scripts/bench.sh); a CPU-bound function's memory also sets its CPU share, so above its floor it buys speed"}
	c.Alternatives = append(c.Alternatives, Alternative{Name: "the stack's memory settings", TotalUSD: current, Current: true})
	var warn, changes, names []string
	s := m.Stack
	s.FunctionMemoryMB = map[string]int{}
	for fn, mb := range m.Stack.FunctionMemoryMB {
		s.FunctionMemoryMB[fn] = mb
	}
	fns := make([]string, 0, len(m.Timings.Functions))
	for fn := range m.Timings.Functions {
		fns = append(fns, fn)
	}
	slices.Sort(fns)
	for _, fn := range fns {
		t := m.Timings.Functions[fn]
		floor := MemoryFloorMB(t.PeakMemoryMB)
		mb := m.Stack.FunctionMemoryMB[fn]
		if mb == 0 {
			mb = m.Stack.MemoryMB
		}
		switch {
		case floor == 0:
		case mb < floor:
			warn = append(warn, fmt.Sprintf("memory: %s has %d MB, below its floor of %d MB (measured peak %.0f MB and half again): pulumi config set %s:%sMemoryMb %d",
				fn, mb, floor, t.PeakMemoryMB, Project, fn, floor))
		case !t.CPUBound && mb > floor:
			s.FunctionMemoryMB[fn] = floor
			names = append(names, fmt.Sprintf("%s %d MB", fn, floor))
			changes = append(changes, fmt.Sprintf("pulumi config set %s:%sMemoryMb %d", Project, fn, floor))
		}
	}
	if len(changes) > 0 {
		v, err := total(s)
		if err != nil {
			return Comparison{}, nil, err
		}
		c.Alternatives = append(c.Alternatives, Alternative{Name: "I/O-bound functions at their floor: " + strings.Join(names, ", "), TotalUSD: v, Change: strings.Join(changes, "; ")})
	}
	return c, warn, nil
}
