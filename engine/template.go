package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// tmpl is a pre-parsed payload template: Parameters, ResultSelector,
// ItemSelector, Assign, Arguments, Output and the like.
type tmpl interface {
	eval(ev *evalEnv, doc any) (any, error)
}

// literal is a constant value.
type literal struct{ v any }

func (l literal) eval(*evalEnv, any) (any, error) { return l.v, nil }

// objField is one key of an object template.
type objField struct {
	key string
	val tmpl
}

// objTmpl builds an object; keys keep document order for history output.
type objTmpl struct{ fields []objField }

func (o *objTmpl) eval(ev *evalEnv, doc any) (any, error) {
	out := make(map[string]any, len(o.fields))
	for _, f := range o.fields {
		v, err := f.val.eval(ev, doc)
		if err != nil {
			return nil, err
		}
		out[f.key] = v
	}
	return out, nil
}

// arrTmpl builds an array.
type arrTmpl struct{ elems []tmpl }

func (a *arrTmpl) eval(ev *evalEnv, doc any) (any, error) {
	out := make([]any, 0, len(a.elems))
	for _, e := range a.elems {
		v, err := e.eval(ev, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// pathTmpl is a "key.$": "$.path" entry.
type pathTmpl struct {
	path  *jsonpath.Path
	field string
}

func (p *pathTmpl) eval(ev *evalEnv, doc any) (any, error) {
	v, err := ev.resolve(p.path, doc)
	if err != nil {
		if isNotFound(err) {
			return nil, runtimeErr(statesRuntime, p.field,
				"The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
				p.path.String(), p.field, compact(doc))
		}
		return nil, err
	}
	return v, nil
}

// compilePayload parses a JSONPath-language payload template (Parameters,
// ResultSelector, ItemSelector, Assign, ItemReader.Parameters).
func compilePayload(raw json.RawMessage) (tmpl, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	return payloadOf(v)
}

func payloadOf(v any) (tmpl, error) {
	switch t := v.(type) {
	case map[string]any:
		keys := jsonvalue.SortedKeys(t)
		o := &objTmpl{}
		for _, k := range keys {
			val := t[k]
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				s, isStr := val.(string)
				if !isStr {
					return nil, fmt.Errorf("field %q: the value of a \".$\" field must be a path or intrinsic function string", k)
				}
				sub, err := dynamicValue(s, k)
				if err != nil {
					return nil, fmt.Errorf("field %q: %w", k, err)
				}
				o.fields = append(o.fields, objField{key: name, val: sub})
				continue
			}
			sub, err := payloadOf(val)
			if err != nil {
				return nil, err
			}
			o.fields = append(o.fields, objField{key: k, val: sub})
		}
		return o, nil
	case []any:
		a := &arrTmpl{}
		for _, e := range t {
			sub, err := payloadOf(e)
			if err != nil {
				return nil, err
			}
			a.elems = append(a.elems, sub)
		}
		return a, nil
	}
	return literal{v}, nil
}

// dynamicValue parses the string of a ".$" field: an intrinsic function call
// or a path.
func dynamicValue(s, field string) (tmpl, error) {
	if isIntrinsic(s) {
		return compileIntrinsic(s, field)
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		return nil, err
	}
	return &pathTmpl{path: p, field: field}, nil
}

func isNotFound(err error) bool {
	_, ok := err.(*jsonpath.NotFoundError)
	return ok
}
