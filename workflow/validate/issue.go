package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Severity says whether an Issue makes a definition invalid.
type Severity int

// The severities. The zero value is Error.
const (
	// Error marks a definition that Step Functions rejects or that cannot run
	// as written.
	Error Severity = iota
	// Warning marks a definition that Step Functions accepts but that is
	// probably a mistake.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText encodes the severity as its String form.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Issue is one finding. It is the one issue type of the workflow library:
// validate.Machine and validate.Document return it, and workflow.Compile
// reports builder misuse, unresolved resources and its own checks with it
// (Code is then one of workflow's Code* constants).
type Issue struct {
	// Path locates the field in the document, such as
	// "States.Fanout.Branches[0].States.Load.Retry[1].ErrorEquals". The
	// empty path is the document itself.
	Path string `json:"path"`
	// State is the name of the innermost state the field belongs to, or ""
	// for fields of the machine or of a graph.
	State string `json:"state,omitempty"`
	// Code is a stable identifier: one of the Code* constants, or one of
	// workflow's Code* constants for a finding of the builder.
	Code string `json:"code"`
	// Severity says whether the issue makes the definition invalid.
	Severity Severity `json:"severity"`
	// Msg explains the issue in words; it may change between versions.
	Msg string `json:"message"`
}

// String formats the issue as "path: code: message", with "warning: " before
// the code for warnings.
func (i Issue) String() string {
	var b strings.Builder
	if i.Path != "" {
		b.WriteString(i.Path)
		b.WriteString(": ")
	}
	if i.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(i.Code)
	b.WriteString(": ")
	b.WriteString(i.Msg)
	return b.String()
}

// Issues is a list of findings in the order of the document (Sort). It
// implements error; use Err
// to get a nil error when it holds no errors.
type Issues []Issue

// Error lists the issues, one per line.
func (is Issues) Error() string {
	lines := make([]string, len(is))
	for i, x := range is {
		lines[i] = x.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns is as an error when it holds at least one Error-severity issue,
// and nil otherwise (warnings alone do not make a definition invalid).
func (is Issues) Err() error {
	if is.HasErrors() {
		return is
	}
	return nil
}

// HasErrors reports whether any issue has Error severity.
func (is Issues) HasErrors() bool {
	return slices.ContainsFunc(is, func(i Issue) bool { return i.Severity == Error })
}

// Errors returns the Error-severity issues.
func (is Issues) Errors() Issues { return is.filter(Error) }

// Warnings returns the Warning-severity issues.
func (is Issues) Warnings() Issues { return is.filter(Warning) }

// Codes returns the code of every issue, in order.
func (is Issues) Codes() []string {
	out := make([]string, len(is))
	for i, x := range is {
		out[i] = x.Code
	}
	return out
}

func (is Issues) filter(s Severity) Issues {
	var out Issues
	for _, x := range is {
		if x.Severity == s {
			out = append(out, x)
		}
	}
	return out
}

// DefaultMaxIssues is the cap on the number of issues reported, after which a
// single CodeTooManyIssues issue says how many were left out.
const DefaultMaxIssues = 200

// Sort orders the issues the way Machine and Document return them, which
// is the order of the document: first the issues of the machine's own
// fields, then state by state in the order m defines them (the states of a
// Parallel's branches or a Map's processor right after their state), and
// within a state by path, numbers in brackets compared as numbers (so
// "Retry[2]" comes before "Retry[10]"). Issues at one path keep their
// relative order. With a nil m, issues are ordered by path alone.
//
// workflow.Compile sorts its own findings with it too, so that the builder,
// the validator and the CLI print every list of issues in one order.
func (is Issues) Sort(m *asl.StateMachine) {
	if len(is) < 2 {
		// Nothing to order, and no need to map every state's path.
		return
	}
	order := stateOrder{}
	if m != nil {
		order.graph("", m.States, nil)
	}
	keys := make(map[string][]int, len(is))
	for _, x := range is {
		if _, ok := keys[x.Path]; !ok {
			keys[x.Path] = order.key(x.Path)
		}
	}
	slices.SortStableFunc(is, func(a, b Issue) int {
		if c := slices.Compare(keys[a.Path], keys[b.Path]); c != 0 {
			return c
		}
		return comparePaths(a.Path, b.Path)
	})
}

// stateOrder maps the path of each state ("States.P",
// "States.P.Branches[1].States.X") to its place in the document: the place
// of the state that holds its graph, the graph's index there (a branch's
// number; 0 for ItemProcessor, 1 for the legacy Iterator), then its index
// in the graph. Comparing places as sequences orders states the way the
// document lists them.
type stateOrder map[string][]int

func (o stateOrder) graph(prefix string, states asl.States, at []int) {
	for i, ns := range states {
		p := prefix + "States." + ns.Name
		place := append(slices.Clip(at), i)
		if _, dup := o[p]; !dup { // a duplicate name: the first one's place
			o[p] = place
		}
		switch s := ns.State.(type) {
		case *asl.Parallel:
			for j := range s.Branches {
				o.graph(fmt.Sprintf("%s.Branches[%d].", p, j), s.Branches[j].States, append(slices.Clip(place), j))
			}
		case *asl.Map:
			if s.ItemProcessor != nil {
				o.graph(p+".ItemProcessor.", s.ItemProcessor.States, append(slices.Clip(place), 0))
			}
			if s.Iterator != nil {
				o.graph(p+".Iterator.", s.Iterator.States, append(slices.Clip(place), 1))
			}
		}
	}
}

// key returns the place of the innermost state path is in, or nil for a
// field of the machine itself.
func (o stateOrder) key(path string) []int {
	for i := len(path); i > 0; i-- {
		if i == len(path) || path[i] == '.' || path[i] == '[' {
			if k, ok := o[path[:i]]; ok {
				return k
			}
		}
	}
	return nil
}

// finish sorts the issues (Sort), drops exact duplicates and applies the
// cap.
func finish(is Issues, m *asl.StateMachine, max int) Issues {
	is.Sort(m)
	is = slices.CompactFunc(is, func(a, b Issue) bool { return a == b })
	if max <= 0 || len(is) <= max {
		return is
	}
	dropped := is[max:]
	sev := Warning
	if dropped.HasErrors() {
		sev = Error
	}
	out := slices.Clone(is[:max])
	return append(out, Issue{Code: CodeTooManyIssues, Severity: sev, Msg: fmt.Sprintf("%d more issues not shown", len(dropped))})
}

// comparePaths orders paths so that "Retry[2]" comes before "Retry[10]".
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			na, ra := leadingNumber(a)
			nb, rb := leadingNumber(b)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil {
		n = int(^uint(0) >> 1)
	}
	return n, s[i:]
}
