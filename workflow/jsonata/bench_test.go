package jsonata

import (
	"context"
	"testing"
)

const benchExpr = `$states.input.orders[status = "open"].{"id": id, "total": $sum(lines.(price * qty))}`

func benchInput() map[string]any {
	var orders []any
	for i := 0; i < 20; i++ {
		orders = append(orders, map[string]any{
			"id": i, "status": []string{"open", "closed"}[i%2],
			"lines": []any{map[string]any{"price": 2.5, "qty": 3}, map[string]any{"price": 1, "qty": i}},
		})
	}
	return map[string]any{"states": map[string]any{"input": map[string]any{"orders": orders}}}
}

func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(benchExpr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalPath(b *testing.B) {
	e := MustCompile(`$states.input.orders[0].id`)
	vars := benchInput()
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Eval(ctx, nil, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalFilterMap(b *testing.B) {
	e := MustCompile(benchExpr)
	vars := benchInput()
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Eval(ctx, nil, vars); err != nil {
			b.Fatal(err)
		}
	}
}
