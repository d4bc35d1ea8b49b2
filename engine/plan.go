package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

const statesRuntime = asl.StatesRuntime

// graph is a planned state graph: the machine, a Parallel branch or a Map's
// ItemProcessor.
type graph struct {
	startAt string
	states  map[string]*node
}

// ioPath is a planned InputPath/OutputPath/ResultPath: nil means the
// default "$", null discards.
type ioPath struct {
	null bool
	path *jsonpath.Path
}

// intField is a number read from a literal, a path or a JSONata expression.
type intField struct {
	set   bool
	lit   float64
	path  *jsonpath.Path
	expr  tmpl
	name  string // field name, e.g. "TimeoutSeconds"
	float bool
}

// node is one planned state.
type node struct {
	name    string
	kind    asl.StateType
	jsonata bool
	next    string
	end     bool

	inputPath, outputPath, resultPath *ioPath
	parameters, resultSelector        tmpl
	result                            any
	hasResult                         bool
	assign                            tmpl
	arguments, output                 tmpl

	// Choice
	choices     []*choiceRule
	defaultNext string

	// Wait
	waitSeconds   intField
	waitTimestamp string
	waitTsPath    *jsonpath.Path
	waitTsExpr    tmpl

	// Fail
	failError, failCause         tmpl
	failErrorPath, failCausePath tmpl
	failErrorSet, failCauseSet   bool

	// Task
	resource  string
	timeout   intField
	heartbeat intField

	retry []*retrier
	catch []*catcher

	// Parallel
	branches []*graph

	// Map
	mapState *mapSpec
}

type retrier struct {
	errors      []string
	interval    float64
	maxAttempts int
	backoff     float64
	maxDelay    float64
	hasMaxDelay bool
	jitter      bool
}

type catcher struct {
	errors     []string
	resultPath *ioPath
	output     tmpl
	assign     tmpl
	next       string
}

// planner carries what planning needs across nested graphs.
type planner struct{}

// planGraph plans a graph whose states inherit lang.
func (p *planner) planGraph(startAt string, states asl.States, lang asl.QueryLanguage, where string) (*graph, error) {
	g := &graph{startAt: startAt, states: make(map[string]*node, len(states))}
	if len(states) == 0 {
		return nil, fmt.Errorf("%sStates: no states", where)
	}
	for _, ns := range states {
		if _, dup := g.states[ns.Name]; dup {
			return nil, fmt.Errorf("%sStates.%s: duplicate state name", where, ns.Name)
		}
		n, err := p.planState(ns.Name, ns.State, lang, where+"States."+ns.Name+".")
		if err != nil {
			return nil, err
		}
		g.states[ns.Name] = n
	}
	if _, ok := g.states[startAt]; !ok {
		return nil, fmt.Errorf("%sStartAt: no state named %q", where, startAt)
	}
	for _, n := range g.states {
		switch n.kind {
		case asl.TypeTask, asl.TypePass, asl.TypeWait, asl.TypeParallel, asl.TypeMap:
			if (n.next == "") == !n.end {
				return nil, fmt.Errorf("%sStates.%s: a %s state needs exactly one of Next and End", where, n.name, n.kind)
			}
		case asl.TypeChoice:
			if len(n.choices) == 0 {
				return nil, fmt.Errorf("%sStates.%s: a Choice state needs at least one rule in Choices", where, n.name)
			}
		}
		targets := []string{n.next, n.defaultNext}
		for _, c := range n.choices {
			targets = append(targets, c.next)
		}
		for _, c := range n.catch {
			targets = append(targets, c.next)
		}
		for _, t := range targets {
			if t == "" {
				continue
			}
			if _, ok := g.states[t]; !ok {
				return nil, fmt.Errorf("%sStates.%s: transition to unknown state %q", where, n.name, t)
			}
		}
	}
	return g, nil
}

func effectiveLang(own, inherited asl.QueryLanguage) asl.QueryLanguage {
	if own != "" {
		return own
	}
	if inherited != "" {
		return inherited
	}
	return asl.JSONPath
}

