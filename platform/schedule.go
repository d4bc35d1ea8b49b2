package platform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is an EventBridge schedule expression, checked: rate(value
// unit) or cron(six fields), as
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// defines them.
type Schedule struct {
	// Rate is the interval of a rate expression; zero for cron.
	Rate time.Duration
	// Cron holds the six fields of a cron expression (minutes, hours,
	// day-of-month, month, day-of-week, year).
	Cron []string
}

// cronFields are the characters each cron field may hold: digits, the
// wildcards the documentation lists for it, and letters for the month and
// day-of-week names (JAN-DEC, SUN-SAT) and L and W.
var cronFields = []struct{ name, chars string }{
	{"minutes", "0123456789,-*/"},
	{"hours", "0123456789,-*/"},
	{"day-of-month", "0123456789,-*?/LW"},
	{"month", "0123456789,-*/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
	{"day-of-week", "0123456789,-*?/L#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
	{"year", "0123456789,-*/"},
}

// maxScheduleLen bounds an expression (EventBridge's ScheduleExpression
// takes at most 256 characters).
const maxScheduleLen = 256

// ParseSchedule checks an EventBridge schedule expression:
//
//   - rate(value unit): value a positive integer, unit minute, hour or day,
//     singular for 1 and plural otherwise (rate(1 hour), rate(5 minutes));
//   - cron(minutes hours day-of-month month day-of-week year): six fields of
//     the characters each allows, one of day-of-month and day-of-week "?".
//
// Field ranges and combinations beyond that are left to EventBridge, which
// refuses a wrong one when the rule is created.
func ParseSchedule(s string) (Schedule, error) {
	if len(s) > maxScheduleLen {
		return Schedule{}, fmt.Errorf("schedule expression longer than %d characters", maxScheduleLen)
	}
	switch {
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		return parseRate(s[len("rate(") : len(s)-1])
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		return parseCron(s[len("cron(") : len(s)-1])
	}
	return Schedule{}, fmt.Errorf("%q is neither rate(value unit) nor cron(six fields)", s)
}

func parseRate(body string) (Schedule, error) {
	value, unit, ok := strings.Cut(body, " ")
	if !ok || value == "" || strings.ContainsAny(unit, " \t") {
		return Schedule{}, fmt.Errorf("rate(%s): want rate(value unit)", body)
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || value[0] == '0' || value[0] == '+' {
		return Schedule{}, fmt.Errorf("rate(%s): %q is not a positive integer", body, value)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	base := strings.TrimSuffix(unit, "s")
	per, known := units[base]
	switch {
	case !known:
		return Schedule{}, fmt.Errorf("rate(%s): unit %q is not minute(s), hour(s) or day(s)", body, unit)
	case n == 1 && unit != base:
		return Schedule{}, fmt.Errorf("rate(%s): a value of 1 takes the singular %q", body, base)
	case n > 1 && unit == base:
		return Schedule{}, fmt.Errorf("rate(%s): a value above 1 takes the plural %q", body, base+"s")
	case int64(n) > int64(100*365*24*time.Hour/per):
		return Schedule{}, fmt.Errorf("rate(%s): more than a century", body)
	}
	return Schedule{Rate: time.Duration(n) * per}, nil
}

func parseCron(body string) (Schedule, error) {
	fields := strings.Fields(body)
	if len(fields) != len(cronFields) {
		return Schedule{}, fmt.Errorf("cron(%s): %d fields, want 6 (minutes hours day-of-month month day-of-week year)", body, len(fields))
	}
	for i, f := range fields {
		if strings.Trim(f, cronFields[i].chars) != "" {
			return Schedule{}, fmt.Errorf("cron(%s): %s field %q has characters it cannot hold", body, cronFields[i].name, f)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return Schedule{}, errors.New("cron(" + body + "): exactly one of day-of-month and day-of-week must be ?")
	}
	return Schedule{Cron: fields}, nil
}

// String returns the expression in EventBridge's form.
func (s Schedule) String() string {
	if len(s.Cron) > 0 {
		return "cron(" + strings.Join(s.Cron, " ") + ")"
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}} {
		if s.Rate >= u.d && s.Rate%u.d == 0 {
			n := int64(s.Rate / u.d)
			if n == 1 {
				return "rate(1 " + u.name + ")"
			}
			return "rate(" + strconv.FormatInt(n, 10) + " " + u.name + "s)"
		}
	}
	return ""
}
