package dynamo

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// DynamoDB's limits that minidyn does not enforce, checked by the embedded
// store on every item it is asked to write, so that what loads locally
// would load on AWS: an item of at most 400 KB, and numbers of at most 38
// significant digits with a magnitude from 1E-130 to below 1E+126.
const (
	maxItemBytes     = 400 * 1024
	maxNumberDigits  = 38
	minNumberExp10   = -130 // smallest magnitude: 1E-130
	maxNumberExp10   = 125  // largest: 9.99…E+125
	limitsValidation = "One or more parameter values were invalid: "
)

// checkItem returns the ValidationException message for an item DynamoDB
// would refuse, or "".
func checkItem(item map[string]json.RawMessage) string {
	msg, _ := checkPut(item)
	return msg
}

// checkValues is checkPut for an item whose values are decoded.
func checkValues(item map[string]*attrValue) (msg string, plain bool) {
	w := sizer{plain: true}
	size := 0
	for name, v := range item {
		if v == nil {
			return limitsValidation + "attribute " + name + ": null is not an attribute value", false
		}
		n, err := w.sizeOf(v)
		if err != nil {
			return limitsValidation + "attribute " + name + ": " + err.Error(), false
		}
		size += len(name) + n
		w.plain = w.plain && name != ""
	}
	if size > maxItemBytes {
		return fmt.Sprintf("Item size has exceeded the maximum allowed size (%d bytes, the limit is %d)", size, maxItemBytes), false
	}
	return "", w.plain
}

// checkPut is checkItem that also tells whether every attribute value of
// the item is plain (see sizer) and every name not empty: such an item
// needs no further validation before it is stored.
func checkPut(item map[string]json.RawMessage) (msg string, plain bool) {
	w := sizer{plain: true}
	size := 0
	for name, raw := range item {
		n, err := w.size(raw)
		if err != nil {
			return limitsValidation + "attribute " + name + ": " + err.Error(), false
		}
		size += len(name) + n
		w.plain = w.plain && name != ""
	}
	if size > maxItemBytes {
		return fmt.Sprintf("Item size has exceeded the maximum allowed size (%d bytes, the limit is %d)", size, maxItemBytes), false
	}
	return "", w.plain
}

// attrValue is a DynamoDB attribute value, decoded in one pass.
type attrValue struct {
	S, N, B    *string
	BOOL, NULL *bool
	SS, NS, BS []string
	L          []json.RawMessage
	M          map[string]json.RawMessage
}

// sizer measures attribute values as DynamoDB counts their size and tells
// whether they are all plain: exactly one type each, S, N (plainNumber),
// BOOL, NULL (true), L or M of plain values. Binary values and sets are
// not plain: their well-formedness (base64, no duplicate members) is left
// to minidyn.
type sizer struct{ plain bool }

// size is an attribute value's size as DynamoDB counts it (approximately
// for numbers: one byte per two significant digits plus one), checking its
// numbers on the way.
func (w *sizer) size(raw json.RawMessage) (int, error) {
	var v attrValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, err
	}
	return w.sizeOf(&v)
}

// sizeOf is size for a decoded value.
func (w *sizer) sizeOf(v *attrValue) (int, error) {
	w.plain = w.plain && v.types() == 1
	switch {
	case v.S != nil:
		return len(*v.S), nil
	case v.N != nil:
		w.plain = w.plain && plainNumber(*v.N)
		return numberSize(*v.N)
	case v.B != nil:
		w.plain = false
		return base64.StdEncoding.DecodedLen(len(*v.B)), nil
	case v.BOOL != nil:
		return 1, nil
	case v.NULL != nil:
		w.plain = w.plain && *v.NULL
		return 1, nil
	case v.SS != nil:
		w.plain = false
		total := 0
		for _, s := range v.SS {
			total += len(s)
		}
		return total, nil
	case v.NS != nil:
		w.plain = false
		total := 0
		for _, s := range v.NS {
			n, err := numberSize(s)
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	case v.BS != nil:
		w.plain = false
		total := 0
		for _, s := range v.BS {
			total += base64.StdEncoding.DecodedLen(len(s))
		}
		return total, nil
	case v.L != nil:
		total := 3
		for _, e := range v.L {
			n, err := w.size(e)
			if err != nil {
				return 0, err
			}
			total += n + 1
		}
		return total, nil
	case v.M != nil:
		total := 3
		for k, e := range v.M {
			n, err := w.size(e)
			if err != nil {
				return 0, err
			}
			total += len(k) + n + 1
		}
		return total, nil
	}
	return 0, nil // minidyn words malformed values
}

// types counts the data types set in v (DynamoDB wants exactly one).
func (v *attrValue) types() int {
	n := 0
	for _, set := range [...]bool{v.S != nil, v.N != nil, v.B != nil, v.BOOL != nil, v.NULL != nil, v.SS != nil, v.NS != nil, v.BS != nil, v.L != nil, v.M != nil} {
		if set {
			n++
		}
	}
	return n
}

// plainNumber tells a number in the plain decimal form JSON writes
// ([-]digits[.digits][e[±]digits], no leading zeros), which every
// DynamoDB implementation parses alike. Other forms DynamoDB may accept
// ("+1", "01", ".5") are left to minidyn.
func plainNumber(s string) bool { return jsonenc.ValidNumber(s) }

// numberSize checks a DynamoDB number against its precision and range and
// returns its approximate stored size.
func numberSize(s string) (int, error) {
	digits, exp, err := decimalParts(s)
	if err != nil {
		return 0, err
	}
	if len(digits) == 0 { // zero
		return 1, nil
	}
	if len(digits) > maxNumberDigits {
		return 0, errors.New("Attempting to store more than 38 significant digits in a Number")
	}
	// The magnitude's decimal exponent: the first significant digit's place.
	mag := exp + len(digits) - 1
	if mag > maxNumberExp10 {
		return 0, errors.New("Number overflow. Attempting to store a number with magnitude larger than supported range")
	}
	if mag < minNumberExp10 {
		return 0, errors.New("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return 1 + (len(digits)+1)/2, nil
}

// decimalParts splits a decimal string into its significant digits (no
// leading or trailing zeros) and the power of ten of the last one:
// "-12.50E3" is ("125", 1). Zero has no digits.
func decimalParts(s string) (digits string, exp int, err error) {
	bad := func() (string, int, error) { return "", 0, fmt.Errorf("%q is not a number", s) }
	t := strings.TrimLeft(s, "+-")
	if len(s)-len(t) > 1 || t == "" || !utf8.ValidString(t) {
		return bad()
	}
	mant, e := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		var err error
		if e, err = strconv.Atoi(t[i+1:]); err != nil || e > 1<<20 || e < -(1<<20) {
			return bad()
		}
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" && frac == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return bad()
	}
	all := intPart + frac
	e -= len(frac)
	trimmed := strings.TrimRight(all, "0")
	e += len(all) - len(trimmed)
	trimmed = strings.TrimLeft(trimmed, "0")
	if trimmed == "" {
		return "", 0, nil
	}
	return trimmed, e, nil
}