func planIOPath(p *asl.Path, reference bool) (*ioPath, error) {
	if p == nil {
		return nil, nil
	}
	if p.Null {
		return &ioPath{null: true}, nil
	}
	var jp *jsonpath.Path
	var err error
	if reference {
		jp, err = jsonpath.ParseReference(p.Value)
	} else {
		jp, err = jsonpath.Parse(p.Value)
	}
	if err != nil {
		return nil, err
	}
	return &ioPath{path: jp}, nil
}

func parseOptPath(s string) (*jsonpath.Path, error) {
	if s == "" {
		return nil, nil
	}
	return jsonpath.Parse(s)
}

// fieldErr wraps a planning error with the field it came from.
func fieldErr(where, field string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s%s: %w", where, field, err)
}

func (p *planner) planState(name string, st asl.State, inherited asl.QueryLanguage, where string) (*node, error) {
	lang := effectiveLang(st.Base().QueryLanguage, inherited)
	n := &node{name: name, kind: st.Kind(), jsonata: lang == asl.JSONata}
	if f, ok := st.(asl.Flower); ok {
		n.next, n.end = f.Flow().Next, f.Flow().End
	}
	var err error
	set := func(field string, fn func() error) {
		if err == nil {
			err = fieldErr(where, field, fn())
		}
	}
	io := func(in, out, res *asl.Path) {
		set("InputPath", func() (e error) { n.inputPath, e = planIOPath(in, false); return })
		set("OutputPath", func() (e error) { n.outputPath, e = planIOPath(out, false); return })
		set("ResultPath", func() (e error) { n.resultPath, e = planIOPath(res, true); return })
	}
	payload := func(field string, raw json.RawMessage, dst *tmpl) {
		set(field, func() (e error) {
			if n.jsonata {
				*dst, e = compileJSONataValue(raw, field)
			} else {
				*dst, e = compilePayload(raw)
			}
			return
		})
	}
	jsonataOnly := func(field string, raw json.RawMessage, dst *tmpl) {
		set(field, func() (e error) { *dst, e = compileJSONataValue(raw, field); return })
	}
	switch s := st.(type) {
	case *asl.Pass:
		io(s.InputPath, s.OutputPath, s.ResultPath)
		payload("Parameters", s.Parameters, &n.parameters)
		if len(s.Result) > 0 {
			set("Result", func() (e error) { n.result, e = decodeJSON(s.Result); n.hasResult = true; return })
		}
		payload("Assign", s.Assign, &n.assign)
		jsonataOnly("Output", s.Output, &n.output)
	case *asl.Task:
		io(s.InputPath, s.OutputPath, s.ResultPath)
		n.resource = s.Resource
		payload("Parameters", s.Parameters, &n.parameters)
		payload("ResultSelector", s.ResultSelector, &n.resultSelector)
		jsonataOnly("Arguments", s.Arguments, &n.arguments)
		jsonataOnly("Output", s.Output, &n.output)
		payload("Assign", s.Assign, &n.assign)
		set("TimeoutSeconds", func() (e error) {
			n.timeout, e = planIntField("TimeoutSeconds", s.TimeoutSeconds, s.TimeoutSecondsPath)
			return
		})
		set("HeartbeatSeconds", func() (e error) {
			n.heartbeat, e = planIntField("HeartbeatSeconds", s.HeartbeatSeconds, s.HeartbeatSecondsPath)
			return
		})
		set("Retry", func() (e error) { n.retry, e = planRetry(s.Retry); return })
		set("Catch", func() (e error) { n.catch, e = p.planCatch(s.Catch, n.jsonata); return })
	case *asl.Choice:
		io(s.InputPath, s.OutputPath, nil)
		n.defaultNext = s.Default
		payload("Assign", s.Assign, &n.assign)
		jsonataOnly("Output", s.Output, &n.output)
		for i, r := range s.Choices {
			field := fmt.Sprintf("Choices[%d]", i)
			set(field, func() error {
				c, e := planChoice(&r, n.jsonata, true)
				if e == nil {
					n.choices = append(n.choices, c)
				}
				return e
			})
		}
	case *asl.Wait:
		io(s.InputPath, s.OutputPath, nil)
		payload("Assign", s.Assign, &n.assign)
		jsonataOnly("Output", s.Output, &n.output)
		set("Seconds", func() (e error) {
			n.waitSeconds, e = planIntField("Seconds", s.Seconds, s.SecondsPath)
			return
		})
		n.waitTimestamp = s.Timestamp
		if n.jsonata && isJSONataString(s.Timestamp) {
			set("Timestamp", func() (e error) { n.waitTsExpr, e = compileJSONataString(s.Timestamp, "Timestamp"); return })
			n.waitTimestamp = ""
		}
		set("TimestampPath", func() (e error) { n.waitTsPath, e = parseOptPath(s.TimestampPath); return })
	case *asl.Succeed:
		io(s.InputPath, s.OutputPath, nil)
		jsonataOnly("Output", s.Output, &n.output)
	case *asl.Fail:
		n.failErrorSet = s.Error != "" || s.ErrorPath != ""
		n.failCauseSet = s.Cause != "" || s.CausePath != ""
		set("Error", func() (e error) { n.failError, e = planStringField(s.Error, "Error", n.jsonata); return })
		set("Cause", func() (e error) { n.failCause, e = planStringField(s.Cause, "Cause", n.jsonata); return })
		set("ErrorPath", func() (e error) { n.failErrorPath, e = planFailPath(s.ErrorPath, "ErrorPath"); return })
		set("CausePath", func() (e error) { n.failCausePath, e = planFailPath(s.CausePath, "CausePath"); return })
	case *asl.Parallel:
		io(s.InputPath, s.OutputPath, s.ResultPath)
		payload("Parameters", s.Parameters, &n.parameters)
		payload("ResultSelector", s.ResultSelector, &n.resultSelector)
		jsonataOnly("Arguments", s.Arguments, &n.arguments)
		jsonataOnly("Output", s.Output, &n.output)
		payload("Assign", s.Assign, &n.assign)
		set("Retry", func() (e error) { n.retry, e = planRetry(s.Retry); return })
		set("Catch", func() (e error) { n.catch, e = p.planCatch(s.Catch, n.jsonata); return })
		for i, b := range s.Branches {
			field := fmt.Sprintf("Branches[%d]", i)
			set(field, func() error {
				g, e := p.planGraph(b.StartAt, b.States, effectiveLang(b.QueryLanguage, lang), "")
				n.branches = append(n.branches, g)
				return e
			})
		}
	case *asl.Map:
		io(s.InputPath, s.OutputPath, s.ResultPath)
		payload("ResultSelector", s.ResultSelector, &n.resultSelector)
		jsonataOnly("Output", s.Output, &n.output)
		payload("Assign", s.Assign, &n.assign)
		set("Retry", func() (e error) { n.retry, e = planRetry(s.Retry); return })
		set("Catch", func() (e error) { n.catch, e = p.planCatch(s.Catch, n.jsonata); return })
		set("ItemProcessor", func() (e error) { n.mapState, e = p.planMap(s, n.jsonata, lang); return })
	default:
		return nil, fmt.Errorf("%sType: unsupported state type %q", where, st.Kind())
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

func planFailPath(s, field string) (tmpl, error) {
	if s == "" {
		return nil, nil
	}
	return dynamicValue(s, field)
}

// planStringField plans a Fail state's Error or Cause: a literal string, or
// in JSONata a "{% %}" expression.
func planStringField(s, field string, isJSONata bool) (tmpl, error) {
	if s == "" {
		return nil, nil
	}
	if isJSONata && isJSONataString(s) {
		return compileJSONataString(s, field)
	}
	return literal{s}, nil
}

func planIntField(name string, v *asl.IntOrExpr, path string) (intField, error) {
	f := intField{name: name}
	if v != nil {
		f.set = true
		if v.Expr != "" {
			t, err := compileJSONataString(v.Expr, name)
			if err != nil {
				return f, err
			}
			f.expr = t
		} else {
			f.lit = float64(v.Int)
		}
	}
	if path != "" {
		jp, err := jsonpath.Parse(path)
		if err != nil {
			return f, err
		}
		f.set = true
		f.path = jp
	}
	return f, nil
}

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

func (p *planner) planCatch(cs []asl.Catcher, isJSONata bool) ([]*catcher, error) {
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

// inField prefixes err with the definition field it concerns.
func inField(field any, err error) error { return fmt.Errorf("%v: %w", field, err) }
