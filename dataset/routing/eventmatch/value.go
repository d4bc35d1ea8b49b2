package eventmatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// value is a JSON value as written: numbers keep their text (300.0 is not
// 300) and objects keep every member in order, duplicate names included.
// encoding/json's map decoding would lose both, and EventBridge's parser
// (Jackson, read token by token) sees both.
type value struct {
	kind    kind
	text    string // the string (decoded), the number's text, "true", "false" or "null"
	items   []value
	members []member
}

type member struct {
	name  string
	value value
}

// maxDepth bounds the nesting of the JSON this package reads, so that
// hostile input cannot exhaust the stack. EventBridge events are at most
// 256 KB; no real event or pattern nests anywhere near this deep.
const maxDepth = 1000

// parseJSON reads one JSON value from data with nothing but white space
// after it.
func parseJSON(data []byte) (value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return value{}, errors.New("unexpected content after the JSON value")
		}
		return value{}, err
	}
	return v, nil
}

func readValue(dec *json.Decoder, depth int) (value, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return value{}, errors.New("unexpected end of input")
		}
		return value{}, err
	}
	return readFrom(dec, tok, depth)
}

func readFrom(dec *json.Decoder, tok json.Token, depth int) (value, error) {
	switch t := tok.(type) {
	case nil:
		return value{kind: kindNull, text: "null"}, nil
	case bool:
		if t {
			return value{kind: kindBool, text: "true"}, nil
		}
		return value{kind: kindBool, text: "false"}, nil
	case json.Number:
		return value{kind: kindNumber, text: string(t)}, nil
	case string:
		return value{kind: kindString, text: t}, nil
	case json.Delim:
		if depth >= maxDepth {
			return value{}, fmt.Errorf("JSON nested deeper than %d levels", maxDepth)
		}
		switch t {
		case '[':
			v := value{kind: kindArray}
			for dec.More() {
				item, err := readValue(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.items = append(v.items, item)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return value{}, err
			}
			return v, nil
		case '{':
			v := value{kind: kindObject}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return value{}, err
				}
				name, ok := key.(string)
				if !ok {
					return value{}, fmt.Errorf("object key %v is not a string", key)
				}
				item, err := readValue(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.members = append(v.members, member{name: name, value: item})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return value{}, err
			}
			return v, nil
		}
	}
	return value{}, fmt.Errorf("unexpected token %v", tok)
}
