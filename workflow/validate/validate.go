package validate

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/workflow/asl"
)

// MaxDefinitionSize is Step Functions' limit on the size of a definition, in
// bytes of its JSON text.
const MaxDefinitionSize = 1 << 20

// maxNameLength is the longest state name Step Functions accepts.
const maxNameLength = 80

// Option configures a validation.
type Option func(*config)

type config struct {
	express    bool
	size       int
	maxIssues  int
	types      Types
	errorsOnly bool
}

// WithType validates for a machine of type "STANDARD" (the default) or
// "EXPRESS". An Express machine cannot use .sync or .waitForTaskToken
// integrations or activities.
func WithType(machineType string) Option {
	return func(c *config) { c.express = strings.EqualFold(machineType, "EXPRESS") }
}

// WithDefinitionSize gives the size in bytes of the definition as it will be
// sent to Step Functions. Default: the size of asl.MarshalCompact's output.
func WithDefinitionSize(n int) Option {
	return func(c *config) { c.size = n }
}

// WithMaxIssues caps the number of issues reported; n <= 0 means no cap.
// Default: DefaultMaxIssues.
func WithMaxIssues(n int) Option {
	return func(c *config) { c.maxIssues = n }
}

// WithErrorsOnly skips the analyses that can only warn (the data flow
// through paths and payload templates, the payload and history budgets),
// for a caller that acts on Errors alone, such as sluice exec before it
// runs the machine: the errors are the same, the warnings fewer. Default:
// every analysis runs.
func WithErrorsOnly() Option {
	return func(c *config) { c.errorsOnly = true }
}

