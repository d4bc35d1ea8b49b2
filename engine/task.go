package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// taskAttempt runs one attempt of a Task state.
func (t *thread) taskAttempt(ev *evalEnv, input any) (any, error) {
	n := ev.n
	if strings.HasSuffix(n.resource, ".waitForTaskToken") {
		ev.taskToken = t.x.newToken()
		ev.ctxObj = nil
	}
	req, timeout, heartbeat, err := ev.taskRequest(input)
	if err != nil {
		return nil, err
	}
	tgt := newTaskTarget(n.resource)
	if err := t.taskStarted(tgt, req, timeout, heartbeat); err != nil {
		return nil, err
	}
	result, ierr := t.invoke(req)
	if ierr == nil {
		result, ierr = normalize(result)
	}
	if lim := t.x.eng.opts.payloadLimit; ierr == nil && lim > 0 && len(compact(result)) > lim {
		who := n.resource
		if !tgt.lambda {
			who = tgt.resType
		}
		ierr = &TaskError{Name: string(asl.StatesDataLimitExceeded),
			Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", who)}
	}
	if ierr != nil {
		se := t.taskError(ierr, req)
		t.taskFailed(tgt, se)
		return nil, se
	}
	if tgt.lambda {
		_, err = t.event(Event{Type: LambdaFunctionSucceeded, LambdaFunctionSucceededDetails: &OutputDetails{Output: compact(result)}})
	} else {
		_, err = t.event(Event{Type: TaskSucceeded, TaskSucceededEventDetails: &TaskOutputDetails{ResourceType: tgt.resType, Resource: tgt.res, Output: compact(result)}})
	}
	if err != nil {
		return nil, err
	}
	return result, nil
}

// taskTarget is how a Task's resource shows in its history: a plain Lambda
// function ARN records LambdaFunction* events, anything else Task* events
// with the resource split into type and name.
type taskTarget struct {
	lambda       bool
	resType, res string
}

func newTaskTarget(resource string) taskTarget {
	resType, res := splitResource(resource)
	return taskTarget{lambda: isLambdaFunctionARN(resource), resType: resType, res: res}
}

// taskRequest builds the request of one attempt from the state's effective
// input, TimeoutSeconds and HeartbeatSeconds (nil when unset).
func (ev *evalEnv) taskRequest(input any) (req TaskRequest, timeout, heartbeat *int64, err error) {
	n := ev.n
	eff, err := ev.effectiveInput(input)
	if err != nil {
		return req, nil, nil, err
	}
	if timeout, err = ev.intValueOf(&n.timeout, input); err != nil {
		return req, nil, nil, err
	}
	if heartbeat, err = ev.intValueOf(&n.heartbeat, input); err != nil {
		return req, nil, nil, err
	}
	req = TaskRequest{
		Resource:     n.resource,
		State:        n.name,
		Input:        eff,
		Attempt:      ev.retryCount,
		TaskToken:    ev.taskToken,
		ExecutionARN: ev.t.x.arn,
	}
	if timeout != nil {
		req.Timeout = time.Duration(*timeout) * time.Second
	}
	if heartbeat != nil {
		req.Heartbeat = time.Duration(*heartbeat) * time.Second
	}
	return req, timeout, heartbeat, nil
}

// taskStarted records the scheduled and started events of an attempt.
func (t *thread) taskStarted(tgt taskTarget, req TaskRequest, timeout, heartbeat *int64) error {
	var scheduled, started Event
	if tgt.lambda {
		scheduled = Event{Type: LambdaFunctionScheduled, LambdaFunctionScheduledDetails: &LambdaScheduledDetails{
			Resource: req.Resource, Input: compact(req.Input), TimeoutInSeconds: timeout}}
		started = Event{Type: LambdaFunctionStarted}
	} else {
		scheduled = Event{Type: TaskScheduled, TaskScheduledEventDetails: &TaskScheduledDetails{
			ResourceType: tgt.resType, Resource: tgt.res, Region: t.x.eng.opts.region,
			Parameters: compact(req.Input), TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat}}
		started = Event{Type: TaskStarted, TaskStartedEventDetails: &TaskResource{ResourceType: tgt.resType, Resource: tgt.res}}
	}
	if _, err := t.event(scheduled); err != nil {
		return err
	}
	_, err := t.event(started)
	return err
}

// taskFailed records the failed or timed-out event of an attempt.
func (t *thread) taskFailed(tgt taskTarget, se *StateError) {
	var ev Event
	switch {
	case tgt.lambda && se.Name == asl.StatesTimeout:
		ev = Event{Type: LambdaFunctionTimedOut, LambdaFunctionTimedOutDetails: se.details()}
	case tgt.lambda:
		ev = Event{Type: LambdaFunctionFailed, LambdaFunctionFailedDetails: se.details()}
	default:
		d := se.details()
		td := &TaskErrorDetails{ResourceType: tgt.resType, Resource: tgt.res, Error: d.Error, Cause: d.Cause}
		if se.Name == asl.StatesTimeout || se.Name == asl.StatesHeartbeatTimeout {
			ev = Event{Type: TaskTimedOut, TaskTimedOutEventDetails: td}
		} else {
			ev = Event{Type: TaskFailed, TaskFailedEventDetails: td}
		}
	}
	_, _ = t.event(ev)
}

func (se *StateError) details() *ErrorDetails {
	d := &ErrorDetails{}
	if !se.noName {
		s := string(se.Name)
		d.Error = &s
	}
	if !se.noCause {
		c := se.Cause
		d.Cause = &c
	}
	return d
}

func (x *execution) newToken() string {
	x.tokenMu.Lock()
	defer x.tokenMu.Unlock()
	x.tokenN++
	return fmt.Sprintf("%s-token-%d", x.name, x.tokenN)
}

// errHeartbeatTimeout is the cancel cause of a task that missed its heartbeat.
var errHeartbeatTimeout = errors.New("engine: heartbeat timeout")

type heartbeatKey struct{}

// Heartbeat tells the engine that the task running with ctx is alive, as
// SendTaskHeartbeat does: it restarts the HeartbeatSeconds timer. It is a
// no-op for a ctx that does not belong to a task with HeartbeatSeconds.
func Heartbeat(ctx context.Context) {
	if ch, ok := ctx.Value(heartbeatKey{}).(chan struct{}); ok {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// invoke calls the invoker under the task's TimeoutSeconds and
// HeartbeatSeconds.
func (t *thread) invoke(req TaskRequest) (any, error) {
	inv := t.x.eng.opts.invoker
	if inv == nil {
		return nil, &TaskError{Name: string(asl.StatesRuntime), Cause: fmt.Sprintf("no invoker configured for resource %s", req.Resource)}
	}
	ctx := t.ctx
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = t.x.clock.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	var hbCtx context.Context
	if req.Heartbeat > 0 {
		var cancel context.CancelCauseFunc
		hbCtx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		beats := make(chan struct{}, 1)
		ctx = context.WithValue(hbCtx, heartbeatKey{}, beats)
		go t.watchHeartbeat(hbCtx, cancel, beats, req.Heartbeat)
	}
	v, err := inv.Invoke(ctx, req)
	if err != nil && t.ctx.Err() == nil {
		if hbCtx != nil && context.Cause(hbCtx) == errHeartbeatTimeout {
			return nil, &TaskError{Name: string(asl.StatesHeartbeatTimeout), NoCause: true}
		}
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &TaskError{Name: string(asl.StatesTimeout), NoCause: true}
		}
	}
	return v, err
}

// watchHeartbeat cancels ctx with errHeartbeatTimeout when no heartbeat
// arrives within d.
func (t *thread) watchHeartbeat(ctx context.Context, cancel context.CancelCauseFunc, beats chan struct{}, d time.Duration) {
	for {
		timer, stop := t.x.clock.WithTimeout(context.Background(), d)
		select {
		case <-beats:
			stop()
		case <-ctx.Done():
			stop()
			return
		case <-timer.Done():
			stop()
			cancel(errHeartbeatTimeout)
			return
		}
	}
}

// taskError converts an invoker error into the task's StateError.
func (t *thread) taskError(err error, req TaskRequest) *StateError {
	var te *TaskError
	var le *LambdaError
	var se *StateError
	switch {
	case errors.As(err, &se):
		c := *se
		c.prefixed = true
		return &c
	case errors.As(err, &te):
		return &StateError{State: req.State, Name: asl.ErrorName(te.Name), Cause: te.Cause, noCause: te.NoCause, Err: err, prefixed: true}
	case errors.As(err, &le):
		return &StateError{State: req.State, Name: asl.ErrorName(le.ErrorType), Cause: le.cause(), Err: err, prefixed: true}
	case t.ctx.Err() != nil:
		return &StateError{State: req.State, Name: asl.StatesRuntime, Cause: err.Error(), Err: err, prefixed: true}
	}
	return &StateError{State: req.State, Name: asl.StatesTaskFailed, Cause: err.Error(), Err: err, prefixed: true}
}

// isLambdaFunctionARN reports a plain function ARN, run without the
// lambda:invoke envelope.
func isLambdaFunctionARN(r string) bool {
	return strings.HasPrefix(r, "arn:") && strings.Contains(r, ":lambda:") && strings.Contains(r, ":function:")
}

// splitResource splits an integration ARN into the resourceType and resource
// of TaskScheduled: arn:aws:states:::lambda:invoke -> lambda, invoke.
func splitResource(r string) (string, string) {
	const prefix = ":states:::"
	i := strings.Index(r, prefix)
	if i < 0 {
		if strings.Contains(r, ":activity:") {
			return "activity", r
		}
		return "", r
	}
	rest := r[i+len(prefix):]
	j := strings.LastIndex(rest, ":")
	if j < 0 {
		return rest, ""
	}
	return rest[:j], rest[j+1:]
}

// intValueOf reads a TimeoutSeconds-like field.
func (ev *evalEnv) intValueOf(f *intField, input any) (*int64, error) {
	if !f.set {
		return nil, nil
	}
	switch {
	case f.path != nil:
		v, err := ev.applyPathValue(f.path, input, f.name+"Path")
		if err != nil {
			return nil, err
		}
		i, ok := integer(v)
		if !ok {
			return nil, runtimeErr(statesRuntime, f.name+"Path", "The %sPath field refers to value %s which is not a valid integer: %s", f.name, quoteValue(v), f.path.String())
		}
		return &i, nil
	case f.expr != nil:
		v, err := f.expr.eval(ev, input)
		if err != nil {
			return nil, err
		}
		i, ok := integer(v)
		if !ok {
			return nil, runtimeErr(asl.StatesQueryEvaluationError, f.name,
				"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
				jsonataSource(f.expr), f.name, jsonType(v), compact(v))
		}
		return &i, nil
	}
	i := int64(f.lit)
	return &i, nil
}

// quoteValue renders a value in double quotes as AWS's *Path messages do.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return `"` + s + `"`
	}
	return `"` + compact(v) + `"`
}

