package eventmatch

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// EventError is the ValidationException TestEventPattern answers for an
// event it refuses: not a JSON object, or without the envelope fields.
type EventError struct {
	// Reason says what is wrong, for people; AWS says only that the
	// parameter is not valid.
	Reason string
}

// Code is the AWS error code.
func (e *EventError) Code() string { return "ValidationException" }

func (e *EventError) Error() string { return "Parameter Event is not valid." }

// EnvelopeFields are the fields TestEventPattern requires of an event.
var EnvelopeFields = []string{"id", "account", "source", "time", "region", "detail-type"}

// Event is an event flattened for matching, as EventBridge sees it: every
// leaf value (string, number, true, false, null) under its dotted path.
// Objects and empty arrays have no value of their own.
type Event struct {
	leaves map[string][]leaf
}

// leaf is one value of an event and the array elements it sits in.
type leaf struct {
	kind   kind
	text   string
	arrays []arrayPos
}

type arrayPos struct{ array, index int }

// ParseEvent reads an event from its text. Numbers keep their written
// form. It refuses text that is not a JSON object with an *EventError.
func ParseEvent(text []byte) (*Event, error) {
	v, err := parseJSON(text)
	if err != nil {
		return nil, &EventError{Reason: err.Error()}
	}
	if v.kind != kindObject {
		return nil, &EventError{Reason: "the event is not a JSON object"}
	}
	e := &Event{leaves: map[string][]leaf{}}
	arrays := 0
	e.flatten(v, "", nil, &arrays)
	return e, nil
}

// CheckEnvelope reports an *EventError unless the event has every field
// of EnvelopeFields, as TestEventPattern requires.
func (e *Event) CheckEnvelope() error {
	for _, f := range EnvelopeFields {
		if len(e.leaves[f]) == 0 {
			return &EventError{Reason: "the event has no " + f + " field"}
		}
	}
	return nil
}

func (e *Event) flatten(v value, path string, arrays []arrayPos, n *int) {
	switch v.kind {
	case kindObject:
		for _, m := range v.members {
			p := m.name
			if path != "" {
				p = path + "." + m.name
			}
			e.flatten(m.value, p, arrays, n)
		}
	case kindArray:
		*n++
		id := *n
		for i, item := range v.items {
			pos := append(append([]arrayPos(nil), arrays...), arrayPos{id, i})
			e.flatten(item, path, pos, n)
		}
	default:
		e.leaves[path] = append(e.leaves[path], leaf{kind: v.kind, text: v.text, arrays: arrays})
	}
}

// Match reports whether the event matches the pattern. Within one
// alternative, values taken from an array of objects must come from the
// same element of it (Event Ruler's array consistency).
func (p *Pattern) Match(e *Event) bool { return p.match(e, false) }

// match matches; unlimited compares numbers over the whole float64 range.
func (p *Pattern) match(e *Event, unlimited bool) bool {
	for _, r := range p.rules {
		if r.match(e, unlimited) {
			return true
		}
	}
	return false
}

// MatchText parses the event and matches it; see ParseEvent and Match. It
// does not require the envelope fields.
func (p *Pattern) MatchText(event []byte) (bool, error) {
	e, err := ParseEvent(event)
	if err != nil {
		return false, err
	}
	return p.Match(e), nil
}

func (r rule) match(e *Event, unlimited bool) bool {
	// For each field, the leaves that match it; absent (nil with ok) when
	// the field matches by its absence.
	cands := make([][]*leaf, len(r.fields))
	for i, f := range r.fields {
		leaves := e.leaves[f.path]
		if len(leaves) == 0 {
			if !f.allowsAbsence() {
				return false
			}
			continue // matched by absence: no constraint on arrays
		}
		for j := range leaves {
			if f.matches(&leaves[j], unlimited) {
				cands[i] = append(cands[i], &leaves[j])
			}
		}
		if len(cands[i]) == 0 {
			return false
		}
	}
	// Candidates in no array constrain nothing; the search below only
	// runs for values inside arrays of objects.
	constrained := false
	for i, c := range cands {
		cands[i] = dedupe(c)
		for _, l := range cands[i] {
			constrained = constrained || len(l.arrays) > 0
		}
	}
	if !constrained {
		return true
	}
	chosen := make([]*leaf, 0, len(r.fields))
	steps := 0
	var pick func(i int) bool
	pick = func(i int) bool {
		if i == len(cands) {
			return true
		}
		if cands[i] == nil {
			return pick(i + 1)
		}
		for _, l := range cands[i] {
			if steps++; steps > maxConsistencySteps {
				// A hostile event: give up on array consistency
				// rather than search on (documented in docs/routing.md).
				return true
			}
			if consistentWithAll(l, chosen) {
				chosen = append(chosen, l)
				if pick(i + 1) {
					return true
				}
				chosen = chosen[:len(chosen)-1]
			}
		}
		return false
	}
	return pick(0)
}

// maxConsistencySteps bounds the search for array-consistent values.
const maxConsistencySteps = 100000

