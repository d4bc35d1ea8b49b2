package workflow

import (
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// ChoiceProps are the optional fields of a Choice state.
type ChoiceProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the input.
	Output any
	// Assign sets variables whatever rule matches. Default: none.
	Assign map[string]any
	// MaxIterations bounds how often a loop through this Choice (a rule
	// leading back to an earlier state) runs, for the history budget
	// (validate.CodeHistoryTooLong). It is not enforced at run time: the
	// loop's own condition must keep it. Default: 0, unbounded (the loop
	// is reported as validate.CodeUnboundedLoop).
	MaxIterations int
}

// RuleProps are the optional fields of one Choice rule (WhenWith).
type RuleProps struct {
	// Comment describes the rule. Default: none.
	Comment string
	// Output is the state output when the rule matches (JSONata). Default:
	// the Choice's.
	Output any
	// Assign sets variables when the rule matches. Default: none.
	Assign map[string]any
}

type rule struct {
	cond  Condition
	next  State
	props RuleProps
}

// Choice branches on its input. Its rules are tried in order; the first that
// matches names the next state, else Otherwise's. It has no open end until
// Afterwards.
type Choice struct {
	stateBase
	props     ChoiceProps
	rules     []rule
	otherwise State
	ends      []Nextable
}

// NewChoice returns a Choice state. Add rules with When.
func NewChoice(name string, props ChoiceProps) *Choice {
	s := &Choice{props: props}
	s.stateBase = stateBase{self: s, name: name}
	return s
}

// When adds a rule: when cond holds, run next.
func (s *Choice) When(cond Condition, next Chainable) *Choice {
	return s.WhenWith(cond, next, RuleProps{})
}

// WhenWith is When with the rule's optional fields.
func (s *Choice) WhenWith(cond Condition, next Chainable, props RuleProps) *Choice {
	if next == nil || next.StartState() == nil {
		s.record(CodeNilState, "When(..., nil)")
		return s
	}
	s.rules = append(s.rules, rule{cond: cond, next: next.StartState(), props: props})
	s.ends = append(s.ends, next.EndStates()...)
	return s
}

// Otherwise sets the state to run when no rule matches. Default: none, and
// the execution fails with States.NoChoiceMatched.
func (s *Choice) Otherwise(next Chainable) *Choice {
	if next == nil || next.StartState() == nil {
		s.record(CodeNilState, "Otherwise(nil)")
		return s
	}
	if s.otherwise != nil {
		s.record(CodeSecondOtherwise, "Otherwise(%q) called after Otherwise(%q)", next.StartState().Name(), s.otherwise.Name())
		return s
	}
	s.otherwise = next.StartState()
	s.ends = append(s.ends, next.EndStates()...)
	return s
}

// Afterwards returns a chain from the Choice to the open ends of all its
// branches, so that one Next joins them.
func (s *Choice) Afterwards() *Chain {
	return &Chain{start: s, ends: append([]Nextable(nil), s.ends...)}
}

// EndStates returns none: use Afterwards to continue after a Choice.
func (s *Choice) EndStates() []Nextable { return nil }

func (s *Choice) build(c *compiler, p string) asl.State {
	if s.props.MaxIterations > 0 {
		c.types.MaxIterations[s.name] = s.props.MaxIterations
	}
	if len(s.rules) == 0 {
		c.add(validate.Issue{Path: p + ".Choices", State: s.name, Code: CodeChoiceWithoutBranches, Msg: "a Choice needs at least one When"})
	}
	out := &asl.Choice{
		Common:     common(s.props.Comment, s.props.QueryLanguage),
		InputPath:  toPath(s.props.InputPath),
		Choices:    []asl.ChoiceRule{},
		OutputPath: toPath(s.props.OutputPath),
		Output:     c.encode(p+".Output", s.name, s.props.Output),
		Assign:     c.assign(p, s.name, s.props.Assign),
	}
	for i, r := range s.rules {
		rp := p + ".Choices[" + itoa(i) + "]"
		if r.cond.bad != "" || (r.cond.rule.Operator == "" && r.cond.rule.And == nil && r.cond.rule.Or == nil && r.cond.rule.Not == nil && r.cond.rule.Condition == nil) {
			msg := r.cond.bad
			if msg == "" {
				msg = "empty condition"
			}
			c.add(validate.Issue{Path: rp, State: s.name, Code: CodeBadCondition, Msg: msg})
		}
		ar := r.cond.rule
		ar.Next = r.next.Name()
		ar.Comment = r.props.Comment
		ar.Output = c.encode(rp+".Output", s.name, r.props.Output)
		ar.Assign = c.assign(rp, s.name, r.props.Assign)
		out.Choices = append(out.Choices, ar)
	}
	if s.otherwise != nil {
		out.Default = s.otherwise.Name()
	}
	return out
}
