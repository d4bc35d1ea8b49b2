package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonata"
	"github.com/sluicehq/sluice/workflow/jsonpath"
	"github.com/sluicehq/sluice/workflow/shape"
)

// Types declares what the validator cannot see in the definition: the
// shapes of the execution input and of what each task returns, so that
// the data-flow check can follow values through the machine. Every field
// is optional; what is not declared is unknown and not checked. States are
// named by their state name (unique across the machine).
type Types struct {
	// Input is the shape of the execution input. Default: unknown.
	Input *shape.Shape
	// TaskInput is the shape a task's handler decodes its input into: the
	// keys of the task's Parameters must be members of it.
	TaskInput map[string]*shape.Shape
	// TaskOutput is the shape of a task's result (before ResultSelector).
	TaskOutput map[string]*shape.Shape
	// MapItems is the shape of one item of a Map that reads its items
	// with an ItemReader.
	MapItems map[string]*shape.Shape
	// MaxIterations bounds how often a loop through the named state runs
	// (used by the history budget). Default: unbounded.
	MaxIterations map[string]int
}

// WithTypes declares the shapes of the execution input and of task results
// (see Types). The data-flow check runs with or without it; with it, it
// knows more.
func WithTypes(t Types) Option { return func(c *config) { c.types = t } }

// maxVisits is how often one edge may change the input of the state it
// leads to before the analysis widens that input to unknown (a loop that
// keeps changing what it carries).
const maxVisits = 8

// maxDepth is the nesting depth past which a shape is widened to unknown.
const maxDepth = 24

// flowAnalysis pushes shapes through a machine: every path a state reads is
// checked against the shape of what reaches the state.
type flowAnalysis struct {
	c      *checker
	types  Types
	vars   map[string]*shape.Shape // union of what each variable is assigned
	input  *shape.Shape            // the machine input
	report bool
	// sizes is the largest input and output of each state (by path), for
	// the payload budget.
	sizes map[string]stateSize
	// items is the most items of each inline Map (by path), where known,
	// for the history budget.
	items map[string]int64
}

// stateSize is what the payload budget needs to know of one state.
type stateSize struct {
	name  string
	bytes int64
	what  string // "input" or "output"
	shape *shape.Shape
}

// dataFlow runs the data-flow check over m: twice when m assigns variables,
// the first time only to learn what each variable can hold.
func (c *checker) dataFlow(m *asl.StateMachine) *flowAnalysis {
	in := c.cfg.types.Input
	if in == nil {
		in = shape.Any()
	}
	f := &flowAnalysis{c: c, types: c.cfg.types, vars: map[string]*shape.Shape{}, input: in}
	g := &asl.Graph{StartAt: m.StartAt, States: m.States}
	if len(c.assigned) > 0 {
		f.graph("", g, c.topLang, in, f.context(in, nil))
	}
	f.report = true
	f.sizes = map[string]stateSize{}
	f.items = map[string]int64{}
	f.graph("", g, c.topLang, in, f.context(in, nil))
	return f
}

// context returns the shape of the context object ($$, $states.context):
// execution input exec, and Map.Item when item is not nil (an ItemSelector).
func (f *flowAnalysis) context(exec, item *shape.Shape) *shape.Shape {
	str := func() shape.Field { return shape.Field{Shape: shape.Scalar(shape.String, shape.Unbounded)} }
	num := func(opt bool) shape.Field {
		return shape.Field{Shape: shape.Scalar(shape.Number, 20), Optional: opt}
	}
	ctx := shape.NewObject(map[string]shape.Field{
		"Execution": {Shape: shape.NewObject(map[string]shape.Field{
			"Id": str(), "Input": {Shape: exec}, "Name": str(), "RoleArn": str(), "StartTime": str(),
			"RedriveCount": num(true), "RedriveTime": {Shape: shape.Scalar(shape.String, shape.Unbounded), Optional: true},
		})},
		"State": {Shape: shape.NewObject(map[string]shape.Field{
			"EnteredTime": str(), "Name": str(), "RetryCount": num(true),
		})},
		"StateMachine": {Shape: shape.NewObject(map[string]shape.Field{"Id": str(), "Name": str()})},
		"Task":         {Shape: shape.NewObject(map[string]shape.Field{"Token": str()}), Optional: true},
	})
	if item != nil {
		ctx.Fields["Map"] = shape.Field{Shape: shape.NewObject(map[string]shape.Field{
			// Key and Source appear for some Distributed Map readers.
			"Item": {Shape: shape.NewObject(map[string]shape.Field{
				"Index": num(false), "Value": {Shape: item},
				"Key":    {Shape: shape.Scalar(shape.String, shape.Unbounded), Optional: true},
				"Source": {Shape: shape.Scalar(shape.String, shape.Unbounded), Optional: true},
			})},
		})}
	}
	return ctx
}

