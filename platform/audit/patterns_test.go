package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The roles the sample records (testdata/records.json) were made for: two
// pipeline roles of account 111122223333, an uploader of another account
// and every role under that account's path uploaders/. The records follow
// CloudTrail's record format (userIdentity, eventSource, eventName,
// errorCode, resources, eventCategory Data).
var (
	samplePipelineRoles = []string{
		"arn:aws:iam::111122223333:role/pipeline-role-5d6e7f8",
		"arn:aws:iam::111122223333:role/compute-load-role-1a2b3c4",
	}
	sampleTrustedRoles = []string{"arn:aws:iam::444455556666:role/partner-uploader", "arn:aws:iam::444455556666:role/uploaders/*"}
)

type sample struct {
	Name         string         `json:"name"`
	AccessDenied bool           `json:"accessDenied"`
	Unexpected   bool           `json:"unexpected"`
	Record       map[string]any `json:"record"`
}

func samples(t *testing.T) []sample {
	t.Helper()
	b, err := os.ReadFile("testdata/records.json")
	if err != nil {
		t.Fatal(err)
	}
	var s []sample
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPatternsOnCloudTrailRecords evaluates both filter patterns on sample
// records, once where a comparison with a missing field is false and once
// where != on a missing field is true: CloudWatch Logs' documentation
// leaves that case open, and the patterns must not depend on it.
func TestPatternsOnCloudTrailRecords(t *testing.T) {
	unexpected, err := UnexpectedPrincipalPattern(append(samplePipelineRoles, sampleTrustedRoles...))
	if err != nil {
		t.Fatal(err)
	}
	denied, err := parsePattern(AccessDeniedPattern)
	if err != nil {
		t.Fatalf("AccessDeniedPattern: %v", err)
	}
	other, err := parsePattern(unexpected)
	if err != nil {
		t.Fatalf("UnexpectedPrincipalPattern: %v\n%s", err, unexpected)
	}
	ss := samples(t)
	seen := map[[2]bool]bool{}
	for _, s := range ss {
		t.Run(s.Name, func(t *testing.T) {
			seen[[2]bool{s.AccessDenied, s.Unexpected}] = true
			for _, missingNotEqual := range []bool{false, true} {
				if got := denied.eval(s.Record, missingNotEqual); got != s.AccessDenied {
					t.Errorf("access denied (missing != is %v): %v, want %v", missingNotEqual, got, s.AccessDenied)
				}
				if got := other.eval(s.Record, missingNotEqual); got != s.Unexpected {
					t.Errorf("unexpected principal (missing != is %v): %v, want %v", missingNotEqual, got, s.Unexpected)
				}
			}
		})
	}
	// The samples cover every combination, so neither pattern passes by
	// matching always or never.
	if len(seen) != 4 {
		t.Errorf("the samples cover %d of the 4 combinations of the two patterns", len(seen))
	}
}

// TestUnexpectedPrincipalPatternNamesEachRoleOnce checks the pattern's text:
// each role once, sorted, and the AWSService and AssumedRole guards.
func TestUnexpectedPrincipalPatternNamesEachRoleOnce(t *testing.T) {
	got, err := UnexpectedPrincipalPattern([]string{"arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{ ($.userIdentity.type != "AWSService") && (($.userIdentity.type != "AssumedRole") || (` +
		`($.userIdentity.sessionContext.sessionIssuer.arn != "arn:aws:iam::1:role/a") && ` +
		`($.userIdentity.sessionContext.sessionIssuer.arn != "arn:aws:iam::1:role/b"))) }`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pattern (-want +got):\n%s", diff)
	}
}

func TestUnexpectedPrincipalPatternRefuses(t *testing.T) {
	long := make([]string, 12)
	for i := range long {
		long[i] = fmt.Sprintf("arn:aws:iam::111122223333:role/sluice-production-uploader-%02d-abcdef", i)
	}
	tests := []struct {
		name  string
		roles []string
		want  string
	}{
		{"none", nil, "no expected role"},
		{"quote", []string{`arn:aws:iam::1:role/a"b`}, "cannot stand in a filter pattern"},
		{"wildcard inside", []string{"arn:aws:iam::1:role/a*b"}, "cannot stand in a filter pattern"},
		{"wildcard path inside", []string{"arn:aws:iam::1:role/a*/*"}, "cannot stand in a filter pattern"},
		{"empty", []string{""}, "cannot stand in a filter pattern"},
		{"too long", long, "over CloudWatch Logs' 1024; trust fewer roles (config auditTrustedRoles)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnexpectedPrincipalPattern(tt.roles)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSelectors(t *testing.T) {
	got := Selectors("arn:aws:s3:::b", []string{"arn:aws:dynamodb:r:1:table/t2", "arn:aws:dynamodb:r:1:table/t1"})
	want := []Selector{
		{Name: "pipeline bucket objects", Fields: []FieldSelector{
			{Field: "eventCategory", Equals: []string{"Data"}},
			{Field: "resources.type", Equals: []string{"AWS::S3::Object"}},
			{Field: "resources.ARN", StartsWith: []string{"arn:aws:s3:::b/"}},
		}},
		{Name: "pipeline tables", Fields: []FieldSelector{
			{Field: "eventCategory", Equals: []string{"Data"}},
			{Field: "resources.type", Equals: []string{"AWS::DynamoDB::Table"}},
			{Field: "resources.ARN", Equals: []string{"arn:aws:dynamodb:r:1:table/t1", "arn:aws:dynamodb:r:1:table/t2"}},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("selectors (-want +got):\n%s", diff)
	}
}

// TestEvaluatorRejectsWhatThePatternsMustNotUse keeps the test evaluator
// honest: a pattern mixing && and || at one level (whose meaning would
// depend on precedence) or outside the subset is refused, not guessed.
func TestEvaluatorRejectsWhatThePatternsMustNotUse(t *testing.T) {
	for _, p := range []string{
		`{ ($.a = "x") && ($.b = "y") || ($.c = "z") }`,
		`{ $.a = "x" `,
		`{ ($.a > 3) }`,
		`{ ($.a = x) }`,
		`ERROR`,
		`{ ($.a = "x") } trailing`,
	} {
		if _, err := parsePattern(p); err == nil {
			t.Errorf("%s: parsed", p)
		}
	}
	e, err := parsePattern(`{ ($.a.b = "x*z") && ($.c != "y") }`)
	if err != nil {
		t.Fatal(err)
	}
	rec := map[string]any{"a": map[string]any{"b": "x-y-z"}, "c": "w"}
	if !e.eval(rec, false) {
		t.Error("wildcard and != did not match")
	}
	rec["c"] = "y"
	if e.eval(rec, false) {
		t.Error("!= matched an equal value")
	}
}

// expr is a parsed filter pattern of the subset the audit patterns use:
// `{ ... }` around comparisons `$.path = "value"` / `$.path != "value"`
// (a value's '*' matches any run of characters), joined by && or ||, with
// parentheses. One level never mixes && and ||.
type expr struct {
	op     string // "&&", "||" or "" for a comparison
	kids   []*expr
	path   []string
	negate bool
	value  string
}

func (e *expr) eval(rec map[string]any, missingNotEqual bool) bool {
	switch e.op {
	case "&&":
		for _, k := range e.kids {
			if !k.eval(rec, missingNotEqual) {
				return false
			}
		}
		return true
	case "||":
		for _, k := range e.kids {
			if k.eval(rec, missingNotEqual) {
				return true
			}
		}
		return false
	}
	var v any = rec
	for _, p := range e.path {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[p]
	}
	s, ok := v.(string)
	if !ok {
		return e.negate && missingNotEqual
	}
	return matchWildcard(e.value, s) != e.negate
}

func matchWildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

type patternParser struct {
	s   string
	pos int
}

func parsePattern(s string) (*expr, error) {
	p := &patternParser{s: s}
	if !p.eat("{") {
		return nil, fmt.Errorf("not a JSON pattern")
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.eat("}") {
		return nil, fmt.Errorf("at %d: want }", p.pos)
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("at %d: text after }", p.pos)
	}
	return e, nil
}

func (p *patternParser) space() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *patternParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *patternParser) expr() (*expr, error) {
	first, err := p.operand()
	if err != nil {
		return nil, err
	}
	e := &expr{kids: []*expr{first}}
	for {
		var op string
		switch {
		case p.eat("&&"):
			op = "&&"
		case p.eat("||"):
			op = "||"
		default:
			if len(e.kids) == 1 {
				return first, nil
			}
			return e, nil
		}
		if e.op != "" && e.op != op {
			return nil, fmt.Errorf("at %d: && and || mixed without parentheses", p.pos)
		}
		e.op = op
		k, err := p.operand()
		if err != nil {
			return nil, err
		}
		e.kids = append(e.kids, k)
	}
}

func (p *patternParser) operand() (*expr, error) {
	if p.eat("(") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, fmt.Errorf("at %d: want )", p.pos)
		}
		return e, nil
	}
	if !p.eat("$.") {
		return nil, fmt.Errorf("at %d: want a selector", p.pos)
	}
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte(" =!)", p.s[p.pos]) < 0 {
		p.pos++
	}
	e := &expr{path: strings.Split(p.s[start:p.pos], ".")}
	switch {
	case p.eat("!="):
		e.negate = true
	case p.eat("="):
	default:
		return nil, fmt.Errorf("at %d: want = or !=", p.pos)
	}
	if !p.eat(`"`) {
		return nil, fmt.Errorf("at %d: want a quoted value", p.pos)
	}
	end := strings.IndexByte(p.s[p.pos:], '"')
	if end < 0 {
		return nil, fmt.Errorf("at %d: unterminated string", p.pos)
	}
	e.value = p.s[p.pos : p.pos+end]
	p.pos += end + 1
	return e, nil
}
