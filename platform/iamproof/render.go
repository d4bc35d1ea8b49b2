package iamproof

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// RenderJSON writes the report as indented JSON:
// {"stack", "tools", "calls":[{principal, action, resource, decision, ...}],
// "unused":[{principal, action, statement, reason}], "catalog":[...]}.
func RenderJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Render writes the readable report: the table principal | action |
// resource | decision (a KMS call a service makes says for which call),
// the unused grants with their reasons, catalogue issues, and a summary
// line naming every failure.
func Render(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "IAM proof, stack %s (", r.Stack)
	for i, k := range slices.Sorted(maps.Keys(r.Tools)) {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %s", k, r.Tools[k])
	}
	fmt.Fprintf(w, "): %d calls\n\n", len(r.Calls))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tACTION\tRESOURCE\tDECISION")
	for _, c := range r.Calls {
		action := c.Action
		if c.Via != "" {
			action += " (for " + c.Via + ")"
		}
		if action == "" {
			action = c.Operation
		}
		dec := c.Decision
		if c.Detail != "" {
			dec += ": " + c.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Principal, action, c.Resource, dec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nGranted, not called in the run (%d):\n", len(r.Unused))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, u := range r.Unused {
		reason := u.Reason
		if reason == "" {
			reason = "UNEXPLAINED: no call uses it and no reason is listed"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Principal, u.Action, u.Statement, reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Catalog) > 0 {
		fmt.Fprintf(w, "\nNot in AWS's catalogue (%d):\n", len(r.Catalog))
		for _, c := range r.Catalog {
			fmt.Fprintf(w, "  %s [%s] %s %s: %s\n", c.Policy, c.Sid, c.Action, c.Resource, c.Problem)
		}
	}
	f := r.Failures()
	if len(f) == 0 {
		fmt.Fprintf(w, "\nok: every call allowed, every grant used or explained, every policy entry in the catalogue\n")
		return nil
	}
	fmt.Fprintf(w, "\nFAILED (%d):\n", len(f))
	for _, s := range f {
		fmt.Fprintf(w, "  %s\n", s)
	}
	return nil
}
