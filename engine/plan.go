package engine

import (
	"encoding/json"
	"fmt"

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

	// enteredType and exitedType are the history events of the state.
	enteredType, exitedType EventType

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

// planGraph plans a graph whose states inherit lang.
func planGraph(startAt string, states asl.States, lang asl.QueryLanguage, where string) (*graph, error) {
	g := &graph{startAt: startAt, states: make(map[string]*node, len(states))}
	if len(states) == 0 {
		return nil, fmt.Errorf("%sStates: no states", where)
	}
	// One block for the graph's nodes rather than an allocation each: a
	// node is some 650 bytes, and a fresh process pays for every small
	// allocation's span setup and zeroing.
	nodes := make([]node, len(states))
	for i, ns := range states {
		if _, dup := g.states[ns.Name]; dup {
			return nil, fmt.Errorf("%sStates.%s: duplicate state name", where, ns.Name)
		}
		n := &nodes[i]
		if err := planState(n, ns.Name, ns.State, lang, where); err != nil {
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

// statePlan plans the fields of one state into n, keeping the first error
// (prefixed with the state's location and the field's name).
type statePlan struct {
	n    *node
	lang asl.QueryLanguage // the state's effective query language
	// where locates the state's graph ("" or "...ItemProcessor."); the
	// state's own prefix is built only for an error.
	where string
	err   error
}

// set runs fn to plan field unless an earlier field failed.
func (sp *statePlan) set(field string, fn func() error) {
	if sp.err == nil {
		if err := fn(); err != nil {
			sp.err = fieldErr(sp.where+"States."+sp.n.name+".", field, err)
		}
	}
}

// io plans InputPath, OutputPath and ResultPath (res nil for the states
// without one).
func (sp *statePlan) io(in, out, res *asl.Path) {
	n := sp.n
	sp.set("InputPath", func() (e error) { n.inputPath, e = planIOPath(in, false); return })
	sp.set("OutputPath", func() (e error) { n.outputPath, e = planIOPath(out, false); return })
	sp.set("ResultPath", func() (e error) { n.resultPath, e = planIOPath(res, true); return })
}

// payload plans a payload template: a JSONata value in JSONata states, a
// JSONPath payload template ("key.$" fields) otherwise.
func (sp *statePlan) payload(field string, raw json.RawMessage, dst *tmpl) {
	sp.set(field, func() (e error) {
		if sp.n.jsonata {
			*dst, e = compileJSONataValue(raw, field)
		} else {
			*dst, e = compilePayload(raw)
		}
		return
	})
}

// jsonataOnly plans a field only JSONata states have (Arguments, Output).
func (sp *statePlan) jsonataOnly(field string, raw json.RawMessage, dst *tmpl) {
	sp.set(field, func() (e error) { *dst, e = compileJSONataValue(raw, field); return })
}

// errorHandling plans Retry and Catch.
func (sp *statePlan) errorHandling(retry []asl.Retrier, catch []asl.Catcher) {
	n := sp.n
	sp.set("Retry", func() (e error) { n.retry, e = planRetry(retry); return })
	sp.set("Catch", func() (e error) { n.catch, e = planCatch(catch, n.jsonata); return })
}

// planState plans one state; the fields of each kind are planned in that
// kind's file (pass.go, task.go, choice.go, wait.go, terminal.go,
// parallel.go, mapstate.go).
func planState(n *node, name string, st asl.State, inherited asl.QueryLanguage, where string) error {
	lang := effectiveLang(st.Base().QueryLanguage, inherited)
	entered, exited := stateEvents(st.Kind())
	*n = node{name: name, kind: st.Kind(), jsonata: lang == asl.JSONata, enteredType: entered, exitedType: exited}
	if f, ok := st.(asl.Flower); ok {
		n.next, n.end = f.Flow().Next, f.Flow().End
	}
	sp := &statePlan{n: n, lang: lang, where: where}
	switch s := st.(type) {
	case *asl.Pass:
		sp.pass(s)
	case *asl.Task:
		sp.task(s)
	case *asl.Choice:
		sp.choice(s)
	case *asl.Wait:
		sp.wait(s)
	case *asl.Succeed:
		sp.succeed(s)
	case *asl.Fail:
		sp.fail(s)
	case *asl.Parallel:
		sp.parallel(s)
	case *asl.Map:
		sp.mapState(s)
	default:
		return fmt.Errorf("%sStates.%s.Type: unsupported state type %q", where, name, st.Kind())
	}
	return sp.err
}

// stateEvents returns the history events a state of kind k records when it
// is entered and exited: "PassStateEntered" and so on.
func stateEvents(k asl.StateType) (entered, exited EventType) {
	switch k {
	case asl.TypeTask:
		return "TaskStateEntered", "TaskStateExited"
	case asl.TypePass:
		return "PassStateEntered", "PassStateExited"
	case asl.TypeChoice:
		return "ChoiceStateEntered", "ChoiceStateExited"
	case asl.TypeWait:
		return "WaitStateEntered", "WaitStateExited"
	case asl.TypeSucceed:
		return "SucceedStateEntered", "SucceedStateExited"
	case asl.TypeFail:
		return "FailStateEntered", "FailStateExited"
	case asl.TypeParallel:
		return "ParallelStateEntered", "ParallelStateExited"
	case asl.TypeMap:
		return "MapStateEntered", "MapStateExited"
	}
	return EventType(string(k) + "StateEntered"), EventType(string(k) + "StateExited")
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

// inField prefixes err with the definition field it concerns.
func inField(field any, err error) error { return fmt.Errorf("%v: %w", field, err) }