func newConfig(opts []Option) config {
	c := config{maxIssues: DefaultMaxIssues}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Machine validates a state machine and returns every issue found, in the
// order of the document (see Issues.Sort). It never panics on a well-typed model, however odd its content.
func Machine(m *asl.StateMachine, opts ...Option) Issues {
	cfg := newConfig(opts)
	if m == nil {
		return Issues{{Code: CodeSchemaError, Msg: "no state machine"}}
	}
	c := &checker{cfg: cfg, names: map[string]*stateInfo{}, assigned: map[string]bool{}}
	c.machine(m)
	return finish(c.issues, m, cfg.maxIssues)
}

// checker accumulates issues and the facts that need the whole machine:
// every state name, every transition and every variable.
type checker struct {
	cfg      config
	issues   Issues
	names    map[string]*stateInfo // first state of each name, any graph
	graphs   []*graphInfo          // in walk order: a parent before its children
	assigned map[string]bool       // variables assigned anywhere
	topLang  asl.QueryLanguage
	shapes   *flowAnalysis // the data-flow analysis, once the machine is valid
	history  count         // the history budget's count of the execution
}

// graphInfo is a machine, a Parallel branch or a Map processor.
type graphInfo struct {
	prefix   string // "" or "States.P.Branches[0]." (with the trailing dot)
	startAt  string
	states   []*stateInfo
	byName   map[string]*stateInfo
	parent   *stateInfo // the Parallel or Map state; nil for the machine
	isolated bool       // a Distributed Map processor: no outer variables
	express  bool       // runs as an Express execution (machine or child)
}

// stateInfo is one state with what the later passes need.
type stateInfo struct {
	name  string
	path  string
	state asl.State
	lang  asl.QueryLanguage
	graph *graphInfo
	edges []edge
	refs  []varRef
	in    map[string]bool // variables possibly assigned on entry
	seen  bool
}

// edge is a transition; assigns are the variables set along it.
type edge struct {
	to      string
	path    string
	assigns []string
}

// varRef is a read of a variable at a field.
type varRef struct {
	name string
	path string
}

func (c *checker) add(path, state, code string, sev Severity, format string, args ...any) {
	c.issues = append(c.issues, Issue{Path: path, State: state, Code: code, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) errorf(path, state, code, format string, args ...any) {
	c.add(path, state, code, Error, format, args...)
}

func (c *checker) warnf(path, state, code, format string, args ...any) {
	c.add(path, state, code, Warning, format, args...)
}

func (c *checker) machine(m *asl.StateMachine) {
	lang := asl.JSONPath
	switch m.QueryLanguage {
	case "", asl.JSONPath:
	case asl.JSONata:
		lang = asl.JSONata
	default:
		c.errorf("QueryLanguage", "", CodeInvalidQueryLanguage, "query language %q is neither JSONPath nor JSONata", m.QueryLanguage)
	}
	c.topLang = lang
	if m.TimeoutSeconds != nil && *m.TimeoutSeconds < 1 {
		c.errorf("TimeoutSeconds", "", CodeValueOutOfRange, "TimeoutSeconds must be a positive integer, got %d", *m.TimeoutSeconds)
	}
	if m.Version != "" && m.Version != "1.0" {
		c.errorf("Version", "", CodeInvalidEnum, "Version must be \"1.0\", got %q", m.Version)
	}
	c.graph(&graphInfo{startAt: m.StartAt, express: c.cfg.express}, m.States, lang)
	c.resolve()
	c.variables()
	if !c.issues.HasErrors() && !c.cfg.errorsOnly {
		c.shapes = c.dataFlow(m)
		c.budgets(m, c.shapes)
	}
	size := c.cfg.size
	if size == 0 {
		if b, err := asl.MarshalCompact(m); err == nil {
			size = len(b)
		}
	}
	if size > MaxDefinitionSize {
		c.errorf("", "", CodeDefinitionTooLarge, "the definition is %d bytes; Step Functions accepts at most %d (1 MiB)", size, MaxDefinitionSize)
	}
}

// graph checks a States object and its StartAt, then each state.
func (c *checker) graph(g *graphInfo, states asl.States, lang asl.QueryLanguage) {
	c.graphs = append(c.graphs, g)
	g.byName = map[string]*stateInfo{}
	if len(states) == 0 {
		c.errorf(g.prefix+"States", "", CodeEmptyStates, "States must hold at least one state")
	}
	if g.startAt == "" {
		c.errorf(g.prefix+"StartAt", "", CodeMissingStartAt, "StartAt is required")
	}
	for _, ns := range states {
		si := &stateInfo{name: ns.Name, path: g.prefix + "States." + ns.Name, state: ns.State, graph: g}
		if first, dup := c.names[ns.Name]; dup {
			where := "in the same graph"
			if first.graph != g {
				where = "at " + first.path
			}
			c.errorf(si.path, ns.Name, CodeDuplicateStateName, "state name %q is already used %s; names must be unique in the whole machine", ns.Name, where)
		} else {
			c.names[ns.Name] = si
		}
		if _, dup := g.byName[ns.Name]; !dup {
			g.byName[ns.Name] = si
		}
		g.states = append(g.states, si)
		if ns.Name == "" || utf8.RuneCountInString(ns.Name) > maxNameLength {
			c.errorf(si.path, ns.Name, CodeInvalidStateName, "state names must be 1 to %d characters long", maxNameLength)
		}
		if ns.State == nil {
			c.errorf(si.path, ns.Name, CodeSchemaError, "state %q is null", ns.Name)
			continue
		}
		si.lang = c.stateLang(si, ns.State.Base().QueryLanguage, lang)
		c.state(si)
	}
	if g.startAt != "" && len(states) > 0 {
		if _, ok := g.byName[g.startAt]; !ok {
			c.errorf(g.prefix+"StartAt", "", CodeUnknownStartAt, "StartAt names %q, which is not a state of this graph", g.startAt)
		}
	}
}

// stateLang resolves a state's query language and checks its value.
func (c *checker) stateLang(si *stateInfo, own, inherited asl.QueryLanguage) asl.QueryLanguage {
	switch own {
	case "":
		return inherited
	case asl.JSONata:
		return asl.JSONata
	case asl.JSONPath:
		if c.topLang == asl.JSONata {
			c.errorf(si.path+".QueryLanguage", si.name, CodeInvalidQueryLanguage, "a state cannot use JSONPath when the machine's QueryLanguage is JSONata")
		}
		return asl.JSONPath
	}
	c.errorf(si.path+".QueryLanguage", si.name, CodeInvalidQueryLanguage, "query language %q is neither JSONPath nor JSONata", own)
	return inherited
}

// resolve checks every transition target and the reachability of every
// state, once all graphs are known.
func (c *checker) resolve() {
	for _, g := range c.graphs {
		for _, si := range g.states {
			for _, e := range si.edges {
				if _, ok := g.byName[e.to]; ok {
					continue
				}
				if other, ok := c.names[e.to]; ok {
					where := "the top level"
					if other.graph.prefix != "" {
						where = strings.TrimSuffix(other.graph.prefix, ".")
					}
					c.errorf(e.path, si.name, CodeTransitionOutsideGraph, "%q is a state of another graph (%s); a transition cannot leave its Parallel branch or Map processor, nor enter one", e.to, where)
					continue
				}
				c.errorf(e.path, si.name, CodeMissingNextTarget, "no state is called %q", e.to)
			}
		}
		start, ok := g.byName[g.startAt]
		if !ok {
			continue
		}
		queue := []*stateInfo{start}
		start.seen = true
		for len(queue) > 0 {
			si := queue[0]
			queue = queue[1:]
			for _, e := range si.edges {
				if t, ok := g.byName[e.to]; ok && !t.seen {
					t.seen = true
					queue = append(queue, t)
				}
			}
		}
		for _, si := range g.states {
			if !si.seen && g.byName[si.name] == si {
				c.errorf(si.path, si.name, CodeUnreachableState, "no transition leads to state %q from StartAt %q", si.name, g.startAt)
			}
		}
	}
}

// state dispatches on the state's type.
func (c *checker) state(si *stateInfo) {
	switch s := si.state.(type) {
	case *asl.Task:
		c.task(si, s)
	case *asl.Pass:
		c.pass(si, s)
	case *asl.Choice:
		c.choice(si, s)
	case *asl.Wait:
		c.wait(si, s)
	case *asl.Succeed:
		c.io(si, s.InputPath, s.OutputPath, nil)
		c.jsonataOnly(si, "Output", s.Output)
	case *asl.Fail:
		c.fail(si, s)
	case *asl.Parallel:
		c.parallel(si, s)
	case *asl.Map:
		c.mapState(si, s)
	default:
		c.errorf(si.path+".Type", si.name, CodeSchemaError, "unknown state type %q", si.state.Kind())
	}
}

// transition checks Next/End and records the Next edge.
func (c *checker) transition(si *stateInfo, t *asl.Transition, assigns []string) {
	switch {
	case t.Next != "" && t.End:
		c.errorf(si.path+".End", si.name, CodeNextAndEnd, "a state cannot have both Next and End")
	case t.Next == "" && !t.End:
		c.errorf(si.path, si.name, CodeMissingTransition, "a %s state needs Next or \"End\": true", si.state.Kind())
	}
	if t.Next != "" {
		si.edges = append(si.edges, edge{to: t.Next, path: si.path + ".Next", assigns: assigns})
	}
}

func (c *checker) task(si *stateInfo, s *asl.Task) {
	p := si.path
	if s.Resource == "" {
		c.errorf(p+".Resource", si.name, CodeMissingResource, "a Task state needs a Resource")
	} else if !isARN(s.Resource) {
		c.errorf(p+".Resource", si.name, CodeInvalidResource, "%q is not an ARN (arn:aws:states:::service:api, a Lambda function or an activity ARN)", s.Resource)
	}
	c.io(si, s.InputPath, s.OutputPath, s.ResultPath)
	c.jsonPathTemplate(si, "Parameters", s.Parameters)
	c.jsonPathTemplate(si, "ResultSelector", s.ResultSelector)
	c.jsonataOnly(si, "Arguments", s.Arguments)
	c.jsonataOnly(si, "Output", s.Output)
	if len(s.Credentials) > 0 {
		c.anyValue(si, p+".Credentials", s.Credentials, true)
	}
	assigns := c.assign(si, p+".Assign", s.Assign)
	c.seconds(si, "TimeoutSeconds", s.TimeoutSeconds, s.TimeoutSecondsPath)
	c.seconds(si, "HeartbeatSeconds", s.HeartbeatSeconds, s.HeartbeatSecondsPath)
	if s.TimeoutSeconds != nil && s.HeartbeatSeconds != nil && s.TimeoutSeconds.Expr == "" && s.HeartbeatSeconds.Expr == "" &&
		s.HeartbeatSeconds.Int >= s.TimeoutSeconds.Int {
		c.errorf(p+".HeartbeatSeconds", si.name, CodeHeartbeatNotBelowTimeout, "HeartbeatSeconds (%d) must be less than TimeoutSeconds (%d)", s.HeartbeatSeconds.Int, s.TimeoutSeconds.Int)
	}
	if s.TimeoutSeconds == nil && s.TimeoutSecondsPath == "" {
		c.warnf(p, si.name, CodeTaskWithoutTimeout, "the task has no TimeoutSeconds; it can wait as long as the execution lasts")
	}
	c.handling(si, &s.ErrorHandling)
	c.resource(si, s)
	c.transition(si, &s.Transition, assigns)
}

// resource checks what an Express machine cannot run, and the recommended
// Lambda retrier.
func (c *checker) resource(si *stateInfo, s *asl.Task) {
	r := s.Resource
	if si.graph.express {
		what := "Express machines"
		if si.graph.isolated {
			what = "the Express child executions of a DISTRIBUTED Map (ExecutionType EXPRESS)"
		}
		if strings.HasPrefix(r, "arn:") && (strings.Contains(r, ".sync") || strings.Contains(r, ".waitForTaskToken")) {
			c.errorf(si.path+".Resource", si.name, CodeExpressUnsupportedIntegration, "%s support only request-response integrations, not %q", what, r)
		}
		if isActivity(r) {
			c.errorf(si.path+".Resource", si.name, CodeExpressActivity, "%s cannot run activities", what)
		}
	}
	if !isLambda(r) {
		return
	}
	covered := map[asl.ErrorName]bool{}
	for _, rt := range s.Retry {
		if rt.MaxAttempts != nil && *rt.MaxAttempts == 0 {
			continue
		}
		for _, n := range rt.ErrorEquals {
			covered[n] = true
		}
	}
	if covered[asl.StatesALL] {
		return
	}
	var missing []string
	for _, n := range []asl.ErrorName{asl.LambdaServiceException, asl.LambdaSdkClientException, asl.LambdaTooManyRequestsException} {
		if !covered[n] {
			missing = append(missing, string(n))
		}
	}
	if len(missing) > 0 {
		c.warnf(si.path+".Retry", si.name, CodeLambdaRetryMissing, "the Lambda task does not retry %s; transient Lambda service errors will fail it", strings.Join(missing, ", "))
	}
}

func isLambda(r string) bool {
	if strings.HasPrefix(r, "arn:aws:states:::lambda:invoke") {
		return true
	}
	parts := strings.SplitN(r, ":", 4)
	return len(parts) == 4 && parts[0] == "arn" && strings.HasPrefix(parts[1], "aws") && parts[2] == "lambda"
}

// isARN reports whether r has the shape arn:<partition>:<service>:...
// (any AWS partition: aws, aws-cn, aws-us-gov).
func isARN(r string) bool {
	parts := strings.SplitN(r, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && strings.HasPrefix(parts[1], "aws") && parts[2] != ""
}

func isActivity(r string) bool {
	parts := strings.Split(r, ":")
	return len(parts) >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}

func (c *checker) pass(si *stateInfo, s *asl.Pass) {
	c.io(si, s.InputPath, s.OutputPath, s.ResultPath)
	c.jsonPathTemplate(si, "Parameters", s.Parameters)
	if len(s.Result) > 0 && si.lang == asl.JSONata {
		c.notInLang(si, si.path+".Result", "Result")
	}
	c.jsonataOnly(si, "Output", s.Output)
	assigns := c.assign(si, si.path+".Assign", s.Assign)
	c.transition(si, &s.Transition, assigns)
}

func (c *checker) wait(si *stateInfo, s *asl.Wait) {
	p := si.path
	c.io(si, s.InputPath, s.OutputPath, nil)
	c.jsonataOnly(si, "Output", s.Output)
	assigns := c.assign(si, p+".Assign", s.Assign)
	n := 0
	if s.Seconds != nil {
		n++
		if s.Seconds.Expr != "" {
			c.intExpr(si, p+".Seconds", s.Seconds.Expr)
		} else if s.Seconds.Int < 0 {
			c.errorf(p+".Seconds", si.name, CodeNegativeWait, "Seconds must not be negative, got %d", s.Seconds.Int)
		} else if s.Seconds.Int > 99999999 {
			c.errorf(p+".Seconds", si.name, CodeValueOutOfRange, "Seconds must be at most 99999999, got %d", s.Seconds.Int)
		}
	}
	if s.SecondsPath != "" {
		n++
		c.pathField(si, "SecondsPath", s.SecondsPath, true)
	}
	if s.Timestamp != "" {
		n++
		if si.lang == asl.JSONata && looksJSONata(s.Timestamp) {
			c.jsonataString(si, p+".Timestamp", s.Timestamp)
		} else if !isTimestamp(s.Timestamp) {
			c.errorf(p+".Timestamp", si.name, CodeInvalidTimestamp, "%q is not an RFC 3339 timestamp such as 2026-01-02T15:04:05Z", s.Timestamp)
		}
	}
	if s.TimestampPath != "" {
		n++
		c.pathField(si, "TimestampPath", s.TimestampPath, true)
	}
	if n != 1 {
		c.errorf(p, si.name, CodeWaitDuration, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath, got %d", n)
	}
	c.transition(si, &s.Transition, assigns)
}

func (c *checker) fail(si *stateInfo, s *asl.Fail) {
	p := si.path
	if s.Error != "" && s.ErrorPath != "" {
		c.errorf(p+".ErrorPath", si.name, CodeMutuallyExclusiveFields, "Error and ErrorPath cannot both be set")
	}
	if s.Cause != "" && s.CausePath != "" {
		c.errorf(p+".CausePath", si.name, CodeMutuallyExclusiveFields, "Cause and CausePath cannot both be set")
	}
	if si.lang == asl.JSONata {
		c.maybeJSONata(si, p+".Error", s.Error)
		c.maybeJSONata(si, p+".Cause", s.Cause)
	}
	for _, f := range []struct{ name, v string }{{"ErrorPath", s.ErrorPath}, {"CausePath", s.CausePath}} {
		if f.v == "" {
			continue
		}
		if si.lang == asl.JSONata {
			c.notInLang(si, p+"."+f.name, f.name)
			continue
		}
		c.dynamic(si, p+"."+f.name, f.v)
	}
}

func (c *checker) parallel(si *stateInfo, s *asl.Parallel) {
	p := si.path
	c.io(si, s.InputPath, s.OutputPath, s.ResultPath)
	c.jsonPathTemplate(si, "Parameters", s.Parameters)
	c.jsonPathTemplate(si, "ResultSelector", s.ResultSelector)
	c.jsonataOnly(si, "Arguments", s.Arguments)
	c.jsonataOnly(si, "Output", s.Output)
	assigns := c.assign(si, p+".Assign", s.Assign)
	if len(s.Branches) == 0 {
		c.errorf(p+".Branches", si.name, CodeParallelWithoutBranches, "a Parallel state needs at least one branch")
	}
	for i := range s.Branches {
		b := &s.Branches[i]
		prefix := fmt.Sprintf("%s.Branches[%d].", p, i)
		if b.ProcessorConfig != nil {
			c.errorf(prefix+"ProcessorConfig", si.name, CodeProcessorConfigOutsideMap, "ProcessorConfig is only for a Map's ItemProcessor")
		}
		c.subgraph(si, prefix, b, false)
	}
	c.handling(si, &s.ErrorHandling)
	c.transition(si, &s.Transition, assigns)
}

// subgraph walks a branch or processor.
// A Distributed Map runs its processor as child executions of their own type
// (isolated: they see no outer variables); other graphs run in the
// execution of their parent.
func (c *checker) subgraph(si *stateInfo, prefix string, g *asl.Graph, isolated bool) {
	lang := si.lang
	if g.QueryLanguage != "" {
		lang = c.stateLang(&stateInfo{name: si.name, path: strings.TrimSuffix(prefix, ".")}, g.QueryLanguage, si.lang)
	}
	express := si.graph.express
	if isolated {
		express = g.ProcessorConfig != nil && g.ProcessorConfig.ExecutionType == "EXPRESS"
	}
	c.graph(&graphInfo{prefix: prefix, startAt: g.StartAt, parent: si, isolated: isolated, express: express}, g.States, lang)
}

func (c *checker) mapState(si *stateInfo, s *asl.Map) {
	p := si.path
	c.io(si, s.InputPath, s.OutputPath, s.ResultPath)
	c.jsonPathTemplate(si, "Parameters", s.Parameters)
	c.jsonPathTemplate(si, "ResultSelector", s.ResultSelector)
	c.jsonataOnly(si, "Output", s.Output)
	c.jsonataOnly(si, "Items", s.Items)
	if len(s.ItemSelector) > 0 {
		c.anyValue(si, p+".ItemSelector", s.ItemSelector, true)
	}
	if len(s.ItemSelector) > 0 && len(s.Parameters) > 0 {
		c.errorf(p+".Parameters", si.name, CodeMutuallyExclusiveFields, "ItemSelector and Parameters cannot both be set; Parameters is the legacy name of ItemSelector")
	}
	if s.ItemsPath != "" {
		c.pathField(si, "ItemsPath", s.ItemsPath, true)
	}
	assigns := c.assign(si, p+".Assign", s.Assign)

	proc, procField := s.ItemProcessor, "ItemProcessor"
	switch {
	case s.ItemProcessor != nil && s.Iterator != nil:
		c.errorf(p+".Iterator", si.name, CodeMapProcessor, "ItemProcessor and Iterator cannot both be set; Iterator is the legacy name of ItemProcessor")
	case s.ItemProcessor == nil && s.Iterator == nil:
		c.errorf(p, si.name, CodeMapProcessor, "a Map state needs an ItemProcessor")
	case s.ItemProcessor == nil:
		proc, procField = s.Iterator, "Iterator"
	}
	distributed := s.Distributed()
	if proc != nil {
		if pc := proc.ProcessorConfig; pc != nil {
			pp := p + "." + procField + ".ProcessorConfig"
			if !slices.Contains([]string{"", asl.ModeInline, asl.ModeDistributed}, pc.Mode) {
				c.errorf(pp+".Mode", si.name, CodeInvalidEnum, "Mode must be INLINE or DISTRIBUTED, got %q", pc.Mode)
			}
			if !slices.Contains([]string{"", "STANDARD", "EXPRESS"}, pc.ExecutionType) {
				c.errorf(pp+".ExecutionType", si.name, CodeInvalidEnum, "ExecutionType must be STANDARD or EXPRESS, got %q", pc.ExecutionType)
			}
			if pc.ExecutionType != "" && !distributed {
				c.errorf(pp+".ExecutionType", si.name, CodeDistributedOnly, "ExecutionType applies only to a DISTRIBUTED Map")
			}
		}
		c.subgraph(si, p+"."+procField+".", proc, distributed)
	}
	if distributed && c.cfg.express {
		c.warnf(p+"."+procField+".ProcessorConfig.Mode", si.name, CodeExpressDistributedMap, "a DISTRIBUTED Map in an Express machine: check that your account and region support it, and that child executions fit Express limits")
	}
	if !distributed {
		// Step Functions rejects the S3 fields on an INLINE Map but accepts
		// (and ignores) the failure tolerance and the label: warnings.
		only := []struct {
			name string
			set  bool
			sev  Severity
		}{
			{"ItemReader", s.ItemReader != nil, Error},
			{"ItemBatcher", s.ItemBatcher != nil, Error},
			{"ResultWriter", s.ResultWriter != nil, Error},
			{"ToleratedFailurePercentage", s.ToleratedFailurePercentage != nil, Warning},
			{"ToleratedFailurePercentagePath", s.ToleratedFailurePercentagePath != "", Warning},
			{"ToleratedFailureCount", s.ToleratedFailureCount != nil, Warning},
			{"ToleratedFailureCountPath", s.ToleratedFailureCountPath != "", Warning},
			{"Label", s.Label != "", Warning},
		}
		for _, f := range only {
			if f.set {
				c.add(p+"."+f.name, si.name, CodeDistributedOnly, f.sev, "%s applies only to a Map whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED", f.name)
			}
		}
	}
	c.count(si, "MaxConcurrency", s.MaxConcurrency, s.MaxConcurrencyPath, 0, -1)
	c.count(si, "ToleratedFailureCount", s.ToleratedFailureCount, s.ToleratedFailureCountPath, 0, -1)
	if v := s.ToleratedFailurePercentage; v != nil {
		if v.Expr != "" {
			c.intExpr(si, p+".ToleratedFailurePercentage", v.Expr)
		} else if v.Number < 0 || v.Number > 100 {
			c.errorf(p+".ToleratedFailurePercentage", si.name, CodeValueOutOfRange, "ToleratedFailurePercentage must be between 0 and 100, got %v", v.Number)
		}
		if s.ToleratedFailurePercentagePath != "" {
			c.errorf(p+".ToleratedFailurePercentagePath", si.name, CodeMutuallyExclusiveFields, "ToleratedFailurePercentage and ToleratedFailurePercentagePath cannot both be set")
		}
	}
	if s.ToleratedFailurePercentagePath != "" {
		c.pathField(si, "ToleratedFailurePercentagePath", s.ToleratedFailurePercentagePath, true)
	}
	if r := s.ItemReader; r != nil {
		c.itemReader(si, r)
	}
	if b := s.ItemBatcher; b != nil {
		c.count(si, "ItemBatcher.MaxItemsPerBatch", b.MaxItemsPerBatch, b.MaxItemsPerBatchPath, 1, -1)
		c.count(si, "ItemBatcher.MaxInputBytesPerBatch", b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath, 1, 262144)
		if len(b.BatchInput) > 0 {
			c.anyValue(si, p+".ItemBatcher.BatchInput", b.BatchInput, true)
		}
	}
	if w := s.ResultWriter; w != nil {
		if w.Resource != "" && !isARN(w.Resource) {
			c.errorf(p+".ResultWriter.Resource", si.name, CodeInvalidResource, "%q is not an ARN such as arn:aws:states:::s3:putObject", w.Resource)
		}
		c.template(si, "ResultWriter.Parameters", w.Parameters, asl.JSONPath)
		c.template(si, "ResultWriter.Arguments", w.Arguments, asl.JSONata)
		if wc := w.WriterConfig; wc != nil {
			c.enum(si, "ResultWriter.WriterConfig.OutputType", wc.OutputType, "JSON", "JSONL")
			c.enum(si, "ResultWriter.WriterConfig.Transformation", wc.Transformation, "NONE", "COMPACT", "FLATTEN")
		}
	}
	c.handling(si, &s.ErrorHandling)
	c.transition(si, &s.Transition, assigns)
}

func (c *checker) itemReader(si *stateInfo, r *asl.ItemReader) {
	if r.Resource == "" {
		c.errorf(si.path+".ItemReader.Resource", si.name, CodeMissingResource, "an ItemReader needs a Resource")
	} else if !isARN(r.Resource) {
		c.errorf(si.path+".ItemReader.Resource", si.name, CodeInvalidResource, "%q is not an ARN such as arn:aws:states:::s3:getObject", r.Resource)
	}
	c.template(si, "ItemReader.Parameters", r.Parameters, asl.JSONPath)
	c.template(si, "ItemReader.Arguments", r.Arguments, asl.JSONata)
	rc := r.ReaderConfig
	if rc == nil {
		return
	}
	c.enum(si, "ItemReader.ReaderConfig.InputType", rc.InputType, "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
	c.enum(si, "ItemReader.ReaderConfig.CSVHeaderLocation", rc.CSVHeaderLocation, "FIRST_ROW", "GIVEN")
	c.enum(si, "ItemReader.ReaderConfig.CSVDelimiter", rc.CSVDelimiter, "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
	c.enum(si, "ItemReader.ReaderConfig.ManifestType", rc.ManifestType, "S3_INVENTORY", "ATHENA_DATA", "CSV")
	c.enum(si, "ItemReader.ReaderConfig.Transformation", rc.Transformation, "NONE", "LOAD_AND_FLATTEN")
	c.count(si, "ItemReader.ReaderConfig.MaxItems", rc.MaxItems, rc.MaxItemsPath, 0, 100000000)
}

func (c *checker) enum(si *stateInfo, field, v string, allowed ...string) {
	if v != "" && !slices.Contains(allowed, v) {
		c.errorf(si.path+"."+field, si.name, CodeInvalidEnum, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// seconds checks a TimeoutSeconds-like pair.
func (c *checker) seconds(si *stateInfo, field string, v *asl.IntOrExpr, path string) {
	c.count(si, field, v, path, 1, 99999999)
}

// count checks a number field and its XxxPath twin: exclusive, in range
// [lo, hi] (hi < 0: no upper bound), JSONata expressions only in JSONata.
func (c *checker) count(si *stateInfo, field string, v *asl.IntOrExpr, path string, lo, hi int64) {
	p := si.path + "." + field
	if v != nil {
		switch {
		case v.Expr != "":
			c.intExpr(si, p, v.Expr)
		case v.Int < lo || (hi >= 0 && v.Int > hi):
			if hi >= 0 {
				c.errorf(p, si.name, CodeValueOutOfRange, "%s must be between %d and %d, got %d", lastField(field), lo, hi, v.Int)
			} else {
				c.errorf(p, si.name, CodeValueOutOfRange, "%s must be at least %d, got %d", lastField(field), lo, v.Int)
			}
		}
		if path != "" {
			c.errorf(p+"Path", si.name, CodeMutuallyExclusiveFields, "%s and %sPath cannot both be set", lastField(field), lastField(field))
		}
	}
	if path != "" {
		c.pathField(si, field+"Path", path, true)
	}
}

func lastField(f string) string { return f[strings.LastIndexByte(f, '.')+1:] }

// intExpr checks a JSONata expression given for a number field.
func (c *checker) intExpr(si *stateInfo, path, expr string) {
	if si.lang != asl.JSONata {
		c.errorf(path, si.name, CodeFieldNotInQueryLanguage, "a string (JSONata expression) is only allowed in a JSONata state; use a number")
		return
	}
	if _, ok := stripJSONata(expr); !ok {
		c.errorf(path, si.name, CodeJSONataNotWrapped, "the value must be a number or a whole {%% ... %%} expression")
		return
	}
	c.jsonataString(si, path, expr)
}

// handling checks Retry and Catch and records the Catch edges.
func (c *checker) handling(si *stateInfo, h *asl.ErrorHandling) {
	for i := range h.Retry {
		r := &h.Retry[i]
		p := fmt.Sprintf("%s.Retry[%d]", si.path, i)
		c.errorEquals(si, p, r.ErrorEquals, i, len(h.Retry))
		if v := r.MaxAttempts; v != nil && (*v < 0 || *v > 99999999) {
			c.errorf(p+".MaxAttempts", si.name, CodeRetryOutOfRange, "MaxAttempts must be between 0 and 99999999, got %d", *v)
		}
		if v := r.IntervalSeconds; v != nil && (*v < 1 || *v > 99999999) {
			c.errorf(p+".IntervalSeconds", si.name, CodeRetryOutOfRange, "IntervalSeconds must be between 1 and 99999999, got %d", *v)
		}
		if v := r.MaxDelaySeconds; v != nil && (*v < 1 || *v > 31622400) {
			c.errorf(p+".MaxDelaySeconds", si.name, CodeRetryOutOfRange, "MaxDelaySeconds must be between 1 and 31622400, got %d", *v)
		}
		if v := r.BackoffRate; v != nil && *v < 1 {
			c.errorf(p+".BackoffRate", si.name, CodeBackoffRateBelowOne, "BackoffRate must be at least 1.0, got %v", *v)
		}
		if r.JitterStrategy != "" && r.JitterStrategy != "FULL" && r.JitterStrategy != "NONE" {
			c.errorf(p+".JitterStrategy", si.name, CodeInvalidJitterStrategy, "JitterStrategy must be FULL or NONE, got %q", r.JitterStrategy)
		}
	}
	for i := range h.Catch {
		k := &h.Catch[i]
		p := fmt.Sprintf("%s.Catch[%d]", si.path, i)
		c.errorEquals(si, p, k.ErrorEquals, i, len(h.Catch))
		if k.ResultPath != nil {
			if si.lang == asl.JSONata {
				c.notInLang(si, p+".ResultPath", "ResultPath")
			} else if !k.ResultPath.Null {
				c.referencePath(si, p+".ResultPath", k.ResultPath.Value)
			}
		}
		if len(k.Output) > 0 {
			if si.lang != asl.JSONata {
				c.notInLang(si, p+".Output", "Output")
			} else {
				c.anyValue(si, p+".Output", k.Output, false)
			}
		}
		assigns := c.assign(si, p+".Assign", k.Assign)
		if k.Next == "" {
			c.errorf(p+".Next", si.name, CodeMissingTransition, "a catcher needs Next")
			continue
		}
		si.edges = append(si.edges, edge{to: k.Next, path: p + ".Next", assigns: assigns})
	}
}

// errorEquals checks one retrier's or catcher's error names.
func (c *checker) errorEquals(si *stateInfo, p string, names []asl.ErrorName, i, n int) {
	if len(names) == 0 {
		c.errorf(p+".ErrorEquals", si.name, CodeEmptyErrorEquals, "ErrorEquals must name at least one error")
		return
	}
	if !slices.Contains(names, asl.StatesALL) {
		return
	}
	if len(names) > 1 {
		c.errorf(p+".ErrorEquals", si.name, CodeErrorAllNotAlone, "States.ALL must be the only name in its ErrorEquals")
	}
	if i != n-1 {
		c.errorf(p+".ErrorEquals", si.name, CodeErrorAllNotLast, "a States.ALL entry must come last: the ones after it can never match")
	}
}
