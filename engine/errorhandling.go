package engine

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

// attemptFunc runs one attempt of a Task, Parallel or Map state and returns
// its result before ResultSelector.
type attemptFunc func(ev *evalEnv, input any) (result any, err error)

// runHandled runs a state with Retry and Catch.
func (t *thread) runHandled(ev *evalEnv, input any, attempt attemptFunc) (any, string, error) {
	n := ev.n
	counts := make([]int, len(n.retry))
	for {
		result, err := attempt(ev, input)
		if err == nil {
			out, err := t.processResult(ev, input, result)
			return out, n.transition(), err
		}
		if ctxErr := t.ctx.Err(); ctxErr != nil {
			return nil, "", ctxErr
		}
		fin := ev.finish(err)
		se, ok := fin.(*StateError)
		if !ok {
			return nil, "", fin
		}
		if !catchable(se.Name) {
			return nil, "", se
		}
		if t.childTimedOut() {
			return nil, "", errChildTimedOut
		}
		if i := matchRetrier(n.retry, se.Name); i >= 0 && counts[i] < n.retry[i].maxAttempts {
			r := n.retry[i]
			delay := r.interval * math.Pow(r.backoff, float64(counts[i]))
			if r.hasMaxDelay && delay > r.maxDelay {
				delay = r.maxDelay
			}
			if r.jitter {
				delay *= t.x.random()
			}
			counts[i]++
			ev.retryCount++
			ev.ctxObj = nil
			if err := t.sleep(time.Duration(delay * float64(time.Second))); err != nil {
				return nil, "", err
			}
			continue
		}
		if c := matchCatcher(n.catch, se.Name); c != nil {
			out, err := t.caught(ev, input, c, se)
			return out, c.next, err
		}
		return nil, "", se
	}
}

// catchable reports whether Retry and Catch may handle an error: AWS never
// lets them handle States.Runtime.
func catchable(name asl.ErrorName) bool {
	return name != statesRuntime
}

// errorMatches reports whether an ErrorEquals list matches name.
func errorMatches(list []string, name asl.ErrorName) bool {
	for _, e := range list {
		switch {
		case e == string(name):
			return true
		case e == string(asl.StatesALL):
			return true
		case e == string(asl.StatesTaskFailed) && name != asl.StatesTimeout:
			// States.TaskFailed matches any error but States.Timeout.
			return true
		}
	}
	return false
}

// matchRetrier returns the index of the first Retrier matching name, or -1.
func matchRetrier(rs []*retrier, name asl.ErrorName) int {
	for i, r := range rs {
		if errorMatches(r.errors, name) {
			return i
		}
	}
	return -1
}

// matchCatcher returns the first Catcher matching name, or nil.
func matchCatcher(cs []*catcher, name asl.ErrorName) *catcher {
	for _, c := range cs {
		if errorMatches(c.errors, name) {
			return c
		}
	}
	return nil
}

// caught builds the output of a state whose error a Catcher took.
func (t *thread) caught(ev *evalEnv, input any, c *catcher, se *StateError) (any, error) {
	errOut := se.errorOutput()
	if ev.n.jsonata {
		ev.hasResult, ev.result = false, nil
		ev.hasErrorOutput, ev.errorOutput = true, errOut
		return ev.finishJSONata(c.output, c.assign, errOut)
	}
	vars, err := ev.evalAssign(c.assign, errOut)
	if err != nil {
		return nil, err
	}
	rp := c.resultPath
	out, err := ev.applyResultPath(rp, input, errOut)
	if err != nil {
		return nil, err
	}
	ev.setVars(vars)
	return out, nil
}

// retrier is a planned Retrier with the ASL defaults filled in.
type retrier struct {
	errors      []string
	interval    float64
	maxAttempts int
	backoff     float64
	maxDelay    float64
	hasMaxDelay bool
	jitter      bool
}

// catcher is a planned Catcher.
type catcher struct {
	errors     []string
	resultPath *ioPath
	output     tmpl
	assign     tmpl
	next       string
}

// planRetry plans a Retry list (IntervalSeconds 1, MaxAttempts 3,
// BackoffRate 2 by default).
func planRetry(rs []asl.Retrier) ([]*retrier, error) {
	var out []*retrier
	for _, r := range rs {
		pr := &retrier{interval: 1, maxAttempts: 3, backoff: 2}
		for _, e := range r.ErrorEquals {
			pr.errors = append(pr.errors, string(e))
		}
		if r.IntervalSeconds != nil {
			pr.interval = float64(*r.IntervalSeconds)
		}
		if r.MaxAttempts != nil {
			pr.maxAttempts = int(*r.MaxAttempts)
		}
		if r.BackoffRate != nil {
			pr.backoff = *r.BackoffRate
		}
		if r.MaxDelaySeconds != nil {
			pr.maxDelay, pr.hasMaxDelay = float64(*r.MaxDelaySeconds), true
		}
		pr.jitter = strings.EqualFold(r.JitterStrategy, "FULL")
		out = append(out, pr)
	}
	return out, nil
}

// planCatch plans a Catch list.
func planCatch(cs []asl.Catcher, isJSONata bool) ([]*catcher, error) {
	var out []*catcher
	for i, c := range cs {
		pc := &catcher{next: c.Next}
		for _, e := range c.ErrorEquals {
			pc.errors = append(pc.errors, string(e))
		}
		var err error
		if pc.resultPath, err = planIOPath(c.ResultPath, true); err != nil {
			return nil, fmt.Errorf("[%d].ResultPath: %w", i, err)
		}
		if pc.output, err = compileJSONataValue(c.Output, "Output"); err != nil {
			return nil, fmt.Errorf("[%d].Output: %w", i, err)
		}
		if isJSONata {
			pc.assign, err = compileJSONataValue(c.Assign, "Assign")
		} else {
			pc.assign, err = compilePayload(c.Assign)
		}
		if err != nil {
			return nil, fmt.Errorf("[%d].Assign: %w", i, err)
		}
		out = append(out, pc)
	}
	return out, nil
}
