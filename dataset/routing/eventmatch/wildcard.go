package eventmatch

import "strings"

// glob is a parsed wildcard: literal runs between stars. A '*' matches any
// run of characters, including none; "\*" and "\\" are a literal star and
// backslash.
type glob struct {
	// parts are the literal runs; a star stands between each two.
	parts []string
}

// parseGlob parses a wildcard as EventBridge does: two stars in a row, and
// a backslash before anything but '*' or '\', are refused. Positions count
// from 1, as in AWS's messages (which count the string's opening quote).
func parseGlob(p string) (glob, error) {
	var g glob
	var cur []byte
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 == len(p) || p[i+1] != '*' && p[i+1] != '\\' {
				return glob{}, refuse("Invalid escape character at pos %d", i+1)
			}
			i++
			cur = append(cur, p[i])
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				return glob{}, refuse("Consecutive wildcard characters at pos %d", i+1)
			}
			g.parts = append(g.parts, string(cur))
			cur = nil
		default:
			cur = append(cur, p[i])
		}
	}
	g.parts = append(g.parts, string(cur))
	return g, nil
}

// match reports whether s matches the wildcard, in time linear in
// len(s) times the number of stars: each literal run after a star is
// taken at its first occurrence, which is never worse than a later one.
func (g glob) match(s string) bool {
	first := g.parts[0]
	if len(g.parts) == 1 {
		return s == first
	}
	if len(s) < len(first) || s[:len(first)] != first {
		return false
	}
	s = s[len(first):]
	last := g.parts[len(g.parts)-1]
	for _, part := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return len(s) >= len(last) && s[len(s)-len(last):] == last
}
