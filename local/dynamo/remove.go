package dynamo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// minidyn (v0.8.2) applies the REMOVE clause of an UpdateExpression to
// nested paths (m.x, l[1]) but ignores it for a top-level attribute, so
// the store removes those itself from the item minidyn leaves, before
// storing it: a state machine that clears an attribute behaves locally as
// on AWS.

// updateClause finds the clause keywords of an UpdateExpression.
var updateClause = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`) })

// topLevelRemoves returns the top-level attribute names expr's REMOVE
// clause names, #names resolved; nested paths are left to minidyn.
func topLevelRemoves(expr string, names map[string]string) ([]string, error) {
	locs := updateClause().FindAllStringSubmatchIndex(expr, -1)
	var clause string
	for i, loc := range locs {
		if strings.EqualFold(expr[loc[2]:loc[3]], "REMOVE") {
			end := len(expr)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			clause = expr[loc[1]:end]
		}
	}
	var out []string
	for _, p := range strings.Split(clause, ",") {
		p = strings.TrimSpace(p)
		if p == "" || strings.ContainsAny(p, ".[") {
			continue
		}
		if strings.HasPrefix(p, "#") {
			v, ok := names[p]
			if !ok {
				return nil, fmt.Errorf("Value provided in ExpressionAttributeNames unused or undefined: %s is not defined", p)
			}
			p = v
		}
		out = append(out, p)
	}
	return out, nil
}

// applyRemove removes from item the top-level attributes an UpdateItem
// request's REMOVE clause names, and reports whether item changed.
func applyRemove(req map[string]json.RawMessage, item map[string]json.RawMessage) (bool, error) {
	var in struct {
		UpdateExpression         string
		ExpressionAttributeNames map[string]string
	}
	b, _ := json.Marshal(req)
	if err := json.Unmarshal(b, &in); err != nil || in.UpdateExpression == "" {
		return false, err
	}
	names, err := topLevelRemoves(in.UpdateExpression, in.ExpressionAttributeNames)
	if err != nil {
		return false, err
	}
	changed := false
	for _, n := range names {
		if _, ok := item[n]; ok {
			delete(item, n)
			changed = true
		}
	}
	return changed, nil
}
