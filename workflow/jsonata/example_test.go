package jsonata_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/jsonata"
)

func decodeJSON(s string) any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func ExampleExpr_Eval() {
	expr, ok := jsonata.Strip(`{% $states.input.orders[qty > 1].{"id": id, "total": qty * price} %}`)
	if !ok {
		panic("not a JSONata string")
	}
	e, err := jsonata.Compile(expr)
	if err != nil {
		panic(err)
	}
	states := map[string]any{"input": decodeJSON(`{"orders": [
		{"id": "a", "qty": 2, "price": 1.25},
		{"id": "b", "qty": 1, "price": 9}
	]}`)}
	v, err := e.Eval(context.Background(), nil, map[string]any{"states": states})
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
	// Output: {"id":"a","total":2.5}
}

func ExampleEvalError() {
	e := jsonata.MustCompile(`$randomSeeded(1)`)
	_, err := e.Eval(context.Background(), nil, nil)
	var ee *jsonata.EvalError
	if errors.As(err, &ee) {
		// Step Functions appends this text to "threw an error during evaluation. "
		fmt.Println(ee.Error())
	}
	// Output: T1006: Attempted to invoke a non-function
}

func ExampleUndefined() {
	e := jsonata.MustCompile(`$states.input.missing`)
	v, _ := e.Eval(context.Background(), nil, map[string]any{"states": map[string]any{"input": map[string]any{}}})
	fmt.Println(v == jsonata.Undefined)
	// Output: true
}