// dedupe keeps one candidate per distinct array position: candidates that
// sit in the same array elements constrain the others alike.
func dedupe(c []*leaf) []*leaf {
	if len(c) < 2 {
		return c
	}
	seen := map[string]bool{}
	out := c[:0:0]
	for _, l := range c {
		var b strings.Builder
		for _, a := range l.arrays {
			b.WriteString(strconv.Itoa(a.array))
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(a.index))
			b.WriteByte(',')
		}
		if k := b.String(); !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

func consistentWithAll(l *leaf, chosen []*leaf) bool {
	for _, c := range chosen {
		for _, a := range l.arrays {
			for _, b := range c.arrays {
				if a.array == b.array && a.index != b.index {
					return false
				}
			}
		}
	}
	return true
}

func (f field) allowsAbsence() bool {
	for _, m := range f.matchers {
		if m.op == opAbsent {
			return true
		}
	}
	return false
}

func (f field) matches(l *leaf, unlimited bool) bool {
	for i := range f.matchers {
		if f.matchers[i].matches(l, unlimited) {
			return true
		}
	}
	return false
}

// matches reports whether a present value matches.
func (m *matcher) matches(l *leaf, unlimited bool) bool {
	isStr := l.kind == kindString
	switch m.op {
	case opExact:
		if l.kind != m.kind && !(isNum(l) && m.kind == kindNumber) {
			return false
		}
		if l.text == m.text {
			return true
		}
		if m.kind == kindNumber && m.hasKey {
			k, ok := numKey(l.text)
			return ok && k == m.key
		}
		if m.kind == kindString && m.ipLo.IsValid() {
			ip, ok := parseIP(l.text)
			return ok && ip == m.ipLo
		}
		return false
	case opPrefix:
		return isStr && hasPrefix(l.text, m.text, m.fold)
	case opSuffix:
		return isStr && hasSuffix(l.text, m.text, m.fold)
	case opEqualsIgnoreCase:
		return isStr && strings.EqualFold(l.text, m.text)
	case opWildcard:
		return isStr && m.globs[0].match(l.text)
	case opNumeric:
		if !isNum(l) {
			return false
		}
		if unlimited {
			f, err := strconv.ParseFloat(l.text, 64)
			return err == nil && m.inFloatRange(f)
		}
		k, ok := numKey(l.text)
		if !ok {
			return false
		}
		if m.hasLo && (k < m.lo || m.openLo && k == m.lo) {
			return false
		}
		if m.hasHi && (k > m.hi || m.openHi && k == m.hi) {
			return false
		}
		return true
	case opExists:
		return true
	case opAbsent:
		return false
	case opCIDR:
		if !isStr {
			return false
		}
		ip, ok := parseIP(l.text)
		return ok && ip.BitLen() == m.ipLo.BitLen() && m.ipLo.Compare(ip) <= 0 && ip.Compare(m.ipHi) <= 0
	case opAnythingBut:
		if m.numeric {
			if !isNum(l) {
				return true
			}
			k, ok := numKey(l.text)
			if !ok {
				return true
			}
			for _, x := range m.keys {
				if x == k {
					return false
				}
			}
			return true
		}
		if !isStr {
			return true
		}
		for _, s := range m.strs {
			if s == l.text {
				return false
			}
		}
		return true
	case opAnythingButPrefix, opAnythingButSuffix, opAnythingButFold:
		if !isStr {
			return true
		}
		for _, s := range m.strs {
			var hit bool
			switch m.op {
			case opAnythingButPrefix:
				hit = strings.HasPrefix(l.text, s)
			case opAnythingButSuffix:
				hit = strings.HasSuffix(l.text, s)
			default:
				hit = strings.EqualFold(l.text, s)
			}
			if hit {
				return false
			}
		}
		return true
	case opAnythingButWildcard:
		if !isStr {
			return true
		}
		for _, g := range m.globs {
			if g.match(l.text) {
				return false
			}
		}
		return true
	}
	return false
}

// inFloatRange compares with the bounds as written, over float64.
func (m *matcher) inFloatRange(f float64) bool {
	if m.hasLo && (f < m.loF || m.openLo && f == m.loF) {
		return false
	}
	if m.hasHi && (f > m.hiF || m.openHi && f == m.hiF) {
		return false
	}
	return true
}

func isNum(l *leaf) bool { return l.kind == kindNumber }

// hasPrefix reports whether s starts with p, comparing runes without
// regard to case when fold is set.
func hasPrefix(s, p string, fold bool) bool {
	if !fold {
		return strings.HasPrefix(s, p)
	}
	for p != "" {
		if s == "" {
			return false
		}
		a, na := utf8.DecodeRuneInString(s)
		b, nb := utf8.DecodeRuneInString(p)
		if !strings.EqualFold(string(a), string(b)) {
			return false
		}
		s, p = s[na:], p[nb:]
	}
	return true
}

func hasSuffix(s, p string, fold bool) bool {
	if !fold {
		return strings.HasSuffix(s, p)
	}
	for p != "" {
		if s == "" {
			return false
		}
		a, na := utf8.DecodeLastRuneInString(s)
		b, nb := utf8.DecodeLastRuneInString(p)
		if !strings.EqualFold(string(a), string(b)) {
			return false
		}
		s, p = s[:len(s)-na], p[:len(p)-nb]
	}
	return true
}
