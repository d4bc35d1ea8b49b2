package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fnFormatInteger is $formatInteger.
func fnFormatInteger(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return formatInteger(c, num(a[0]), str(a[1]))
}

// fnParseInteger is $parseInteger.
func fnParseInteger(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return parseInteger(c, str(a[0]), str(a[1]))
}

// decimalFormat holds the properties of $formatNumber's third argument.
type decimalFormat struct {
	decimal, grouping, exponent, minus, percent, perMille, zero, digit, pattern string
	infinity, nan                                                               string
}

func fnFormatNumber(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	f := decimalFormat{decimal: ".", grouping: ",", exponent: "e", minus: "-", percent: "%",
		perMille: "‰", zero: "0", digit: "#", pattern: ";", infinity: "Infinity", nan: "NaN"}
	if opts, ok := arg(a, 2).(map[string]any); ok {
		set := func(key string, dst *string) {
			if s, ok := opts[key].(string); ok {
				*dst = s
			}
		}
		set("decimal-separator", &f.decimal)
		set("grouping-separator", &f.grouping)
		set("exponent-separator", &f.exponent)
		set("minus-sign", &f.minus)
		set("percent", &f.percent)
		set("per-mille", &f.perMille)
		set("zero-digit", &f.zero)
		set("digit", &f.digit)
		set("pattern-separator", &f.pattern)
		set("infinity", &f.infinity)
		set("NaN", &f.nan)
	}
	value := num(a[0])
	if math.IsNaN(value) {
		return f.nan, nil
	}
	pic := str(a[1])
	subs := strings.Split(pic, f.pattern)
	if len(subs) > 2 {
		return nil, c.err("D3080")
	}
	sub := subs[0]
	negPrefix := ""
	if value < 0 {
		if len(subs) == 2 {
			sub = subs[1]
		} else {
			negPrefix = f.minus
		}
	}
	p, err := analysePicture(c, sub, &f)
	if err != nil {
		return nil, err
	}
	if math.IsInf(value, 0) {
		return negPrefix + p.prefix + f.infinity + p.suffix, nil
	}
	v := math.Abs(value)
	if p.percent {
		v *= 100
	} else if p.perMille {
		v *= 1000
	}
	exp := 0
	if p.expDigits > 0 && v != 0 {
		// scale as jsonata-js does: the mantissa may equal 10^minInt, so an
		// exact power of ten keeps one digit more (100 with 0.#e0 is 10e1)
		maxM := math.Pow(10, float64(p.minInt))
		minM := math.Pow(10, float64(p.minInt-1))
		for v < minM {
			v *= 10
			exp--
		}
		for v > maxM {
			v /= 10
			exp++
		}
	}
	v = roundHalfEven(v, p.maxFrac)
	digits := strconv.FormatFloat(v, 'f', p.maxFrac, 64)
	intPart, fracPart, _ := strings.Cut(digits, ".")
	fracPart = strings.TrimRight(fracPart, "0")
	for utf8.RuneCountInString(fracPart) < p.minFrac {
		fracPart += "0"
	}
	intPart = strings.TrimLeft(intPart, "0")
	for len(intPart) < p.minInt {
		intPart = "0" + intPart
	}
	if intPart == "" && fracPart == "" {
		intPart = "0"
		if p.minFrac > 0 {
			intPart = ""
		}
	}
	// grouping in the integer part (positions counted from the right)
	intOut := groupDigits(intPart, p.intGroups, p.regularInt, f.grouping)
	fracOut := fracPart
	if len(p.fracGroups) > 0 {
		var b strings.Builder
		gi := 0
		for i, ch := range fracPart {
			if gi < len(p.fracGroups) && i == p.fracGroups[gi] {
				b.WriteString(f.grouping)
				gi++
			}
			b.WriteRune(ch)
		}
		fracOut = b.String()
	}
	var b strings.Builder
	b.WriteString(negPrefix)
	b.WriteString(p.prefix)
	b.WriteString(mapDigits(intOut, f.zero))
	if fracOut != "" || p.forceDecimal {
		b.WriteString(f.decimal)
		b.WriteString(mapDigits(fracOut, f.zero))
	}
	if p.expDigits > 0 {
		b.WriteString(f.exponent)
		e := strconv.Itoa(abs(exp))
		for len(e) < p.expDigits {
			e = "0" + e
		}
		if exp < 0 {
			b.WriteString(f.minus)
		}
		b.WriteString(mapDigits(e, f.zero))
	}
	b.WriteString(p.suffix)
	return b.String(), nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// mapDigits replaces ASCII digits by the digit family starting at zero.
func mapDigits(s, zero string) string {
	z, _ := utf8.DecodeRuneInString(zero)
	if z == '0' {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(z + (r - '0'))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func groupDigits(intPart string, groups []int, regular int, sep string) string {
	if len(groups) == 0 {
		return intPart
	}
	var b strings.Builder
	n := len(intPart)
	for i := 0; i < n; i++ {
		fromRight := n - i
		if i > 0 && isGroupPos(fromRight, groups, regular) {
			b.WriteString(sep)
		}
		b.WriteByte(intPart[i])
	}
	return b.String()
}

func isGroupPos(pos int, groups []int, regular int) bool {
	if regular > 0 {
		return pos%regular == 0
	}
	for _, g := range groups {
		if g == pos {
			return true
		}
	}
	return false
}

type pictureInfo struct {
	prefix, suffix    string
	minInt, maxFrac   int
	minFrac           int
	intGroups         []int // positions from the right of the decimal point
	regularInt        int
	fracGroups        []int
	expDigits         int
	percent, perMille bool
	forceDecimal      bool
}

func analysePicture(c *call, sub string, f *decimalFormat) (*pictureInfo, error) {
	zero, _ := utf8.DecodeRuneInString(f.zero)
	isDigit := func(r rune) bool { return r >= zero && r <= zero+9 }
	dec, _ := utf8.DecodeRuneInString(f.decimal)
	grp, _ := utf8.DecodeRuneInString(f.grouping)
	opt, _ := utf8.DecodeRuneInString(f.digit)
	expSep, _ := utf8.DecodeRuneInString(f.exponent)
	rs := []rune(sub)
	isMant := func(r rune) bool { return isDigit(r) || r == opt || r == dec || r == grp }
	p := &pictureInfo{}
	// an exponent separator between mantissa characters and digits
	expAt := -1
	for i := 1; i+1 < len(rs); i++ {
		if rs[i] == expSep && isMant(rs[i-1]) && isDigit(rs[i+1]) {
			expAt = i
			break
		}
	}
	mantRunes := rs
	end := -1
	if expAt >= 0 {
		j := expAt + 1
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		p.expDigits = j - expAt - 1
		mantRunes = rs[:expAt]
		end = j
	}
	first, last := -1, -1
	for i, r := range mantRunes {
		if isMant(r) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil, c.err("D3085")
	}
	if end < 0 {
		end = last + 1
	}
	p.prefix = string(rs[:first])
	p.suffix = string(rs[end:])
	for _, part := range []string{p.prefix, p.suffix} {
		if strings.Contains(part, f.percent) {
			p.percent = true
		}
		if strings.Contains(part, f.perMille) {
			p.perMille = true
		}
	}
	if p.percent && p.perMille {
		return nil, c.err("D3084")
	}
	mantissa := rs[first : last+1]
	if strings.Count(string(mantissa), string(dec)) > 1 {
		return nil, c.err("D3081")
	}
	intRunes, fracRunes := mantissa, []rune(nil)
	for i, r := range mantissa {
		if r == dec {
			intRunes, fracRunes = mantissa[:i], mantissa[i+1:]
			p.forceDecimal = false
			break
		}
	}
	// integer part
	pos := 0
	var seps []int
	for i := len(intRunes) - 1; i >= 0; i-- {
		r := intRunes[i]
		switch {
		case isDigit(r):
			p.minInt++
			pos++
		case r == opt:
			pos++
		case r == grp:
			seps = append(seps, pos)
		}
	}
	p.intGroups = seps
	if len(seps) > 0 {
		regular := seps[0]
		ok := regular > 0
		for i, s := range seps {
			if s != regular*(i+1) {
				ok = false
			}
		}
		if ok {
			p.regularInt = regular
		}
	}
	// fractional part
	fpos := 0
	for _, r := range fracRunes {
		switch {
		case isDigit(r):
			p.minFrac++
			p.maxFrac++
			fpos++
		case r == opt:
			p.maxFrac++
			fpos++
		case r == grp:
			p.fracGroups = append(p.fracGroups, fpos)
		}
	}
	if p.minInt == 0 && p.maxFrac == 0 {
		if p.expDigits > 0 {
			p.minFrac, p.maxFrac = 1, 1
		} else {
			p.minInt = 1
		}
	}
	return p, nil
}

var (
	smallWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensWords     = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	scaleWords    = []string{"thousand", "million", "billion", "trillion"}
	ordinalSmall  = []string{"zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"}
	ordinalTens   = []string{"", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"}
	romanNumerals = []struct {
		v int
		s string
	}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}
)

// numberWords writes n in English words as jsonata does ("one thousand,
// two hundred and three"); ordinal gives "third" forms.
func numberWords(n int, ordinal bool) string {
	var words func(n int, prefix string, ordinal bool) string
	words = func(n int, prefix string, ordinal bool) string {
		switch {
		case n < 20:
			if ordinal {
				return prefix + ordinalSmall[n]
			}
			return prefix + smallWords[n]
		case n < 100:
			t, u := n/10, n%10
			if u == 0 {
				if ordinal {
					return prefix + ordinalTens[t]
				}
				return prefix + tensWords[t]
			}
			return prefix + tensWords[t] + "-" + words(u, "", ordinal)
		case n < 1000:
			h, r := n/100, n%100
			s := prefix + smallWords[h] + " hundred"
			if r == 0 {
				if ordinal {
					return s + "th"
				}
				return s
			}
			return words(r, s+" and ", ordinal)
		}
		mag := 0
		div := 1000
		for n >= div*1000 && mag < len(scaleWords)-1 {
			div *= 1000
			mag++
		}
		hi, lo := n/div, n%div
		s := words(hi, prefix, false) + " " + scaleWords[mag]
		if lo == 0 {
			if ordinal {
				return s + "th"
			}
			return s
		}
		sep := ", "
		if lo < 100 {
			sep = " and "
		}
		return words(lo, s+sep, ordinal)
	}
	return words(n, "", ordinal)
}

func toRoman(n int) string {
	var b strings.Builder
	for _, r := range romanNumerals {
		for n >= r.v {
			b.WriteString(r.s)
			n -= r.v
		}
	}
	return b.String()
}

func toLetters(n int, base rune) string {
	var out []rune
	for n > 0 {
		n--
		out = append([]rune{base + rune(n%26)}, out...)
		n /= 26
	}
	return string(out)
}

func ordinalSuffix(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

func formatInteger(c *call, value float64, picture string) (any, error) {
	primary, modifier := picture, ""
	if i := strings.LastIndexByte(picture, ';'); i >= 0 {
		primary, modifier = picture[:i], picture[i+1:]
	}
	ordinal := strings.HasPrefix(modifier, "o")
	fl := math.Floor(value)
	if math.IsInf(fl, 0) || math.IsNaN(fl) || math.Abs(fl) >= 1e21 {
		// jsonata-js formats JavaScript's string form of such numbers
		return formatJSNumber(fl), nil
	}
	n := int(fl)
	neg := n < 0
	if neg {
		n = -n
	}
	sign := ""
	if neg {
		sign = "-"
	}
	switch primary {
	case "w":
		return sign + numberWords(n, ordinal), nil
	case "W":
		return sign + strings.ToUpper(numberWords(n, ordinal)), nil
	case "Ww":
		return sign + titleWords(numberWords(n, ordinal)), nil
	case "i":
		return sign + toRoman(n), nil
	case "I":
		return sign + strings.ToUpper(toRoman(n)), nil
	case "a":
		return sign + toLetters(n, 'a'), nil
	case "A":
		return sign + toLetters(n, 'A'), nil
	}
	// decimal digit pattern
	rs := []rune(primary)
	var zero rune = -1
	mandatory := 0
	pos := 0
	var seps []struct {
		pos int
		sep rune
	}
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		switch {
		case r == '#':
			pos++
		case isUnicodeDigit(r):
			z := r - digitValue(r)
			if zero >= 0 && z != zero {
				return nil, c.err("D3131")
			}
			zero = z
			mandatory++
			pos++
		default:
			seps = append(seps, struct {
				pos int
				sep rune
			}{pos, r})
		}
	}
	if zero < 0 {
		return nil, c.err("D3130", "value", primary)
	}
	digits := strconv.Itoa(n)
	for len(digits) < mandatory {
		digits = "0" + digits
	}
	regular := 0
	if len(seps) > 0 {
		regular = seps[0].pos
		for i, s := range seps {
			if s.pos != regular*(i+1) || s.sep != seps[0].sep {
				regular = 0
				break
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(digits); i++ {
		fromRight := len(digits) - i
		if i > 0 {
			if regular > 0 && fromRight%regular == 0 {
				b.WriteRune(seps[0].sep)
			} else if regular == 0 {
				for _, s := range seps {
					if s.pos == fromRight {
						b.WriteRune(s.sep)
					}
				}
			}
		}
		b.WriteRune(zero + rune(digits[i]-'0'))
	}
	out := b.String()
	if ordinal {
		out += ordinalSuffix(n)
	}
	return sign + out, nil
}

func titleWords(s string) string {
	parts := strings.Split(s, " ")
	for i, p := range parts {
		if p == "and" {
			continue
		}
		sub := strings.Split(p, "-")
		for j, q := range sub {
			if q != "" {
				sub[j] = strings.ToUpper(q[:1]) + q[1:]
			}
		}
		parts[i] = strings.Join(sub, "-")
	}
	return strings.Join(parts, " ")
}

func isUnicodeDigit(r rune) bool { return digitValue(r) >= 0 }

// digitValue is the decimal value of a Unicode decimal digit (Nd), or -1.
func digitValue(r rune) rune {
	if r >= '0' && r <= '9' {
		return r - '0'
	}
	for _, z := range digitZeros {
		if r >= z && r <= z+9 {
			return r - z
		}
	}
	return -1
}

// digitZeros are the zero digits of common Unicode decimal digit families.
var digitZeros = []rune{0x660, 0x6F0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xE50, 0xED0, 0xF20, 0x1040, 0xFF10,
	0x245F, // so that circled digits ①..⑨ work with zero-digit U+245F, as in jsonata's docs
}

func parseInteger(c *call, s, picture string) (any, error) {
	primary := picture
	if i := strings.LastIndexByte(picture, ';'); i >= 0 {
		primary = picture[:i]
	}
	switch primary {
	case "w", "W", "Ww", "i", "I", "a", "A":
	default:
		hasDigit := false
		for _, r := range primary {
			if isUnicodeDigit(r) {
				hasDigit = true
			}
		}
		if !hasDigit {
			return nil, c.err("D3130", "value", primary)
		}
	}
	switch primary {
	case "w", "W", "Ww":
		v, ok := wordsToNumber(strings.ToLower(s))
		if !ok {
			return Undefined, nil
		}
		return float64(v), nil
	case "i", "I":
		return float64(fromRoman(strings.ToLower(s))), nil
	case "a", "A":
		n := 0
		for _, r := range strings.ToLower(s) {
			n = n*26 + int(r-'a'+1)
		}
		return float64(n), nil
	}
	var b strings.Builder
	for _, r := range s {
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		} else if r == '-' && b.Len() == 0 {
			b.WriteRune(r)
		}
	}
	v, err := strconv.ParseFloat(b.String(), 64)
	if err != nil {
		return Undefined, nil
	}
	return v, nil
}

func fromRoman(s string) int {
	vals := map[byte]int{'i': 1, 'v': 5, 'x': 10, 'l': 50, 'c': 100, 'd': 500, 'm': 1000}
	total := 0
	for i := 0; i < len(s); i++ {
		v := vals[s[i]]
		if i+1 < len(s) && vals[s[i+1]] > v {
			total -= v
		} else {
			total += v
		}
	}
	return total
}

func wordsToNumber(s string) (int, bool) {
	values := map[string]int{}
	for i, w := range smallWords {
		values[w] = i
	}
	for i, w := range ordinalSmall {
		values[w] = i
	}
	for i, w := range tensWords {
		if w != "" {
			values[w] = i * 10
		}
	}
	for i, w := range ordinalTens {
		if w != "" {
			values[w] = i * 10
		}
	}
	s = strings.NewReplacer(",", " ", "-", " ").Replace(s)
	total, current := 0, 0
	seen := false
	for _, w := range strings.Fields(s) {
		w = strings.TrimSuffix(w, "th")
		switch w {
		case "and":
			continue
		case "hundred", "hundredth":
			current *= 100
			continue
		}
		scale := 0
		for i, sw := range scaleWords {
			if w == sw || w == strings.TrimSuffix(sw, "th") {
				scale = int(math.Pow(1000, float64(i+1)))
			}
		}
		if scale > 0 {
			total += current * scale
			current = 0
			continue
		}
		v, ok := values[w]
		if !ok {
			v, ok = values[w+"th"]
		}
		if !ok {
			return 0, false
		}
		current += v
		seen = true
	}
	return total + current, seen
}
