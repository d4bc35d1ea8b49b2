package jsonata

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A date/time picture (XPath F&O 9.8.4, as jsonata implements it) is
// literal text with [component] markers such as [Y0001]-[M01]-[D01].

type dtComponent struct {
	literal  string // for literal parts
	spec     byte   // Y M D d F W w X x H h P m s f Z z C E
	pres     string // presentation, e.g. "0001", "Nn", "I", "w"
	ordinal  bool
	tzFlag   bool // 't' modifier on Z
	minWidth int
	maxWidth int // -1: unbounded
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func parseDTPicture(c *call, pic string) ([]dtComponent, error) {
	var out []dtComponent
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, dtComponent{literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pic); i++ {
		ch := pic[i]
		if ch == '[' {
			if i+1 < len(pic) && pic[i+1] == '[' {
				lit.WriteByte('[')
				i++
				continue
			}
			end := strings.IndexByte(pic[i:], ']')
			if end < 0 {
				return nil, c.err("D3135")
			}
			flush()
			body := strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, pic[i+1:i+end])
			comp, err := parseMarker(c, body)
			if err != nil {
				return nil, err
			}
			out = append(out, comp)
			i += end
			continue
		}
		if ch == ']' && i+1 < len(pic) && pic[i+1] == ']' {
			i++
		}
		lit.WriteByte(ch)
	}
	flush()
	return out, nil
}

func parseMarker(c *call, body string) (dtComponent, error) {
	comp := dtComponent{minWidth: -1, maxWidth: -1}
	if body == "" {
		return comp, c.err("D3132", "value", body)
	}
	comp.spec = body[0]
	if strings.IndexByte("YMDdFWwXxHhPmsfZzCE", comp.spec) < 0 {
		return comp, c.err("D3132", "value", string(comp.spec))
	}
	rest := body[1:]
	if i := strings.LastIndexByte(rest, ','); i >= 0 {
		w := rest[i+1:]
		rest = rest[:i]
		lo, hi, hasHi := strings.Cut(w, "-")
		if lo != "*" && lo != "" {
			comp.minWidth, _ = strconv.Atoi(lo)
		}
		if !hasHi && comp.spec == 'Y' {
			hi = lo // [Y,2] is a two-digit year
		}
		if hi != "" && hi != "*" {
			comp.maxWidth, _ = strconv.Atoi(hi)
		}
	}
	if strings.HasSuffix(rest, "o") && len(rest) > 1 {
		comp.ordinal = true
		rest = rest[:len(rest)-1]
	} else if rest == "o" {
		comp.ordinal = true
		rest = ""
	}
	if strings.HasSuffix(rest, "t") {
		comp.tzFlag = true
		rest = rest[:len(rest)-1]
	}
	if strings.HasSuffix(rest, "c") || strings.HasSuffix(rest, "a") && len(rest) > 1 {
		rest = rest[:len(rest)-1]
	}
	comp.pres = rest
	if comp.pres == "" {
		switch comp.spec {
		case 'F', 'P', 'C', 'E':
			comp.pres = "n"
		case 'm', 's':
			comp.pres = "01"
		case 'Z', 'z':
			comp.pres = "01:01"
		default:
			comp.pres = "1"
		}
	}
	if strings.HasPrefix(comp.pres, "N") || strings.HasPrefix(comp.pres, "n") {
		switch comp.spec {
		case 'M', 'F', 'P', 'C', 'E', 'x':
		default:
			return comp, c.err("D3133", "value", string(comp.spec))
		}
	}
	return comp, nil
}

