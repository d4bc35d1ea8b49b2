package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonenc"
	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/asl"
)

// Kind classifies a Change.
type Kind string

// The kinds of change, in the order reports list them.
const (
	Added    Kind = "added"
	Removed  Kind = "removed"
	Renamed  Kind = "renamed"
	Modified Kind = "changed"
	Machine  Kind = "machine"
)

// Change is one difference between the two machines.
type Change struct {
	// Kind says what happened.
	Kind Kind `json:"kind"`
	// State is the state's name in the head machine (the base name for
	// Removed). Empty for machine-level changes.
	State string `json:"state,omitempty"`
	// From is the base name of a renamed state.
	From string `json:"from,omitempty"`
	// Type is the state's Type.
	Type asl.StateType `json:"type,omitempty"`
	// Where is the graph holding the state: "" at the top level, else e.g.
	// "Fanout.Branches[0]" or "LoadChunks.ItemProcessor".
	Where string `json:"where,omitempty"`
	// Fields lists the field-level differences of a Modified (or Renamed)
	// state, or of the machine itself.
	Fields []Field `json:"fields,omitempty"`
	// Summary is a one-line description of an added or removed state.
	Summary string `json:"summary,omitempty"`
}

// Field is one changed field.
type Field struct {
	// Path is the field inside the state, such as "Retry[0].MaxAttempts".
	Path string `json:"path"`
	// Old and New are the compact JSON values; empty when absent.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Label qualifies the path for a reader, e.g. the ErrorEquals of a
	// retrier, so "Retry[0]" reads "Retry[Lambda.ServiceException]".
	Label string `json:"label,omitempty"`
}

// Report is the result of Machines.
type Report struct {
	// Changes are sorted: machine-level first, then added, removed,
	// renamed and changed states, each by name.
	Changes []Change `json:"changes"`
}

// Equal reports whether the machines are the same.
func (r *Report) Equal() bool { return len(r.Changes) == 0 }

type located struct {
	name  string
	where string
	state asl.State
}

// flatten lists every state of m, nested graphs included, in document order.
func flatten(m *asl.StateMachine) []located {
	var out []located
	var walk func(states asl.States, where string)
	walk = func(states asl.States, where string) {
		for _, ns := range states {
			out = append(out, located{ns.Name, where, ns.State})
			switch s := ns.State.(type) {
			case *asl.Parallel:
				for i, b := range s.Branches {
					walk(b.States, joinWhere(where, fmt.Sprintf("%s.Branches[%d]", ns.Name, i)))
				}
			case *asl.Map:
				if p := s.Processor(); p != nil {
					field := "ItemProcessor"
					if s.ItemProcessor == nil {
						field = "Iterator"
					}
					walk(p.States, joinWhere(where, ns.Name+"."+field))
				}
			}
		}
	}
	walk(m.States, "")
	return out
}

func joinWhere(a, b string) string {
	if a == "" {
		return b
	}
	return a + "/" + b
}

