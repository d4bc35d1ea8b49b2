package cfn

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// inputs reads one recorded resource's inputs (or a nested object of
// them), resolving references as it goes, and remembers which keys it
// read: an input no converter reads is an error (see check), so a new
// Pulumi property cannot be dropped from the template silently.
type inputs struct {
	m    map[string]any
	path string
	r    *resolver
	seen map[string]bool
	// all collects every object handed out, for check.
	all *[]*inputs
}

func newInputs(m map[string]any, r *resolver) *inputs {
	in := &inputs{m: m, r: r, seen: map[string]bool{}}
	in.all = &[]*inputs{in}
	return in
}

// has reports whether k is set (and marks it read).
func (in *inputs) has(k string) bool {
	in.seen[k] = true
	v, ok := in.m[k]
	return ok && v != nil
}

// ignore marks keys as read: inputs that have no place in CloudFormation,
// each with its reason at the call.
func (in *inputs) ignore(keys ...string) {
	for _, k := range keys {
		in.seen[k] = true
	}
}

// raw returns k's string without resolving it.
func (in *inputs) raw(k string) string {
	in.seen[k] = true
	s, _ := in.m[k].(string)
	return s
}

// str returns k's string, resolved.
func (in *inputs) str(k string) string { return in.r.str(in.raw(k)) }

// strp is str as a pointer, nil when k is unset or empty.
func (in *inputs) strp(k string) *string {
	if in.raw(k) == "" {
		return nil
	}
	s := in.str(k)
	return &s
}

// intp returns k's number as an int pointer, nil when unset.
func (in *inputs) intp(k string) *int {
	in.seen[k] = true
	f, ok := in.m[k].(float64)
	if !ok {
		return nil
	}
	i := int(f)
	return &i
}

// int returns k's number (0 when unset).
func (in *inputs) int(k string) int {
	if p := in.intp(k); p != nil {
		return *p
	}
	return 0
}

// floatp returns k's number, nil when unset.
func (in *inputs) floatp(k string) *float64 {
	in.seen[k] = true
	f, ok := in.m[k].(float64)
	if !ok {
		return nil
	}
	return &f
}

// boolp returns k's bool, nil when unset.
func (in *inputs) boolp(k string) *bool {
	in.seen[k] = true
	b, ok := in.m[k].(bool)
	if !ok {
		return nil
	}
	return &b
}

// strs returns k's list of strings, resolved.
func (in *inputs) strs(k string) []string {
	in.seen[k] = true
	l, _ := in.m[k].([]any)
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, in.r.str(s))
		}
	}
	return out
}

// strMap returns k's map of strings, resolved.
func (in *inputs) strMap(k string) map[string]string {
	in.seen[k] = true
	m, _ := in.m[k].(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for kk, v := range m {
		s, _ := v.(string)
		out[kk] = in.r.str(s)
	}
	return out
}

// obj returns the nested object k (empty when unset).
func (in *inputs) obj(k string) *inputs {
	in.seen[k] = true
	m, _ := in.m[k].(map[string]any)
	return in.child(m, in.path+k)
}

func (in *inputs) child(m map[string]any, path string) *inputs {
	c := &inputs{m: m, path: path + ".", r: in.r, seen: map[string]bool{}, all: in.all}
	*in.all = append(*in.all, c)
	return c
}

// list returns the nested objects of list k.
func (in *inputs) list(k string) []*inputs {
	in.seen[k] = true
	l, _ := in.m[k].([]any)
	var out []*inputs
	for i, v := range l {
		m, _ := v.(map[string]any)
		out = append(out, in.child(m, fmt.Sprintf("%s%s[%d]", in.path, k, i)))
	}
	return out
}

// json parses k's JSON text (a policy, an event pattern) and resolves
// every string in it; nil when unset.
func (in *inputs) json(k string) (any, error) {
	s := in.raw(k)
	if s == "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("input %s%s: %w", in.path, k, err)
	}
	return in.r.value(v), nil
}

// check returns an error naming every input no converter read.
func (in *inputs) check() error {
	var unread []string
	for _, o := range *in.all {
		for _, k := range slices.Sorted(maps.Keys(o.m)) {
			if !o.seen[k] && o.m[k] != nil {
				unread = append(unread, o.path+k)
			}
		}
	}
	if len(unread) > 0 {
		return fmt.Errorf("input(s) %s: no CloudFormation property (map them in platform/cfn)", strings.Join(unread, ", "))
	}
	return nil
}
