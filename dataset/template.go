package dataset

import (
	"fmt"
	"strings"
)

// Template is a parsed key or URL template: literal text and {field}
// placeholders. The zero value renders the empty string.
type Template struct {
	src   string
	parts []part
}

type part struct {
	lit   string
	field string // set for a placeholder
}

// TemplateError reports a malformed template; Offset is the byte offset of
// the problem in the source.
type TemplateError struct {
	// Template is the source text.
	Template string
	// Offset is the byte offset of the problem.
	Offset int
	// Msg explains.
	Msg string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("template %q: offset %d: %s", e.Template, e.Offset, e.Msg)
}

// ParseTemplate parses a template: literal text with {field} placeholders,
// where a field name is letters, digits and '_' starting with a letter or
// '_', and "{{" and "}}" stand for literal braces.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, &TemplateError{s, i, "unmatched '}' (write '}}' for a literal brace)"}
		case c == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, &TemplateError{s, i, "unclosed '{'"}
			}
			name := s[i+1 : i+1+end]
			if !isIdent(name) {
				return nil, &TemplateError{s, i + 1, fmt.Sprintf("bad field name %q", name)}
			}
			flush()
			t.parts = append(t.parts, part{field: name})
			i += end + 2
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return t, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// String returns the template in source form, with literal braces doubled.
func (t *Template) String() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.field != "" {
			b.WriteString("{" + p.field + "}")
			continue
		}
		b.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(p.lit))
	}
	return b.String()
}

// Fields returns the placeholder field names in order of appearance
// (repeats included).
func (t *Template) Fields() []string {
	var out []string
	for _, p := range t.parts {
		if p.field != "" {
			out = append(out, p.field)
		}
	}
	return out
}

// Render substitutes the placeholders with value(name). It fails when value
// reports a field missing.
func (t *Template) Render(value func(name string) (string, bool)) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := value(p.field)
		if !ok {
			return "", fmt.Errorf("key field %q is missing", p.field)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}
