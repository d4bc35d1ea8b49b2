package local

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/local/dynamo"
)

// Faults injects task failures for tests and demos (sluice run --inject).
// It is safe for concurrent use.
type Faults struct {
	mu    sync.Mutex
	rules []faultRule
	// Table holds the DynamoDB faults of the embedded table store.
	Table dynamo.Faults
}

type faultRule struct {
	state    string
	attempts map[int]bool // nil: every attempt
	name     string
	cause    string
}

// ParseFaults parses --inject specifications, each one of:
//
//	task:STATE[@ATTEMPTS]=ERROR   fail the task STATE (attempts "0", "0-2", "1,3"; default all)
//	                              with the error name ERROR, e.g. task:Load@0-1=Lambda.ServiceException
//	ddb:unprocessed=RATE          return each BatchWriteItem item unprocessed with probability RATE
//	ddb:throttle=RATE             throttle DynamoDB writes with probability RATE
//	seed=N                        make the random faults repeatable
func ParseFaults(specs []string) (*Faults, error) {
	f := &Faults{}
	for _, spec := range specs {
		key, val, ok := strings.Cut(spec, "=")
		if !ok || val == "" {
			return nil, fmt.Errorf("--inject %q: want KIND=VALUE", spec)
		}
		switch {
		case strings.HasPrefix(key, "task:"):
			target := strings.TrimPrefix(key, "task:")
			state, att, hasAtt := strings.Cut(target, "@")
			if state == "" {
				return nil, fmt.Errorf("--inject %q: no state name", spec)
			}
			r := faultRule{state: state, name: val, cause: "injected by sluice --inject " + spec}
			if hasAtt {
				set, err := parseAttempts(att)
				if err != nil {
					return nil, fmt.Errorf("--inject %q: %w", spec, err)
				}
				r.attempts = set
			}
			f.rules = append(f.rules, r)
		case key == "ddb:unprocessed" || key == "ddb:throttle":
			rate, err := strconv.ParseFloat(val, 64)
			if err != nil || rate < 0 || rate > 1 {
				return nil, fmt.Errorf("--inject %q: rate must be a number from 0 to 1", spec)
			}
			if key == "ddb:unprocessed" {
				f.Table.UnprocessedRate = rate
			} else {
				f.Table.ThrottleRate = rate
			}
		case key == "seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("--inject %q: seed must be a whole number", spec)
			}
			f.Table.Seed = n
		default:
			return nil, fmt.Errorf("--inject %q: unknown kind %q (want task:STATE, ddb:unprocessed, ddb:throttle or seed)", spec, key)
		}
	}
	return f, nil
}

func parseAttempts(s string) (map[int]bool, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("bad attempt %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad attempt range %q", part)
			}
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set, nil
}

// task returns the injected error for this attempt of the Task state,
// if any (the invoker's fault hook).
func (f *Faults) task(state string, attempt int) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.state == state && (r.attempts == nil || r.attempts[attempt]) {
			return &engine.LambdaError{ErrorType: r.name, ErrorMessage: r.cause}
		}
	}
	return nil
}
