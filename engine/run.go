package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// thread runs one graph sequentially: the machine, a branch or an iteration.
type thread struct {
	x *execution
	// child is set in a Distributed Map child execution: its own identity
	// in the context object.
	childExec *childExecution
	ctx       context.Context
	prev      int64
	scope     *scope
	mapItem   map[string]any
}

// event records ev after the thread's previous event.
func (t *thread) event(ev Event) (int64, error) {
	id, ok := t.x.rec.add(t.prev, ev)
	t.prev = id
	if !ok {
		return id, plainErr(statesRuntime, fmt.Sprintf("The execution reached the maximum number of history events (%d).", t.x.rec.limit))
	}
	return id, nil
}

func (t *thread) runGraph(g *graph, input any) (any, error) {
	cur := g.startAt
	// inJSON is the state input as the previous state's exited event
	// recorded it: the next entered event records the same text.
	inJSON := ""
	for {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		if t.x.timedOut() {
			return nil, errExecutionTimedOut
		}
		if t.childTimedOut() {
			return nil, errChildTimedOut
		}
		n := g.states[cur]
		out, outJSON, next, err := t.runState(n, input, inJSON)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		input, inJSON, cur = out, outJSON, next
	}
}

// childExecution identifies a Distributed Map child execution.
type childExecution struct {
	arn, name string
	input     any
	start     time.Time
	// express is set for an Express child, which ends at deadline
	// (ExpressMaxDuration after its start).
	express  bool
	deadline time.Time
}

// ExpressMaxDuration is the longest an Express execution runs: an Express
// child of a Distributed Map still running then fails with States.Timeout
// (which its own Retry and Catch cannot handle: the execution has ended).
const ExpressMaxDuration = 5 * time.Minute

// errChildTimedOut ends an Express child execution at its deadline.
var errChildTimedOut = errors.New("engine: express child execution timed out")

// childTimedOut reports whether the thread runs in an Express child whose
// deadline has passed.
func (t *thread) childTimedOut() bool {
	c := t.childExec
	return c != nil && c.express && !t.x.clock.Now().Before(c.deadline)
}

// sleep waits d on the clock, stopping at the execution's deadline and
// at an Express child's.
func (t *thread) sleep(d time.Duration) error {
	if c := t.childExec; c != nil && c.express {
		if left := c.deadline.Sub(t.x.clock.Now()); d >= left {
			if left > 0 {
				if err := t.x.sleep(t.ctx, left); err != nil {
					return err
				}
			}
			return errChildTimedOut
		}
	}
	return t.x.sleep(t.ctx, d)
}

// evalEnv is what expressions of one state see.
type evalEnv struct {
	t           *thread
	n           *node
	input       any // the raw state input
	enteredTime time.Time
	enteredID   int64
	retryCount  int
	taskToken   string

	result         any
	hasResult      bool
	errorOutput    any
	hasErrorOutput bool

	ctxObj map[string]any

	// assigned are the variables the state assigned, for its exited event.
	assigned map[string]any
	// vars caches the visible variables for JSONata; a state reads the
	// values from before its own assignments.
	vars map[string]any
}

// setVars assigns variables in the thread's scope.
func (ev *evalEnv) setVars(vars map[string]any) {
	if len(vars) == 0 {
		return
	}
	ev.t.scope.set(vars)
	ev.assigned = vars
}

const timeFormat = "2006-01-02T15:04:05.000Z"

func (ev *evalEnv) contextObject() map[string]any {
	if ev.ctxObj != nil {
		return ev.ctxObj
	}
	x := ev.t.x
	state := map[string]any{
		"Name":        ev.n.name,
		"EnteredTime": ev.enteredTime.UTC().Format(timeFormat),
	}
	if ev.n.kind == asl.TypeTask {
		state["RetryCount"] = intValue(int64(ev.retryCount))
	}
	exec := map[string]any{
		"Id":        x.arn,
		"Input":     x.input,
		"Name":      x.name,
		"RoleArn":   x.eng.opts.roleARN,
		"StartTime": x.startTime.UTC().Format(timeFormat),
	}
	if c := ev.t.childExec; c != nil {
		exec["Id"], exec["Input"], exec["Name"] = c.arn, c.input, c.name
		exec["StartTime"] = c.start.UTC().Format(timeFormat)
	}
	if !x.eng.opts.express && (ev.t.childExec == nil || !ev.t.childExec.express) {
		exec["RedriveCount"] = intValue(0)
	}
	c := map[string]any{
		"Execution": exec,
		"StateMachine": map[string]any{
			"Id":   x.smARN,
			"Name": x.eng.opts.machineName,
		},
		"State": state,
	}
	if ev.taskToken != "" {
		c["Task"] = map[string]any{"Token": ev.taskToken}
	}
	if ev.t.mapItem != nil {
		c["Map"] = map[string]any{"Item": ev.t.mapItem}
	}
	ev.ctxObj = c
	return c
}