// scope is what the expressions of one state can read.
type scope struct {
	f     *flowAnalysis
	name  string // the state
	lang  asl.QueryLanguage
	ctx   *shape.Shape
	input *shape.Shape // $states.input (JSONata)
	// result and errorOutput are $states.result and $states.errorOutput
	// where they exist (nil elsewhere).
	result, errorOutput *shape.Shape
}

// graph analyses one graph entered with input and returns the union of
// what its terminal states output.
func (f *flowAnalysis) graph(prefix string, g *asl.Graph, lang asl.QueryLanguage, input, ctx *shape.Shape) *shape.Shape {
	if g.QueryLanguage != "" {
		lang = g.QueryLanguage
	}
	byName := map[string]asl.State{}
	for _, ns := range g.States {
		if _, dup := byName[ns.Name]; !dup && ns.State != nil {
			byName[ns.Name] = ns.State
		}
	}
	if _, ok := byName[g.StartAt]; !ok {
		return shape.Any()
	}
	in := map[string]*shape.Shape{g.StartAt: input}
	visits := map[string]int{}
	work := []string{g.StartAt}
	report := f.report
	f.report = false
	for len(work) > 0 {
		name := work[len(work)-1]
		work = work[:len(work)-1]
		st := byName[name]
		edges, _ := f.state(prefix, name, st, lang, in[name], ctx)
		for _, e := range edges {
			if _, ok := byName[e.to]; !ok {
				continue
			}
			old := in[e.to]
			next := shape.Union(old, e.shape)
			if old != nil && shape.Equal(old, next) {
				continue
			}
			// Visits are counted per edge, so a state many states lead to
			// (the failure path's first state) is not widened for its
			// fan-in; a loop still is, as it comes round the same edge.
			edge := name + "\x00" + e.to
			visits[edge]++
			if visits[edge] > maxVisits || next.Depth() > maxDepth {
				next = shape.Any()
				if old != nil && old.IsUnknown() {
					continue
				}
			}
			in[e.to] = next
			work = append(work, e.to)
		}
	}
	f.report = report
	var out *shape.Shape
	for _, ns := range g.States {
		if ns.State == nil || byName[ns.Name] != ns.State || in[ns.Name] == nil {
			continue
		}
		_, end := f.state(prefix, ns.Name, ns.State, lang, in[ns.Name], ctx)
		out = shape.Union(out, end)
	}
	if out == nil {
		return shape.Any()
	}
	return out
}

// flowEdge is a transition with the shape it carries.
type flowEdge struct {
	to    string
	shape *shape.Shape
}

