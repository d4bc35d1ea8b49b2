package intrinsic

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonenc"
	"github.com/sluicehq/sluice/internal/jsonvalue"
)

// JavaNumber renders a JSON number the way Step Functions (Jackson on the
// JVM) prints it: integers as written (so "-0" is "0"), numbers with a
// fraction or exponent as Java's Double.toString does ("1.0", "1.5",
// "1.0E10", "1.0E-4").
func JavaNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, ok := new(big.Int).SetString(s, 10); ok {
			return i.String()
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return javaDouble(f)
}

// javaDouble formats f like Java's Double.toString (shortest digits).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// Stringify renders a value as States.Format inserts it: strings as they
// are, null as "null", numbers as JavaNumber, arrays as "[a, b]" and objects
// as "{k=v, k2=v2}" (keys sorted), the way Java's collections print.
func Stringify(v any) string {
	var b strings.Builder
	jsonvalue.WriteJava(&b, v, JavaNumber, unknown)
	return b.String()
}

// unknown is what Stringify writes for a value that is not JSON.
func unknown(any) string { return "?" }

// CompactJSON serializes a value the way States.JsonToString does: no
// white space, numbers as JavaNumber, object keys sorted, and no HTML
// escaping.
func CompactJSON(v any) string {
	var b strings.Builder
	compact(&b, v)
	return b.String()
}

func compact(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		writeJSONString(b, v)
	case json.Number:
		b.WriteString(JavaNumber(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			compact(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range jsonvalue.SortedKeys(v) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			compact(b, v[k])
		}
		b.WriteByte('}')
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(raw)
	}
}

// javaEqual is equality as Java's equals sees the values Jackson decodes
// JSON into (ArrayContains and ArrayUnique use it): an integer (Integer,
// Long, BigInteger) never equals a decimal (Double), so 1 and 1.0 differ;
// objects compare regardless of key order.
func javaEqual(a, b any) bool {
	return jsonvalue.Equal(a, b, javaNumbersEqual)
}

// javaNumbersEqual compares two numbers as Java's equals compares the
// Integer, Long, BigInteger or Double that Jackson makes of them.
func javaNumbersEqual(a, b json.Number) bool {
	ai, bi := !strings.ContainsAny(string(a), ".eE"), !strings.ContainsAny(string(b), ".eE")
	if ai != bi {
		return false
	}
	if ai {
		x, ok1 := new(big.Int).SetString(string(a), 10)
		y, ok2 := new(big.Int).SetString(string(b), 10)
		return ok1 && ok2 && x.Cmp(y) == 0
	}
	x, err1 := strconv.ParseFloat(string(a), 64)
	y, err2 := strconv.ParseFloat(string(b), 64)
	return err1 == nil && err2 == nil && x == y
}

// writeJSONString writes s as a JSON string the way Jackson does.
func writeJSONString(b *strings.Builder, s string) {
	var buf [64]byte
	b.Write(jsonenc.AppendStringMinimal(buf[:0], s, true))
}
