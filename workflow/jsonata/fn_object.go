package jsonata

// objectFunctions returns the object functions, with $type, $clone, $error and $assert.
func objectFunctions() []builtinDef {
	return []builtinDef{
		{"sift", "o-f?:o", fnSift},
		{"each", "o-f:a", fnEach},
		{"keys", "x-:a<s>", fnKeys},
		{"lookup", "x-s:x", func(c *call, a []any) (any, error) { return lookup(a[0], str(a[1])), nil }},
		{"spread", "x-:a<o>", fnSpread},
		{"merge", "a<o>:o", fnMerge},
		{"type", "x:s", fnType},
		{"clone", "(oa)-:o", func(c *call, a []any) (any, error) { return c.ev.deepClone(a[0]), nil }},
		{"error", "s?:x", fnError},
		{"assert", "bs?:x", fnAssert},
	}
}

// fnSift is $sift.
func fnSift(c *call, a []any) (any, error) {
	m, ok := a[0].(map[string]any)
	if !ok {
		return Undefined, nil
	}
	out := map[string]any{}
	var keys []string
	for _, k := range c.ev.keysOf(m) {
		r, err := c.ev.callFn(arg(a, 1), c.pos, c.input, m[k], k, m)
		if err != nil {
			return nil, err
		}
		if truthy(r) {
			out[k] = m[k]
			keys = append(keys, k)
		}
	}
	if len(out) == 0 {
		return Undefined, nil
	}
	c.ev.setOrder(out, keys)
	return out, nil
}

// fnEach is $each.
func fnEach(c *call, a []any) (any, error) {
	m, ok := a[0].(map[string]any)
	if !ok {
		return Undefined, nil
	}
	out := seqOf(nil)
	for _, k := range c.ev.keysOf(m) {
		r, err := c.ev.callFn(a[1], c.pos, c.input, m[k], k, m)
		if err != nil {
			return nil, err
		}
		if !isUndef(r) {
			out.push(r)
		}
	}
	return out, nil
}

// fnKeys is $keys.
func fnKeys(c *call, a []any) (any, error) {
	out := seqOf(nil)
	seen := map[string]bool{}
	add := func(m map[string]any) {
		for _, k := range c.ev.keysOf(m) {
			if !seen[k] {
				seen[k] = true
				out.push(k)
			}
		}
	}
	if m, ok := a[0].(map[string]any); ok {
		add(m)
	} else if arr, ok := asArray(a[0]); ok {
		for _, v := range arr {
			if m, ok := v.(map[string]any); ok {
				add(m)
			}
		}
	}
	return out, nil
}

// fnSpread is $spread.
func fnSpread(c *call, a []any) (any, error) {
	out := seqOf(nil)
	var spread func(v any)
	spread = func(v any) {
		if arr, ok := asArray(v); ok {
			for _, e := range arr {
				spread(e)
			}
			return
		}
		if m, ok := v.(map[string]any); ok {
			for _, k := range c.ev.keysOf(m) {
				out.push(map[string]any{k: m[k]})
			}
			return
		}
		out.push(v)
	}
	if isUndef(a[0]) {
		return Undefined, nil
	}
	spread(a[0])
	return out, nil
}

// fnMerge is $merge.
func fnMerge(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	out := map[string]any{}
	var keys []string
	for _, v := range mustItems(a[0]) {
		m := v.(map[string]any)
		for _, k := range c.ev.keysOf(m) {
			if _, exists := out[k]; !exists {
				keys = append(keys, k)
			}
			out[k] = m[k]
		}
	}
	c.ev.setOrder(out, keys)
	return out, nil
}

// fnType is $type.
func fnType(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return typeName(a[0]), nil
}

// fnError is $error.
func fnError(c *call, a []any) (any, error) {
	m := "$error() function evaluated"
	if s, ok := arg(a, 0).(string); ok && s != "" {
		m = s
	}
	return nil, c.err("D3137", "message", m)
}

// fnAssert is $assert.
func fnAssert(c *call, a []any) (any, error) {
	if b, _ := a[0].(bool); !b {
		m := "$assert() statement failed"
		if s, ok := arg(a, 1).(string); ok && s != "" {
			m = s
		}
		return nil, c.err("D3141", "message", m)
	}
	return Undefined, nil
}