// Machines compares base with head.
func Machines(base, head *asl.StateMachine) *Report {
	bs, hs := flatten(base), flatten(head)
	bByName := map[string]located{}
	for _, l := range bs {
		bByName[l.name] = l
	}
	hByName := map[string]located{}
	for _, l := range hs {
		hByName[l.name] = l
	}
	var removed, added []located
	for _, l := range bs {
		if _, ok := hByName[l.name]; !ok {
			removed = append(removed, l)
		}
	}
	for _, l := range hs {
		if _, ok := bByName[l.name]; !ok {
			added = append(added, l)
		}
	}
	renames := matchRenames(removed, added)

	var r Report
	// Machine-level fields, with renamed StartAt mapped.
	mf := fieldDiff(machineFields(base, renames), machineFields(head, nil), "")
	if len(mf) > 0 {
		r.Changes = append(r.Changes, Change{Kind: Machine, Fields: mf})
	}
	for _, l := range added {
		if _, ok := renamedTo(renames, l.name); ok {
			continue
		}
		r.Changes = append(r.Changes, Change{Kind: Added, State: l.name, Type: l.state.Kind(), Where: l.where, Summary: summary(l.state)})
	}
	for _, l := range removed {
		if _, ok := renames[l.name]; ok {
			continue
		}
		r.Changes = append(r.Changes, Change{Kind: Removed, State: l.name, Type: l.state.Kind(), Where: l.where, Summary: summary(l.state)})
	}
	for from, to := range renames {
		b, h := bByName[from], hByName[to]
		f := labelFields(fieldDiff(stateDoc(b.state, renames), stateDoc(h.state, nil), ""), b.state, h.state)
		r.Changes = append(r.Changes, Change{Kind: Renamed, State: to, From: from, Type: h.state.Kind(), Where: h.where, Fields: f})
	}
	for _, h := range hs {
		b, ok := bByName[h.name]
		if !ok {
			continue
		}
		f := labelFields(fieldDiff(stateDoc(b.state, renames), stateDoc(h.state, nil), ""), b.state, h.state)
		if b.where != h.where {
			f = append([]Field{{Path: "(graph)", Old: quote(b.where), New: quote(h.where)}}, f...)
		}
		if len(f) > 0 {
			r.Changes = append(r.Changes, Change{Kind: Modified, State: h.name, Type: h.state.Kind(), Where: h.where, Fields: f})
		}
	}
	order := map[Kind]int{Machine: 0, Added: 1, Removed: 2, Renamed: 3, Modified: 4}
	sort.SliceStable(r.Changes, func(i, j int) bool {
		a, b := r.Changes[i], r.Changes[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		return a.State < b.State
	})
	return &r
}

func quote(s string) string {
	if s == "" {
		return `"(top level)"`
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func renamedTo(renames map[string]string, to string) (string, bool) {
	for f, t := range renames {
		if t == to {
			return f, true
		}
	}
	return "", false
}

// matchRenames pairs removed with added states of the same type whose
// bodies are most alike. Transitions are compared after applying the
// renames found so far, so a chain of renamed states is found in a few
// rounds.
func matchRenames(removed, added []located) map[string]string {
	renames := map[string]string{}
	used := map[string]bool{}
	for round := 0; round < 4; round++ {
		found := false
		for _, r := range removed {
			if _, ok := renames[r.name]; ok {
				continue
			}
			best, bestScore := "", 0.0
			for _, a := range added {
				if used[a.name] || a.state.Kind() != r.state.Kind() {
					continue
				}
				s := similarity(leaves(stateDoc(r.state, renames)), leaves(stateDoc(a.state, nil)))
				if s > bestScore {
					best, bestScore = a.name, s
				}
			}
			if best != "" && bestScore >= 0.75 {
				renames[r.name] = best
				used[best] = true
				found = true
			}
		}
		if !found {
			break
		}
	}
	return renames
}

// stateDoc returns the state as a generic JSON value with nested graphs
// left out (their states are compared on their own) and, when renames is
// given, every transition target renamed to its head name.
func stateDoc(s asl.State, renames map[string]string) any {
	b, _ := json.Marshal(s)
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&v)
	if br, ok := v["Branches"].([]any); ok {
		for _, g := range br {
			if gm, ok := g.(map[string]any); ok {
				gm["States"] = stateNames(gm["States"])
				gm["StartAt"] = rename(gm["StartAt"], renames)
			}
		}
	}
	for _, k := range []string{"ItemProcessor", "Iterator"} {
		if gm, ok := v[k].(map[string]any); ok {
			gm["States"] = stateNames(gm["States"])
			gm["StartAt"] = rename(gm["StartAt"], renames)
		}
	}
	if renames != nil {
		renameField(v, "Next", renames)
		renameField(v, "Default", renames)
		for _, k := range []string{"Catch", "Choices"} {
			if arr, ok := v[k].([]any); ok {
				for _, e := range arr {
					if em, ok := e.(map[string]any); ok {
						renameField(em, "Next", renames)
					}
				}
			}
		}
	}
	return v
}

// stateNames replaces a nested States object by the list of its names.
func stateNames(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	names := make([]any, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return names[i].(string) < names[j].(string) })
	return names
}

// renameField renames the transition target in field k of m, if present.
func renameField(m map[string]any, k string, renames map[string]string) {
	if v, ok := m[k]; ok {
		m[k] = rename(v, renames)
	}
}

func rename(v any, renames map[string]string) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if to, ok := renames[s]; ok {
		return to
	}
	return s
}

func machineFields(m *asl.StateMachine, renames map[string]string) any {
	v := map[string]any{"StartAt": rename(m.StartAt, renames)}
	if m.Comment != "" {
		v["Comment"] = m.Comment
	}
	if m.QueryLanguage != "" {
		v["QueryLanguage"] = string(m.QueryLanguage)
	}
	if m.Version != "" {
		v["Version"] = m.Version
	}
	if m.TimeoutSeconds != nil {
		v["TimeoutSeconds"] = json.Number(fmt.Sprint(*m.TimeoutSeconds))
	}
	return v
}

// leaves flattens a JSON value into path=value strings.
func leaves(v any) map[string]bool {
	out := map[string]bool{}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "Comment" {
					continue
				}
				walk(p+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", p, i), e)
			}
		default:
			out[p+"="+compact(x)] = true
		}
	}
	walk("", v)
	return out
}

