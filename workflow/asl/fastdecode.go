package asl

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The fast path of strictDecode and UnmarshalState. encoding/json's Decoder
// copies the bytes into its buffer, scans them, then walks them again with
// reflection, once per state; on a 200-state chain that was nearly half of
// `sluice exec`'s own work in a fresh process. The fast path splits objects and arrays
// itself and assigns fields through a table built once per type.
//
// It reports ok=false on anything it does not decode exactly as the Decoder
// would succeed on — a key that is not an exact field name (encoding/json
// also matches case-insensitively), a duplicate key, a JSON type that does not
// fit the field, a field type it does not know, malformed JSON — and the
// caller then decodes with the Decoder, which also words every error. So it
// never produces an error of its own, and whatever it accepts equals the
// Decoder's result (FuzzStrictDecode).

// fastDecode decodes the object b into the zero struct v points to. On false
// *v is zero again.
func fastDecode(b []byte, v any) bool {
	if !fastPath {
		return false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	sv := rv.Elem()
	if !sv.IsZero() {
		// encoding/json merges into what is there; only the Decoder does that.
		return false
	}
	var buf [24]member
	members, ok := splitObject(trimSpace(b), buf[:0])
	if !ok || !decodeMembers(members, sv, structDecoderFor(sv.Type()), true) {
		sv.SetZero()
		return false
	}
	return true
}

// fastState is the fast path of UnmarshalState: it splits the state once,
// finds Type among its members and decodes the rest into the state type.
func fastState(b []byte) (State, bool) {
	if !fastPath {
		return nil, false
	}
	var buf [24]member
	members, ok := splitObject(trimSpace(b), buf[:0])
	if !ok {
		return nil, false
	}
	// Type is taken out of the members: the state's kind sets it, as in
	// UnmarshalState, without decoding the string.
	var typ []byte
	for i := 0; i < len(members); i++ {
		if string(members[i].key) == "Type" {
			if typ != nil {
				return nil, false
			}
			typ = members[i].val
			members = append(members[:i], members[i+1:]...)
			i--
		}
	}
	// A plain string without escapes names the type; absent, null,
	// escaped or unknown: UnmarshalState's own words.
	if len(typ) < 2 || typ[0] != '"' || typ[len(typ)-1] != '"' || bytes.IndexByte(typ, '\\') >= 0 {
		return nil, false
	}
	st := newState(StateType(typ[1 : len(typ)-1]))
	if st == nil {
		return nil, false
	}
	sv := reflect.ValueOf(st).Elem()
	if !decodeMembers(members, sv, structDecoderFor(sv.Type()), true) {
		return nil, false
	}
	st.Base().Type = st.Kind()
	return st, true
}

// fastPath turns the fast path off in tests that compare it with the
// Decoder path; it is never changed outside tests.
var fastPath = true

// member is one key and value of an object, both as they appear in the
// input (the key without its quotes).
type member struct {
	key, val []byte
}

// decodeFunc decodes the JSON value b (no surrounding white space) into v,
// or reports false having changed nothing outside v.
type decodeFunc func(b []byte, v reflect.Value) bool

// field is one entry of a struct's table.
type field struct {
	index []int
	dec   decodeFunc
	// nullPath: an explicit null makes the field NullPath() at the top
	// level (keepNullPaths), rather than nil.
	nullPath bool
}

// structDecoder is a struct type's field table, by exact JSON name.
type structDecoder struct {
	fields map[string]int
	list   []field
	ok     bool
}

var structDecoders sync.Map // reflect.Type -> *structDecoder

// structDecoderFor returns t's table, building it on first use.
func structDecoderFor(t reflect.Type) *structDecoder {
	if d, ok := structDecoders.Load(t); ok {
		return d.(*structDecoder)
	}
	d := &structDecoder{fields: map[string]int{}, ok: true}
	d.add(t, nil)
	if len(d.list) > 64 {
		d.ok = false
	}
	got, _ := structDecoders.LoadOrStore(t, d)
	return got.(*structDecoder)
}

// add enters t's fields, following embedded structs as encoding/json does
// for this package's types; anything that would need encoding/json's
// dominance rules (a name twice, an embedded pointer) makes the type
// unsupported.
func (d *structDecoder) add(t reflect.Type, index []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts := tag, ""
		for j := 0; j < len(tag); j++ {
			if tag[j] == ',' {
				name, opts = tag[:j], tag[j+1:]
				break
			}
		}
		if opts != "" && opts != "omitempty" {
			d.ok = false
		}
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Struct || reflect.PointerTo(f.Type).Implements(unmarshalerType) {
				// An embedded pointer, or a promoted UnmarshalJSON.
				d.ok = false
				continue
			}
			d.add(f.Type, idx)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := d.fields[name]; dup {
			d.ok = false
			continue
		}
		d.fields[name] = len(d.list)
		d.list = append(d.list, field{
			index:    idx,
			dec:      decoderFor(f.Type),
			nullPath: f.Type == pathPtrType && name == f.Name && isNullablePath(name),
		})
	}
}

