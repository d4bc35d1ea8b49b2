package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// BodyTemplate is a parsed JSON request body with {field} placeholders in
// its strings. A string that is exactly one placeholder ("{quantity}") is
// replaced by the field's value as JSON (a number stays a number, a list a
// list); a placeholder inside longer text ("SKU-{sku}") is replaced by the
// value's text, JSON-escaped. Object keys are literal. Values are always
// encoded, never spliced into the JSON text, so no record value can change
// the body's shape.
//
// A BodyTemplate is immutable and safe for concurrent use.
type BodyTemplate struct {
	src  string
	root bodyNode
}

// bodyNode is one JSON value of the template.
type bodyNode struct {
	kind   bodyKind
	raw    json.RawMessage // bodyLiteral: a number, true, false or null
	tpl    *Template       // bodyString
	keys   []string        // bodyObject, in source order
	values []bodyNode      // bodyObject (parallel to keys), bodyArray
}

type bodyKind uint8

const (
	bodyLiteral bodyKind = iota
	bodyString
	bodyObject
	bodyArray
)

// maxBodyDepth bounds the nesting of a body template.
const maxBodyDepth = 32

// ParseBodyTemplate parses a JSON body template. The source must be one
// JSON value (usually an object) with no duplicate keys; each of its
// strings is a Template (ParseTemplate: "{{" and "}}" are literal braces).
// Errors are *TemplateError with the byte offset of the problem.
func ParseBodyTemplate(src string) (*BodyTemplate, error) {
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	root, err := parseBodyValue(d, src, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &TemplateError{src, int(d.InputOffset()), "text after the JSON value"}
	}
	return &BodyTemplate{src: src, root: root}, nil
}

func parseBodyValue(d *json.Decoder, src string, depth int) (bodyNode, error) {
	off := int(d.InputOffset())
	tok, err := d.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return bodyNode{}, &TemplateError{src, off, "want a JSON value"}
		}
		return bodyNode{}, &TemplateError{src, off, "not JSON: " + err.Error()}
	}
	if depth > maxBodyDepth {
		return bodyNode{}, &TemplateError{src, off, fmt.Sprintf("nested deeper than %d", maxBodyDepth)}
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := bodyNode{kind: bodyObject}
			seen := map[string]bool{}
			for d.More() {
				koff := int(d.InputOffset())
				kt, err := d.Token()
				if err != nil {
					return bodyNode{}, &TemplateError{src, koff, "not JSON: " + err.Error()}
				}
				k, _ := kt.(string) // the decoder only yields string keys here
				if seen[k] {
					return bodyNode{}, &TemplateError{src, koff, fmt.Sprintf("duplicate key %q", k)}
				}
				seen[k] = true
				val, err := parseBodyValue(d, src, depth+1)
				if err != nil {
					return bodyNode{}, err
				}
				n.keys = append(n.keys, k)
				n.values = append(n.values, val)
			}
			if _, err := d.Token(); err != nil {
				return bodyNode{}, &TemplateError{src, int(d.InputOffset()), "not JSON: " + err.Error()}
			}
			return n, nil
		case '[':
			n := bodyNode{kind: bodyArray}
			for d.More() {
				val, err := parseBodyValue(d, src, depth+1)
				if err != nil {
					return bodyNode{}, err
				}
				n.values = append(n.values, val)
			}
			if _, err := d.Token(); err != nil {
				return bodyNode{}, &TemplateError{src, int(d.InputOffset()), "not JSON: " + err.Error()}
			}
			return n, nil
		}
		return bodyNode{}, &TemplateError{src, off, fmt.Sprintf("unexpected %q", v)}
	case string:
		t, err := ParseTemplate(v)
		if err != nil {
			var te *TemplateError
			if errors.As(err, &te) {
				return bodyNode{}, &TemplateError{src, off, fmt.Sprintf("string %q: offset %d: %s", v, te.Offset, te.Msg)}
			}
			return bodyNode{}, &TemplateError{src, off, err.Error()}
		}
		return bodyNode{kind: bodyString, tpl: t}, nil
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return bodyNode{}, &TemplateError{src, off, err.Error()}
		}
		return bodyNode{kind: bodyLiteral, raw: raw}, nil
	}
}

// String returns the template's source.
func (b *BodyTemplate) String() string { return b.src }

// Fields returns the placeholder field names in order of appearance
// (repeats included).
func (b *BodyTemplate) Fields() []string {
	var out []string
	var walk func(n *bodyNode)
	walk = func(n *bodyNode) {
		switch n.kind {
		case bodyString:
			out = append(out, n.tpl.Fields()...)
		case bodyObject, bodyArray:
			for i := range n.values {
				walk(&n.values[i])
			}
		}
	}
	walk(&b.root)
	return out
}

// Render writes the body for a record: value(name) returns the field's
// value and whether the record has it. It fails when a placeholder's field
// is missing (or null) or a value cannot be encoded as JSON.
func (b *BodyTemplate) Render(value func(name string) (any, bool)) ([]byte, error) {
	var buf bytes.Buffer
	if err := renderBody(&buf, &b.root, value); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func renderBody(buf *bytes.Buffer, n *bodyNode, value func(string) (any, bool)) error {
	switch n.kind {
	case bodyLiteral:
		buf.Write(n.raw)
	case bodyString:
		if f := n.tpl.Fields(); len(f) == 1 && len(n.tpl.parts) == 1 {
			v, ok := value(f[0])
			if !ok || v == nil {
				return fmt.Errorf("body field %q is missing", f[0])
			}
			enc, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("body field %q: %w", f[0], err)
			}
			buf.Write(enc)
			return nil
		}
		s, err := n.tpl.Render(func(name string) (string, bool) {
			v, ok := value(name)
			return Text(v), ok && v != nil
		})
		if err != nil {
			return fmt.Errorf("body: %w", err)
		}
		enc, _ := json.Marshal(s) // a string always encodes
		buf.Write(enc)
	case bodyObject:
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			enc, _ := json.Marshal(k)
			buf.Write(enc)
			buf.WriteByte(':')
			if err := renderBody(buf, &n.values[i], value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case bodyArray:
		buf.WriteByte('[')
		for i := range n.values {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := renderBody(buf, &n.values[i], value); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	}
	return nil
}