// applyPathValue resolves a *Path field, reporting a missing value as AWS
// does ("Invalid path ... No results for path").
func (ev *evalEnv) applyPathValue(p *jsonpath.Path, input any, field string) (any, error) {
	v, err := ev.resolve(p, input)
	if err != nil {
		if nf, ok := err.(*jsonpath.NotFoundError); ok {
			return nil, runtimeErr(statesRuntime, field, "%s", nf.Cause())
		}
		return nil, err
	}
	return v, nil
}

// task plans a Task state.
func (sp *statePlan) task(s *asl.Task) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, s.ResultPath)
	n.resource = s.Resource
	sp.payload("Parameters", s.Parameters, &n.parameters)
	sp.payload("ResultSelector", s.ResultSelector, &n.resultSelector)
	sp.jsonataOnly("Arguments", s.Arguments, &n.arguments)
	sp.jsonataOnly("Output", s.Output, &n.output)
	sp.payload("Assign", s.Assign, &n.assign)
	sp.set("TimeoutSeconds", func() (e error) {
		n.timeout, e = planIntField("TimeoutSeconds", s.TimeoutSeconds, s.TimeoutSecondsPath)
		return
	})
	sp.set("HeartbeatSeconds", func() (e error) {
		n.heartbeat, e = planIntField("HeartbeatSeconds", s.HeartbeatSeconds, s.HeartbeatSecondsPath)
		return
	})
	sp.errorHandling(s.Retry, s.Catch)
}
