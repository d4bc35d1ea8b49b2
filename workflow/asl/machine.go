package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// StateMachine is a whole ASL document.
type StateMachine struct {
	// Comment is a human-readable description.
	Comment string `json:"Comment,omitempty"`
	// QueryLanguage is the default query language of every state.
	// Default: JSONPath.
	QueryLanguage QueryLanguage `json:"QueryLanguage,omitempty"`
	// Version is the ASL version. Default: "1.0".
	Version string `json:"Version,omitempty"`
	// TimeoutSeconds bounds the whole execution. Default: none beyond AWS's
	// own (one year for Standard, five minutes for Express).
	TimeoutSeconds *int64 `json:"TimeoutSeconds,omitempty"`
	// StartAt names the first state.
	StartAt string `json:"StartAt"`
	// States holds the top-level states in document order.
	States States `json:"States"`
}

// NamedState is one entry of a States object.
type NamedState struct {
	// Name is the state's key in its States object.
	Name string
	// State is the state itself.
	State State
}

// States is the ordered content of a States object. Order is kept so that
// output follows input (and the builder's order); duplicate names are kept so
// that validation can report them.
type States []NamedState

// Get returns the first state called name.
func (s States) Get(name string) (State, bool) {
	for _, ns := range s {
		if ns.Name == name {
			return ns.State, true
		}
	}
	return nil, false
}

// Names returns the state names in order.
func (s States) Names() []string {
	out := make([]string, len(s))
	for i, ns := range s {
		out[i] = ns.Name
	}
	return out
}

// MarshalJSON encodes the states as an object in order.
func (s States) MarshalJSON() ([]byte, error) {
	var o objectWriter
	for _, ns := range s {
		if ns.State == nil {
			return nil, fmt.Errorf("state %q is nil", ns.Name)
		}
		o.val(ns.Name, ns.State)
	}
	return o.bytes()
}

// UnmarshalJSON decodes a States object in document order.
func (s *States) UnmarshalJSON(b []byte) error {
	if out, ok := scanStates(b); ok {
		*s = out
		return nil
	}
	// Anything unusual, and every error: the Decoder decides and words it.
	out, err := decodeStates(b)
	if err != nil {
		return err
	}
	*s = out
	return nil
}

// decodeStates decodes a States object with a json.Decoder.
func decodeStates(b []byte) (States, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &FieldError{Msg: "States must be an object"}
	}
	out := States{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		st, err := UnmarshalState(raw)
		if err != nil {
			return nil, prefix(err, name)
		}
		out = append(out, NamedState{Name: name, State: st})
	}
	return out, nil
}

// scanStates is the fast path of States.UnmarshalJSON: it splits the
// object into its members itself, rather than through a json.Decoder,
// which copies b into its buffer and each state again into a RawMessage.
// It reports false for anything it does not read exactly as the Decoder
// path would succeed on — a name that is not printable ASCII without
// escapes, any state UnmarshalState rejects, malformed JSON — so that the
// Decoder path decides. Each state's bytes are checked by UnmarshalState,
// and the structure around them by splitObject (the fast decoder's).
func scanStates(b []byte) (States, bool) {
	members, ok := splitObject(trimSpace(b), nil)
	if !ok {
		return nil, false
	}
	out := make(States, 0, len(members))
	for _, m := range members {
		st, err := UnmarshalState(m.val)
		if err != nil {
			return nil, false
		}
		out = append(out, NamedState{Name: string(m.key), State: st})
	}
	return out, true
}

