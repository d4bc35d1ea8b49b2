package cost

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ScheduleInterval is the mean time between two runs of an EventBridge
// schedule expression, as scheduleRuns counts them over a billing month,
// to the second: rate(5 minutes) is 5m, cron(0/15 * * * ? *) 15m,
// cron(0 9 ? * MON-FRI *) 33h36m (a week over its five runs). `sluice
// dev` runs its batches this often by default.
func ScheduleInterval(expr string) (time.Duration, error) {
	runs, err := scheduleRuns(expr)
	if err != nil {
		return 0, err
	}
	if runs <= 0 {
		return 0, fmt.Errorf("%q: never runs", expr)
	}
	d := time.Duration(HoursPerMonth * float64(time.Hour) / runs)
	return d.Round(time.Second), nil
}

// scheduleRuns is how often an EventBridge schedule expression fires in a
// billing month (HoursPerMonth): rate(N unit) exactly; cron(minutes hours
// day-of-month month day-of-week year) by counting the minutes and hours
// its first two fields match, on the share of days its day fields match
// (a day-of-week list as its days of seven, a day-of-month list as its
// days of 30.42, the months as their share of twelve). L, W and # are
// counted as one day a month. It does not check what EventBridge checks
// (platform.ParseSchedule does); an expression it cannot read is an error.
func scheduleRuns(expr string) (float64, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[len("rate(") : len(expr)-1])
		if len(f) != 2 {
			return 0, fmt.Errorf("%q: want rate(value unit)", expr)
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%q: value %q is not a positive integer", expr, f[0])
		}
		minutes := map[string]float64{"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[f[1]]
		if minutes == 0 {
			return 0, fmt.Errorf("%q: unit %q is not minute(s), hour(s) or day(s)", expr, f[1])
		}
		return HoursPerMonth * 60 / (minutes * float64(n)), nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[len("cron(") : len(expr)-1])
		if len(f) != 6 {
			return 0, fmt.Errorf("%q: want cron(minutes hours day-of-month month day-of-week year)", expr)
		}
		minutes, err := cronCount(f[0], 0, 59, nil)
		if err != nil {
			return 0, fmt.Errorf("%q: minutes: %w", expr, err)
		}
		hours, err := cronCount(f[1], 0, 23, nil)
		if err != nil {
			return 0, fmt.Errorf("%q: hours: %w", expr, err)
		}
		days := 1.0 // share of days the day fields match
		switch dom := f[2]; {
		case dom == "*" || dom == "?":
		case strings.ContainsAny(dom, "LW"):
			days = 1 / DaysPerMonth
		default:
			n, err := cronCount(dom, 1, 31, nil)
			if err != nil {
				return 0, fmt.Errorf("%q: day-of-month: %w", expr, err)
			}
			days = float64(n) / DaysPerMonth
		}
		switch dow := strings.ToUpper(f[4]); {
		case dow == "*" || dow == "?":
		case strings.ContainsAny(dow, "L#"):
			days = 1 / DaysPerMonth
		default:
			n, err := cronCount(dow, 1, 7, weekdays)
			if err != nil {
				return 0, fmt.Errorf("%q: day-of-week: %w", expr, err)
			}
			days *= float64(n) / 7
		}
		months, err := cronCount(strings.ToUpper(f[3]), 1, 12, monthNames)
		if err != nil {
			return 0, fmt.Errorf("%q: month: %w", expr, err)
		}
		return float64(minutes*hours) * days * DaysPerMonth * float64(months) / 12, nil
	}
	return 0, fmt.Errorf("%q is neither rate(value unit) nor cron(six fields)", expr)
}

var (
	weekdays   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
)

// cronCount counts the values in [lo, hi] a cron field matches: *, a
// value, a range a-b, a step x/n or a-b/n (x may be *), and lists of
// them; names maps the field's names (MON, JAN) to values.
func cronCount(field string, lo, hi int, names map[string]int) (int, error) {
	val := func(s string) (int, error) {
		if v, ok := names[s]; ok {
			return v, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
		}
		return v, nil
	}
	matched := map[int]bool{}
	for part := range strings.SplitSeq(field, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("step %q is not a positive integer", stepText)
			}
			step = n
		}
		from, to := lo, hi
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
		case isRange:
			var err error
			if from, err = val(a); err != nil {
				return 0, err
			}
			if to, err = val(b); err != nil {
				return 0, err
			}
		default:
			v, err := val(rng)
			if err != nil {
				return 0, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		if from > to {
			return 0, fmt.Errorf("range %q runs backwards", rng)
		}
		for v := from; v <= to; v += step {
			matched[v] = true
		}
	}
	return len(matched), nil
}
