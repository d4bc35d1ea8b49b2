package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

// Engine runs one state machine. It is the machine planned once by New, with
// the plan-time options; it is immutable afterwards and safe for concurrent
// use: each Run is an independent execution with its own RunOptions.
type Engine struct {
	machine *asl.StateMachine
	root    *graph
	timeout time.Duration
	opts    options
	// runs counts the executions started on this plan.
	runs atomic.Int64
}

// Runs reports how many executions Run has started on this Engine: a plan
// shared by many inputs serves them all.
func (e *Engine) Runs() int64 { return e.runs.Load() }

// Status is an execution's final status.
type Status string

// The statuses an execution ends with.
const (
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// Result is the outcome of one execution.
type Result struct {
	// Status is how the execution ended.
	Status Status
	// Output is the execution output when Status is SUCCEEDED.
	Output any
	// Error is the error name when the execution did not succeed; empty
	// when AWS reports none (a Fail state without Error).
	Error string
	// Cause is the error cause; empty when AWS reports none.
	Cause string
	// ExecutionARN identifies the execution.
	ExecutionARN string
	// StartTime and StopTime bound the execution on the engine's clock.
	StartTime, StopTime time.Time
	// History is the execution's event history.
	History History
	// Failure is the error that failed the execution; nil unless Status is
	// FAILED.
	Failure *StateError
}

// New plans machine for execution. It fails when the machine cannot run:
// a missing StartAt target, an unparsable path, intrinsic function or
// JSONata expression, a transition to an unknown state.
func New(machine *asl.StateMachine, opts ...Option) (*Engine, error) {
	if machine == nil {
		return nil, errors.New("engine: nil state machine")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	lang := effectiveLang(machine.QueryLanguage, "")
	root, err := planGraph(machine.StartAt, machine.States, lang, "")
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{machine: machine, root: root, opts: o}
	if machine.TimeoutSeconds != nil {
		e.timeout = time.Duration(*machine.TimeoutSeconds) * time.Second
	}
	return e, nil
}

// execution is the state shared by every goroutine of one Run.
type execution struct {
	eng       *Engine
	ctx       context.Context
	rec       *recorder
	clock     Clock
	name      string
	arn       string
	smARN     string
	input     any
	startTime time.Time

	rmu sync.Mutex
	rnd *mrand.Rand

	tokenMu sync.Mutex
	tokenN  int

	// deadline is when the execution times out (TimeoutSeconds); zero
	// when it has none.
	deadline time.Time
}

// errExecutionTimedOut ends an execution whose TimeoutSeconds elapsed.
var errExecutionTimedOut = errors.New("engine: execution timed out")

// sleep waits d on the clock, stopping at the execution deadline.
func (x *execution) sleep(ctx context.Context, d time.Duration) error {
	if !x.deadline.IsZero() {
		left := x.deadline.Sub(x.clock.Now())
		if d >= left {
			if err := x.clock.Sleep(ctx, left); err != nil {
				return err
			}
			return errExecutionTimedOut
		}
	}
	return x.clock.Sleep(ctx, d)
}

// timedOut reports whether the execution deadline has passed.
func (x *execution) timedOut() bool {
	return !x.deadline.IsZero() && !x.clock.Now().Before(x.deadline)
}

func (x *execution) random() float64 {
	x.rmu.Lock()
	defer x.rmu.Unlock()
	return x.rnd.Float64()
}

// Run executes the machine on input (a value as DecodeJSON returns it; other
// Go values are converted through encoding/json), configured by opts. It
// returns an error only when the execution could not start or ctx ended it;
// in the latter case the Result has Status ABORTED (or TIMED_OUT on ctx
// deadline) and its history.
func (e *Engine) Run(ctx context.Context, input any, opts ...RunOption) (Result, error) {
	in, err := normalize(input)
	if err != nil {
		return Result{}, fmt.Errorf("engine: input: %w", err)
	}
	e.runs.Add(1)
	x := e.newExecution(in, opts)
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	x.ctx = runCtx
	// The execution's TimeoutSeconds: on a virtual clock it is kept in
	// virtual time by x.sleep and x.timedOut alone, as the time the
	// execution would take on AWS is mostly the waits the clock skips
	// (a long local load must not time out on wall time it would not
	// take there).
	if _, virtual := x.clock.(*VirtualClock); e.timeout > 0 && !virtual {
		var stop context.CancelFunc
		x.ctx, stop = x.clock.WithTimeout(runCtx, e.timeout)
		defer stop()
	}

	res := Result{ExecutionARN: x.arn, StartTime: x.startTime}
	first, _ := x.rec.add(0, Event{Type: ExecutionStarted, ExecutionStartedEventDetails: &ExecutionStartedDetails{
		Input: compact(in), RoleARN: e.opts.roleARN,
	}})
	t := &thread{x: x, ctx: x.ctx, prev: first, scope: &scope{}}
	var out any
	var runErr error
	if lim := e.opts.payloadLimit; lim > 0 && len(compact(in)) > lim {
		runErr = plainErr(asl.StatesDataLimitExceeded, "The input to the execution exceeds the maximum number of bytes service limit.")
	} else {
		out, runErr = t.runGraph(e.root, in)
	}
	res.StopTime = x.clock.Now()
	err = x.end(ctx, t.prev, &res, out, runErr)
	res.History = x.rec.close()
	return res, err
}

// newExecution starts the state of one execution of input.
func (e *Engine) newExecution(input any, opts []RunOption) *execution {
	var ro runOptions
	for _, opt := range opts {
		opt(&ro)
	}
	if ro.clock == nil {
		ro.clock = RealClock{}
	}
	name := ro.name
	if name == "" {
		name = newUUID()
	}
	x := &execution{
		eng:   e,
		clock: ro.clock,
		name:  name,
		input: input,
		rec:   &recorder{limit: e.opts.historyLimit, clock: ro.clock, observer: ro.observer, discard: ro.noStore},
	}
	x.smARN = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.opts.region, e.opts.account, e.opts.machineName)
	x.arn = fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", e.opts.region, e.opts.account, e.opts.machineName, name)
	seed := ro.randSeed
	if !ro.hasSeed {
		seed = time.Now().UnixNano()
	}
	x.rnd = mrand.New(mrand.NewPCG(uint64(seed), 0x5eed))
	x.startTime = x.clock.Now()
	if e.timeout > 0 {
		x.deadline = x.startTime.Add(e.timeout)
	}
	return x
}

// end records how the execution ended (after event prev) into res: its
// status, output or error. It returns ctx's error when ctx aborted it.
func (x *execution) end(ctx context.Context, prev int64, res *Result, out any, runErr error) error {
	switch {
	case runErr == nil:
		if lim := x.eng.opts.payloadLimit; lim > 0 && len(compact(out)) > lim {
			runErr = plainErr(asl.StatesDataLimitExceeded, "The execution output exceeds the maximum number of bytes service limit.")
			break
		}
		res.Status, res.Output = StatusSucceeded, out
		x.rec.add(prev, Event{Type: ExecutionSucceeded, ExecutionSucceededEventDetails: &OutputDetails{Output: compact(out)}})
		return nil
	case ctx.Err() != nil:
		res.Status = StatusAborted
		x.rec.add(prev, Event{Type: ExecutionAborted, ExecutionAbortedEventDetails: &ErrorDetails{}})
		return ctx.Err()
	case x.ctx.Err() != nil || errors.Is(runErr, errExecutionTimedOut):
		res.Status, res.Error = StatusTimedOut, string(asl.StatesTimeout)
		res.Cause = "The execution timed out."
		x.rec.add(prev, Event{Type: ExecutionTimedOut, ExecutionTimedOutEventDetails: &ErrorDetails{Error: &res.Error, Cause: &res.Cause}})
		return nil
	}
	var se *StateError
	if !errors.As(runErr, &se) {
		se = plainErr(statesRuntime, runErr.Error())
	}
	res.Status = StatusFailed
	res.Failure = se
	d := &ErrorDetails{}
	if !se.noName {
		res.Error = string(se.Name)
		d.Error = &res.Error
	}
	if !se.noCause {
		res.Cause = se.Cause
		d.Cause = &res.Cause
	}
	x.rec.add(prev, Event{Type: ExecutionFailed, ExecutionFailedEventDetails: d})
	return nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// scope holds workflow variables. A Map iteration or Parallel branch reads
// its parent's variables and writes only its own.
type scope struct {
	parent *scope
	vars   map[string]any
}

func (s *scope) lookup(name string) (any, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// all flattens the visible variables, inner scopes winning.
func (s *scope) all() map[string]any {
	out := map[string]any{}
	var chain []*scope
	for c := s; c != nil; c = c.parent {
		chain = append(chain, c)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].vars {
			out[k] = v
		}
	}
	return out
}

func (s *scope) set(vars map[string]any) {
	if len(vars) == 0 {
		return
	}
	if s.vars == nil {
		s.vars = make(map[string]any, len(vars))
	}
	for k, v := range vars {
		s.vars[k] = v
	}
}
