package workflow

import (
	"reflect"
	"sort"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
	"github.com/sluicehq/sluice/workflow/validate"
)

// Compiled is the result of Compile: the ASL model plus what it uses.
type Compiled struct {
	// Machine is the compiled state machine.
	Machine *asl.StateMachine
	// Resources lists every AWS resource the machine uses, with the IAM
	// actions it needs, sorted by Kind then Name.
	Resources []Resource
	// Warnings are findings that do not make the machine invalid (from
	// validate.Machine).
	Warnings validate.Issues
	// Types are the shapes of the declared Go types (LambdaTask,
	// WithInput, ItemReader.ItemType, MaxIterations), for validate's
	// WithTypes and Payloads.
	Types validate.Types
}

// ASL returns the canonical encoding of the machine (asl.Marshal).
func (c *Compiled) ASL() ([]byte, error) { return asl.Marshal(c.Machine) }

// Resource returns the resource of kind called name, if the machine uses it.
func (c *Compiled) Resource(kind ResourceKind, name string) (Resource, bool) {
	for _, r := range c.Resources {
		if r.Kind == kind && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// CompileOption configures Compile.
type CompileOption func(*compileConfig)

type compileConfig struct {
	resolver      Resolver
	comment       string
	timeout       int
	queryLanguage asl.QueryLanguage
	machineType   string
	validate      bool
	input         reflect.Type
}

// WithResolver sets how logical resource names become ARNs. Without one,
// every state that names a resource is reported as CodeUnresolvedResource.
func WithResolver(r Resolver) CompileOption { return func(c *compileConfig) { c.resolver = r } }

// WithComment sets the machine's Comment.
func WithComment(s string) CompileOption { return func(c *compileConfig) { c.comment = s } }

// WithTimeoutSeconds bounds the whole execution (the machine's
// TimeoutSeconds). Default: none.
func WithTimeoutSeconds(n int) CompileOption { return func(c *compileConfig) { c.timeout = n } }

// WithQueryLanguage sets the machine's default query language. Default:
// JSONPath.
func WithQueryLanguage(ql asl.QueryLanguage) CompileOption {
	return func(c *compileConfig) { c.queryLanguage = ql }
}

// WithMachineType tells validation whether the machine will be deployed as
// "STANDARD" or "EXPRESS" (some states and integration patterns are Standard
// only). Default: STANDARD.
func WithMachineType(t string) CompileOption { return func(c *compileConfig) { c.machineType = t } }

// WithInput declares the Go type of the execution input: the paths the
// first states read are checked against its json fields. Default: unknown
// (not checked).
func WithInput[T any]() CompileOption {
	return func(c *compileConfig) { c.input = reflect.TypeFor[T]() }
}

// WithoutValidation skips validate.Machine (for tests of the builder's own
// checks on machines that are deliberately incomplete).
func WithoutValidation() CompileOption { return func(c *compileConfig) { c.validate = false } }

// Compile walks the graph from start along Next, Choices, Default, Catch,
// Parallel branches and Map processors and returns the state machine. Every
// problem found (builder misuse, duplicate names across nested graphs,
// unresolved resources, misspelt SDK parameters, validation errors) is
// returned together as a *CompileError; Compile never panics.
func Compile(start Chainable, opts ...CompileOption) (*Compiled, error) {
	cfg := compileConfig{validate: true, machineType: "STANDARD"}
	for _, o := range opts {
		o(&cfg)
	}
	c := &compiler{
		cfg:       cfg,
		names:     map[string]State{},
		owner:     map[State]string{},
		resources: map[resourceKey]*Resource{},
		types: validate.Types{
			TaskInput:     map[string]*shape.Shape{},
			TaskOutput:    map[string]*shape.Shape{},
			MapItems:      map[string]*shape.Shape{},
			MaxIterations: map[string]int{},
		},
	}
	if start == nil || start.StartState() == nil {
		return nil, &CompileError{Issues: validate.Issues{{Code: CodeNilState, Msg: "Compile(nil)"}}}
	}
	if cfg.input != nil {
		c.types.Input = c.shapeOf("", "", "the execution input", cfg.input)
	}
	m := &asl.StateMachine{Comment: cfg.comment, QueryLanguage: cfg.queryLanguage}
	if cfg.timeout > 0 {
		m.TimeoutSeconds = ptr(int64(cfg.timeout))
	}
	m.StartAt, m.States = c.graph(start.StartState(), "", "")
	if !c.issues.HasErrors() && cfg.validate {
		c.validate(m)
	}
	c.issues.Sort(m)
	if errs := c.issues.Errors(); len(errs) > 0 {
		return nil, &CompileError{Issues: errs}
	}
	warnings := c.issues.Warnings()
	return &Compiled{Machine: m, Resources: c.resourceList(), Warnings: warnings, Types: c.types}, nil
}

// MustCompile is Compile that panics on error, for tests and package-level
// definitions.
func MustCompile(start Chainable, opts ...CompileOption) *Compiled {
	out, err := Compile(start, opts...)
	if err != nil {
		panic(err)
	}
	return out
}

// compiler holds the state of one Compile call.
type compiler struct {
	cfg       compileConfig
	issues    validate.Issues
	names     map[string]State
	owner     map[State]string // state -> graph path ("" for the machine)
	resources map[resourceKey]*Resource
	types     validate.Types // declared Go types, for the data-flow check
}

func (c *compiler) add(is validate.Issue) { c.issues = append(c.issues, is) }

// graph compiles the graph starting at start, whose States object lives at
// prefix ("" for the machine, "States.P.Branches[0]." for a branch). It
// returns StartAt and the states in depth-first order.
func (c *compiler) graph(start State, prefix, scope string) (string, asl.States) {
	var out asl.States
	seen := map[State]bool{}
	// Normal transitions are followed depth first; error handlers are
	// deferred so that the happy path reads first in the document.
	var deferred []State
	var visit func(s State)
	visit = func(s State) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		b := s.base()
		p := prefix + "States." + b.name
		if owner, ok := c.owner[s]; ok {
			c.add(validate.Issue{Path: p, State: b.name, Code: CodeStateReused, Msg: "state is already part of " + graphName(owner) + "; a state belongs to exactly one graph"})
			return
		}
		c.owner[s] = scope
		if b.name == "" {
			c.add(validate.Issue{Path: p, Code: CodeEmptyName, Msg: "state has no name"})
		}
		if other, ok := c.names[b.name]; ok && other != s {
			c.add(validate.Issue{Path: p, State: b.name, Code: CodeDuplicateStateName, Msg: "two different states are called " + quote(b.name) + " (names are unique across the machine, nested graphs included)"})
		}
		c.names[b.name] = s
		for _, m := range b.misuse {
			m.Path = p
			c.add(m)
		}
		out = append(out, asl.NamedState{Name: b.name, State: s.build(c, p)})
		next, handlers := successors(s)
		deferred = append(deferred, handlers...)
		for _, n := range next {
			visit(n)
		}
	}
	visit(start)
	for len(deferred) > 0 {
		h := deferred[0]
		deferred = deferred[1:]
		visit(h)
	}
	return start.Name(), out
}

func graphName(scope string) string {
	if scope == "" {
		return "the machine's top-level graph"
	}
	return "the graph at " + scope
}

// successors lists the states a state transitions to, in document order:
// Next or the Choice rules and Default, then the Catch handlers.
func successors(s State) (next, handlers []State) {
	switch x := s.(type) {
	case *Choice:
		for _, r := range x.rules {
			next = append(next, r.next)
		}
		if x.otherwise != nil {
			next = append(next, x.otherwise)
		}
		return next, nil
	case *Task:
		return []State{x.next}, x.successors()
	case *Parallel:
		return []State{x.next}, x.successors()
	case *Map:
		return []State{x.next}, x.successors()
	}
	return []State{s.base().next}, nil
}

// transition returns the Next/End of a state with Next.
func transition(b *stateBase) asl.Transition {
	if b.next == nil {
		return asl.Transition{End: true}
	}
	return asl.Transition{Next: b.next.Name()}
}

func quote(s string) string { return `"` + s + `"` }

func (c *compiler) resourceList() []Resource {
	out := make([]Resource, 0, len(c.resources))
	for _, r := range c.resources {
		sort.Strings(r.Actions)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}