func isNullablePath(name string) bool {
	for _, n := range nullablePaths {
		if n == name {
			return true
		}
	}
	return false
}

// decodeMembers assigns an object's members to the struct v.
func decodeMembers(members []member, v reflect.Value, d *structDecoder, top bool) bool {
	if !d.ok {
		return false
	}
	var seen uint64
	for _, m := range members {
		i, ok := d.fields[string(m.key)]
		if !ok {
			return false
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		f := &d.list[i]
		if f.nullPath && top && string(m.val) == "null" {
			v.FieldByIndex(f.index).Set(reflect.ValueOf(NullPath()))
			continue
		}
		if f.dec == nil || !f.dec(m.val, v.FieldByIndex(f.index)) {
			return false
		}
	}
	return true
}

var (
	pathPtrType     = reflect.TypeFor[*Path]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	// textUnmarshalerType: no type here has one, but a field that did
	// would be decoded by it, not as a plain string.
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decoderFor returns the decoder of a field type, or nil when the fast path
// does not know the type.
func decoderFor(t reflect.Type) decodeFunc {
	switch {
	case t == pathPtrType:
		return decodePath
	case t == rawMessageType:
		return decodeRaw
	case t.Kind() == reflect.Pointer && t.Implements(unmarshalerType):
		return decodePtrUnmarshaler
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType):
		return decodeUnmarshaler
	case t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType):
		return nil // encoding/json would call UnmarshalText
	}
	switch t.Kind() {
	case reflect.String:
		return decodeString
	case reflect.Bool:
		return decodeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt
	case reflect.Float64:
		return decodeFloat
	case reflect.Pointer:
		elem := t.Elem()
		dec := decoderFor(elem)
		if dec == nil {
			return nil
		}
		return func(b []byte, v reflect.Value) bool {
			if string(b) == "null" {
				v.SetZero()
				return true
			}
			p := reflect.New(elem)
			if !dec(b, p.Elem()) {
				return false
			}
			v.Set(p)
			return true
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // base64
		}
		dec := decoderFor(t.Elem())
		if dec == nil {
			return nil
		}
		return func(b []byte, v reflect.Value) bool {
			if string(b) == "null" {
				v.SetZero()
				return true
			}
			var buf [16][]byte
			elems, ok := splitArray(b, buf[:0])
			if !ok {
				return false
			}
			s := reflect.MakeSlice(t, len(elems), len(elems))
			for i, e := range elems {
				if !dec(e, s.Index(i)) {
					return false
				}
			}
			v.Set(s)
			return true
		}
	case reflect.Struct:
		// The table is looked up when used, so that a type may contain
		// itself.
		return func(b []byte, v reflect.Value) bool {
			var buf [24]member
			members, ok := splitObject(b, buf[:0])
			return ok && decodeMembers(members, v, structDecoderFor(t), false)
		}
	}
	return nil
}

// decodePath decodes a *Path: a string, or null (nil; NullPath at the top
// level is decodeMembers' business).
func decodePath(b []byte, v reflect.Value) bool {
	if string(b) == "null" {
		v.SetZero()
		return true
	}
	s, ok := unquote(b)
	if !ok {
		return false
	}
	v.Set(reflect.ValueOf(&Path{Value: s}))
	return true
}

// decodeRaw copies b, as json.RawMessage's own UnmarshalJSON does (null
// included), once it is known to be valid JSON.
func decodeRaw(b []byte, v reflect.Value) bool {
	if !validValue(b) {
		return false
	}
	v.SetBytes(append(json.RawMessage(nil), b...))
	return true
}

// decodePtrUnmarshaler decodes a pointer to a type with its own
// UnmarshalJSON: null is nil, anything else goes to a new value's method.
func decodePtrUnmarshaler(b []byte, v reflect.Value) bool {
	if string(b) == "null" {
		v.SetZero()
		return true
	}
	p := reflect.New(v.Type().Elem())
	if p.Interface().(json.Unmarshaler).UnmarshalJSON(b) != nil {
		return false
	}
	v.Set(p)
	return true
}

