package records

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// XMLReader streams the record elements of an XML document: every element
// named RecordElement, at any depth, is one record whose attributes and
// child elements are its values, the structure kept as in JSON:
//
//   - a child element without attributes or children is its text:
//     <sku>A</sku> is "sku": "A";
//   - an attribute is its name with "@" before it: <product id="7"> is
//     "@id": "7" (so an attribute and a child of the same name never meet);
//   - a child with attributes or children of its own is a map of those,
//     its text (when not only white space) under "#text":
//     <price currency="EUR">9.50</price> is
//     "price": {"@currency": "EUR", "#text": "9.50"};
//   - a child element repeated is a list, in document order:
//     <tags><tag>a</tag><tag>b</tag></tags> is "tags": {"tag": ["a", "b"]}.
//
// A single occurrence is not a list (the reader cannot know more could
// come): package dataset turns either shape into a list for a field
// declared as one (dataset.List). Namespaces are ignored: names are the
// local part, and xmlns declarations are not values. Document type declarations (and so entity
// declarations) are rejected, which rules out entity expansion attacks; only
// the five predefined entities and character references are understood.
type XMLReader struct {
	dec     *xml.Decoder
	win     *window
	element string
	lim     Limits
	row     int64
	depth   int
	err     error
}

// NewXML returns a reader of the element records of r.
func NewXML(r io.Reader, element string, lim Limits) *XMLReader {
	lim = lim.withDefaults()
	w := &window{r: newUTF8Reader(r), limit: int64(lim.MaxRecordBytes) + 64<<10}
	dec := xml.NewDecoder(w)
	dec.Strict = true
	dec.Entity = nil
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return input, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported (use UTF-8)", label)
	}
	return &XMLReader{dec: dec, win: w, element: element, lim: lim}
}

func (x *XMLReader) fail(err error) error {
	var fe *FormatError
	if x.win.readErr != nil && !errors.As(err, &fe) {
		// The stream failed (S3, the network): not the file's fault.
		x.err = err
		return err
	}
	line, _ := x.dec.InputPos()
	if errors.As(err, &fe) {
		if fe.Line == 0 {
			fe.Line = int64(line)
		}
	} else {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
		}
		fe = &FormatError{Line: int64(line), Code: CodeXMLSyntax, Msg: "invalid XML: " + err.Error()}
	}
	x.err = fe
	return fe
}

// token returns the next token, rejecting directives.
func (x *XMLReader) token() (xml.Token, error) {
	// White space is a token of its own, so a directive starts where the
	// previous token ended.
	line, _ := x.dec.InputPos()
	tok, err := x.dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(xml.Directive); ok {
		return nil, &FormatError{Line: int64(line), Code: CodeXMLDTD, Msg: fmt.Sprintf("XML declarations such as <!%s …> are not accepted (no DTDs or entities)", firstWord(string(d)))}
	}
	return tok, nil
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\r\n["); i >= 0 {
		s = s[:i]
	}
	return excerpt(s)
}

// Next returns the next record element.
func (x *XMLReader) Next() (Record, error) {
	if x.err != nil {
		return Record{}, x.err
	}
	for {
		x.win.setMark(x.dec.InputOffset())
		tok, err := x.token()
		if errors.Is(err, io.EOF) {
			if x.depth != 0 {
				return Record{}, x.fail(errors.New("unexpected end of document"))
			}
			x.err = io.EOF
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, x.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == x.element {
				line, _ := x.dec.InputPos()
				x.row++
				vals, err := x.readElement(t, 1)
				if err != nil {
					return Record{}, x.fail(err)
				}
				m, _ := vals.(map[string]any)
				if m == nil {
					m = map[string]any{}
				}
				return Record{Line: int64(line), Row: x.row, Values: m}, nil
			}
			x.depth++
			if x.depth > x.lim.MaxDepth {
				return Record{}, x.fail(&FormatError{Code: CodeXMLDepth, Msg: fmt.Sprintf("elements nested deeper than %d levels", x.lim.MaxDepth)})
			}
		case xml.EndElement:
			x.depth--
		}
	}
}

// AttrPrefix is put before an XML attribute's name to make its key in a
// record's values: <product id="7"> gives "@id".
const AttrPrefix = "@"

// TextKey is the key of an element's text in the map of an element that
// also has attributes or children.
const TextKey = "#text"

// readElement reads the content of start up to its end: text when it has
// no child elements or attributes, else a map of attributes and children.
func (x *XMLReader) readElement(start xml.StartElement, depth int) (any, error) {
	if depth+x.depth > x.lim.MaxDepth {
		return nil, &FormatError{Code: CodeXMLDepth, Msg: fmt.Sprintf("elements nested deeper than %d levels", x.lim.MaxDepth)}
	}
	var text strings.Builder
	var m map[string]any
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		if m == nil {
			m = map[string]any{}
		}
		m[AttrPrefix+a.Name.Local] = a.Value
	}
	for {
		tok, err := x.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("unexpected end of document")
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			v, err := x.readElement(t, depth+1)
			if err != nil {
				return nil, err
			}
			if m == nil {
				m = map[string]any{}
			}
			if prev, dup := m[t.Name.Local]; dup {
				// Repeated children become a list.
				if l, ok := prev.([]any); ok {
					m[t.Name.Local] = append(l, v)
				} else {
					m[t.Name.Local] = []any{prev, v}
				}
			} else {
				m[t.Name.Local] = v
			}
		case xml.EndElement:
			if m != nil {
				if s := strings.TrimSpace(text.String()); s != "" {
					m[TextKey] = s
				}
				return m, nil
			}
			return text.String(), nil
		}
	}
}
