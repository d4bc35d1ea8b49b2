package validate

import "maps"

// variables checks every variable read against the variables that can have
// been assigned before it: a read of a name that no state assigns, or one
// assigned somewhere but on no path of transitions leading to the reading
// state. Both are warnings: Step Functions accepts such definitions (the
// state fails at run time), and the corpus recorded on AWS has some.
//
// Scopes follow Step Functions: a Parallel branch or an inline Map processor
// sees the variables of its enclosing state; a Distributed Map processor sees
// none; what a branch assigns is not visible outside it.
func (c *checker) variables() {
	if len(c.assigned) == 0 && !c.anyRefs() {
		return
	}
	// c.graphs lists each parent graph before its children, so the parent
	// state's entry set is final when a child graph starts.
	for _, g := range c.graphs {
		base := map[string]bool{}
		if g.parent != nil && !g.isolated {
			base = g.parent.in
		}
		c.flow(g, base)
	}
	for _, g := range c.graphs {
		for _, si := range g.states {
			for _, r := range si.refs {
				switch {
				case !c.assigned[r.name]:
					c.warnf(r.path, si.name, CodeUndefinedVariable, "variable $%s is not assigned by any state; the state will fail when it reads it", r.name)
				case !si.in[r.name]:
					c.warnf(r.path, si.name, CodeVariableMaybeUnassigned, "variable $%s may not be assigned when state %q runs: no state before it on any path assigns it", r.name, si.name)
				}
			}
		}
	}
}

func (c *checker) anyRefs() bool {
	for _, g := range c.graphs {
		for _, si := range g.states {
			if len(si.refs) > 0 {
				return true
			}
		}
	}
	return false
}

// flow computes, for each state of g, the variables possibly assigned on
// entry: the union over incoming transitions of what was assigned before
// the source plus what the transition assigns.
func (c *checker) flow(g *graphInfo, base map[string]bool) {
	for _, si := range g.states {
		si.in = nil
	}
	start, ok := g.byName[g.startAt]
	if !ok {
		for _, si := range g.states {
			si.in = map[string]bool{}
		}
		return
	}
	start.in = maps.Clone(base)
	work := []*stateInfo{start}
	for len(work) > 0 {
		si := work[len(work)-1]
		work = work[:len(work)-1]
		for _, e := range si.edges {
			t, ok := g.byName[e.to]
			if !ok {
				continue
			}
			changed := false
			if t.in == nil {
				t.in = map[string]bool{}
				changed = true
			}
			for v := range si.in {
				if !t.in[v] {
					t.in[v] = true
					changed = true
				}
			}
			for _, v := range e.assigns {
				if !t.in[v] {
					t.in[v] = true
					changed = true
				}
			}
			if changed {
				work = append(work, t)
			}
		}
	}
	for _, si := range g.states {
		if si.in == nil {
			si.in = map[string]bool{}
		}
	}
}