// parseTZ parses "±HHMM" (or "±HH:MM") into an offset in seconds.
func parseTZ(tz string) (int, bool) {
	if tz == "" {
		return 0, true
	}
	s := strings.ReplaceAll(tz, ":", "")
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil {
		return 0, false
	}
	h, m := n/100, n%100
	if len(s) <= 3 {
		h, m = n, 0
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

func formatDateTime(c *call, t time.Time, pic, tz string) (any, error) {
	off, ok := parseTZ(tz)
	if !ok {
		off = 0
	}
	t = t.In(time.FixedZone("", off))
	comps, err := parseDTPicture(c, pic)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, comp := range comps {
		if comp.spec == 0 {
			b.WriteString(comp.literal)
			continue
		}
		b.WriteString(formatComponent(t, comp, off))
	}
	return b.String(), nil
}

func formatComponent(t time.Time, comp dtComponent, off int) string {
	var v int
	switch comp.spec {
	case 'Y':
		v = t.Year()
	case 'M':
		v = int(t.Month())
	case 'D':
		v = t.Day()
	case 'd':
		v = t.YearDay()
	case 'F':
		v = (int(t.Weekday())+6)%7 + 1
	case 'W':
		_, v = t.ISOWeek()
	case 'X':
		v, _ = t.ISOWeek()
	case 'w':
		v = weekOfMonth(t)
	case 'x':
		v = int(t.Month())
	case 'H':
		v = t.Hour()
	case 'h':
		v = t.Hour() % 12
		if v == 0 {
			v = 12
		}
	case 'P':
		s := "am"
		if t.Hour() >= 12 {
			s = "pm"
		}
		if comp.pres == "N" {
			s = strings.ToUpper(s)
		}
		return s
	case 'm':
		v = t.Minute()
	case 's':
		v = t.Second()
	case 'f':
		ms := t.Nanosecond() / 1e6
		digits := comp.pres
		if isDigitPattern(digits) {
			n := 0
			for _, r := range digits {
				if r != '#' && r != ',' {
					n++
				}
			}
			if comp.minWidth > n {
				n = comp.minWidth
			}
			s := strconv.Itoa(ms)
			for len(s) < 3 {
				s = "0" + s
			}
			for len(s) < n {
				s += "0"
			}
			if n < 3 {
				s = s[:n]
			}
			if comp.maxWidth > 0 && len(s) > comp.maxWidth {
				s = s[:comp.maxWidth]
			}
			return s
		}
		v = ms
	case 'Z', 'z':
		return formatOffset(comp, off)
	case 'C':
		return "ISO"
	case 'E':
		return "AD"
	}
	switch {
	case strings.HasPrefix(comp.pres, "N") || strings.HasPrefix(comp.pres, "n"):
		var name string
		switch comp.spec {
		case 'M', 'x':
			name = monthNames[v-1]
		case 'F':
			name = dayNames[v-1]
		}
		if comp.maxWidth > 0 && utf8.RuneCountInString(name) > comp.maxWidth {
			name = string([]rune(name)[:comp.maxWidth])
		}
		switch comp.pres {
		case "N":
			return strings.ToUpper(name)
		case "n":
			return strings.ToLower(name)
		}
		return name
	case comp.pres == "I":
		return strings.ToUpper(toRoman(v))
	case comp.pres == "i":
		return toRoman(v)
	case comp.pres == "W":
		return strings.ToUpper(numberWords(v, comp.ordinal))
	case comp.pres == "w":
		return numberWords(v, comp.ordinal)
	case comp.pres == "Ww":
		return titleWords(numberWords(v, comp.ordinal))
	case comp.pres == "A":
		return toLetters(v, 'A')
	case comp.pres == "a":
		return toLetters(v, 'a')
	}
	// decimal digit pattern
	mandatory := 0
	for _, r := range comp.pres {
		if isUnicodeDigit(r) {
			mandatory++
		}
	}
	if comp.minWidth > mandatory {
		mandatory = comp.minWidth
	}
	s := strconv.Itoa(v)
	if comp.spec == 'Y' && comp.maxWidth > 0 && len(s) > comp.maxWidth {
		s = s[len(s)-comp.maxWidth:]
	} else if comp.spec == 'Y' && mandatory == 2 && comp.minWidth < 0 && len(comp.pres) == 2 {
		s = s[len(s)-2:]
	}
	for len(s) < mandatory {
		s = "0" + s
	}
	if comp.ordinal {
		s += ordinalSuffix(v)
	}
	return s
}

func isDigitPattern(p string) bool {
	for _, r := range p {
		if !isUnicodeDigit(r) && r != '#' {
			return false
		}
	}
	return p != ""
}

func weekOfMonth(t time.Time) int {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	wd := (int(first.Weekday()) + 6) % 7 // Monday = 0
	return (t.Day()+wd-1)/7 + 1
}

func formatOffset(comp dtComponent, off int) string {
	if comp.tzFlag && off == 0 {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	h, m := off/3600, off%3600/60
	pres := comp.pres
	var s string
	switch {
	case strings.Contains(pres, ":"):
		hp, _, _ := strings.Cut(pres, ":")
		hs := strconv.Itoa(h)
		for len(hs) < len(hp) {
			hs = "0" + hs
		}
		s = sign + hs + ":" + pad2(m)
	case len(pres) >= 3:
		s = sign + pad2(h) + pad2(m)
	default:
		hs := strconv.Itoa(h)
		for len(hs) < len(pres) {
			hs = "0" + hs
		}
		s = sign + hs
		if m != 0 {
			s += ":" + pad2(m)
		}
	}
	if comp.spec == 'z' {
		return "GMT" + s
	}
	return s
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// parseWithPicture is $toMillis with a picture: numeric components and
// month/day names are read back; missing parts default as in jsonata
// (year, month and day are required unless day-of-year is given).
func parseWithPicture(c *call, s, pic string) (any, error) {
	comps, err := parseDTPicture(c, pic)
	if err != nil {
		return nil, err
	}
	hasDatePart := false
	for _, comp := range comps {
		if comp.spec != 0 && strings.IndexByte("YMDdHhmsf", comp.spec) >= 0 {
			hasDatePart = true
		}
	}
	if !hasDatePart {
		return Undefined, nil
	}
	r := &pictureReader{s: s, vals: map[byte]int{}, pm: -1}
	for i, comp := range comps {
		adjacent := i+1 < len(comps) && comps[i+1].spec != 0
		if !r.read(comp, adjacent) {
			return Undefined, nil
		}
	}
	if r.pos != len(s) {
		return Undefined, nil
	}
	ms := r.millis()
	if math.IsNaN(ms) {
		return Undefined, nil
	}
	return ms, nil
}

// pictureReader reads a timestamp component by component for
// parseWithPicture.
type pictureReader struct {
	s    string
	pos  int          // bytes of s read so far
	vals map[byte]int // the numeric value read for each component
	pm   int          // 1 after "pm", 0 after "am", -1 if neither was read
	off  int          // the time-zone offset read, in seconds
}

// read reads one component at r.pos and reports whether it matched.
// adjacent says the next component follows with no literal between.
func (r *pictureReader) read(comp dtComponent, adjacent bool) bool {
	switch {
	case comp.spec == 0:
		if !strings.HasPrefix(r.s[r.pos:], comp.literal) {
			return false
		}
		r.pos += len(comp.literal)
		return true
	case comp.spec == 'P':
		low := strings.ToLower(r.s[r.pos:])
		if strings.HasPrefix(low, "am") {
			r.pm = 0
		} else if strings.HasPrefix(low, "pm") {
			r.pm = 1
		} else {
			return false
		}
		r.pos += 2
		return true
	case comp.spec == 'Z' || comp.spec == 'z':
		return r.readZone(comp.spec)
	case strings.HasPrefix(comp.pres, "N") || strings.HasPrefix(comp.pres, "n"):
		return r.readName(comp)
	}
	return r.readDigits(comp, adjacent)
}

// readZone reads a time-zone offset ("Z", "+01:00", "-0530"; after "GMT"
// for z).
func (r *pictureReader) readZone(spec byte) bool {
	rest := r.s[r.pos:]
	if spec == 'z' {
		rest = strings.TrimPrefix(rest, "GMT")
		r.pos += len(r.s[r.pos:]) - len(rest)
	}
	if strings.HasPrefix(rest, "Z") {
		r.pos++
		return true
	}
	j := 0
	for j < len(rest) && (j == 0 && (rest[j] == '+' || rest[j] == '-') || rest[j] >= '0' && rest[j] <= '9' || rest[j] == ':') {
		j++
	}
	o, ok := parseTZ(rest[:j])
	if !ok {
		return false
	}
	r.off = o
	r.pos += j
	return true
}

// readName reads a month or day name, in full or cut to the component's
// maximum width.
func (r *pictureReader) readName(comp dtComponent) bool {
	names := monthNames
	if comp.spec == 'F' {
		names = dayNames
	}
	low := strings.ToLower(r.s[r.pos:])
	for k, n := range names {
		full := strings.ToLower(n)
		short := full
		if comp.maxWidth > 0 && comp.maxWidth < len(full) {
			short = full[:comp.maxWidth]
		}
		for _, form := range [2]string{full, short} {
			if strings.HasPrefix(low, form) {
				r.vals[comp.spec] = k + 1
				r.pos += len(form)
				return true
			}
		}
	}
	return false
}

// readDigits reads a number: the pattern's width when the next component
// is adjacent, else as many digits as there are. Fractional seconds are
// scaled to milliseconds.
func (r *pictureReader) readDigits(comp dtComponent, adjacent bool) bool {
	j := r.pos
	limit := len(r.s)
	if adjacent {
		w := 0
		for _, c := range comp.pres {
			if isUnicodeDigit(c) || c == '#' {
				w++
			}
		}
		if w > 0 {
			limit = min(len(r.s), r.pos+w)
		}
	}
	for j < limit && r.s[j] >= '0' && r.s[j] <= '9' {
		j++
	}
	if j == r.pos {
		return false
	}
	n, _ := strconv.Atoi(r.s[r.pos:j])
	if comp.spec == 'f' {
		for k := j - r.pos; k < 3; k++ {
			n *= 10
		}
		for k := j - r.pos; k > 3; k-- {
			n /= 10
		}
	}
	r.vals[comp.spec] = n
	r.pos = j
	return true
}

// millis is the time read, in milliseconds since the epoch; missing parts
// default as in jsonata (this year, January, the 1st, midnight).
func (r *pictureReader) millis() float64 {
	vals := r.vals
	year, hasY := vals['Y']
	if !hasY {
		year = time.Now().UTC().Year()
	}
	month, day := 1, 1
	if v, ok := vals['M']; ok {
		month = v
	}
	if v, ok := vals['D']; ok {
		day = v
	}
	hour := vals['H']
	if v, ok := vals['h']; ok {
		hour = v % 12
		if r.pm == 1 {
			hour += 12
		}
	}
	t := time.Date(year, time.Month(month), day, hour, vals['m'], vals['s'], vals['f']*1e6, time.UTC)
	if d, ok := vals['d']; ok {
		t = time.Date(year, 1, 1, hour, vals['m'], vals['s'], vals['f']*1e6, time.UTC).AddDate(0, 0, d-1)
	}
	return float64(t.UnixMilli()) - float64(r.off)*1000
}
