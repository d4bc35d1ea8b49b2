package dataset

import (
	"fmt"
	"math/big"
	"strings"
)

// Number is an exact decimal number, as decimal fields appear in filter
// and calculated-field expressions. The zero value is 0. Arithmetic never
// rounds; Format rounds once, when the value is written.
type Number struct{ r *big.Rat }

// ParseNumber parses a plain decimal number such as "12.50", "-3" or
// ".5" (no exponent, no thousands separators).
func ParseNumber(s string) (Number, error) {
	if _, err := canonicalDecimal(s, 0); err != nil {
		return Number{}, err
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Number{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return Number{r}, nil
}

// NumberFromInt returns i as a Number.
func NumberFromInt(i int64) Number { return Number{new(big.Rat).SetInt64(i)} }

func (d Number) rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return d.r
}

// String returns the exact value when it has a finite decimal expansion,
// else the value rounded to 18 places.
func (d Number) String() string {
	r := d.rat()
	den := new(big.Int).Set(r.Denom())
	places := 0
	for _, p := range []int64{2, 5} {
		n := 0
		bp := big.NewInt(p)
		m := new(big.Int)
		for {
			q, rem := new(big.Int).QuoRem(den, bp, m)
			if rem.Sign() != 0 {
				break
			}
			den = q
			n++
		}
		places = max(places, n)
	}
	if den.Cmp(big.NewInt(1)) != 0 {
		places = 18
	}
	return r.FloatString(places)
}

// Format returns the value with exactly scale places, rounded half away
// from zero.
func (d Number) Format(scale int) string { return d.rat().FloatString(max(scale, 0)) }

// Cmp compares d and e: -1, 0 or +1.
func (d Number) Cmp(e Number) int { return d.rat().Cmp(e.rat()) }

func decAdd(a, b Number) Number { return Number{new(big.Rat).Add(a.rat(), b.rat())} }
func decSub(a, b Number) Number { return Number{new(big.Rat).Sub(a.rat(), b.rat())} }
func decMul(a, b Number) Number { return Number{new(big.Rat).Mul(a.rat(), b.rat())} }
func decQuo(a, b Number) (Number, error) {
	if b.rat().Sign() == 0 {
		return Number{}, fmt.Errorf("decimal division by zero")
	}
	return Number{new(big.Rat).Quo(a.rat(), b.rat())}, nil
}

// canonicalDecimal validates a plain decimal and returns it normalised: no
// '+', no leading zeros, no trailing '.', "-0" as "0"; with scale > 0, with
// exactly scale places (more places is an error).
func canonicalDecimal(s string, scale int) (string, error) {
	neg := false
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	intPart, frac, _ := strings.Cut(body, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", fmt.Errorf("%q is not a decimal number", s)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	if scale > 0 {
		if len(frac) > scale {
			return "", fmt.Errorf("%q has more than %d decimal places", s, scale)
		}
		frac += strings.Repeat("0", scale-len(frac))
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ratBound is a parsed Min or Max.
type ratBound struct {
	src   string
	r     *big.Rat
	canon string // canonicalDecimal(src, 0)
}

// cmpCanonical compares two decimals in canonicalDecimal form (scale 0 or
// not) without allocating: -1, 0 or +1. Either may be text or bytes (the
// fast path compares its byte values with the declared bounds).
func cmpCanonical[A, B ~string | ~[]byte](a A, b B) int {
	an, bn := len(a) > 0 && a[0] == '-', len(b) > 0 && b[0] == '-'
	switch {
	case an && !bn:
		return -1
	case !an && bn:
		return 1
	case an && bn:
		return -cmpMagnitude(a[1:], b[1:])
	}
	return cmpMagnitude(a, b)
}

// cutDot returns the length of the integer part of a canonical decimal.
func cutDot[T ~string | ~[]byte](s T) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return len(s)
}

func cmpMagnitude[A, B ~string | ~[]byte](a A, b B) int {
	ad, bd := cutDot(a), cutDot(b)
	if ad != bd {
		if ad < bd {
			return -1
		}
		return 1
	}
	for i := 0; i < ad; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	af := a[min(ad+1, len(a)):]
	bfrac := b[min(bd+1, len(b)):]
	for i := 0; i < max(len(af), len(bfrac)); i++ {
		x, y := byte('0'), byte('0')
		if i < len(af) {
			x = af[i]
		}
		if i < len(bfrac) {
			y = bfrac[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
