package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/engine"
)

// ConfigFile is AWS Step Functions Local's MockConfigFile.
type ConfigFile struct {
	// StateMachines maps a state machine name to its test cases.
	StateMachines map[string]struct {
		// TestCases maps a test case name to {state name: mocked response name}.
		TestCases map[string]map[string]string `json:"TestCases"`
	} `json:"StateMachines"`
	// MockedResponses maps a response name to {attempt range: response}.
	MockedResponses map[string]map[string]Response `json:"MockedResponses"`
}

// Response is one mocked response: Return or Throw.
type Response struct {
	// Return is the raw task result.
	Return json.RawMessage `json:"Return,omitempty"`
	// Throw fails the task.
	Throw *struct {
		Error string  `json:"Error"`
		Cause *string `json:"Cause"`
	} `json:"Throw,omitempty"`
}

// ParseConfig decodes a MockConfigFile.
func ParseConfig(b []byte) (*ConfigFile, error) {
	var c ConfigFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("mock: config: %w", err)
	}
	return &c, nil
}

// Config answers Task states from one test case of a MockConfigFile. The
// n-th invocation of a state (0-based, retries included) takes the
// response whose attempt range ("0", "1-2") contains n.
type Config struct {
	mu       sync.Mutex
	states   map[string][]attemptRange
	attempts map[string]int
}

type attemptRange struct {
	lo, hi int
	resp   Response
	ret    any
}

// NewConfig selects machine's test case testCase from c.
func NewConfig(c *ConfigFile, machine, testCase string) (*Config, error) {
	sm, ok := c.StateMachines[machine]
	if !ok {
		if len(c.StateMachines) == 1 && machine == "" {
			for _, v := range c.StateMachines {
				sm = v
			}
		} else {
			return nil, fmt.Errorf("mock: config: no state machine %q", machine)
		}
	}
	tc, ok := sm.TestCases[testCase]
	if !ok {
		return nil, fmt.Errorf("mock: config: no test case %q", testCase)
	}
	out := &Config{states: map[string][]attemptRange{}, attempts: map[string]int{}}
	for state, respName := range tc {
		resps, ok := c.MockedResponses[respName]
		if !ok {
			return nil, fmt.Errorf("mock: config: test case %q: no mocked response %q", testCase, respName)
		}
		for key, r := range resps {
			lo, hi, err := parseRange(key)
			if err != nil {
				return nil, fmt.Errorf("mock: config: response %q: %w", respName, err)
			}
			ar := attemptRange{lo: lo, hi: hi, resp: r}
			if r.Throw == nil {
				raw := r.Return
				if len(raw) == 0 {
					raw = json.RawMessage("null")
				}
				if ar.ret, err = engine.DecodeJSON(raw); err != nil {
					return nil, fmt.Errorf("mock: config: response %q: %w", respName, err)
				}
			}
			out.states[state] = append(out.states[state], ar)
		}
		sort.Slice(out.states[state], func(i, j int) bool { return out.states[state][i].lo < out.states[state][j].lo })
	}
	return out, nil
}

// parseRange parses "3" or "1-2".
func parseRange(s string) (int, int, error) {
	lo, hi, found := strings.Cut(s, "-")
	a, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return 0, 0, fmt.Errorf("bad attempt range %q", s)
	}
	if !found {
		return a, a, nil
	}
	b, err := strconv.Atoi(strings.TrimSpace(hi))
	if err != nil || b < a {
		return 0, 0, fmt.Errorf("bad attempt range %q", s)
	}
	return a, b, nil
}

// Invoke answers the state's next invocation.
func (c *Config) Invoke(_ context.Context, req engine.TaskRequest) (any, error) {
	c.mu.Lock()
	n := c.attempts[req.State]
	c.attempts[req.State] = n + 1
	ranges := c.states[req.State]
	c.mu.Unlock()
	if ranges == nil {
		return nil, &engine.TaskError{Name: "States.TaskFailed", Cause: fmt.Sprintf("mock: no mocked response for state %q", req.State)}
	}
	for _, r := range ranges {
		if n >= r.lo && n <= r.hi {
			if t := r.resp.Throw; t != nil {
				te := &engine.TaskError{Name: t.Error, NoCause: t.Cause == nil}
				if t.Cause != nil {
					te.Cause = *t.Cause
				}
				return nil, te
			}
			return r.ret, nil
		}
	}
	return nil, &engine.TaskError{Name: "States.TaskFailed", Cause: fmt.Sprintf("mock: no mocked response for attempt %d of state %q", n, req.State)}
}
