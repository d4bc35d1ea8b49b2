package jsonata

import (
	"math"
	"time"
)

func defDateTime() {
	def("now", "s?s?:s", func(c *call, a []any) (any, error) {
		ms := float64(c.ev.now.UnixMilli())
		return fromMillis(c, ms, arg(a, 0), arg(a, 1))
	})
	def("millis", ":n", func(c *call, a []any) (any, error) {
		return float64(c.ev.now.UnixMilli()), nil
	})
	def("fromMillis", "n-s?s?:s", func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		return fromMillis(c, num(a[0]), arg(a, 1), arg(a, 2))
	})
	def("toMillis", "s-s?:n", func(c *call, a []any) (any, error) {
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
	})
}

func fromMillis(c *call, ms float64, picture, tz any) (any, error) {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return Undefined, nil
	}
	t := time.UnixMilli(int64(math.Floor(ms))).UTC()
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

// isoLayouts are the ISO 8601 forms jsonata's $toMillis accepts.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
	"2006-01",
	"2006",
}

func parseISO(s string) (time.Time, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