// skipSpace returns the index of the first byte of b at or after i that is
// not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipNested returns the index just past the object or array that starts
// at b[i], following strings and nesting only, or -1 where it does not end.
func skipNested(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// newState returns a new state of type t, or nil for a type ASL does not
// have.
func newState(t StateType) State {
	switch t {
	case TypeTask:
		return new(Task)
	case TypePass:
		return new(Pass)
	case TypeChoice:
		return new(Choice)
	case TypeWait:
		return new(Wait)
	case TypeSucceed:
		return new(Succeed)
	case TypeFail:
		return new(Fail)
	case TypeParallel:
		return new(Parallel)
	case TypeMap:
		return new(Map)
	}
	return nil
}

// UnmarshalState decodes one state through its Type discriminator.
func UnmarshalState(b []byte) (State, error) {
	if st, ok := fastState(b); ok {
		return st, nil
	}
	var head struct {
		Type *string `json:"Type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, &FieldError{Msg: "a state must be an object"}
	}
	if head.Type == nil {
		return nil, &FieldError{Msg: "missing required field Type"}
	}
	st := newState(StateType(*head.Type))
	if st == nil {
		return nil, &FieldError{Path: "Type", Msg: fmt.Sprintf("unknown state type %q", *head.Type)}
	}
	// Each state type decodes itself strictly (strictDecode); going
	// through encoding/json here would only scan b once more to find the
	// same method.
	if err := st.(json.Unmarshaler).UnmarshalJSON(b); err != nil {
		return nil, err
	}
	st.Base().Type = st.Kind()
	return st, nil
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Task) MarshalJSON() ([]byte, error) {
	type alias Task
	s.Type = TypeTask
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Task) UnmarshalJSON(b []byte) error {
	type alias Task
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Pass) MarshalJSON() ([]byte, error) {
	type alias Pass
	s.Type = TypePass
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Pass) UnmarshalJSON(b []byte) error {
	type alias Pass
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Choice) MarshalJSON() ([]byte, error) {
	type alias Choice
	s.Type = TypeChoice
	if s.Choices == nil {
		s.Choices = []ChoiceRule{}
	}
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Choice) UnmarshalJSON(b []byte) error {
	type alias Choice
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Wait) MarshalJSON() ([]byte, error) {
	type alias Wait
	s.Type = TypeWait
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Wait) UnmarshalJSON(b []byte) error {
	type alias Wait
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Succeed) MarshalJSON() ([]byte, error) {
	type alias Succeed
	s.Type = TypeSucceed
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Succeed) UnmarshalJSON(b []byte) error {
	type alias Succeed
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Fail) MarshalJSON() ([]byte, error) {
	type alias Fail
	s.Type = TypeFail
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Fail) UnmarshalJSON(b []byte) error {
	type alias Fail
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Parallel) MarshalJSON() ([]byte, error) {
	type alias Parallel
	s.Type = TypeParallel
	if s.Branches == nil {
		s.Branches = []Graph{}
	}
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Parallel) UnmarshalJSON(b []byte) error {
	type alias Parallel
	return strictDecode(b, (*alias)(s))
}

// MarshalJSON encodes the state with Type set from its kind.
func (s Map) MarshalJSON() ([]byte, error) {
	type alias Map
	s.Type = TypeMap
	return marshalNoEscape(alias(s))
}

// UnmarshalJSON decodes the state, rejecting unknown fields.
func (s *Map) UnmarshalJSON(b []byte) error {
	type alias Map
	return strictDecode(b, (*alias)(s))
}

// UnmarshalJSON decodes a machine, rejecting unknown fields.
func (m *StateMachine) UnmarshalJSON(b []byte) error {
	type alias StateMachine
	return strictDecode(b, (*alias)(m))
}

// marshalNoEscape is json.Marshal without HTML escaping, so that JSONata
// comparisons such as "a < b" stay readable in the output.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// strictDecode decodes one JSON value into v, rejecting unknown fields and
// trailing data, and turns encoding/json's messages into FieldErrors.
func strictDecode(b []byte, v any) error {
	if fastDecode(b, v) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fieldErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &FieldError{Msg: "unexpected data after the value"}
	}
	keepNullPaths(b, v)
	return nil
}

// nullablePaths are the fields where JSON null differs from absence.
var nullablePaths = []string{"InputPath", "OutputPath", "ResultPath"}

// keepNullPaths restores explicit nulls that encoding/json decodes into a nil
// *Path (it never calls UnmarshalJSON for a null into a pointer).
func keepNullPaths(b []byte, v any) {
	if !bytes.Contains(b, []byte("null")) {
		return
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return
	}
	for _, name := range nullablePaths {
		raw, ok := fields[name]
		if !ok || !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		f := rv.Elem().FieldByName(name)
		if f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[*Path]() {
			f.Set(reflect.ValueOf(NullPath()))
		}
	}
}

// UnmarshalJSON decodes a catcher, rejecting unknown fields and keeping an
// explicit null ResultPath.
func (c *Catcher) UnmarshalJSON(b []byte) error {
	type alias Catcher
	return strictDecode(b, (*alias)(c))
}

func fieldErr(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &FieldError{Path: te.Field, Msg: fmt.Sprintf("cannot use JSON %s as %s", te.Value, typeWord(te.Type.String()))}
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &FieldError{Msg: "unknown field " + rest}
	}
	msg = strings.TrimPrefix(msg, "json: ")
	return &FieldError{Msg: msg}
}

func typeWord(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "int"):
		return "an integer"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "string" || strings.HasSuffix(goType, "Name") || strings.HasSuffix(goType, "Type") || strings.HasSuffix(goType, "Language"):
		return "a string"
	case goType == "bool":
		return "a boolean"
	}
	return "an object"
}

// FieldError reports a document that is well-formed JSON but not valid ASL
// structure: an unknown field, a wrong type, an unknown state type. Path is the
// dotted location such as "States.Load.Retry".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// prefix adds the state name in front of a FieldError's path.
func prefix(err error, name string) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		fe = &FieldError{Msg: err.Error()}
	}
	p := name
	if fe.Path != "" {
		p += "." + fe.Path
	}
	return &FieldError{Path: p, Msg: fe.Msg}
}

// SyntaxError reports malformed JSON at a byte offset. Line and Col are
// 1-based and computed from Offset; rendering is left to the caller.
type SyntaxError struct {
	Offset int64
	Line   int
	Col    int
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Unmarshal decodes an ASL document. Malformed JSON gives a *SyntaxError;
// well-formed JSON that is not ASL gives a *FieldError whose Path starts at
// the document root ("States.Load.Retry").
func Unmarshal(b []byte) (*StateMachine, error) {
	// Decoding succeeds only on valid JSON (the Decoder and the fast path
	// both check every byte they accept), so the syntax check, a scan of
	// the whole document, is needed only to word a failure.
	var m StateMachine
	if err := m.UnmarshalJSON(b); err != nil {
		if serr := syntaxCheck(b); serr != nil {
			return nil, serr
		}
		var fe *FieldError
		if errors.As(err, &fe) && fe.Path != "" && !strings.HasPrefix(fe.Path, "States") && isStatePath(&m, fe.Path) {
			fe = &FieldError{Path: "States." + fe.Path, Msg: fe.Msg}
			return nil, fe
		}
		return nil, err
	}
	return &m, nil
}

// isStatePath is a best-effort check that a FieldError path came from inside
// States (whose decoder does not know the enclosing field name).
func isStatePath(_ *StateMachine, p string) bool {
	top := []string{"Comment", "QueryLanguage", "Version", "TimeoutSeconds", "StartAt"}
	for _, t := range top {
		if p == t {
			return false
		}
	}
	return true
}

func syntaxCheck(b []byte) error {
	if json.Valid(b) {
		return nil
	}
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	off := int64(len(b))
	if errors.As(err, &se) {
		off = se.Offset
	}
	if err == nil {
		err = errors.New("invalid JSON")
	}
	line, col := LineCol(b, off)
	return &SyntaxError{Offset: off, Line: line, Col: col, Err: errors.New(strings.TrimPrefix(err.Error(), "json: "))}
}

// LineCol converts a byte offset in b to a 1-based line and column.
func LineCol(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col = 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Marshal is the canonical encoder: fields in a fixed order, empty fields
// omitted, HTML characters left unescaped, two-space indent and a trailing
// newline.
func Marshal(m *StateMachine) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MarshalCompact encodes the machine on one line, as the definition string
// sent to Step Functions.
func MarshalCompact(m *StateMachine) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
