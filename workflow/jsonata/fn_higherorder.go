package jsonata

// higherOrderFunctions returns the higher-order functions ($sift and $each are object functions).
func higherOrderFunctions() []builtinDef {
	return []builtinDef{
		{"map", "af", fnMap},
		{"filter", "af", fnFilter},
		{"single", "af?", fnSingle},
		{"reduce", "afj?:j", fnReduce},
	}
}

// fnMap is $map.
func fnMap(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	items := mustItems(a[0])
	out := seqOf(nil)
	for i, v := range items {
		r, err := c.ev.callFn(a[1], c.pos, c.input, v, float64(i), a[0])
		if err != nil {
			return nil, err
		}
		if !isUndef(r) {
			out.push(r)
		}
	}
	return out, nil
}

// fnFilter is $filter.
func fnFilter(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	out := seqOf(nil)
	for i, v := range mustItems(a[0]) {
		r, err := c.ev.callFn(a[1], c.pos, c.input, v, float64(i), a[0])
		if err != nil {
			return nil, err
		}
		if truthy(r) {
			out.push(v)
		}
	}
	return out, nil
}

// fnSingle is $single.
func fnSingle(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	var found any = Undefined
	hits := 0
	for i, v := range mustItems(a[0]) {
		ok := true
		if f := arg(a, 1); !isUndef(f) {
			r, err := c.ev.callFn(f, c.pos, c.input, v, float64(i), a[0])
			if err != nil {
				return nil, err
			}
			ok = truthy(r)
		}
		if ok {
			hits++
			if hits > 1 {
				return nil, c.err("D3138")
			}
			found = v
		}
	}
	if hits == 0 {
		return nil, c.err("D3139")
	}
	return found, nil
}

// fnReduce is $reduce.
func fnReduce(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	f := asFunction(a[1])
	if f == nil || f.arity() < 2 {
		return nil, c.err("D3050")
	}
	items := mustItems(a[0])
	acc := arg(a, 2)
	start := 0
	if isUndef(acc) && len(items) > 0 {
		acc = items[0]
		start = 1
	}
	for i := start; i < len(items); i++ {
		r, err := c.ev.callFn(f, c.pos, c.input, acc, items[i], float64(i), a[0])
		if err != nil {
			return nil, err
		}
		acc = r
	}
	return acc, nil
}
