package eventmatch

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// PatternError is EventBridge's InvalidEventPatternException: the pattern
// is refused. Reason is the first line of what AWS says, in AWS's words
// where the conformance corpus recorded them.
type PatternError struct {
	Reason string
}

// Code is the AWS error code.
func (e *PatternError) Code() string { return "InvalidEventPatternException" }

func (e *PatternError) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func refuse(format string, args ...any) error {
	return &PatternError{Reason: fmt.Sprintf(format, args...)}
}

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	// rules are the pattern's alternatives: "$or" multiplies them out, as
	// Event Ruler does. An event matches when it matches one of them.
	rules []rule
}

// rule is one alternative: every field must match.
type rule struct {
	fields []field // sorted by path
}

// field is the condition on one flattened path ("detail.object.key"): the
// event matches when one of the matchers does.
type field struct {
	path     string
	matchers []matcher
}

type op uint8

const (
	opExact op = iota
	opPrefix
	opSuffix
	opEqualsIgnoreCase
	opWildcard
	opNumeric
	opExists
	opAbsent
	opCIDR
	opAnythingBut         // values: strings or numbers
	opAnythingButPrefix   // strs
	opAnythingButSuffix   // strs
	opAnythingButFold     // strs
	opAnythingButWildcard // globs
)

// matcher is one element of a field's array.
type matcher struct {
	op   op
	kind kind   // opExact: the value's kind
	text string // opExact: string or number text or literal; prefix/suffix/equals-ignore-case
	fold bool   // prefix/suffix with equals-ignore-case

	// opExact on a number that EventBridge can compare (see numKey), and
	// opNumeric bounds.
	hasKey                bool
	key                   int64
	lo, hi                int64
	loF, hiF              float64 // the bounds as written, for MatchBeyondRange
	hasLo, hasHi          bool
	openLo, openHi        bool
	ipLo, ipHi            netip.Addr // opCIDR, and opExact on an IP address
	strs                  []string
	keys                  []int64 // opAnythingBut on numbers
	numeric               bool    // opAnythingBut: the values are numbers
	globs                 []glob
	wildcardSources       []string // opWildcard, opAnythingButWildcard: the pattern text
	wildcardComplexityKey int      // identifies one wildcard "pattern" in the complexity evaluation
}

// reservedInOr are the names Event Ruler refuses as field names inside
// "$or": its operators and words it keeps for future ones.
var reservedInOr = []string{
	"exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
	"=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
	"date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
	"ip-address-in-range", "ip-address-not-in-range",
}

// Compile reads an event pattern as EventBridge does: from its text, so
// that numbers keep their written form and a repeated name counts (the
// later one replaces the earlier one for the same path, as in
// EventBridge). It refuses what EventBridge refuses with a *PatternError.
func Compile(text []byte) (*Pattern, error) {
	v, err := parseJSON(text)
	if err != nil {
		return nil, refuse("%v", err)
	}
	if v.kind != kindObject {
		return nil, refuse("Filter is not an object")
	}
	c := &compiler{}
	var rules []map[string][]matcher
	if err := c.object(&rules, nil, v, false); err != nil {
		return nil, err
	}
	p := &Pattern{}
	for _, r := range rules {
		var rr rule
		for path, ms := range r {
			rr.fields = append(rr.fields, field{path: path, matchers: ms})
		}
		sort.Slice(rr.fields, func(i, j int) bool { return rr.fields[i].path < rr.fields[j].path })
		p.rules = append(p.rules, rr)
	}
	if err := p.checkComplexity(); err != nil {
		return nil, err
	}
	return p, nil
}

// compiler numbers the wildcard patterns for the complexity evaluation.
type compiler struct{ wildcards int }

func (c *compiler) object(rules *[]map[string][]matcher, path []string, v value, inOr bool) error {
	if len(v.members) == 0 {
		return refuse("Empty objects are not allowed")
	}
	for _, m := range v.members {
		if m.name == "$or" {
			if err := c.or(rules, path, m.value); err != nil {
				return err
			}
			continue
		}
		if inOr && slices.Contains(reservedInOr, m.name) {
			return refuse("%s is Ruler reserved fieldName which cannot be used inside $or.", m.name)
		}
		switch m.value.kind {
		case kindObject:
			if err := c.object(rules, append(slices.Clip(path), m.name), m.value, inOr); err != nil {
				return err
			}
		case kindArray:
			ms, err := c.values(m.value)
			if err != nil {
				return err
			}
			name := strings.Join(append(slices.Clip(path), m.name), ".")
			if len(*rules) == 0 {
				*rules = append(*rules, map[string][]matcher{})
			}
			for _, r := range *rules {
				r[name] = ms
			}
		default:
			return refuse("%q must be an object or an array", m.name)
		}
	}
	return nil
}

