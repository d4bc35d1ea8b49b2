package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// dateTimeFunctions returns the date/time functions; the pictures of $fromMillis
// and $toMillis are in picture.go..
func dateTimeFunctions() []builtinDef {
	return []builtinDef{
		{"now", "s?s?:s", fnNow},
		{"millis", ":n", fnMillis},
		{"fromMillis", "n-s?s?:s", fnFromMillis},
		{"toMillis", "s-s?:n", fnToMillis},
	}
}

// fnNow is $now.
func fnNow(c *call, a []any) (any, error) {
	ms := float64(c.ev.now.UnixMilli())
	return fromMillis(c, ms, arg(a, 0), arg(a, 1))
}

// fnMillis is $millis.
func fnMillis(c *call, a []any) (any, error) {
	return float64(c.ev.now.UnixMilli()), nil
}

// fnFromMillis is $fromMillis.
func fnFromMillis(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	return fromMillis(c, num(a[0]), arg(a, 1), arg(a, 2))
}

// fnToMillis is $toMillis.
func fnToMillis(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	s := str(a[0])
	if pic, ok := arg(a, 1).(string); ok {
		return parseWithPicture(c, s, pic)
	}
	t, ok := parseISO(s)
	if !ok {
		return nil, c.err("D3110", "value", s)
	}
	return float64(t.UnixMilli()), nil
}

func fromMillis(c *call, ms float64, picture, tz any) (any, error) {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return Undefined, nil
	}
	t := time.UnixMilli(int64(math.Trunc(ms))).UTC() // JavaScript's Date truncates
	pic, hasPic := picture.(string)
	tzs, hasTZ := tz.(string)
	if !hasPic && !hasTZ {
		return t.Format("2006-01-02T15:04:05.000Z"), nil
	}
	if !hasPic {
		pic = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"
	}
	return formatDateTime(c, t, pic, tzs)
}

// isoTimestamp is the ISO 8601 form $toMillis accepts without a picture.
var isoTimestamp = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?)?)?)?$`)
})

// parseISO reads an ISO 8601 timestamp as JavaScript's Date.parse does:
// out-of-range fields are invalid, but a day past the end of a short month
// rolls over (2023-02-30 is 2 March). A time without a zone is UTC.
func parseISO(s string) (time.Time, bool) {
	m := isoTimestamp().FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	year, month, day := num(1, 0), num(2, 1), num(3, 1)
	hour, minute, sec := num(4, 0), num(5, 0), num(6, 0)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || sec > 59 ||
		(hour == 24 && (minute != 0 || sec != 0)) {
		return time.Time{}, false
	}
	ns := 0
	if f := m[7]; f != "" {
		for len(f) < 9 {
			f += "0"
		}
		ns, _ = strconv.Atoi(f[:9])
		ns = ns / 1e6 * 1e6 // JavaScript dates hold milliseconds
	}
	off := 0
	if z := m[8]; z != "" && z != "Z" {
		o, ok := parseTZ(z)
		if !ok {
			return time.Time{}, false
		}
		off = o
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ns, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}