// state analyses one state entered with input: it checks every expression
// (when reporting) and returns the shapes it passes on, and its output
// when it ends its graph.
func (f *flowAnalysis) state(prefix, name string, st asl.State, inherited asl.QueryLanguage, input, ctx *shape.Shape) (edges []flowEdge, end *shape.Shape) {
	p := prefix + "States." + name
	lang := inherited
	if ql := st.Base().QueryLanguage; ql != "" {
		lang = ql
	}
	sc := &scope{f: f, name: name, lang: lang, ctx: ctx, input: input}
	next := func(t *asl.Transition, out *shape.Shape) {
		if t.End {
			end = out
		} else if t.Next != "" {
			edges = append(edges, flowEdge{t.Next, out})
		}
	}
	switch s := st.(type) {
	case *asl.Task:
		// The effective input is checked against the handler's input
		// type; what the task does with it is its declared output.
		eff := sc.effective(p, s.InputPath, s.Parameters, s.Arguments, input)
		// The dynamic timeouts read the state input (as the engine does).
		sc.pathIn(p+".TimeoutSecondsPath", s.TimeoutSecondsPath, input)
		sc.pathIn(p+".HeartbeatSecondsPath", s.HeartbeatSecondsPath, input)
		switch {
		case s.Parameters != nil && lang == asl.JSONPath:
			sc.checkTaskInput(p+".Parameters", s.Parameters)
		case s.Parameters == nil && s.Arguments == nil:
			sc.checkPassedInput(p, s.InputPath != nil, eff)
		}
		result := shape.Any()
		if t := f.types.TaskOutput[name]; t != nil {
			result = t
		}
		out := sc.finish(p, result, s.ResultSelector, s.ResultPath, s.OutputPath, s.Output, s.Assign, input)
		edges = append(edges, sc.catches(p, s.Catch, input)...)
		f.size(p, name, input, out)
		next(&s.Transition, out)
	case *asl.Pass:
		var out *shape.Shape
		if lang == asl.JSONata {
			out = sc.jsonataFinish(p, s.Output, s.Assign, input)
		} else {
			eff := sc.effective(p, s.InputPath, s.Parameters, nil, input)
			result := eff
			if len(s.Result) > 0 {
				if v, ok := decode(s.Result); ok {
					result = shape.Literal(v)
				} else {
					result = shape.Any()
				}
			}
			out = sc.finish(p, result, nil, s.ResultPath, s.OutputPath, nil, s.Assign, input)
		}
		f.size(p, name, input, out)
		next(&s.Transition, out)
	case *asl.Wait:
		out := sc.noResult(p, s.InputPath, s.OutputPath, s.Output, s.Assign, input, func(eff *shape.Shape) {
			sc.pathIn(p+".SecondsPath", s.SecondsPath, eff)
			sc.pathIn(p+".TimestampPath", s.TimestampPath, eff)
		})
		f.size(p, name, input, out)
		next(&s.Transition, out)
	case *asl.Succeed:
		end = sc.noResult(p, s.InputPath, s.OutputPath, s.Output, nil, input, nil)
		f.size(p, name, input, end)
	case *asl.Fail:
		if lang == asl.JSONPath {
			sc.dynamicIn(p+".ErrorPath", s.ErrorPath, input)
			sc.dynamicIn(p+".CausePath", s.CausePath, input)
		} else {
			sc.jsonataString(p+".Error", s.Error)
			sc.jsonataString(p+".Cause", s.Cause)
		}
		f.size(p, name, input, nil)
	case *asl.Choice:
		var eff *shape.Shape
		out := sc.noResult(p, s.InputPath, s.OutputPath, s.Output, s.Assign, input, func(e *shape.Shape) { eff = e })
		for i := range s.Choices {
			r := &s.Choices[i]
			rp := fmt.Sprintf("%s.Choices[%d]", p, i)
			sc.rule(rp, r, eff)
			o := out
			if lang == asl.JSONata && len(r.Output) > 0 {
				o = sc.jsonataValue(rp+".Output", r.Output)
			}
			if len(r.Assign) > 0 {
				sc.assign(rp+".Assign", r.Assign, eff)
			}
			if r.Next != "" {
				edges = append(edges, flowEdge{r.Next, o})
			}
		}
		if s.Default != "" {
			edges = append(edges, flowEdge{s.Default, out})
		}
		f.size(p, name, input, out)
	case *asl.Parallel:
		eff := sc.effective(p, s.InputPath, s.Parameters, s.Arguments, input)
		var elem *shape.Shape
		for i := range s.Branches {
			elem = shape.Union(elem, f.graph(fmt.Sprintf("%s.Branches[%d].", p, i), &s.Branches[i], lang, eff, f.context(f.execInput(ctx), nil)))
		}
		if elem == nil {
			elem = shape.Any()
		}
		out := sc.finish(p, shape.NewArray(elem, int64(len(s.Branches))), s.ResultSelector, s.ResultPath, s.OutputPath, s.Output, s.Assign, input)
		edges = append(edges, sc.catches(p, s.Catch, input)...)
		f.size(p, name, input, out)
		next(&s.Transition, out)
	case *asl.Map:
		out := f.mapState(sc, p, s, input, ctx)
		edges = append(edges, sc.catches(p, s.Catch, input)...)
		f.size(p, name, input, out)
		next(&s.Transition, out)
	}
	return edges, end
}

// execInput returns what $$.Execution.Input is in ctx.
func (f *flowAnalysis) execInput(ctx *shape.Shape) *shape.Shape {
	if e, ok := ctx.Fields["Execution"]; ok {
		if in, ok := e.Shape.Fields["Input"]; ok {
			return in.Shape
		}
	}
	return shape.Any()
}

