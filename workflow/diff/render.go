package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Text writes the report for a terminal: one line per state change, with
// field changes indented below it.
func (r *Report) Text(w io.Writer) error {
	var b strings.Builder
	if r.Equal() {
		b.WriteString("no changes\n")
	}
	for _, c := range r.Changes {
		switch c.Kind {
		case Machine:
			b.WriteString("machine:\n")
		case Added:
			fmt.Fprintf(&b, "+ %s (%s%s): %s\n", c.State, c.Type, where(c.Where), c.Summary)
		case Removed:
			fmt.Fprintf(&b, "- %s (%s%s): %s\n", c.State, c.Type, where(c.Where), c.Summary)
		case Renamed:
			fmt.Fprintf(&b, "~ %s renamed to %s (%s%s)\n", c.From, c.State, c.Type, where(c.Where))
		case Modified:
			fmt.Fprintf(&b, "* %s (%s%s):\n", c.State, c.Type, where(c.Where))
		}
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "    %s\n", sentence(f, false))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes the report as a pull-request comment: a summary line,
// then sections for added, removed, renamed and changed states.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("### State machine changes\n\n")
	if r.Equal() {
		b.WriteString("No changes to the state machine.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	counts := map[Kind]int{}
	for _, c := range r.Changes {
		counts[c.Kind]++
	}
	var parts []string
	for _, k := range []Kind{Added, Removed, Renamed, Modified} {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if counts[Machine] > 0 {
		parts = append(parts, "machine settings changed")
	}
	b.WriteString("**" + strings.Join(parts, ", ") + "**\n")
	section := func(k Kind, title string) {
		if counts[k] == 0 {
			return
		}
		fmt.Fprintf(&b, "\n#### %s\n\n", title)
		for _, c := range r.Changes {
			if c.Kind != k {
				continue
			}
			switch k {
			case Machine:
				for _, f := range c.Fields {
					fmt.Fprintf(&b, "- %s\n", sentence(f, true))
				}
				continue
			case Added, Removed:
				fmt.Fprintf(&b, "- `%s` (%s%s): %s\n", c.State, c.Type, where(c.Where), c.Summary)
				continue
			case Renamed:
				fmt.Fprintf(&b, "- `%s` → `%s` (%s%s)\n", c.From, c.State, c.Type, where(c.Where))
			case Modified:
				fmt.Fprintf(&b, "- `%s` (%s%s)\n", c.State, c.Type, where(c.Where))
			}
			for _, f := range c.Fields {
				fmt.Fprintf(&b, "  - %s\n", sentence(f, true))
			}
		}
	}
	section(Machine, "Machine")
	section(Added, "Added states")
	section(Removed, "Removed states")
	section(Renamed, "Renamed states")
	section(Modified, "Changed states")
	_, err := io.WriteString(w, b.String())
	return err
}

func where(w string) string {
	if w == "" {
		return ""
	}
	return " in " + w
}

// sentence phrases a field change for a reader, with special wording for
// the fields reviewers care most about.
func sentence(f Field, md bool) string {
	code := func(s string) string {
		if md {
			return "`" + s + "`"
		}
		return s
	}
	name := f.Path
	if f.Label != "" {
		name = f.Label
	}

	last := f.Path
	if i := strings.LastIndexAny(last, ".]"); i >= 0 && i+1 < len(last) {
		last = strings.TrimPrefix(last[i+1:], ".")
	}
	if rule, ok := strings.CutPrefix(f.Path, "Choices["); ok && strings.HasSuffix(rule, "]") {
		n := ruleNumber(strings.TrimSuffix(rule, "]"))
		switch {
		case f.Old == "" && f.New != "":
			return fmt.Sprintf("new Choice rule %s: %s", n, code(describeRule(f.New)))
		case f.New == "" && f.Old != "":
			return fmt.Sprintf("Choice rule %s removed (was %s)", n, code(describeRule(f.Old)))
		}
	}
	switch {
	case f.Old == "" && f.New != "":
		return fmt.Sprintf("%s added: %s", code(name), code(f.New))
	case f.New == "" && f.Old != "":
		return fmt.Sprintf("%s removed (was %s)", code(name), code(f.Old))
	}
	switch last {
	case "MaxAttempts":
		return fmt.Sprintf("%s: now retries up to %s times instead of %s", code(strings.TrimSuffix(name, ".MaxAttempts")), f.New, f.Old)
	case "Next", "Default", "StartAt":
		return fmt.Sprintf("%s now goes to %s instead of %s", code(name), code(unquote(f.New)), code(unquote(f.Old)))
	case "TimeoutSeconds", "HeartbeatSeconds", "IntervalSeconds", "MaxDelaySeconds":
		return fmt.Sprintf("%s: %s s instead of %s s", code(name), f.New, f.Old)
	}
	return fmt.Sprintf("%s: %s → %s", code(name), code(f.Old), code(f.New))
}

func unquote(s string) string {
	return strings.Trim(s, `"`)
}

// describeRule renders a Choice rule as "Variable Operator Value → Next".
func describeRule(raw string) string {
	var r map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &r) != nil {
		return raw
	}
	var parts []string
	var next string
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var variable, cond string
	for _, k := range keys {
		switch k {
		case "Next":
			_ = json.Unmarshal(r[k], &next)
		case "Variable":
			_ = json.Unmarshal(r[k], &variable)
		case "Condition":
			cond = string(r[k])
		case "Comment", "Assign", "Output":
		default:
			parts = append(parts, k+" "+string(r[k]))
		}
	}
	s := strings.TrimSpace(variable + " " + strings.Join(parts, " "))
	if cond != "" {
		s = cond
	}
	if next != "" {
		s += " → " + next
	}
	return s
}

// ruleNumber turns a 0-based index into the 1-based number a reader uses.
func ruleNumber(i string) string {
	var n int
	if _, err := fmt.Sscanf(i, "%d", &n); err != nil {
		return i
	}
	return fmt.Sprint(n + 1)
}