func (c *compiler) or(rules *[]map[string][]matcher, path []string, v value) error {
	if v.kind != kindArray {
		return refuse("It must be an Array followed with $or.")
	}
	current := copyRules(*rules)
	*rules = nil
	for _, b := range v.items {
		if b.kind != kindObject {
			return refuse("Only JSON object is allowed in array of $or relationship.")
		}
		branch := copyRules(current)
		if len(branch) == 0 {
			branch = append(branch, map[string][]matcher{})
		}
		if err := c.object(&branch, path, b, true); err != nil {
			return err
		}
		*rules = append(*rules, branch...)
	}
	if len(v.items) < 2 {
		return refuse("There must have at least 2 Objects in $or relationship.")
	}
	return nil
}

func copyRules(rules []map[string][]matcher) []map[string][]matcher {
	out := make([]map[string][]matcher, len(rules))
	for i, r := range rules {
		out[i] = make(map[string][]matcher, len(r))
		for k, v := range r {
			out[i][k] = v
		}
	}
	return out
}

// values compiles a field's array.
func (c *compiler) values(v value) ([]matcher, error) {
	var out []matcher
	for _, item := range v.items {
		switch item.kind {
		case kindObject:
			m, err := c.expression(item)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		case kindString:
			m := matcher{op: opExact, kind: kindString, text: item.text}
			if ip, ok := parseIP(item.text); ok {
				m.ipLo, m.ipHi = ip, ip
			}
			out = append(out, m)
		case kindNumber:
			m := matcher{op: opExact, kind: kindNumber, text: item.text}
			m.key, m.hasKey = numKey(item.text)
			out = append(out, m)
		case kindNull, kindBool:
			out = append(out, matcher{op: opExact, kind: item.kind, text: item.text})
		default:
			return nil, refuse("Match value must be String, number, true, false, or null")
		}
	}
	if len(out) == 0 {
		return nil, refuse("Empty arrays are not allowed")
	}
	return out, nil
}

// oneKey checks that an expression object has nothing after its operator.
func oneKey(v value, msg string) error {
	if len(v.members) > 1 {
		return refuse("%s", msg)
	}
	return nil
}

const (
	msgOneKey   = "Only one key allowed in match expression"
	msgTooMany  = "Too many elements in numeric expression"
	msgAnyValue = "Value of anything-but must be an array or single string/number value."
)

// expression compiles a content filter: an object of one operator.
func (c *compiler) expression(v value) (matcher, error) {
	if len(v.members) == 0 {
		return matcher{}, refuse("Match expression name not found")
	}
	name, arg := v.members[0].name, v.members[0].value
	var m matcher
	var err error
	extra := msgOneKey
	switch name {
	case "exactly":
		if arg.kind != kindString {
			return m, refuse("exact match pattern must be a string")
		}
		m = matcher{op: opExact, kind: kindString, text: arg.text}
	case "prefix", "suffix":
		m, err = affix(name, arg)
	case "equals-ignore-case":
		if arg.kind != kindString {
			return m, refuse("equals-ignore-case match pattern must be a string")
		}
		m = matcher{op: opEqualsIgnoreCase, text: arg.text}
	case "wildcard":
		if arg.kind != kindString {
			return m, refuse("wildcard match pattern must be a string")
		}
		var g glob
		if g, err = parseGlob(arg.text); err == nil {
			m = matcher{op: opWildcard, globs: []glob{g}, wildcardSources: []string{arg.text}}
		}
	case "numeric":
		if arg.kind != kindArray {
			return m, refuse("Value of numeric must be an array.")
		}
		m, err = numericRange(arg.items)
		extra = msgTooMany
	case "exists":
		switch arg.text {
		case "true":
			m = matcher{op: opExists}
		case "false":
			m = matcher{op: opAbsent}
		}
		if arg.kind != kindBool {
			return m, refuse("exists match pattern must be either true or false.")
		}
	case "cidr":
		if arg.kind != kindString {
			return m, refuse("prefix match pattern must be a string")
		}
		m, err = cidr(arg.text)
	case "anything-but":
		m, err = anythingBut(arg)
		extra = msgTooMany
	default:
		return m, refuse("Unrecognized match type %s", name)
	}
	if err != nil {
		return matcher{}, err
	}
	if err := oneKey(v, extra); err != nil {
		return matcher{}, err
	}
	if m.op == opWildcard || m.op == opAnythingButWildcard {
		c.wildcards++
		m.wildcardComplexityKey = c.wildcards
	}
	return m, nil
}