// mapState analyses a Map: its items, ItemSelector and processor, and
// returns its output.
func (f *flowAnalysis) mapState(sc *scope, p string, s *asl.Map, input, ctx *shape.Shape) *shape.Shape {
	eff := sc.effective(p, s.InputPath, nil, nil, input)
	sc.pathIn(p+".MaxConcurrencyPath", s.MaxConcurrencyPath, eff)
	sc.pathIn(p+".ToleratedFailureCountPath", s.ToleratedFailureCountPath, eff)
	sc.pathIn(p+".ToleratedFailurePercentagePath", s.ToleratedFailurePercentagePath, eff)
	item := shape.Any()
	maxItems := shape.Unbounded
	switch {
	case s.ItemReader != nil:
		if t := f.types.MapItems[sc.name]; t != nil {
			item = t
		}
		if sc.lang == asl.JSONPath {
			sc.template(p+".ItemReader.Parameters", s.ItemReader.Parameters, eff)
		}
	case sc.lang == asl.JSONata:
		if len(s.Items) > 0 {
			items := sc.jsonataValue(p+".Items", s.Items)
			if items.Kind == shape.Array {
				item, maxItems = items.Elem, items.MaxItems
			}
		} else if eff.Kind == shape.Array {
			item, maxItems = eff.Elem, eff.MaxItems
		}
	default:
		items := eff
		if s.ItemsPath != "" {
			items = sc.path(p+".ItemsPath", s.ItemsPath, eff, true)
		}
		switch items.Kind {
		case shape.Array:
			item, maxItems = items.Elem, items.MaxItems
		case shape.Unknown:
		default:
			if f.report {
				f.c.warnf(p+".ItemsPath", sc.name, CodePathTypeMismatch, "the Map's items (%s) are %s, not an array", orDollar(s.ItemsPath), items.Describe())
			}
		}
	}
	procIn := item
	selector := s.ItemSelector
	if selector == nil {
		selector = s.Parameters
	}
	if selector != nil {
		isc := *sc
		isc.ctx = f.context(f.execInput(ctx), item)
		if sc.lang == asl.JSONata {
			procIn = isc.jsonataValue(p+".ItemSelector", selector)
		} else {
			procIn = isc.template(p+".ItemSelector", selector, eff)
		}
	}
	if f.report && !s.Distributed() && maxItems != shape.Unbounded {
		f.items[p] = maxItems
	}
	var result *shape.Shape
	if proc := s.Processor(); proc != nil {
		pctx := f.context(f.execInput(ctx), nil)
		field := "ItemProcessor"
		if s.ItemProcessor == nil {
			field = "Iterator"
		}
		if s.Distributed() {
			pctx = f.context(procIn, nil)
		}
		out := f.graph(p+"."+field+".", proc, sc.lang, procIn, pctx)
		result = shape.NewArray(out, maxItems)
	}
	if result == nil {
		result = shape.Any()
	}
	if s.ResultWriter != nil {
		str := shape.Field{Shape: shape.Scalar(shape.String, 2+2048)}
		result = shape.NewObject(map[string]shape.Field{
			"MapRunArn":           str,
			"ResultWriterDetails": {Shape: shape.NewObject(map[string]shape.Field{"Bucket": str, "Key": str})},
		})
	}
	return sc.finish(p, result, s.ResultSelector, s.ResultPath, s.OutputPath, s.Output, s.Assign, input)
}

func orDollar(p string) string {
	if p == "" {
		return "$"
	}
	return p
}

// effective applies InputPath and Parameters (JSONPath) or Arguments
// (JSONata) to input.
func (sc *scope) effective(p string, inputPath *asl.Path, params, args json.RawMessage, input *shape.Shape) *shape.Shape {
	if sc.lang == asl.JSONata {
		if len(args) > 0 {
			return sc.jsonataValue(p+".Arguments", args)
		}
		return input
	}
	eff := sc.inputPath(p+".InputPath", inputPath, input)
	if len(params) > 0 {
		return sc.template(p+".Parameters", params, eff)
	}
	return eff
}

// inputPath applies an InputPath or OutputPath.
func (sc *scope) inputPath(p string, path *asl.Path, doc *shape.Shape) *shape.Shape {
	switch {
	case path == nil:
		return doc
	case path.Null:
		return shape.NewObject(nil)
	}
	return sc.path(p, path.Value, doc, true)
}

// finish applies ResultSelector, Assign, ResultPath and OutputPath
// (JSONPath) or Output and Assign (JSONata) to a state's result.
func (sc *scope) finish(p string, result *shape.Shape, selector json.RawMessage, resultPath, outputPath *asl.Path, output, assign json.RawMessage, input *shape.Shape) *shape.Shape {
	if sc.lang == asl.JSONata {
		rs := *sc
		rs.result = result
		if len(output) == 0 {
			rs.jsonataAssign(p+".Assign", assign)
			return result
		}
		return rs.jsonataFinish(p, output, assign, input)
	}
	if len(selector) > 0 {
		result = sc.template(p+".ResultSelector", selector, result)
	}
	if len(assign) > 0 {
		sc.assign(p+".Assign", assign, result)
	}
	out := sc.resultPath(p+".ResultPath", resultPath, input, result)
	return sc.inputPath(p+".OutputPath", outputPath, out)
}

