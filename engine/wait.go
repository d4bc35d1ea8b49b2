package engine

import (
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

// runWait runs a Wait state: it sleeps on the execution's clock for
// Seconds or until Timestamp (literal, path or JSONata), then passes its
// input on.
func (t *thread) runWait(ev *evalEnv, input any) (any, string, error) {
	n := ev.n
	eff, err := ev.inputPathApplied(input)
	if err != nil {
		return nil, "", err
	}
	var d time.Duration
	switch {
	case n.waitSeconds.path != nil:
		v, err := ev.resolve(n.waitSeconds.path, eff)
		if err != nil {
			if isNotFound(err) {
				return nil, "", runtimeErr(statesRuntime, "SecondsPath", "The SecondsPath parameter does not reference an input value: %s", n.waitSeconds.path.String())
			}
			return nil, "", err
		}
		i, ok := integer(v)
		if !ok {
			return nil, "", runtimeErr(statesRuntime, "SecondsPath", "The SecondsPath parameter cannot be parsed as a long value: %s == %s", n.waitSeconds.path.String(), compactScalar(v))
		}
		if i < 0 {
			return nil, "", runtimeErr(statesRuntime, "SecondsPath", "The SecondsPath parameter references a negative value: %s == %d", n.waitSeconds.path.String(), i)
		}
		d = time.Duration(i) * time.Second
	case n.waitSeconds.expr != nil:
		v, err := n.waitSeconds.expr.eval(ev, input)
		if err != nil {
			return nil, "", err
		}
		i, ok := integer(v)
		if !ok || i < 0 {
			return nil, "", runtimeErr(asl.StatesQueryEvaluationError, "Seconds",
				"The JSONata expression '%s' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
				jsonataSource(n.waitSeconds.expr), jsonType(v), compact(v))
		}
		d = time.Duration(i) * time.Second
	case n.waitSeconds.set:
		d = time.Duration(n.waitSeconds.lit) * time.Second
	case n.waitTsPath != nil:
		v, err := ev.resolve(n.waitTsPath, eff)
		if err != nil {
			if isNotFound(err) {
				return nil, "", runtimeErr(statesRuntime, "TimestampPath", "The TimestampPath parameter does not reference an input value: %s", n.waitTsPath.String())
			}
			return nil, "", err
		}
		s, _ := v.(string)
		ts, ok := parseTimestamp(s)
		if !ok {
			return nil, "", runtimeErr(statesRuntime, "TimestampPath", "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", n.waitTsPath.String(), compactScalar(v))
		}
		d = ts.Sub(t.x.clock.Now())
	case n.waitTsExpr != nil:
		v, err := n.waitTsExpr.eval(ev, input)
		if err != nil {
			return nil, "", err
		}
		s, _ := v.(string)
		ts, ok := parseTimestamp(s)
		if !ok {
			return nil, "", runtimeErr(asl.StatesQueryEvaluationError, "Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", compactScalar(v))
		}
		d = ts.Sub(t.x.clock.Now())
	case n.waitTimestamp != "":
		ts, ok := parseTimestamp(n.waitTimestamp)
		if !ok {
			return nil, "", runtimeErr(statesRuntime, "Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", n.waitTimestamp)
		}
		d = ts.Sub(t.x.clock.Now())
	}
	if d > 0 {
		if err := t.sleep(d); err != nil {
			return nil, "", err
		}
	}
	out, err := ev.finishNoResult(n.output, n.assign, input, eff)
	return out, n.transition(), err
}

// compactScalar prints a value the way AWS quotes it in Wait errors: strings
// bare, everything else as JSON.
func compactScalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return compact(v)
}

// wait plans a Wait state.
func (sp *statePlan) wait(s *asl.Wait) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, nil)
	sp.payload("Assign", s.Assign, &n.assign)
	sp.jsonataOnly("Output", s.Output, &n.output)
	sp.set("Seconds", func() (e error) {
		n.waitSeconds, e = planIntField("Seconds", s.Seconds, s.SecondsPath)
		return
	})
	n.waitTimestamp = s.Timestamp
	if n.jsonata && isJSONataString(s.Timestamp) {
		sp.set("Timestamp", func() (e error) { n.waitTsExpr, e = compileJSONataString(s.Timestamp, "Timestamp"); return })
		n.waitTimestamp = ""
	}
	sp.set("TimestampPath", func() (e error) { n.waitTsPath, e = parseOptPath(s.TimestampPath); return })
}
