package eventmatch

import (
	"slices"
	"strconv"
	"strings"
)

// MaxWildcardComplexity is the largest wildcard complexity of one field
// that the local validator accepts; a pattern above it is refused with
// EventBridge's "Rule is too complex" message.
//
// Complexity follows Event Ruler's MachineComplexityEvaluator: the most
// wildcard pattern prefixes that a single value can match at once, summed
// over the wildcard and anything-but-wildcard filters of one field. AWS
// does not document the limit. It is set from evidence: the recorded
// case "*:*:*:*:*:event-bus/*" (complexity 10) is refused, the recorded
// "/Users/*/dir/dir/dir/dir/dir/doc.txt" (7) is accepted, and a public
// report of a rule refused with four "*/datasync/*.<ext>" wildcards on one
// field (16) that was accepted split into rules of two (8). So the limit
// lies between 8 and 9; 9 is taken.
const MaxWildcardComplexity = 9

// maxComplexitySets bounds the evaluation's work on hostile patterns.
const maxComplexitySets = 4096

// checkComplexity evaluates every field's wildcards. Filters on one path
// are evaluated together across the pattern's "$or" alternatives, which
// is what EventBridge does when the alternatives agree on the fields that
// sort before it (and errs on the side of refusing otherwise).
func (p *Pattern) checkComplexity() error {
	byPath := map[string][]*matcher{}
	seen := map[int]bool{}
	for _, r := range p.rules {
		for _, f := range r.fields {
			for i := range f.matchers {
				m := &f.matchers[i]
				if len(m.wildcardSources) == 0 || seen[m.wildcardComplexityKey] {
					continue
				}
				seen[m.wildcardComplexityKey] = true
				byPath[f.path] = append(byPath[f.path], m)
			}
		}
	}
	for _, ms := range byPath {
		if wildcardComplexity(ms) > MaxWildcardComplexity {
			return refuse("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")
		}
	}
	return nil
}

// nfaState is a position in a wildcard: after some of its tokens.
type nfaState struct {
	next map[byte][]int // literal transitions
	star bool           // a '*' position: loops on every byte
	eps  int            // the star position right after this one, or 0
}

// WildcardComplexity returns the complexity of the given wildcards on one
// field, each its own filter. The evaluation stops at the first value
// above MaxWildcardComplexity and returns it.
func WildcardComplexity(wildcards ...string) int {
	var ms []*matcher
	for i, w := range wildcards {
		if _, err := parseGlob(w); err != nil {
			continue
		}
		ms = append(ms, &matcher{wildcardSources: []string{w}, wildcardComplexityKey: i + 1})
	}
	return wildcardComplexity(ms)
}

// wildcardComplexity builds one automaton of every wildcard on a field,
// the values of a filter sharing their states up to and including the
// first star (as Event Ruler's byte machine does), and explores the sets
// of states a value can reach. Each set's size is the number of wildcard
// prefixes the value read so far matches. Strings are read with the
// quotes EventBridge puts around them.
func wildcardComplexity(ms []*matcher) int {
	states := []nfaState{{}} // 0: the start, shared and not counted
	alphabet := map[byte]bool{}
	add := func() int {
		states = append(states, nfaState{})
		return len(states) - 1
	}
	for _, m := range ms {
		shared := map[string]int{}
		for _, src := range m.wildcardSources {
			toks := wildcardTokens(src)
			cur, determinate := 0, true
			key := ""
			for _, t := range toks {
				if determinate {
					key += strconv.Itoa(t) + ","
					if s, ok := shared[key]; ok {
						cur = s
						if t == starToken {
							determinate = false
						}
						continue
					}
				}
				s := add()
				if t == starToken {
					states[s].star = true
					states[cur].eps = s
				} else {
					if states[cur].next == nil {
						states[cur].next = map[byte][]int{}
					}
					states[cur].next[byte(t)] = append(states[cur].next[byte(t)], s)
					alphabet[byte(t)] = true
				}
				if determinate {
					shared[key] = s
					if t == starToken {
						determinate = false
					}
				}
				cur = s
			}
		}
	}
	closure := func(set map[int]bool) {
		for s := range set {
			for e := states[s].eps; e != 0 && !set[e]; e = states[e].eps {
				set[e] = true
			}
		}
	}
	bytes := []int{-1} // a byte no wildcard spells
	for b := range alphabet {
		bytes = append(bytes, int(b))
	}
	slices.Sort(bytes)
	start := map[int]bool{0: true}
	closure(start)
	pending := []map[int]bool{start}
	visited := map[string]bool{}
	most := 0
	for len(pending) > 0 && len(visited) < maxComplexitySets {
		set := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		for _, b := range bytes {
			next := map[int]bool{}
			for s := range set {
				if states[s].star {
					next[s] = true
				}
				if b >= 0 {
					for _, t := range states[s].next[byte(b)] {
						next[t] = true
					}
				}
			}
			if len(next) == 0 {
				continue
			}
			closure(next)
			most = max(most, len(next))
			if most > MaxWildcardComplexity {
				return most
			}
			k := setKey(next)
			if !visited[k] {
				visited[k] = true
				pending = append(pending, next)
			}
		}
	}
	return most
}

const starToken = 256

// wildcardTokens returns the bytes of a wildcard between quotes, with
// starToken for each unescaped '*'.
func wildcardTokens(w string) []int {
	toks := []int{'"'}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '*':
			toks = append(toks, starToken)
		case '\\':
			if i+1 < len(w) {
				i++
			}
			toks = append(toks, int(w[i]))
		default:
			toks = append(toks, int(w[i]))
		}
	}
	return append(toks, '"')
}

func setKey(set map[int]bool) string {
	ids := make([]int, 0, len(set))
	for s := range set {
		ids = append(ids, s)
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(id))
		b.WriteByte(',')
	}
	return b.String()
}