// decodeUnmarshaler calls the UnmarshalJSON of a non-pointer field's
// address; encoding/json does so for null too.
func decodeUnmarshaler(b []byte, v reflect.Value) bool {
	return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b) == nil
}

func decodeString(b []byte, v reflect.Value) bool {
	if string(b) == "null" {
		return true
	}
	s, ok := unquote(b)
	if !ok {
		return false
	}
	v.SetString(s)
	return true
}

func decodeBool(b []byte, v reflect.Value) bool {
	switch string(b) {
	case "null":
	case "true":
		v.SetBool(true)
	case "false":
		v.SetBool(false)
	default:
		return false
	}
	return true
}

func decodeInt(b []byte, v reflect.Value) bool {
	if string(b) == "null" {
		return true
	}
	if !validNumber(b) {
		return false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || v.OverflowInt(n) {
		return false
	}
	v.SetInt(n)
	return true
}

func decodeFloat(b []byte, v reflect.Value) bool {
	if string(b) == "null" {
		return true
	}
	if !validNumber(b) {
		return false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return false
	}
	v.SetFloat(f)
	return true
}

// unquote decodes the JSON string b (jsonenc.Unquote's twin: the model
// depends on no package of the module, docs/architecture.md). A string of plain characters is
// converted directly; one with escapes or invalid UTF-8 (which encoding/json
// replaces) goes through json.Unmarshal, so the result is its result.
func unquote(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	ascii := true
	for _, c := range b[1 : len(b)-1] {
		switch {
		case c < 0x20:
			return "", false
		case c == '\\' || c == '"':
			var s string
			if json.Unmarshal(b, &s) != nil {
				return "", false
			}
			return s, true
		case c >= 0x80:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(b) {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return "", false
		}
		return s, true
	}
	return string(b[1 : len(b)-1]), true
}

// trimSpace returns b without leading and trailing JSON white space.
func trimSpace(b []byte) []byte {
	b = b[skipSpace(b, 0):]
	for len(b) > 0 {
		switch b[len(b)-1] {
		case ' ', '\t', '\n', '\r':
			b = b[:len(b)-1]
			continue
		}
		break
	}
	return b
}

// splitObject splits the object b (no surrounding white space) into its
// members, appended to out. Keys must be printable ASCII without escapes.
// Values are delimited, not validated: each decoder validates its own.
// Trailing data is refused too: the last member must end at b's last
// brace.
func splitObject(b []byte, out []member) ([]member, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return out, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if c := b[j]; c < 0x20 || c >= 0x7f || c == '\\' {
				return nil, false
			}
			j++
		}
		if j >= len(b) {
			return nil, false
		}
		key := b[i+1 : j]
		j = skipSpace(b, j+1)
		if j >= len(b) || b[j] != ':' {
			return nil, false
		}
		start := skipSpace(b, j+1)
		end := skipAny(b, start)
		if end < 0 || end > len(b)-1 {
			return nil, false
		}
		out = append(out, member{key: key, val: b[start:end]})
		i = skipSpace(b, end)
		if i == len(b)-1 {
			return out, true
		}
		if b[i] != ',' {
			return nil, false
		}
		i = skipSpace(b, i+1)
	}
}

// splitArray splits the array b (no surrounding white space) into its
// elements, appended to out.
func splitArray(b []byte, out [][]byte) ([][]byte, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return out, true
	}
	for {
		end := skipAny(b, i)
		if end < 0 || end > len(b)-1 {
			return nil, false
		}
		out = append(out, b[i:end])
		i = skipSpace(b, end)
		if i == len(b)-1 {
			return out, true
		}
		if b[i] != ',' {
			return nil, false
		}
		i = skipSpace(b, i+1)
	}
}

// skipAny returns the index just past the value starting at b[i], or -1.
// It follows strings and nesting only (skipNested); a scalar runs to the
// next delimiter or white space.
func skipAny(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '{', '[':
		return skipNested(b, i)
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return -1
			}
			return j
		}
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// validNumber reports whether b is exactly one JSON number (as
// jsonenc.ValidNumber; the model depends on no package of the module).
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// validValue reports whether b is one valid JSON value; scalars are checked
// here, composites by json.Valid.
func validValue(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case '"':
		_, ok := unquote(b)
		return ok
	case 'n', 't', 'f':
		s := string(b)
		return s == "null" || s == "true" || s == "false"
	case '{', '[':
		return json.Valid(b)
	}
	return validNumber(b)
}
