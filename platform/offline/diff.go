package offline

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Change is one difference between two preview documents.
type Change struct {
	// Op is "add", "remove" or "change".
	Op string `json:"op"`
	// URN, Type and Name identify the resource.
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Properties lists, for a change, each property path with its old and
	// new value (JSON text; empty when absent).
	Properties []PropertyChange `json:"properties,omitempty"`
}

// PropertyChange is one changed property.
type PropertyChange struct {
	Path string `json:"path"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// Diff compares two documents by URN and, for resources in both, by
// flattened property path (IAM documents compared as parsed statements).
func Diff(base, head Document) []Change {
	b := map[string]Entry{}
	for _, e := range base.Resources {
		b[e.URN] = e
	}
	h := map[string]Entry{}
	for _, e := range head.Resources {
		h[e.URN] = e
	}
	var out []Change
	for _, urn := range slices.Sorted(maps.Keys(h)) {
		e := h[urn]
		old, ok := b[urn]
		if !ok {
			out = append(out, Change{Op: "add", URN: urn, Type: e.Type, Name: e.Name})
			continue
		}
		fo, fn := flatten(comparable(old)), flatten(comparable(e))
		var pcs []PropertyChange
		for _, k := range slices.Sorted(maps.Keys(union(fo, fn))) {
			if fo[k] != fn[k] {
				pcs = append(pcs, PropertyChange{Path: k, Old: fo[k], New: fn[k]})
			}
		}
		if len(pcs) > 0 {
			out = append(out, Change{Op: "change", URN: urn, Type: e.Type, Name: e.Name, Properties: pcs})
		}
	}
	for _, urn := range slices.Sorted(maps.Keys(b)) {
		if _, ok := h[urn]; !ok {
			out = append(out, Change{Op: "remove", URN: urn, Type: b[urn].Type, Name: b[urn].Name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return opOrder[out[i].Op] < opOrder[out[j].Op] })
	return out
}

var opOrder = map[string]int{"add": 0, "remove": 1, "change": 2}

// comparable is an entry's properties with policy texts replaced by their
// parsed statements, so that a change shows as a statement path.
func comparable(e Entry) map[string]any {
	m := map[string]any{}
	for k, v := range e.Properties {
		m[k] = v
	}
	for k, d := range e.Policies {
		var v any
		b, _ := json.Marshal(d)
		_ = json.Unmarshal(b, &v)
		m[k] = v
	}
	if e.Parent != "" {
		m["(parent)"] = e.Parent
	}
	return m
}

func union(a, b map[string]string) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// flatten maps every leaf of v to its JSON text, keyed by dotted path.
func flatten(v map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 {
				out[prefix] = "{}"
			}
			for k, vv := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, vv)
			}
		case []any:
			if len(x) == 0 {
				out[prefix] = "[]"
			}
			for i, vv := range x {
				walk(prefix+"["+strconv.Itoa(i)+"]", vv)
			}
		case string:
			// Embedded JSON (event patterns, dashboards, definitions) is
			// compared by its structure.
			var inner any
			if len(x) > 1 && (x[0] == '{' || x[0] == '[') && json.Unmarshal([]byte(x), &inner) == nil {
				switch in := inner.(type) {
				case map[string]any, []any:
					walk(prefix, in)
					return
				}
			}
			out[prefix] = jsonText(x)
		default:
			out[prefix] = jsonText(x)
		}
	}
	walk("", v)
	return out
}

// RenderDiff writes the changes as Markdown (a pull request summary).
func RenderDiff(w io.Writer, stack string, changes []Change) error {
	fmt.Fprintf(w, "### Offline preview of stack `%s`: %d change(s)\n\n", stack, len(changes))
	if len(changes) == 0 {
		_, err := fmt.Fprintln(w, "No resource or property changes.")
		return err
	}
	sym := map[string]string{"add": "+", "remove": "-", "change": "~"}
	fmt.Fprintln(w, "```diff")
	for _, c := range changes {
		fmt.Fprintf(w, "%s %s %s\n", sym[c.Op], c.Type, c.Name)
		for _, p := range c.Properties {
			switch {
			case p.Old == "":
				fmt.Fprintf(w, "+     %s: %s\n", p.Path, p.New)
			case p.New == "":
				fmt.Fprintf(w, "-     %s: %s\n", p.Path, p.Old)
			default:
				fmt.Fprintf(w, "!     %s: %s => %s\n", p.Path, p.Old, p.New)
			}
		}
	}
	_, err := fmt.Fprintln(w, "```")
	return err
}

// jsonText encodes v without HTML escaping (">=" stays readable).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