// resolve evaluates a path: $$ against the context object, $name against a
// variable, $ against doc.
func (ev *evalEnv) resolve(p *jsonpath.Path, doc any) (any, error) {
	if p.IsContext() {
		return p.Get(ev.contextObject())
	}
	if name := p.Variable(); name != "" {
		v, ok := ev.t.scope.lookup(name)
		if !ok {
			return nil, runtimeErr(statesRuntime, "", "Invalid path '%s': The variable '%s' is not defined.", p.String(), name)
		}
		return p.Get(v)
	}
	return p.Get(doc)
}

// statesVar is JSONata's $states.
func (ev *evalEnv) statesVar() map[string]any {
	s := map[string]any{
		"input":   ev.input,
		"context": ev.contextObject(),
	}
	if ev.hasResult {
		s["result"] = ev.result
	}
	if ev.hasErrorOutput {
		s["errorOutput"] = ev.errorOutput
	}
	return s
}

// inputPathApplied is the input a Choice, Wait or Map state's own fields
// read: the raw input under JSONata, which has no InputPath, else InputPath
// applied to it. (Task-like states also apply Parameters or Arguments:
// effectiveInput.)
func (ev *evalEnv) inputPathApplied(input any) (any, error) {
	if ev.n.jsonata {
		return input, nil
	}
	return ev.applyPath(ev.n.inputPath, input, "InputPath")
}

// applyInputPath applies InputPath (JSONPath states).
func (ev *evalEnv) applyPath(p *ioPath, doc any, field string) (any, error) {
	if p == nil {
		return doc, nil
	}
	if p.null {
		return map[string]any{}, nil
	}
	v, err := ev.resolve(p.path, doc)
	if err != nil {
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, runtimeErr(statesRuntime, field, "%s", nf.Cause())
		}
		return nil, err
	}
	return v, nil
}

// applyResultPath places result into input (JSONPath states).
func (ev *evalEnv) applyResultPath(p *ioPath, input, result any) (any, error) {
	if p == nil {
		return result, nil
	}
	if p.null {
		return input, nil
	}
	out, err := p.path.Set(input, result)
	if err != nil {
		if se, ok := err.(*jsonpath.SetError); ok {
			return nil, runtimeErr(statesRuntime, "ResultPath", "%s", se.Cause())
		}
		if nf, ok := err.(*jsonpath.NotFoundError); ok {
			return nil, runtimeErr(statesRuntime, "ResultPath", "%s", nf.Cause())
		}
		return nil, err
	}
	return out, nil
}