// noResult ends a state without a result (Choice, Wait, Succeed).
func (sc *scope) noResult(p string, inputPath, outputPath *asl.Path, output, assign json.RawMessage, input *shape.Shape, check func(eff *shape.Shape)) *shape.Shape {
	if sc.lang == asl.JSONata {
		if check != nil {
			check(input)
		}
		return sc.jsonataFinish(p, output, assign, input)
	}
	eff := sc.inputPath(p+".InputPath", inputPath, input)
	if check != nil {
		check(eff)
	}
	if len(assign) > 0 {
		sc.assign(p+".Assign", assign, eff)
	}
	return sc.inputPath(p+".OutputPath", outputPath, eff)
}

// resultPath places result into input.
func (sc *scope) resultPath(p string, rp *asl.Path, input, result *shape.Shape) *shape.Shape {
	switch {
	case rp == nil:
		return result
	case rp.Null:
		return input
	}
	path, err := jsonpath.ParseReference(rp.Value)
	if err != nil || path.Root() != jsonpath.RootInput {
		return shape.Any()
	}
	return shape.Set(input, path.Segments(), result)
}

// errorShape is a caught error's output: {Error, Cause}. Step Functions
// caps Error at 256 and Cause at 32,768 characters.
func errorShape() *shape.Shape {
	return shape.NewObject(map[string]shape.Field{
		"Error": {Shape: shape.Scalar(shape.String, 2+256)},
		"Cause": {Shape: shape.Scalar(shape.String, 2+32768)},
	})
}

// catches returns the edges of a state's catchers.
func (sc *scope) catches(p string, cs []asl.Catcher, input *shape.Shape) []flowEdge {
	var out []flowEdge
	for i := range cs {
		c := &cs[i]
		cp := fmt.Sprintf("%s.Catch[%d]", p, i)
		errOut := errorShape()
		var o *shape.Shape
		if sc.lang == asl.JSONata {
			es := *sc
			es.errorOutput = errOut
			o = es.jsonataFinish(cp, c.Output, c.Assign, errOut)
		} else {
			if len(c.Assign) > 0 {
				sc.assign(cp+".Assign", c.Assign, errOut)
			}
			o = sc.resultPath(cp+".ResultPath", c.ResultPath, input, errOut)
		}
		if c.Next != "" {
			out = append(out, flowEdge{c.Next, o})
		}
	}
	return out
}

// assign records the shapes of a JSONPath Assign evaluated on doc.
func (sc *scope) assign(p string, raw json.RawMessage, doc *shape.Shape) {
	if sc.lang == asl.JSONata {
		sc.jsonataAssign(p, raw)
		return
	}
	s := sc.template(p, raw, doc)
	sc.f.setVars(s)
}

// setVars records the members of an evaluated Assign object.
func (f *flowAnalysis) setVars(s *shape.Shape) {
	if s.Kind != shape.Object {
		return
	}
	for k, fd := range s.Fields {
		f.vars[k] = shape.Union(f.vars[k], fd.Shape)
	}
}

// path checks a JSONPath expression against doc (or the context object or
// a variable, by its root) and returns what it selects; Unknown when it
// cannot be checked.
func (sc *scope) path(p, expr string, doc *shape.Shape, report bool) *shape.Shape {
	path, err := jsonpath.Parse(expr)
	if err != nil {
		return shape.Any()
	}
	return sc.parsed(p, path, doc, report)
}

func (sc *scope) parsed(p string, path *jsonpath.Path, doc *shape.Shape, report bool) *shape.Shape {
	root, rootName := doc, "$"
	switch path.Root() {
	case jsonpath.RootContext:
		root, rootName = sc.ctx, "$$"
	case jsonpath.RootVariable:
		root, rootName = sc.f.vars[path.Variable()], "$"+path.Variable()
		if root == nil {
			return shape.Any()
		}
	}
	got, err := shape.Get(root, rootName, path.Segments())
	if err != nil {
		// An indefinite path ($.a[*], $.a[1:]) that selects nothing gives
		// an empty list, not an error.
		if report && sc.f.report && path.IsDefinite() {
			sc.f.pathError(p, sc.name, path.String(), err)
		}
		return shape.Any()
	}
	return got
}

// pathError reports a path that selects nothing.
func (f *flowAnalysis) pathError(p, state, expr string, err error) {
	code := CodeUnknownPathField
	if pe, ok := err.(*shape.PathError); ok && pe.Field == "" {
		code = CodePathTypeMismatch
	}
	f.c.warnf(p, state, code, "%s: %v", expr, err)
}

// pathIn checks an optional path field.
func (sc *scope) pathIn(p, expr string, doc *shape.Shape) {
	if expr != "" && sc.lang == asl.JSONPath {
		sc.path(p, expr, doc, true)
	}
}

// dynamicIn checks an optional path-or-intrinsic field.
func (sc *scope) dynamicIn(p, expr string, doc *shape.Shape) {
	if expr != "" {
		sc.dynamic(p, expr, doc)
	}
}

