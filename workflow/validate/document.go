package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Document decodes and validates an ASL document. A document that is not
// JSON gives a nil machine and the *asl.SyntaxError as err. Otherwise err is
// nil, and the issues include what the typed model cannot hold: fields a state
// type does not take (CodeFieldNotAllowed, CodeTransitionNotAllowed), unknown
// fields and values of the wrong type (CodeSchemaError). Offending fields are
// dropped so that the rest of the document is still validated with Machine;
// the machine returned is nil when the document could not be decoded even
// then.
//
// The definition size defaults to len(b).
func Document(b []byte, opts ...Option) (*asl.StateMachine, Issues, error) {
	cfg := newConfig(opts)
	if !json.Valid(b) {
		_, err := asl.Unmarshal(b)
		var se *asl.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, se
		}
		return nil, nil, fmt.Errorf("invalid JSON")
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	root, err := decodeOrdered(dec)
	if err != nil {
		return nil, nil, err
	}
	r := &rawChecker{f: documentFields()}
	clean := r.machine(root)
	cleaned, err := json.Marshal(clean)
	if err != nil {
		return nil, finish(r.issues, nil, cfg.maxIssues), nil
	}
	m, err := asl.Unmarshal(cleaned)
	if err != nil {
		var fe *asl.FieldError
		is := Issue{Code: CodeSchemaError, Msg: err.Error()}
		if errors.As(err, &fe) {
			is.Path, is.Msg = modelPath(fe.Path), fe.Msg
		}
		return nil, finish(append(r.issues, is), nil, cfg.maxIssues), nil
	}
	if cfg.size == 0 {
		opts = append(opts, WithDefinitionSize(len(b)))
	}
	opts = append(opts, WithMaxIssues(0))
	// A field the raw pass dropped is absent for Machine, which may then
	// report it missing at the same path: one issue per path is enough.
	reported := map[string]bool{}
	for _, is := range r.issues {
		reported[is.Path] = true
	}
	all := r.issues
	for _, is := range Machine(m, opts...) {
		if !reported[is.Path] {
			all = append(all, is)
		}
	}
	return m, finish(all, m, cfg.maxIssues), nil
}

// object is a JSON object with its members in document order, duplicates
// kept.
type object []member

type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// decodeOrdered decodes one JSON value, keeping object members in order.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k, v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
	}
	return tok, nil
}

// fieldsOf lists the JSON field names of an asl struct type, including those
// of its embedded structs.
func fieldsOf(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			for k := range fieldsOf(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// docFields are the field tables of the document checks: built on the
// first Document call, so that the commands that never check a raw
// document (sluice exec, run) do not pay for them at start.
type docFields struct {
	// nullOK holds the fields where JSON null is a value: JSON payloads
	// (json.RawMessage) and the InputPath/OutputPath/ResultPath family
	// (*asl.Path). Elsewhere encoding/json would quietly decode null as
	// "absent", while Step Functions rejects it.
	nullOK map[string]bool
	// stateFields maps each state type to the fields it takes;
	// anyStateField is their union.
	stateFields   map[asl.StateType]map[string]bool
	anyStateField map[string]bool
	// The fields of a machine, a graph, a retrier, a catcher and a
	// Choice rule.
	machineFields, graphFields, retrierFields, catcherFields map[string]bool
	ruleFields                                               map[string]bool
}

// documentFields returns the tables, built once.
var documentFields = sync.OnceValue(func() *docFields {
	f := &docFields{nullOK: nullableFields()}
	f.stateFields, f.anyStateField = stateFieldTables()
	f.machineFields = fieldsOf(reflect.TypeFor[asl.StateMachine]())
	f.graphFields = fieldsOf(reflect.TypeFor[asl.Graph]())
	f.retrierFields = fieldsOf(reflect.TypeFor[asl.Retrier]())
	f.catcherFields = fieldsOf(reflect.TypeFor[asl.Catcher]())
	f.ruleFields = map[string]bool{"Condition": true, "Variable": true, "And": true, "Or": true, "Not": true,
		"Next": true, "Output": true, "Assign": true, "Comment": true}
	return f
})

// nullableFields lists the fields where null is a value (docFields.nullOK).
func nullableFields() map[string]bool {
	out := map[string]bool{}
	raw, path := reflect.TypeFor[json.RawMessage](), reflect.TypeFor[*asl.Path]()
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Type == raw || f.Type == path {
				out[name] = true
			}
		}
	}
	for _, v := range []any{asl.Task{}, asl.Pass{}, asl.Choice{}, asl.Wait{}, asl.Succeed{}, asl.Fail{},
		asl.Parallel{}, asl.Map{}, asl.Retrier{}, asl.Catcher{}, asl.ChoiceRule{}} {
		walk(reflect.TypeOf(v))
	}
	return out
}

// badNull reports a null member where null is not a value.
func (r *rawChecker) badNull(path, state string, m member) bool {
	if m.val != nil || r.f.nullOK[m.key] {
		return false
	}
	r.errorf(path+"."+m.key, state, CodeSchemaError, "%s cannot be null", m.key)
	return true
}

// stateFieldTables returns docFields.stateFields and anyStateField.
func stateFieldTables() (map[asl.StateType]map[string]bool, map[string]bool) {
	types := map[asl.StateType]any{
		asl.TypeTask: asl.Task{}, asl.TypePass: asl.Pass{}, asl.TypeChoice: asl.Choice{},
		asl.TypeWait: asl.Wait{}, asl.TypeSucceed: asl.Succeed{}, asl.TypeFail: asl.Fail{},
		asl.TypeParallel: asl.Parallel{}, asl.TypeMap: asl.Map{},
	}
	byType := map[asl.StateType]map[string]bool{}
	union := map[string]bool{}
	for k, v := range types {
		byType[k] = fieldsOf(reflect.TypeOf(v))
		for f := range byType[k] {
			union[f] = true
		}
	}
	return byType, union
}

