package jsonata

import (
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
)

// numericFunctions returns the numeric functions, with the number formatting of format.go.
func numericFunctions() []builtinDef {
	return []builtinDef{
		{"formatBase", "n-n?:s", fnFormatBase},
		{"number", "(nsb)-:n", fnNumber},
		{"floor", "n-:n", numFn(math.Floor)},
		{"ceil", "n-:n", numFn(math.Ceil)},
		{"abs", "n-:n", numFn(math.Abs)},
		{"sqrt", "n-:n", fnSqrt},
		{"power", "n-n:n", fnPower},
		{"round", "n-n?:n", fnRound},
		{"random", "n?:n", fnRandom},
		{"formatNumber", "n-so?:s", fnFormatNumber},
		{"formatInteger", "n-s:s", fnFormatInteger},
		{"parseInteger", "s-s:n", fnParseInteger},
	}
}

// fnFormatBase is $formatBase.
func fnFormatBase(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	radix := 10
	if r := arg(a, 1); !isUndef(r) {
		rf := roundHalfEven(num(r), 0)
		if rf < 2 || rf > 36 {
			return nil, c.err("D3100", "value", rf)
		}
		radix = int(rf)
	}
	v := roundHalfEven(num(a[0]), 0)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return formatJSNumber(v), nil
	}
	bi, _ := big.NewFloat(v).Int(nil)
	return bi.Text(radix), nil
}

// fnNumber is $number.
func fnNumber(c *call, a []any) (any, error) {
	switch v := a[0].(type) {
	case UndefinedType:
		return Undefined, nil
	case bool:
		if v {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		f, ok := parseJSNumber(v)
		if !ok {
			return nil, c.err("D3030", "value", v)
		}
		return f, nil
	}
	if f, ok := number(a[0]); ok {
		return f, nil
	}
	return nil, c.err("D3030", "value", a[0])
}

// fnSqrt is $sqrt.
func fnSqrt(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	f := num(a[0])
	if f < 0 {
		return nil, c.err("D3060", "value", a[0])
	}
	return math.Sqrt(f), nil
}

// fnPower is $power.
func fnPower(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	if isUndef(a[1]) {
		return nil, c.err("D3061", "value", a[0], "exp", Undefined)
	}
	r := math.Pow(num(a[0]), num(a[1]))
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return nil, c.err("D3061", "value", a[0], "exp", a[1])
	}
	return r, nil
}

// fnRound is $round.
func fnRound(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	p := num(arg(a, 1))
	if p != math.Trunc(p) || math.Abs(p) > 400 {
		return math.NaN(), nil // jsonata-js yields NaN (null in JSON)
	}
	return roundHalfEven(num(a[0]), int(p)), nil
}

// fnRandom is $random.
func fnRandom(c *call, a []any) (any, error) {
	if s := arg(a, 0); !isUndef(s) {
		seed := uint64(int64(num(s)))
		return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)).Float64(), nil
	}
	return c.ev.rng().Float64(), nil
}

func numFn(f func(float64) float64) func(c *call, a []any) (any, error) {
	return func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return f(num(a[0])), nil
	}
}

// roundHalfEven rounds to the given number of decimal places with ties to
// even, shifting by decimal exponent (not by multiplying) to avoid binary
// artefacts, as jsonata's $round does.
func roundHalfEven(f float64, precision int) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	shifted := shiftDecimal(f, precision)
	r := math.Round(shifted)
	if math.Abs(shifted-math.Trunc(shifted)) == 0.5 {
		r = math.RoundToEven(shifted)
	}
	back := shiftDecimal(r, -precision)
	if back == 0 {
		return 0 // no negative zero
	}
	return back
}

// shiftDecimal returns f * 10^n computed on the decimal representation.
func shiftDecimal(f float64, n int) float64 {
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	v, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(e+n), 64)
	if err != nil {
		return f * math.Pow(10, float64(n))
	}
	return v
}

// parseJSNumber accepts JSON number syntax plus 0x/0o/0b integers, as
// $number does in jsonata 2.x.
func parseJSNumber(s string) (float64, bool) {
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			v, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil {
				return 0, false
			}
			return float64(v), true
		}
	}
	if !jsonNumberSyntax(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func jsonNumberSyntax(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}