// dynamic checks the value of a ".$" key (a path or an intrinsic function)
// and returns the shape it produces.
func (sc *scope) dynamic(p, s string, doc *shape.Shape) *shape.Shape {
	if !intrinsic.IsCall(s) {
		return sc.path(p, s, doc, true)
	}
	call, err := intrinsic.Parse(s)
	if err != nil {
		return shape.Any()
	}
	return sc.call(p, call, doc)
}

// call checks an intrinsic function's path arguments and returns the shape
// of its result.
func (sc *scope) call(p string, call *intrinsic.Call, doc *shape.Shape) *shape.Shape {
	args := make([]*shape.Shape, len(call.Args))
	for i := range call.Args {
		a := &call.Args[i]
		switch a.Kind {
		case intrinsic.ArgPath:
			args[i] = sc.parsed(p, a.Path, doc, true)
		case intrinsic.ArgCall:
			args[i] = sc.call(p, a.Call, doc)
		case intrinsic.ArgString:
			args[i] = shape.Literal(a.Str)
		default:
			args[i] = shape.Scalar(shape.Number, 24)
		}
	}
	str := shape.Scalar(shape.String, shape.Unbounded)
	switch call.Name {
	case "States.Format":
		// The template plus each argument's text.
		n := int64(0)
		for _, a := range args {
			if a.Size() == shape.Unbounded {
				return str
			}
			n += a.Size()
		}
		return shape.Scalar(shape.String, n)
	case "States.JsonToString":
		if len(args) == 1 && args[0].Size() != shape.Unbounded {
			return shape.Scalar(shape.String, 2+args[0].Size())
		}
		return str
	case "States.UUID":
		return shape.Scalar(shape.String, 38)
	case "States.Base64Encode", "States.Base64Decode", "States.Hash":
		return str
	case "States.ArrayContains":
		return shape.Scalar(shape.Bool, 5)
	case "States.ArrayLength", "States.MathAdd", "States.MathRandom":
		return shape.Scalar(shape.Number, 24)
	case "States.StringSplit":
		return shape.NewArray(str, shape.Unbounded)
	case "States.Array":
		var elem *shape.Shape
		for _, a := range args {
			elem = shape.Union(elem, a)
		}
		if elem == nil {
			elem = shape.Any()
		}
		return shape.NewArray(elem, int64(len(args)))
	case "States.ArrayRange":
		return shape.NewArray(shape.Scalar(shape.Number, 24), shape.Unbounded)
	case "States.ArrayGetItem":
		if len(args) > 0 && args[0].Kind == shape.Array {
			return args[0].Elem
		}
	case "States.ArrayUnique":
		if len(args) > 0 && args[0].Kind == shape.Array {
			return args[0]
		}
	case "States.ArrayPartition":
		if len(args) > 0 && args[0].Kind == shape.Array {
			return shape.NewArray(shape.NewArray(args[0].Elem, args[0].MaxItems), args[0].MaxItems)
		}
	}
	return shape.Any()
}

// template evaluates a JSONPath payload template (Parameters, ItemSelector,
// ResultSelector, Assign) on doc: each ".$" value is checked.
func (sc *scope) template(p string, raw json.RawMessage, doc *shape.Shape) *shape.Shape {
	v, ok := decode(raw)
	if !ok {
		return shape.Any()
	}
	return sc.templateValue(p, v, doc)
}

func (sc *scope) templateValue(p string, v any, doc *shape.Shape) *shape.Shape {
	switch x := v.(type) {
	case map[string]any:
		fields := make(map[string]shape.Field, len(x))
		for _, k := range jsonvalue.SortedKeys(x) {
			kp := p + "." + k
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				s, isStr := x[k].(string)
				if !isStr {
					fields[name] = shape.Field{Shape: shape.Any()}
					continue
				}
				fields[name] = shape.Field{Shape: sc.dynamic(kp, s, doc)}
				continue
			}
			fields[k] = shape.Field{Shape: sc.templateValue(kp, x[k], doc)}
		}
		return shape.NewObject(fields)
	case []any:
		var elem *shape.Shape
		for i, e := range x {
			elem = shape.Union(elem, sc.templateValue(fmt.Sprintf("%s[%d]", p, i), e, doc))
		}
		if elem == nil {
			elem = shape.Any()
		}
		return shape.NewArray(elem, int64(len(x)))
	}
	return shape.Literal(v)
}

// checkTaskInput checks the keys of a task's Parameters against the Go type
// its handler decodes them into.
func (sc *scope) checkTaskInput(p string, raw json.RawMessage) {
	want := sc.f.types.TaskInput[sc.name]
	if want == nil || !sc.f.report {
		return
	}
	v, ok := decode(raw)
	if !ok {
		return
	}
	sc.checkKeys(p, v, want)
}

