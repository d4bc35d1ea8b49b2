package workflow

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/validate"
)

// ResourceKind is the kind of AWS resource a logical name stands for.
type ResourceKind string

// The resource kinds a machine can use.
const (
	KindFunction     ResourceKind = "lambda:function"
	KindTable        ResourceKind = "dynamodb:table"
	KindBucket       ResourceKind = "s3:bucket"
	KindTopic        ResourceKind = "sns:topic"
	KindEventBus     ResourceKind = "events:event-bus"
	KindStateMachine ResourceKind = "states:state-machine"
)

// Self is the Name of the KindStateMachine resource that stands for the
// compiled machine itself (a Distributed Map starts child executions of its
// own machine). Its ARN is empty: the platform knows it only once the
// machine exists, and grants it with the machine's own ARN.
const Self = "self"

// Resolver turns a logical resource name ("validate", "ledger") into the
// ARN the compiled machine uses. The platform passes real ARNs (inside a
// Pulumi Apply), the local runtime local ones, tests synthetic ones.
type Resolver interface {
	// Resolve returns the ARN of the resource of kind called name, or an
	// error if there is none. For buckets a plain bucket name is accepted
	// too.
	Resolve(kind ResourceKind, name string) (string, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(kind ResourceKind, name string) (string, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(kind ResourceKind, name string) (string, error) { return f(kind, name) }

// StaticResolver resolves from a fixed table: kind, then logical name, to
// ARN.
type StaticResolver map[ResourceKind]map[string]string

// Resolve looks the name up.
func (s StaticResolver) Resolve(kind ResourceKind, name string) (string, error) {
	if arn, ok := s[kind][name]; ok && arn != "" {
		return arn, nil
	}
	return "", fmt.Errorf("no %s called %q", kind, name)
}

// SyntheticResolver returns made-up but well-formed ARNs in account and
// region for any name, with physical names "<prefix>-<name>"; buckets are
// "<prefix>-<name>-<account>". For golden files, tests and `sluice asl`.
func SyntheticResolver(account, region, prefix string) Resolver {
	return ResolverFunc(func(kind ResourceKind, name string) (string, error) {
		if name == "" {
			return "", fmt.Errorf("empty %s name", kind)
		}
		phys := prefix + "-" + name
		switch kind {
		case KindFunction:
			return "arn:aws:lambda:" + region + ":" + account + ":function:" + phys, nil
		case KindTable:
			return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + phys, nil
		case KindBucket:
			return "arn:aws:s3:::" + phys + "-" + account, nil
		case KindTopic:
			return "arn:aws:sns:" + region + ":" + account + ":" + phys, nil
		case KindEventBus:
			return "arn:aws:events:" + region + ":" + account + ":event-bus/" + phys, nil
		case KindStateMachine:
			return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + phys, nil
		}
		return "", fmt.Errorf("unknown resource kind %q", kind)
	})
}

// Resource is one AWS resource the compiled machine uses.
type Resource struct {
	// Kind is the resource kind.
	Kind ResourceKind
	// Name is the logical name given to the builder (Self for the machine
	// itself).
	Name string
	// ARN is the resolved ARN ("" for Self). For a bucket it is the bucket
	// ARN; object actions apply to ARN + "/*".
	ARN string
	// Actions are the IAM actions the machine's role needs on it, sorted,
	// such as "lambda:InvokeFunction" or "dynamodb:PutItem".
	Actions []string
}

type resourceKey struct {
	kind ResourceKind
	name string
}

// resolve resolves a logical name and records the actions; it returns the
// ARN, or "" after recording an issue.
func (c *compiler) resolve(p, state string, kind ResourceKind, name string, actions ...string) string {
	k := resourceKey{kind, name}
	if r, ok := c.resources[k]; ok {
		r.Actions = addActions(r.Actions, actions)
		return r.ARN
	}
	arn := ""
	if name != Self {
		if c.cfg.resolver == nil {
			c.add(validate.Issue{Path: p, State: state, Code: CodeUnresolvedResource, Msg: fmt.Sprintf("no Resolver for %s %q (use WithResolver)", kind, name)})
			return ""
		}
		var err error
		arn, err = c.cfg.resolver.Resolve(kind, name)
		if err != nil || arn == "" {
			msg := fmt.Sprintf("cannot resolve %s %q", kind, name)
			if err != nil {
				msg += ": " + err.Error()
			}
			c.add(validate.Issue{Path: p, State: state, Code: CodeUnresolvedResource, Msg: msg})
			return ""
		}
		if kind == KindBucket && !strings.HasPrefix(arn, "arn:") {
			arn = "arn:aws:s3:::" + arn
		}
	}
	c.resources[k] = &Resource{Kind: kind, Name: name, ARN: arn, Actions: addActions(nil, actions)}
	return arn
}

func addActions(have, more []string) []string {
	for _, a := range more {
		found := false
		for _, h := range have {
			if h == a {
				found = true
				break
			}
		}
		if !found {
			have = append(have, a)
		}
	}
	return have
}

// bucketName returns the bucket name of a bucket ARN.
func bucketName(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// tableName returns the table name of a table ARN.
func tableName(arn string) string {
	if i := strings.Index(arn, ":table/"); i >= 0 {
		return arn[i+len(":table/"):]
	}
	return arn
}
