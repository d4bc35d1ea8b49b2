package engine

import (
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// isIntrinsic reports whether a ".$" value is an intrinsic function call.
func isIntrinsic(s string) bool { return intrinsic.IsCall(s) }

// intrinsicTmpl is a pre-parsed States.Xxx(...) call.
type intrinsicTmpl struct {
	call  *intrinsic.Call
	field string
}

func compileIntrinsic(s, field string) (tmpl, error) {
	c, err := intrinsic.Parse(s)
	if err != nil {
		return nil, err
	}
	return &intrinsicTmpl{call: c, field: field}, nil
}

// intrinsicEnv resolves an intrinsic's path arguments.
type intrinsicEnv struct {
	ev  *evalEnv
	doc any
}

// Rand gives States.UUID and unseeded States.MathRandom a source drawn from
// the execution's generator, so WithRandSeed makes them reproducible. Each
// call gets its own source: iterations may evaluate concurrently.
func (e intrinsicEnv) Rand() *mrand.Rand {
	x := e.ev.t.x
	x.rmu.Lock()
	seed := x.rnd.Uint64()
	x.rmu.Unlock()
	return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Resolve evaluates an argument path.
func (e intrinsicEnv) Resolve(p *jsonpath.Path) (any, error) { return e.ev.resolve(p, e.doc) }

func (it *intrinsicTmpl) eval(ev *evalEnv, doc any) (any, error) {
	v, err := it.call.Eval(intrinsicEnv{ev: ev, doc: doc})
	if err != nil {
		var ee *intrinsic.EvalError
		if errors.As(err, &ee) {
			return nil, runtimeErr(asl.ErrorName(ee.Name), it.field, "%s", ee.Msg)
		}
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, runtimeErr(statesRuntime, it.field,
				"The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
				nf.Expr, it.field, compact(doc))
		}
		return nil, err
	}
	return v, nil
}

// stripJSONata returns the expression inside "{% ... %}".
func stripJSONata(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return strings.TrimSpace(s[2 : len(s)-2]), true
	}
	return "", false
}

func isJSONataString(s string) bool {
	_, ok := stripJSONata(s)
	return ok
}

// jsonataSource returns the expression text of t, or "" when t is not an
// expression.
func jsonataSource(t tmpl) string {
	if j, ok := t.(*jsonataTmpl); ok {
		return j.src
	}
	return ""
}

// compileJSONataValue plans a JSONata-language field: any string of the
// form "{% expr %}", at any depth, is an expression; everything else is
// literal.
func compileJSONataValue(raw json.RawMessage, field string) (tmpl, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	return jsonataOf(v, field)
}

func jsonataOf(v any, field string) (tmpl, error) {
	switch t := v.(type) {
	case string:
		return compileJSONataString(t, field)
	case map[string]any:
		o := &objTmpl{}
		for _, k := range jsonvalue.SortedKeys(t) {
			sub, err := jsonataOf(t[k], field+"/"+k)
			if err != nil {
				return nil, err
			}
			o.fields = append(o.fields, objField{key: k, val: sub})
		}
		return o, nil
	case []any:
		a := &arrTmpl{}
		for i, e := range t {
			sub, err := jsonataOf(e, field+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			a.elems = append(a.elems, sub)
		}
		return a, nil
	}
	return literal{v}, nil
}