func similarity(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// compact prints a value as compact JSON, as the engine prints payloads
// ("" for a value that does not encode).
func compact(v any) string {
	b, _ := jsonenc.Marshal(v)
	return string(b)
}

// fieldDiff lists the differing leaves of two JSON values. Arrays of
// retriers and catchers are labelled by their ErrorEquals.
func fieldDiff(a, b any, path string) []Field {
	var out []Field
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		for _, k := range jsonvalue.UnionKeys(x, y) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			xv, xok := x[k]
			yv, yok := y[k]
			switch {
			case !xok:
				out = append(out, Field{Path: p, New: compact(yv)})
			case !yok:
				out = append(out, Field{Path: p, Old: compact(xv)})
			default:
				out = append(out, fieldDiff(xv, yv, p)...)
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || !isObjectArray(x) || !isObjectArray(y) {
			break
		}
		n := max(len(x), len(y))
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(x):
				out = append(out, Field{Path: p, New: compact(y[i])})
			case i >= len(y):
				out = append(out, Field{Path: p, Old: compact(x[i])})
			default:
				out = append(out, fieldDiff(x[i], y[i], p)...)
			}
		}
		return out
	}
	if ca, cb := compact(a), compact(b); ca != cb {
		out = append(out, Field{Path: path, Old: ca, New: cb})
	}
	return out
}

func isObjectArray(a []any) bool {
	for _, e := range a {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	return len(a) > 0
}

// labelFields names Retry[i] and Catch[i] fields by the ErrorEquals of the
// retrier or catcher (from head, else base) so a reader need not count.
func labelFields(fs []Field, base, head asl.State) []Field {
	for i := range fs {
		var kind string
		var idx int
		if n, _ := fmt.Sscanf(fs[i].Path, "Choices[%d]", &idx); n == 1 && strings.Contains(fs[i].Path, "].") {
			if l := ruleLabel(head, idx); l != "" {
				fs[i].Label = l + " " + fs[i].Path[strings.Index(fs[i].Path, "].")+2:]
			}
			continue
		}
		if n, _ := fmt.Sscanf(fs[i].Path, "Retry[%d]", &idx); n == 1 {
			kind = "Retry"
		} else if n, _ := fmt.Sscanf(fs[i].Path, "Catch[%d]", &idx); n == 1 {
			kind = "Catch"
		} else {
			continue
		}
		for _, s := range []asl.State{head, base} {
			if names := errorNames(s, kind, idx); names != "" {
				fs[i].Label = kind + "[" + names + "]" + strings.TrimPrefix(fs[i].Path, fmt.Sprintf("%s[%d]", kind, idx))
				break
			}
		}
	}
	return fs
}

// ruleLabel names Choice rule i by its number, variable and target:
// "Choice rule 2 ($.transform.chunkCount → LoadChunks)".
func ruleLabel(s asl.State, i int) string {
	c, ok := s.(*asl.Choice)
	if !ok || i >= len(c.Choices) {
		return ""
	}
	r := c.Choices[i]
	what := r.Variable
	if what == "" && len(r.Condition) > 0 {
		what = string(r.Condition)
	}
	if what == "" {
		return fmt.Sprintf("Choice rule %d (→ %s)", i+1, r.Next)
	}
	return fmt.Sprintf("Choice rule %d (%s → %s)", i+1, what, r.Next)
}

func errorNames(s asl.State, kind string, i int) string {
	h, ok := s.(asl.Handler)
	if !ok {
		return ""
	}
	var names []asl.ErrorName
	e := h.Handling()
	switch {
	case kind == "Retry" && i < len(e.Retry):
		names = e.Retry[i].ErrorEquals
	case kind == "Catch" && i < len(e.Catch):
		names = e.Catch[i].ErrorEquals
	}
	out := make([]string, len(names))
	for j, n := range names {
		out[j] = string(n)
	}
	return strings.Join(out, ", ")
}

// summary describes a state in one line for added and removed states.
func summary(s asl.State) string {
	var parts []string
	switch x := s.(type) {
	case *asl.Task:
		parts = append(parts, "Resource "+x.Resource)
	case *asl.Choice:
		parts = append(parts, fmt.Sprintf("%d rule(s)", len(x.Choices)))
		if x.Default != "" {
			parts = append(parts, "Default → "+x.Default)
		}
	case *asl.Map:
		mode := "inline"
		if x.Distributed() {
			mode = "distributed"
		}
		parts = append(parts, mode)
	case *asl.Parallel:
		parts = append(parts, fmt.Sprintf("%d branch(es)", len(x.Branches)))
	case *asl.Fail:
		if x.Error != "" {
			parts = append(parts, "Error "+x.Error)
		}
	}
	if h, ok := s.(asl.Handler); ok {
		e := h.Handling()
		if n := len(e.Retry); n > 0 {
			parts = append(parts, fmt.Sprintf("%d retrier(s)", n))
		}
		if n := len(e.Catch); n > 0 {
			parts = append(parts, fmt.Sprintf("%d catcher(s)", n))
		}
	}
	if f, ok := s.(asl.Flower); ok {
		t := f.Flow()
		if t.Next != "" {
			parts = append(parts, "Next → "+t.Next)
		} else if t.End {
			parts = append(parts, "End")
		}
	}
	return strings.Join(parts, ", ")
}
