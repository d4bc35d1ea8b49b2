package engine

import (
	"errors"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonata"
)

// jsonataTmpl is one pre-compiled "{% ... %}" expression.
type jsonataTmpl struct {
	expr  *jsonata.Expr
	src   string
	field string
}

func compileJSONataString(s, field string) (tmpl, error) {
	src, ok := stripJSONata(s)
	if !ok {
		return literal{s}, nil
	}
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, err
	}
	return &jsonataTmpl{expr: e, src: src, field: field}, nil
}

func (j *jsonataTmpl) eval(ev *evalEnv, _ any) (any, error) {
	if ev.vars == nil {
		ev.vars = ev.t.scope.all()
	}
	vars := ev.vars
	vars["states"] = ev.statesVar()
	ctx := jsonata.WithNow(ev.t.ctx, ev.t.x.clock.Now())
	v, err := j.expr.Eval(ctx, ev.input, vars)
	if err != nil {
		var ee *jsonata.EvalError
		if errors.As(err, &ee) {
			return nil, runtimeErr(asl.StatesQueryEvaluationError, j.field,
				"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s",
				j.src, j.field, ee.Error())
		}
		if ctxErr := ev.t.ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, runtimeErr(asl.StatesQueryEvaluationError, j.field,
			"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s",
			j.src, j.field, err.Error())
	}
	if v == jsonata.Undefined {
		return nil, runtimeErr(asl.StatesQueryEvaluationError, j.field,
			"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", j.src, j.field)
	}
	if _, isFn := v.(*jsonata.Function); isFn {
		return nil, runtimeErr(asl.StatesQueryEvaluationError, j.field,
			"The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", j.src, j.field)
	}
	return v, nil
}
