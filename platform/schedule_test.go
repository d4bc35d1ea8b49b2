package platform

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    Schedule
		wantErr string
	}{
		{in: "rate(1 hour)", want: Schedule{Rate: time.Hour}},
		{in: "rate(15 minutes)", want: Schedule{Rate: 15 * time.Minute}},
		{in: "rate(1 minute)", want: Schedule{Rate: time.Minute}},
		{in: "rate(2 days)", want: Schedule{Rate: 48 * time.Hour}},
		{in: "cron(0 * * * ? *)", want: Schedule{Cron: []string{"0", "*", "*", "*", "?", "*"}}},
		{in: "cron(15 10 ? * MON-FRI *)", want: Schedule{Cron: []string{"15", "10", "?", "*", "MON-FRI", "*"}}},
		{in: "cron(0/10 8-17 L JAN,JUL ? 2026-2030)", want: Schedule{Cron: []string{"0/10", "8-17", "L", "JAN,JUL", "?", "2026-2030"}}},
		{in: "rate(1 hours)", wantErr: "singular"},
		{in: "rate(5 hour)", wantErr: "plural"},
		{in: "rate(0 minutes)", wantErr: "positive integer"},
		{in: "rate(05 minutes)", wantErr: "positive integer"},
		{in: "rate(-5 minutes)", wantErr: "positive integer"},
		{in: "rate(5 seconds)", wantErr: "unit"},
		{in: "rate(5  minutes)", wantErr: "rate(value unit)"},
		{in: "rate(hour)", wantErr: "rate(value unit)"},
		{in: "rate(99999999 days)", wantErr: "century"},
		{in: "cron(0 * * * *)", wantErr: "5 fields"},
		{in: "cron(0 * * * * *)", wantErr: "exactly one"},
		{in: "cron(0 * ? * ? *)", wantErr: "exactly one"},
		{in: "cron(0 25h * * ? *)", wantErr: "hours"},
		{in: "every hour", wantErr: "neither"},
		{in: "rate(1 hour", wantErr: "neither"},
		{in: "", wantErr: "neither"},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want one mentioning %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
		if got.String() != tt.in {
			t.Errorf("%q: String() = %q", tt.in, got.String())
		}
	}
	if s, _ := ParseSchedule("rate(60 minutes)"); s.String() != "rate(1 hour)" {
		t.Errorf("rate(60 minutes) prints as %q, want rate(1 hour)", s.String())
	}
}

// FuzzParseSchedule: no input panics, and what parses prints as an
// expression that parses to the same schedule.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"rate(1 hour)", "rate(15 minutes)", "rate(7 days)", "cron(0 * * * ? *)", "cron(15 10 ? * MON-FRI *)", "cron(0/5  8-17 L * ? 2026)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSchedule(s)
		if err != nil {
			return
		}
		again, err := ParseSchedule(got.String())
		if err != nil {
			t.Fatalf("%q parses, its form %q does not: %v", s, got.String(), err)
		}
		if !cmp.Equal(got, again) {
			t.Errorf("%q: %v, then %v", s, got, again)
		}
	})
}
