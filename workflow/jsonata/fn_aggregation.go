package jsonata

// aggregationFunctions returns the aggregation functions ($sum, $max, $min, $average).
func aggregationFunctions() []builtinDef {
	return []builtinDef{
		{"sum", "a<n>:n", fnSum},
		{"max", "a<n>:n", func(c *call, a []any) (any, error) { return extreme(a[0], 1), nil }},
		{"min", "a<n>:n", func(c *call, a []any) (any, error) { return extreme(a[0], -1), nil }},
		{"average", "a<n>:n", fnAverage},
	}
}

// fnSum is $sum.
func fnSum(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	t := 0.0
	for _, v := range mustItems(a[0]) {
		t += num(v)
	}
	return t, nil
}

// fnAverage is $average.
func fnAverage(c *call, a []any) (any, error) {
	items := mustItems(a[0])
	if len(items) == 0 {
		return Undefined, nil
	}
	t := 0.0
	for _, v := range items {
		t += num(v)
	}
	return t / float64(len(items)), nil
}

func extreme(v any, sign float64) any {
	items := mustItems(v)
	if len(items) == 0 {
		return Undefined
	}
	best := num(items[0])
	for _, e := range items[1:] {
		f := num(e)
		if (f-best)*sign > 0 {
			best = f
		}
	}
	return best
}
