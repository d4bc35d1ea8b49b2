package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// Issues is a list of findings sorted by Path. It implements error; use Err
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

// Sort orders the issues by Path the way Machine and Document return them:
// numbers in brackets compare as numbers, so "Retry[2]" comes before
// "Retry[10]"; issues at one path keep their relative order. The builder
// (workflow.Compile) sorts its own findings with it, so the CLI prints every
// list of issues in one order.
func (is Issues) Sort() {
	slices.SortStableFunc(is, func(a, b Issue) int { return comparePaths(a.Path, b.Path) })
}

// finish sorts the issues (Sort), drops exact duplicates and applies the cap.
func finish(is Issues, max int) Issues {
	is.Sort()
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