func (sc *scope) checkKeys(p string, v any, want *shape.Shape) {
	m, ok := v.(map[string]any)
	if !ok || want.Kind != shape.Object {
		return
	}
	for _, k := range jsonvalue.SortedKeys(m) {
		name := strings.TrimSuffix(k, ".$")
		f, ok := want.Fields[name]
		if !ok {
			if want.Open {
				continue
			}
			msg := fmt.Sprintf("%s has no field %q", want.Describe(), name)
			if s := shape.Suggest(name, want.Names()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			sc.f.c.warnf(p+"."+k, sc.name, CodeUnknownInputField, "%s; it has: %s", msg, strings.Join(want.Names(), ", "))
			continue
		}
		if !strings.HasSuffix(k, ".$") {
			sc.checkKeys(p+"."+k, m[k], f.Shape)
		}
	}
	var missing []string
	for _, name := range want.Names() {
		_, set := m[name]
		_, setPath := m[name+".$"]
		if !set && !setPath && !want.Fields[name].Optional {
			missing = append(missing, strconv.Quote(name))
		}
	}
	if len(missing) > 0 {
		sc.f.c.warnf(p, sc.name, CodeMissingInputField, "%s needs %s %s, which the Parameters do not set",
			want.Describe(), plural(len(missing), "field", "fields"), strings.Join(missing, ", "))
	}
}

// checkPassedInput checks that the input a task passes on unchanged (the
// state input, or what InputPath selects) has every field its handler's
// input type requires. Fields that may be present (optional, or in an open
// object) are not reported.
func (sc *scope) checkPassedInput(p string, inputPath bool, eff *shape.Shape) {
	want := sc.f.types.TaskInput[sc.name]
	if want == nil || !sc.f.report || want.Kind != shape.Object || eff.Kind != shape.Object || eff.Open {
		return
	}
	if inputPath {
		p += ".InputPath"
	}
	var missing []string
	for _, name := range want.Names() {
		if _, ok := eff.Fields[name]; !ok && !want.Fields[name].Optional {
			missing = append(missing, strconv.Quote(name))
		}
	}
	if len(missing) > 0 {
		sc.f.c.warnf(p, sc.name, CodeMissingInputField, "%s needs %s %s, which the task's input (%s) does not have; it has: %s",
			want.Describe(), plural(len(missing), "field", "fields"), strings.Join(missing, ", "), eff.Describe(), strings.Join(eff.Names(), ", "))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// rule checks the paths of a Choice rule (IsPresent reads a path that may
// be missing, so it is not checked).
func (sc *scope) rule(p string, r *asl.ChoiceRule, eff *shape.Shape) {
	if sc.lang == asl.JSONata {
		if len(r.Condition) > 0 {
			sc.jsonataValue(p+".Condition", r.Condition)
		}
		return
	}
	if r.Variable != "" && r.Operator != asl.IsPresent {
		sc.path(p+".Variable", r.Variable, eff, true)
	}
	if strings.HasSuffix(string(r.Operator), "Path") {
		var s string
		if json.Unmarshal(r.Value, &s) == nil {
			sc.path(p+"."+string(r.Operator), s, eff, true)
		}
	}
	for i := range r.And {
		sc.rule(fmt.Sprintf("%s.And[%d]", p, i), &r.And[i], eff)
	}
	for i := range r.Or {
		sc.rule(fmt.Sprintf("%s.Or[%d]", p, i), &r.Or[i], eff)
	}
	if r.Not != nil {
		sc.rule(p+".Not", r.Not, eff)
	}
}

// jsonataFinish evaluates a JSONata state's Output (default: def) and
// Assign.
func (sc *scope) jsonataFinish(p string, output, assign json.RawMessage, def *shape.Shape) *shape.Shape {
	out := def
	if len(output) > 0 {
		out = sc.jsonataValue(p+".Output", output)
	}
	sc.jsonataAssign(p+".Assign", assign)
	return out
}

func (sc *scope) jsonataAssign(p string, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	sc.f.setVars(sc.jsonataValue(p, raw))
}

// jsonataValue checks every expression in a JSONata-state value and returns
// the value's shape.
func (sc *scope) jsonataValue(p string, raw json.RawMessage) *shape.Shape {
	v, ok := decode(raw)
	if !ok {
		return shape.Any()
	}
	return sc.jsonataAny(p, v)
}

func (sc *scope) jsonataAny(p string, v any) *shape.Shape {
	switch x := v.(type) {
	case map[string]any:
		fields := make(map[string]shape.Field, len(x))
		for _, k := range jsonvalue.SortedKeys(x) {
			fields[k] = shape.Field{Shape: sc.jsonataAny(p+"."+k, x[k])}
		}
		return shape.NewObject(fields)
	case []any:
		var elem *shape.Shape
		for i, e := range x {
			elem = shape.Union(elem, sc.jsonataAny(fmt.Sprintf("%s[%d]", p, i), e))
		}
		if elem == nil {
			elem = shape.Any()
		}
		return shape.NewArray(elem, int64(len(x)))
	case string:
		if looksJSONata(x) {
			return sc.jsonataString(p, x)
		}
	}
	return shape.Literal(v)
}

// jsonataString checks the references of one "{% %}" expression and
// returns the shape of its value.
func (sc *scope) jsonataString(p, s string) *shape.Shape {
	src, ok := jsonata.Strip(s)
	if !ok {
		return shape.Literal(s)
	}
	e, err := jsonata.Compile(src)
	if err != nil {
		return shape.Any()
	}
	for _, r := range e.Refs() {
		sc.ref(p, r, true)
	}
	return sc.static(p, e.Static())
}

// ref resolves a JSONata reference and, when reporting, checks it.
func (sc *scope) ref(p string, r jsonata.Ref, report bool) *shape.Shape {
	var root *shape.Shape
	rootName := "$" + r.Var
	fields := r.Fields
	if r.Var == "states" {
		if len(fields) == 0 {
			return shape.Any()
		}
		rootName += "." + fields[0]
		switch fields[0] {
		case "input":
			root = sc.input
		case "context":
			root = sc.ctx
		case "result":
			root = sc.result
		case "errorOutput":
			root = sc.errorOutput
		}
		fields = fields[1:]
	} else {
		root = sc.f.vars[r.Var]
	}
	if root == nil {
		return shape.Any()
	}
	segs := make([]jsonpath.Segment, len(fields))
	for i, f := range fields {
		segs[i] = jsonpath.Segment{Kind: jsonpath.Child, Names: []string{f}}
	}
	got, err := shape.Get(root, rootName, segs)
	if err != nil {
		if report && sc.f.report {
			sc.f.pathError(p, sc.name, rootName+"."+strings.Join(fields, "."), err)
		}
		return shape.Any()
	}
	return got
}

// static converts jsonata's structural description into a shape.
func (sc *scope) static(p string, st jsonata.Static) *shape.Shape {
	switch st.Kind {
	case jsonata.StaticObject:
		fields := make(map[string]shape.Field, len(st.Fields))
		for k, v := range st.Fields {
			fields[k] = shape.Field{Shape: sc.static(p, v)}
		}
		return shape.NewObject(fields)
	case jsonata.StaticRef:
		return sc.ref(p, st.Ref, false)
	case jsonata.StaticMerge:
		out := shape.NewObject(nil)
		for _, part := range st.Parts {
			s := sc.static(p, part)
			if s.Kind != shape.Object {
				// An unknown part may override anything before it.
				out = shape.OpenObject(nil)
				continue
			}
			merged := shape.NewObject(nil)
			merged.Open = out.Open || s.Open
			for k, f := range out.Fields {
				merged.Fields[k] = f
			}
			for k, f := range s.Fields {
				if old, ok := merged.Fields[k]; ok && f.Optional {
					f = shape.Field{Shape: shape.Union(old.Shape, f.Shape), Optional: old.Optional}
				}
				merged.Fields[k] = f
			}
			out = merged
		}
		return out
	case jsonata.StaticEither:
		var out *shape.Shape
		for _, part := range st.Parts {
			out = shape.Union(out, sc.static(p, part))
		}
		if out == nil {
			return shape.Any()
		}
		return out
	case jsonata.StaticString:
		return shape.Scalar(shape.String, staticBytes(st))
	case jsonata.StaticNumber:
		return shape.Scalar(shape.Number, 24)
	case jsonata.StaticBool:
		return shape.Scalar(shape.Bool, 5)
	case jsonata.StaticNull:
		return shape.Scalar(shape.Null, 4)
	}
	return shape.Any()
}

func staticBytes(st jsonata.Static) int64 {
	if st.Bytes > 0 {
		return int64(st.Bytes)
	}
	return shape.Unbounded
}

// size records the largest payload a state holds: its input and output.
func (f *flowAnalysis) size(p, name string, input, output *shape.Shape) {
	if !f.report {
		return
	}
	s := stateSize{name: name, bytes: input.Size(), what: "input", shape: input}
	if output != nil {
		if o := output.Size(); o == shape.Unbounded || (s.bytes != shape.Unbounded && o > s.bytes) {
			s = stateSize{name: name, bytes: o, what: "output", shape: output}
		}
	}
	f.sizes[p] = s
}