func affix(name string, arg value) (matcher, error) {
	o := opPrefix
	if name == "suffix" {
		o = opSuffix
	}
	switch arg.kind {
	case kindString:
		return matcher{op: o, text: arg.text}, nil
	case kindObject:
		if len(arg.members) == 0 {
			return matcher{}, refuse("%s expression name not found", strings.ToUpper(name[:1])+name[1:])
		}
		if n := arg.members[0].name; n != "equals-ignore-case" {
			return matcher{}, refuse("Unsupported %s pattern: %s", name, n)
		}
		if arg.members[0].value.kind != kindString {
			return matcher{}, refuse("equals-ignore-case match pattern must be a string")
		}
		if err := oneKey(arg, msgOneKey); err != nil {
			return matcher{}, err
		}
		return matcher{op: o, text: arg.members[0].value.text, fold: true}, nil
	}
	return matcher{}, refuse("%s match pattern must be a string", name)
}

func anythingBut(arg value) (matcher, error) {
	o := opAnythingBut
	inner := arg
	if arg.kind == kindObject {
		if len(arg.members) == 0 {
			return matcher{}, refuse("Anything-But expression name not found")
		}
		switch n := arg.members[0].name; n {
		case "equals-ignore-case":
			o = opAnythingButFold
		case "prefix":
			o = opAnythingButPrefix
		case "suffix":
			o = opAnythingButSuffix
		case "wildcard":
			o = opAnythingButWildcard
		default:
			return matcher{}, refuse("Unsupported anything-but pattern: %s", n)
		}
		inner = arg.members[0].value
	}
	switch inner.kind {
	case kindArray, kindString, kindNumber:
	default:
		return matcher{}, refuse(msgAnyValue)
	}
	items := inner.items
	if inner.kind != kindArray {
		items = []value{inner}
	}
	m := matcher{op: o}
	if o == opAnythingBut {
		hasNum, hasStr := false, false
		for _, it := range items {
			switch it.kind {
			case kindString:
				hasStr = true
				m.strs = append(m.strs, it.text)
			case kindNumber:
				hasNum = true
				k, reason := numKeyReason(it.text)
				if reason != "" {
					return matcher{}, refuse("%s", reason)
				}
				m.keys = append(m.keys, k)
			default:
				if inner.kind == kindArray {
					return matcher{}, refuse("Inside anything but list, start|null|boolean is not supported.")
				}
				return matcher{}, refuse("Inside anything-but list, start|null|boolean is not supported.")
			}
		}
		if hasNum == hasStr {
			return matcher{}, refuse("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
		m.numeric = hasNum
	} else {
		for _, it := range items {
			if it.kind != kindString {
				switch o {
				case opAnythingButFold:
					return matcher{}, refuse("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
				case opAnythingButWildcard:
					return matcher{}, refuse("wildcard match pattern must be a string")
				default:
					return matcher{}, refuse("prefix/suffix match pattern must be a string")
				}
			}
			if (o == opAnythingButPrefix || o == opAnythingButSuffix) && it.text == "" {
				return matcher{}, refuse("Null prefix/suffix not allowed")
			}
			if o == opAnythingButWildcard {
				g, err := parseGlob(it.text)
				if err != nil {
					return matcher{}, err
				}
				m.globs = append(m.globs, g)
				m.wildcardSources = append(m.wildcardSources, it.text)
			}
			m.strs = append(m.strs, it.text)
		}
	}
	if arg.kind == kindObject {
		if err := oneKey(arg, msgTooMany); err != nil {
			return matcher{}, err
		}
	}
	return m, nil
}

// numericRange compiles the array of a numeric filter: ["=", n], or one
// or two comparisons, the lower bound first.
func numericRange(items []value) (matcher, error) {
	m := matcher{op: opNumeric}
	at := func(i int) value {
		if i < len(items) {
			return items[i]
		}
		return value{kind: kindArray, text: "]"} // the end of the array
	}
	var lastF float64
	bound := func(opText string, v value) (int64, error) {
		if v.kind != kindNumber {
			if opText == "=" {
				return 0, refuse("Value of equals must be numeric")
			}
			return 0, refuse("Value of %s must be numeric", opText)
		}
		k, reason := numKeyReason(v.text)
		if reason != "" {
			return 0, refuse("%s", reason)
		}
		lastF, _ = strconv.ParseFloat(v.text, 64)
		return k, nil
	}
	first := at(0)
	if first.kind != kindString {
		return m, refuse("Invalid member in numeric match: %s", tokenText(first))
	}
	switch first.text {
	case "=":
		k, err := bound("=", at(1))
		if err != nil {
			return m, err
		}
		if len(items) > 2 {
			return m, refuse(msgTooMany)
		}
		m.lo, m.hi, m.hasLo, m.hasHi = k, k, true, true
		m.loF, m.hiF = lastF, lastF
		return m, nil
	case "<", "<=":
		k, err := bound(first.text, at(1))
		if err != nil {
			return m, err
		}
		if len(items) > 2 {
			return m, refuse(msgTooMany)
		}
		m.hi, m.hasHi, m.openHi = k, true, first.text == "<"
		m.hiF = lastF
		return m, nil
	case ">", ">=":
		k, err := bound(first.text, at(1))
		if err != nil {
			return m, err
		}
		m.lo, m.hasLo, m.openLo = k, true, first.text == ">"
		m.loF = lastF
		if len(items) == 2 {
			return m, nil
		}
		second := at(2)
		if second.kind != kindString {
			return m, refuse("Bad value in numeric range: %s", tokenText(second))
		}
		if second.text != "<" && second.text != "<=" {
			return m, refuse("Bad numeric range operator: %s", second.text)
		}
		top, err := bound(second.text, at(3))
		if err != nil {
			return m, err
		}
		if len(items) > 4 {
			return m, refuse("Too many terms in numeric range expression")
		}
		if top <= m.lo {
			return m, refuse("Bottom must be less than top")
		}
		m.hi, m.hasHi, m.openHi = top, true, second.text == "<"
		m.hiF = lastF
		return m, nil
	}
	return m, refuse("Unrecognized numeric range operator: %s", first.text)
}

// tokenText renders a value roughly as the JSON token Jackson would name.
func tokenText(v value) string {
	switch v.kind {
	case kindArray:
		if v.text != "" {
			return v.text
		}
		return "["
	case kindObject:
		return "{"
	}
	return v.text
}

// numKey returns the number in EventBridge's comparable form: values from
// -5.0e9 to +5.0e9 with at most six decimal places, scaled to an integer
// exactly (Event Ruler's ComparableNumber, which reads the number's text
// as a decimal). ok is false for any other number.
func numKey(text string) (int64, bool) {
	key, reason := numKeyReason(text)
	return key, reason == ""
}

// numKeyReason is numKey with EventBridge's reason for refusing a number
// in a numeric filter or an anything-but list.
func numKeyReason(text string) (int64, string) {
	const outOfRange, tooPrecise = "Value must be between -5.0E9 and 5.0E9, inclusive", "Only values upto 6 decimals are supported"
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, "Value of numeric must be a number"
	}
	switch {
	case math.IsInf(f, 0) || math.Abs(f) > MaxNumeric:
		return 0, outOfRange
	case f != 0 && math.Abs(f) < 1e-6:
		return 0, tooPrecise
	}
	// A large exponent would make the exact arithmetic below expensive;
	// such text only ever spells zero or a number out of reach.
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(text[i+1:]); err != nil || exp > 40 || exp < -40 {
			if f == 0 && strings.Trim(text[:i], "-+0.") == "" {
				return maxKey, ""
			}
			return 0, outOfRange
		}
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return 0, "Value of numeric must be a number"
	}
	r.Mul(r, big.NewRat(1_000_000, 1))
	if !r.IsInt() {
		return 0, "Only values upto 6 decimals are supported"
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() < -maxKey || n.Int64() > maxKey {
		return 0, "Value must be between -5.0E9 and 5.0E9, inclusive"
	}
	return n.Int64() + maxKey, ""
}

// maxKey is MaxNumeric scaled by a million.
const maxKey = int64(MaxNumeric) * 1_000_000

// cidr compiles a "cidr" filter. As in EventBridge, the range starts at
// the address written and ends at that address with every host bit set.
func cidr(s string) (matcher, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return matcher{}, refuse("Malformed CIDR, one '/' required")
	}
	bits, err := strconv.Atoi(parts[1])
	if err != nil {
		return matcher{}, refuse("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		return matcher{}, refuse("Malformed CIDR, mask bits must not be negative")
	}
	ip, ok := parseIP(parts[0])
	if !ok {
		return matcher{}, refuse("Nonstandard IP address: %s", parts[0])
	}
	if ip.Is4() && bits > 31 {
		return matcher{}, refuse("IPv4 mask bits must be < 32")
	}
	if ip.Is6() && bits > 127 {
		return matcher{}, refuse("IPv6 mask bits must be < 128")
	}
	b := ip.AsSlice()
	host := len(b)*8 - bits
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		if host >= 8 {
			b[i] = 0xff
		} else {
			b[i] |= byte(1<<host - 1)
		}
		host -= 8
	}
	top, _ := netip.AddrFromSlice(b)
	return matcher{op: opCIDR, ipLo: ip, ipHi: top}, nil
}

// parseIP reads an IPv4 address (four decimal numbers) or an IPv6 address
// (hex digits and colons), the forms EventBridge treats as addresses.
func parseIP(s string) (netip.Addr, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '.' || r == ':')
	}) {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}
