package dynamo

import (
	"bytes"
	"encoding/json"
)

// minidyn answers an empty list, map or binary value ({"L": []}, {"M": {}},
// {"B": ""}) as {}, a value without a type: the item the store reads back
// after a write would keep it so, and every later read would return it
// typeless (the SDK then decodes it as some other attribute's value).
// retypeItem restores such values in got from ref, an item that holds them
// typed at the same place: the request's Item for a put, the stored item
// before an UpdateItem. A typeless value with nothing typed to restore it
// from (an UpdateItem that SETs an empty list from its expression values)
// stays as minidyn gave it.
func retypeItem(got map[string]json.RawMessage, ref json.RawMessage) {
	var refItem map[string]json.RawMessage // decoded on the first {} found
	for name, v := range got {
		if !bytes.Contains(v, []byte("{}")) {
			continue // nothing typeless in v: the common case
		}
		if refItem == nil && json.Unmarshal(ref, &refItem) != nil {
			return
		}
		if r, ok := refItem[name]; ok {
			got[name] = retype(v, r)
		}
	}
}

// retype returns v with its typeless values restored from ref at the same
// place (see retypeItem).
func retype(v, ref json.RawMessage) json.RawMessage {
	if typeless(v) {
		if isEmptyTyped(ref) {
			return ref
		}
		return v
	}
	var vm, rm map[string]json.RawMessage
	if json.Unmarshal(v, &vm) != nil || json.Unmarshal(ref, &rm) != nil || len(vm) != 1 || len(rm) != 1 {
		return v
	}
	switch {
	case vm["M"] != nil && rm["M"] != nil:
		var vs, rs map[string]json.RawMessage
		if json.Unmarshal(vm["M"], &vs) != nil || json.Unmarshal(rm["M"], &rs) != nil {
			return v
		}
		changed := false
		for k, x := range vs {
			if r, ok := rs[k]; ok {
				if y := retype(x, r); !bytes.Equal(x, y) {
					vs[k], changed = y, true
				}
			}
		}
		if !changed {
			return v
		}
		return marshalValue("M", vs, v)
	case vm["L"] != nil && rm["L"] != nil:
		var vs, rs []json.RawMessage
		if json.Unmarshal(vm["L"], &vs) != nil || json.Unmarshal(rm["L"], &rs) != nil || len(vs) != len(rs) {
			return v
		}
		changed := false
		for i := range vs {
			if y := retype(vs[i], rs[i]); !bytes.Equal(vs[i], y) {
				vs[i], changed = y, true
			}
		}
		if !changed {
			return v
		}
		return marshalValue("L", vs, v)
	}
	return v
}

// marshalValue encodes {typ: x}, or returns fallback should that fail.
func marshalValue(typ string, x any, fallback json.RawMessage) json.RawMessage {
	b, err := json.Marshal(map[string]any{typ: x})
	if err != nil {
		return fallback
	}
	return b
}

// typeless reports whether v is {}, a value without a type.
func typeless(v json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(v, &m) == nil && m != nil && len(m) == 0
}

// isEmptyTyped reports whether v is an empty list, map or binary value
// with its type: what minidyn answers as {}.
func isEmptyTyped(v json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || len(m) != 1 {
		return false
	}
	for typ, x := range m {
		s := string(bytes.TrimSpace(x))
		switch typ {
		case "L":
			return s == "[]"
		case "M":
			return s == "{}"
		case "B":
			return s == `""`
		}
	}
	return false
}

// retypeAnswer restores the typeless values of an item minidyn answered (a
// filtered or projected Scan or Query) from the stored item it came from.
func retypeAnswer(got, stored json.RawMessage) json.RawMessage {
	if !bytes.Contains(got, []byte("{}")) {
		return got // nothing typeless
	}
	var g map[string]json.RawMessage
	if json.Unmarshal(got, &g) != nil {
		return got
	}
	retypeItem(g, stored)
	b, err := json.Marshal(g)
	if err != nil {
		return got
	}
	return b
}