// runState runs one state on input (inJSON, when not empty, is input's
// compact JSON) and returns its output, the output's compact JSON and the
// next state ("" at the end of the graph).
func (t *thread) runState(n *node, input any, inJSON string) (out any, outJSON, next string, err error) {
	// unread: the events' payload texts are read by nobody; only the
	// output's size is needed, for the payload limit.
	unread := t.x.rec.unread()
	if inJSON == "" && !unread {
		inJSON = compact(input)
	}
	ev := &evalEnv{t: t, n: n, input: input, enteredTime: t.x.clock.Now()}
	id, err := t.event(Event{Type: n.enteredType, StateEnteredEventDetails: &StateEnteredDetails{Name: n.name, Input: inJSON}})
	ev.enteredID = id
	if err != nil {
		return nil, "", "", err
	}
	switch n.kind {
	case asl.TypePass:
		out, next, err = t.runPass(ev, input)
	case asl.TypeChoice:
		out, next, err = t.runChoice(ev, input)
	case asl.TypeWait:
		out, next, err = t.runWait(ev, input)
	case asl.TypeSucceed:
		out, err = t.runSucceed(ev, input)
	case asl.TypeFail:
		err = t.runFail(ev, input)
	case asl.TypeTask:
		out, next, err = t.runHandled(ev, input, t.taskAttempt)
	case asl.TypeParallel:
		out, next, err = t.runHandled(ev, input, t.parallelAttempt)
	case asl.TypeMap:
		out, next, err = t.runHandled(ev, input, t.mapAttempt)
	default:
		err = runtimeErr(statesRuntime, "Type", "unsupported state type %q", n.kind)
	}
	if err != nil {
		err = ev.finish(err)
		var se *StateError
		if errors.As(err, &se) && se.Name == asl.StatesQueryEvaluationError && se.State == n.name {
			// AWS records JSONata failures of the state itself.
			_, _ = t.event(Event{Type: EvaluationFailed, EvaluationFailedEventDetails: &EvaluationFailedDetails{
				Error: string(se.Name), Cause: se.Cause, Location: se.Path, State: n.name,
			}})
		}
		return nil, "", "", err
	}
	outLen := 0
	lim := t.x.eng.opts.payloadLimit
	switch {
	case !unread:
		outJSON = compact(out)
		outLen = len(outJSON)
	case lim > 0 && n.kind != asl.TypeChoice:
		outLen = compactLen(out)
	}
	if lim > 0 && n.kind != asl.TypeChoice && outLen > lim {
		return nil, "", "", ev.finish(plainErr(asl.StatesDataLimitExceeded,
			fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", n.name)))
	}
	exited := &StateExitedDetails{Name: n.name, Output: outJSON}
	if len(ev.assigned) > 0 && !unread {
		exited.AssignedVariables = make(map[string]string, len(ev.assigned))
		for k, v := range ev.assigned {
			exited.AssignedVariables[k] = compact(v)
		}
		exited.AssignedVariablesDetails = &PayloadDetails{}
	}
	if _, err := t.event(Event{Type: n.exitedType, StateExitedEventDetails: exited}); err != nil {
		return nil, "", "", err
	}
	return out, outJSON, next, nil
}

// finish turns err into a *StateError whose cause names the state as AWS
// does.
func (ev *evalEnv) finish(err error) error {
	var se *StateError
	if errors.Is(err, errExecutionTimedOut) || errors.Is(err, errChildTimedOut) {
		return err
	}
	if !errors.As(err, &se) {
		if ctxErr := ev.t.ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return err
		}
		se = runtimeErr(statesRuntime, "", "%s", err.Error())
		se.Err = err
	}
	if se.State == "" {
		se.State = ev.n.name
	}
	if !se.prefixed {
		se.Cause = fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", ev.n.name, ev.enteredID, se.Cause)
		se.prefixed = true
	}
	return se
}

func (n *node) transition() string {
	if n.end {
		return ""
	}
	return n.next
}

// assignVars evaluates Assign (on doc for JSONPath) and returns the new
// variables without setting them.
func (ev *evalEnv) evalAssign(t tmpl, doc any) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	v, err := t.eval(ev, doc)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// finishJSONPath applies ResultSelector (already done by the caller),
// Assign, ResultPath and OutputPath.
func (ev *evalEnv) finishJSONPath(input, result any) (any, error) {
	n := ev.n
	vars, err := ev.evalAssign(n.assign, result)
	if err != nil {
		return nil, err
	}
	out, err := ev.applyResultPath(n.resultPath, input, result)
	if err != nil {
		return nil, err
	}
	out, err = ev.applyPath(n.outputPath, out, "OutputPath")
	if err != nil {
		return nil, err
	}
	ev.setVars(vars)
	return out, nil
}

// finishJSONata evaluates Output (default: def) and Assign.
func (ev *evalEnv) finishJSONata(output, assign tmpl, def any) (any, error) {
	out := def
	var err error
	if output != nil {
		if out, err = output.eval(ev, ev.input); err != nil {
			return nil, err
		}
	}
	vars, err := ev.evalAssign(assign, ev.input)
	if err != nil {
		return nil, err
	}
	ev.setVars(vars)
	return out, nil
}

// finishNoResult ends a state that produces no result (Choice, Wait): in
// JSONata, Output and Assign as finishJSONata; in JSONPath, Assign and
// OutputPath both on the effective input eff, with the variables set only
// once OutputPath succeeded.
func (ev *evalEnv) finishNoResult(output, assign tmpl, input, eff any) (any, error) {
	if ev.n.jsonata {
		return ev.finishJSONata(output, assign, input)
	}
	vars, err := ev.evalAssign(assign, eff)
	if err != nil {
		return nil, err
	}
	out, err := ev.applyPath(ev.n.outputPath, eff, "OutputPath")
	if err != nil {
		return nil, err
	}
	ev.setVars(vars)
	return out, nil
}

// processResult applies ResultSelector, ResultPath, OutputPath (or Output)
// and Assign to a Task, Parallel or Map result.
func (t *thread) processResult(ev *evalEnv, input, result any) (any, error) {
	n := ev.n
	if n.jsonata {
		ev.result, ev.hasResult = result, true
		ev.ctxObj = nil
		return ev.finishJSONata(n.output, n.assign, result)
	}
	var err error
	if n.resultSelector != nil {
		if result, err = n.resultSelector.eval(ev, result); err != nil {
			return nil, err
		}
	}
	return ev.finishJSONPath(input, result)
}

// effectiveInput applies InputPath and Parameters (JSONPath) or Arguments
// (JSONata).
func (ev *evalEnv) effectiveInput(input any) (any, error) {
	n := ev.n
	if n.jsonata {
		if n.arguments == nil {
			return input, nil
		}
		return n.arguments.eval(ev, input)
	}
	eff, err := ev.applyPath(n.inputPath, input, "InputPath")
	if err != nil {
		return nil, err
	}
	if n.parameters != nil {
		return n.parameters.eval(ev, eff)
	}
	return eff, nil
}
