package shape

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Size bounds of encoded scalars.
const (
	intBytes   = 20 // -9223372036854775808
	floatBytes = 24 // -1.7976931348623157e+308
	boolBytes  = 5  // false
	timeBytes  = 37 // "2006-01-02T15:04:05.999999999+07:00"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawType           = reflect.TypeFor[json.RawMessage]()
	numberType        = reflect.TypeFor[json.Number]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Of returns the shape of the JSON encoding of Go type t, following
// encoding/json: exported fields by their json tag name, embedded structs
// flattened, "-" skipped, omitempty fields optional, ",string" fields
// strings. Maps are open objects, interfaces and types with their own
// MarshalJSON are Unknown (time.Time is a string). The maxBytes and
// maxItems struct tags bound sizes (see the package comment); a malformed
// tag is an error naming the field.
func Of(t reflect.Type) (*Shape, error) {
	if t == nil {
		return Any(), nil
	}
	r := reflector{seen: map[reflect.Type]bool{}}
	s := r.of(t)
	return s, r.err
}

// MustOf is Of that panics on a malformed tag, for package-level
// declarations.
func MustOf(t reflect.Type) *Shape {
	s, err := Of(t)
	if err != nil {
		panic(err)
	}
	return s
}

type reflector struct {
	seen map[reflect.Type]bool
	err  error
}

func typeName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "" {
		return t.Name()
	}
	return pkg + "." + t.Name()
}

func (r *reflector) of(t reflect.Type) *Shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return Scalar(String, timeBytes)
	case rawType:
		return Any()
	case numberType:
		return Scalar(Number, Unbounded)
	}
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) {
		return Any()
	}
	switch t.Kind() {
	case reflect.Bool:
		return Scalar(Bool, boolBytes)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if t.Implements(textMarshalerType) {
			return Scalar(String, Unbounded)
		}
		return Scalar(Number, intBytes)
	case reflect.Float32, reflect.Float64:
		return Scalar(Number, floatBytes)
	case reflect.String:
		return Scalar(String, Unbounded)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return Scalar(String, Unbounded) // base64
		}
		return NewArray(r.of(t.Elem()), Unbounded)
	case reflect.Array:
		return NewArray(r.of(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return OpenObject(nil)
	case reflect.Struct:
		if r.seen[t] {
			return Any() // a recursive type
		}
		r.seen[t] = true
		defer delete(r.seen, t)
		s := NewObject(nil)
		s.Name = typeName(t)
		r.fields(s, t)
		return s
	}
	return Any()
}

// fields adds the members of struct t to s, flattening embedded structs.
func (r *reflector) fields(s *Shape, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			if !r.seen[ft] {
				r.seen[ft] = true
				r.fields(s, ft)
				delete(r.seen, ft)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var fs *Shape
		if hasOpt(opts, "string") {
			fs = Scalar(String, Unbounded)
		} else {
			fs = r.of(f.Type)
		}
		fs = r.bound(fs, t, f)
		s.Fields[name] = Field{Shape: fs, Optional: hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")}
	}
}

func hasOpt(opts, name string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// bound applies the maxBytes and maxItems tags of field f of struct t.
func (r *reflector) bound(s *Shape, t reflect.Type, f reflect.StructField) *Shape {
	tagNum := func(key string) (int64, bool) {
		v, ok := f.Tag.Lookup(key)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			if r.err == nil {
				r.err = fmt.Errorf("shape: %s.%s: %s:%q is not a non-negative integer", t.Name(), f.Name, key, v)
			}
			return 0, false
		}
		return n, true
	}
	if n, ok := tagNum("maxItems"); ok {
		if s.Kind != Array {
			if r.err == nil {
				r.err = fmt.Errorf("shape: %s.%s: maxItems on a field that does not encode as an array", t.Name(), f.Name)
			}
		} else {
			c := *s
			c.MaxItems = n
			s = &c
		}
	}
	if n, ok := tagNum("maxBytes"); ok {
		c := *s
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String:
			c.Bytes = n + 2
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8:
			c.Bytes = 4*((n+2)/3) + 2
		default:
			// The whole encoding; the members stay for path checks.
			c.Cap = n
		}
		s = &c
	}
	return s
}