// rawChecker finds the fields that the typed model cannot hold and returns
// the document without them.
type rawChecker struct {
	issues Issues
	f      *docFields
}

func (r *rawChecker) errorf(path, state, code, format string, args ...any) {
	r.issues = append(r.issues, Issue{Path: path, State: state, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (r *rawChecker) machine(v any) any {
	o, ok := v.(object)
	if !ok {
		return v
	}
	return r.graph("", o, r.f.machineFields)
}

// graph keeps the known fields of a machine or graph and cleans its states.
func (r *rawChecker) graph(prefix string, o object, known map[string]bool) object {
	out := object{}
	for _, m := range o {
		if !known[m.key] {
			r.errorf(prefix+m.key, "", CodeSchemaError, "unknown field %q", m.key)
			continue
		}
		if m.val == nil {
			r.errorf(prefix+m.key, "", CodeSchemaError, "%s cannot be null", m.key)
			continue
		}
		if m.key == "States" {
			if states, ok := m.val.(object); ok {
				m.val = r.states(prefix+"States.", states)
			}
		}
		out = append(out, m)
	}
	return out
}

func (r *rawChecker) states(prefix string, states object) object {
	out := object{}
	for _, m := range states {
		if st, ok := m.val.(object); ok {
			m.val = r.state(prefix+m.key, m.key, st)
		}
		out = append(out, m)
	}
	return out
}

func (r *rawChecker) state(path, name string, st object) object {
	tv, _ := st.get("Type")
	ts, _ := tv.(string)
	allowed, ok := r.f.stateFields[asl.StateType(ts)]
	if !ok {
		return st // asl.Unmarshal reports a missing or unknown Type
	}
	out := object{}
	for _, m := range st {
		fp := path + "." + m.key
		switch {
		case allowed[m.key]:
		case m.key == "Next" || m.key == "End":
			r.errorf(fp, name, CodeTransitionNotAllowed, "a %s state cannot have %s: it ends its path (Choice moves on through Choices and Default)", ts, m.key)
			continue
		case r.f.anyStateField[m.key]:
			r.errorf(fp, name, CodeFieldNotAllowed, "a %s state does not take %s", ts, m.key)
			continue
		default:
			r.errorf(fp, name, CodeSchemaError, "unknown field %q in a %s state", m.key, ts)
			continue
		}
		if r.badNull(path, name, m) {
			continue
		}
		switch m.key {
		case "Branches":
			if bs, ok := m.val.([]any); ok {
				nb := make([]any, len(bs))
				for i, b := range bs {
					nb[i] = b
					if bo, ok := b.(object); ok {
						nb[i] = r.graph(fmt.Sprintf("%s.Branches[%d].", path, i), bo, r.f.graphFields)
					}
				}
				m.val = nb
			}
		case "ItemProcessor", "Iterator":
			if bo, ok := m.val.(object); ok {
				m.val = r.graph(fp+".", bo, r.f.graphFields)
			}
		case "Retry":
			m.val = r.elements(fp, name, m.val, func(p string, o object) object { return r.known(p, name, o, r.f.retrierFields, "retrier") })
		case "Catch":
			m.val = r.elements(fp, name, m.val, func(p string, o object) object { return r.known(p, name, o, r.f.catcherFields, "catcher") })
		case "Choices":
			m.val = r.elements(fp, name, m.val, func(p string, o object) object { return r.rule(p, name, o) })
		}
		out = append(out, m)
	}
	return out
}

// modelPath removes the names of the model's embedded structs, which
// encoding/json includes in the field path of a type error
// ("States.A.Transition.End" is "States.A.End" in the document).
func modelPath(p string) string {
	for _, embedded := range []string{"Common.", "Transition.", "ErrorHandling."} {
		p = strings.ReplaceAll(p, "."+embedded, ".")
	}
	return p
}

// elements applies f to each object of an array value.
func (r *rawChecker) elements(path, state string, v any, f func(string, object) object) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		out[i] = e
		if o, ok := e.(object); ok {
			out[i] = f(fmt.Sprintf("%s[%d]", path, i), o)
		}
	}
	return out
}

// known drops and reports the members of o that are not in fields.
func (r *rawChecker) known(path, state string, o object, fields map[string]bool, what string) object {
	out := object{}
	for _, m := range o {
		if !fields[m.key] {
			r.errorf(path+"."+m.key, state, CodeSchemaError, "unknown field %q in a %s", m.key, what)
			continue
		}
		if r.badNull(path, state, m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// rule cleans a Choice rule and its nested rules: unknown fields are
// reported where they are, not at the state.
func (r *rawChecker) rule(path, state string, o object) object {
	out := object{}
	for _, m := range o {
		switch {
		case asl.IsOperator(m.key):
		case !r.f.ruleFields[m.key]:
			r.errorf(path+"."+m.key, state, CodeSchemaError, "unknown field %q in a Choice rule (not a comparison operator)", m.key)
			continue
		case r.badNull(path, state, m):
			continue
		case m.key == "And" || m.key == "Or":
			m.val = r.elements(path+"."+m.key, state, m.val, func(p string, o object) object { return r.rule(p, state, o) })
		case m.key == "Not":
			if no, ok := m.val.(object); ok {
				m.val = r.rule(path+".Not", state, no)
			}
		}
		out = append(out, m)
	}
	return out
}
