package engine

import "github.com/sluicehq/sluice/workflow/asl"

// runSucceed runs a Succeed state: it ends its graph with its input.
func (t *thread) runSucceed(ev *evalEnv, input any) (any, error) {
	n := ev.n
	if n.jsonata {
		return ev.finishJSONata(n.output, nil, input)
	}
	eff, err := ev.applyPath(n.inputPath, input, "InputPath")
	if err != nil {
		return nil, err
	}
	return ev.applyPath(n.outputPath, eff, "OutputPath")
}

// runFail runs a Fail state: it returns the *StateError its Error and
// Cause (literal, path or JSONata) name; a field left out stays unset, as
// AWS reports it.
func (t *thread) runFail(ev *evalEnv, input any) error {
	n := ev.n
	se := &StateError{State: n.name, prefixed: true}
	str := func(tm tmpl, field string) (string, bool, error) {
		if tm == nil {
			return "", false, nil
		}
		v, err := tm.eval(ev, input)
		if err != nil {
			return "", false, err
		}
		s, ok := v.(string)
		if !ok {
			if n.jsonata {
				return "", false, runtimeErr(asl.StatesQueryEvaluationError, field,
					"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'string', but was '%s' for value: %s",
					jsonataSource(tm), field, jsonType(v), compact(v))
			}
			s = compact(v)
		}
		return s, true, nil
	}
	name, hasName, err := str(n.failError, "Error")
	if err != nil {
		return err
	}
	if !hasName {
		if name, hasName, err = str(n.failErrorPath, "ErrorPath"); err != nil {
			return err
		}
	}
	cause, hasCause, err := str(n.failCause, "Cause")
	if err != nil {
		return err
	}
	if !hasCause {
		if cause, hasCause, err = str(n.failCausePath, "CausePath"); err != nil {
			return err
		}
	}
	se.Name, se.noName = asl.ErrorName(name), !hasName
	se.Cause, se.noCause = cause, !hasCause
	return se
}

// planFailPath plans a Fail state's ErrorPath or CausePath.
func planFailPath(s, field string) (tmpl, error) {
	if s == "" {
		return nil, nil
	}
	return dynamicValue(s, field)
}

// planStringField plans a Fail state's Error or Cause: a literal string, or
// in JSONata a "{% %}" expression.
func planStringField(s, field string, isJSONata bool) (tmpl, error) {
	if s == "" {
		return nil, nil
	}
	if isJSONata && isJSONataString(s) {
		return compileJSONataString(s, field)
	}
	return literal{s}, nil
}

// succeed plans a Succeed state.
func (sp *statePlan) succeed(s *asl.Succeed) {
	sp.io(s.InputPath, s.OutputPath, nil)
	sp.jsonataOnly("Output", s.Output, &sp.n.output)
}

// fail plans a Fail state.
func (sp *statePlan) fail(s *asl.Fail) {
	n := sp.n
	sp.set("Error", func() (e error) { n.failError, e = planStringField(s.Error, "Error", n.jsonata); return })
	sp.set("Cause", func() (e error) { n.failCause, e = planStringField(s.Cause, "Cause", n.jsonata); return })
	sp.set("ErrorPath", func() (e error) { n.failErrorPath, e = planFailPath(s.ErrorPath, "ErrorPath"); return })
	sp.set("CausePath", func() (e error) { n.failCausePath, e = planFailPath(s.CausePath, "CausePath"); return })
}
