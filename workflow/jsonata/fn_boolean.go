package jsonata

// booleanFunctions returns the Boolean functions.
func booleanFunctions() []builtinDef {
	return []builtinDef{
		{"boolean", "x-:b", fnBoolean},
		{"not", "x-:b", fnNot},
		{"exists", "x:b", func(c *call, a []any) (any, error) { return !isUndef(a[0]), nil }},
	}
}

// fnBoolean is $boolean.
func fnBoolean(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return truthy(a[0]), nil
}

// fnNot is $not.
func fnNot(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return !truthy(a[0]), nil
}
