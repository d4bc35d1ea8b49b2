package validate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonata"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// This file adapts the expression packages (jsonpath, intrinsic, jsonata)
// to the validator: it turns their errors into issue codes and extracts the
// variables an expression reads.

// finding is one problem found in an intrinsic call, or a variable it reads.
type finding struct {
	code, msg string
	variable  string
}

// parsePath parses a Path (or a Reference Path) and returns the variable it
// reads, if any.
func parsePath(expr string, reference bool) (variable string, err error) {
	var p *jsonpath.Path
	if reference {
		p, err = jsonpath.ParseReference(expr)
	} else {
		p, err = jsonpath.Parse(expr)
	}
	if err != nil {
		return "", err
	}
	return p.Variable(), nil
}

func isIntrinsic(s string) bool { return intrinsic.IsCall(s) }

// checkIntrinsic parses an intrinsic call. Its errors carry no kind, so the
// kind is read from the source at the error's offset: an unknown function
// name there is CodeUnknownIntrinsic; a known name there (the parser reports
// arity and nesting problems at the call's name) is CodeIntrinsicArity
// unless the message is about nesting; anything else is CodeInvalidIntrinsic.
func checkIntrinsic(s string) []finding {
	call, err := intrinsic.Parse(s)
	if err != nil {
		code := CodeInvalidIntrinsic
		var ie *intrinsic.Error
		if errors.As(err, &ie) {
			if name, ok := callNameAt(ie.Expr, ie.Pos); ok {
				if _, known := intrinsic.Functions[name]; !known {
					code = CodeUnknownIntrinsic
				} else if !strings.Contains(ie.Msg, "nested") {
					code = CodeIntrinsicArity
				}
			}
			return []finding{{code: code, msg: ie.Msg + " at offset " + itoa(ie.Pos)}}
		}
		return []finding{{code: code, msg: err.Error()}}
	}
	var out []finding
	for _, p := range call.Paths() {
		if v := p.Variable(); v != "" {
			out = append(out, finding{variable: v})
		}
	}
	return out
}

// callNameAt returns the dotted function name that starts at pos and is
// followed by "(".
func callNameAt(s string, pos int) (string, bool) {
	if pos < 0 || pos >= len(s) {
		return "", false
	}
	i := pos
	for i < len(s) && (isIdent(s[i]) || s[i] == '.') {
		i++
	}
	name := s[pos:i]
	rest := strings.TrimLeft(s[i:], " \t\n\r")
	if !strings.Contains(name, ".") || !strings.HasPrefix(rest, "(") {
		return "", false
	}
	return name, true
}

func isIdent(c byte) bool {
	return c == '_' || isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func itoa(n int) string { return strconv.Itoa(n) }

// stripJSONata removes the {% %} delimiters.
func stripJSONata(s string) (string, bool) { return jsonata.Strip(s) }

// compileJSONata compiles an expression and returns the variables it reads.
func compileJSONata(expr string) ([]string, error) {
	e, err := jsonata.Compile(expr)
	if err != nil {
		var je *jsonata.Error
		if errors.As(err, &je) {
			return nil, fmt.Errorf("%s at offset %d: %s", je.Code, je.Pos, je.Msg)
		}
		return nil, err
	}
	return e.Variables(), nil
}
