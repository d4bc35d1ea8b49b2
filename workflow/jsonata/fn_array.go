package jsonata

import (
	"math"
	"sort"
)

// arrayFunctions returns the array functions.
func arrayFunctions() []builtinDef {
	return []builtinDef{
		{"count", "a:n", fnCount},
		{"zip", "a+", fnZip},
		{"sort", "af?:a", fnSort},
		{"append", "xx:a", func(c *call, a []any) (any, error) { return appendValues(a[0], a[1]), nil }},
		{"reverse", "a:a", fnReverse},
		{"shuffle", "a:a", fnShuffle},
		{"distinct", "x:x", fnDistinct},
	}
}

// fnCount is $count.
func fnCount(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return 0.0, nil
	}
	return float64(len(mustItems(a[0]))), nil
}

// fnZip is $zip.
func fnZip(c *call, a []any) (any, error) {
	arrays := mustItems(a[0])
	if len(arrays) == 0 {
		return []any{}, nil
	}
	minLen := math.MaxInt
	lists := make([][]any, len(arrays))
	for i, v := range arrays {
		lists[i] = mustItems(v)
		if len(lists[i]) < minLen {
			minLen = len(lists[i])
		}
	}
	out := []any{}
	for i := 0; i < minLen; i++ {
		row := make([]any, len(lists))
		for j := range lists {
			row[j] = lists[j][i]
		}
		out = append(out, row)
	}
	return out, nil
}

// fnReverse is $reverse.
func fnReverse(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	items := mustItems(a[0])
	out := make([]any, len(items))
	for i, v := range items {
		out[len(items)-1-i] = v
	}
	return out, nil
}

// fnShuffle is $shuffle.
func fnShuffle(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	out := append([]any{}, mustItems(a[0])...)
	c.ev.rng().Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// fnDistinct is $distinct.
func fnDistinct(c *call, a []any) (any, error) {
	arr, ok := asArray(a[0])
	if !ok || len(arr) <= 1 {
		return a[0], nil
	}
	out := []any{}
outer:
	for _, v := range arr {
		for _, w := range out {
			if deepEqual(v, w) {
				continue outer
			}
		}
		out = append(out, v)
	}
	if isSequence(a[0]) {
		return seqOf(out), nil
	}
	return out, nil
}

func fnSort(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	items := append([]any{}, mustItems(a[0])...)
	if len(items) <= 1 {
		return items, nil
	}
	cmpFn := arg(a, 1)
	if isUndef(cmpFn) {
		allNum, allStr := true, true
		for _, v := range items {
			if !isNumber(v) {
				allNum = false
			}
			if !isString(v) {
				allStr = false
			}
		}
		if !allNum && !allStr {
			return nil, c.err("D3070")
		}
		sort.SliceStable(items, func(i, j int) bool {
			r, _ := compareValues(items[i], items[j])
			return r < 0
		})
		return items, nil
	}
	var err error
	sort.SliceStable(items, func(i, j int) bool {
		if err != nil {
			return false
		}
		// the comparator answers "should a come after b", i.e. a > b
		// the comparator always gets both values, whatever its arity
		r, e := c.ev.apply(cmpFn, []any{items[j], items[i]}, c.input, c.pos)
		if e != nil {
			err = e
			return false
		}
		return truthy(r)
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}
