package eventmatch

import (
	"errors"
	"testing"
)

// TestCompileAndMatch covers what the conformance corpus does not record
// (the corpus itself runs in cli's TestEventPatternConformance): the
// rules below come from the EventBridge documentation and Event Ruler.
func TestCompileAndMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, event string
		want                 bool
		wantReason           string // a refused pattern
	}{
		{"number text is kept", `{"n":[300]}`, `{"n":300.0}`, true, ""},
		{"numbers beyond the range match by text only", `{"n":[123456789012]}`, `{"n":123456789012}`, true, ""},
		{"numbers beyond the range never equal others", `{"n":[123456789012]}`, `{"n":123456789012.0}`, false, ""},
		{"a number is not a string", `{"n":["300"]}`, `{"n":300}`, false, ""},
		{"six decimal places", `{"n":[{"numeric":["=",0.123456]}]}`, `{"n":0.1234560}`, true, ""},
		{"more than six decimal places", `{"n":[{"numeric":["=",0.1234561]}]}`, `{"n":0.1234561}`, false, "Only values upto 6 decimals are supported"},
		{"an event value with more decimals", `{"n":[{"numeric":[">",0]}]}`, `{"n":0.0000001}`, false, ""},
		{"zero with a huge exponent", `{"n":[{"numeric":["=",0e-999999999]}]}`, `{"n":0}`, true, ""},
		{"a huge exponent", `{"n":[{"numeric":["<",1e999999999]}]}`, `{"n":0}`, false, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{"exponents", `{"n":[{"numeric":["=",3e2]}]}`, `{"n":300.000}`, true, ""},
		{"numeric range", `{"n":[{"numeric":[">=",1,"<",5]}]}`, `{"n":5}`, false, ""},
		{"numeric beyond the range", `{"n":[{"numeric":[">",0]}]}`, `{"n":5000000001}`, false, ""},
		{"numeric bound beyond the range", `{"n":[{"numeric":[">",5000000001]}]}`, `{"n":1}`, false, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{"numeric bounds reversed", `{"n":[{"numeric":[">",5,"<",1]}]}`, `{"n":1}`, false, "Bottom must be less than top"},
		{"numeric too many", `{"n":[{"numeric":["=",5,"<",1]}]}`, `{"n":1}`, false, "Too many elements in numeric expression"},
		{"numeric empty", `{"n":[{"numeric":[]}]}`, `{"n":1}`, false, "Invalid member in numeric match: ]"},
		{"later duplicate replaces", `{"a":["x"],"a":["y"]}`, `{"a":"y"}`, true, ""},
		{"later duplicate replaces (no match)", `{"a":["x"],"a":["y"]}`, `{"a":"x"}`, false, ""},
		{"duplicate objects merge", `{"d":{"a":["x"]},"d":{"b":["y"]}}`, `{"d":{"a":"x","b":"z"}}`, false, ""},
		{"dotted names join", `{"d.a":["x"]}`, `{"d":{"a":"x"}}`, true, ""},
		{"array consistency", `{"l":{"a":["1"],"b":["4"]}}`, `{"l":[{"a":"1","b":"2"},{"a":"3","b":"4"}]}`, false, ""},
		{"array consistency (same element)", `{"l":{"a":["3"],"b":["4"]}}`, `{"l":[{"a":"1","b":"2"},{"a":"3","b":"4"}]}`, true, ""},
		{"exists is about leaves", `{"o":[{"exists":true}]}`, `{"o":{"k":"v"}}`, false, ""},
		{"exists matches null", `{"o":[{"exists":true}]}`, `{"o":null}`, true, ""},
		{"exists false on an object", `{"o":[{"exists":false}]}`, `{"o":{"k":"v"}}`, true, ""},
		{"exists false or a value", `{"o":[{"exists":false},"v"]}`, `{"o":"v"}`, true, ""},
		{"anything-but needs the field", `{"o":[{"anything-but":"v"}]}`, `{"p":"v"}`, false, ""},
		{"anything-but numbers against a string", `{"o":[{"anything-but":[1,2]}]}`, `{"o":"1"}`, true, ""},
		{"anything-but numbers compare as numbers", `{"o":[{"anything-but":[1,2]}]}`, `{"o":2.0}`, false, ""},
		{"anything-but mixed", `{"o":[{"anything-but":["a",1]}]}`, `{"o":"b"}`, false, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{"anything-but empty list", `{"o":[{"anything-but":[]}]}`, `{"o":"b"}`, false, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{"anything-but boolean", `{"o":[{"anything-but":true}]}`, `{"o":"b"}`, false, "Value of anything-but must be an array or single string/number value."},
		{"anything-but unknown", `{"o":[{"anything-but":{"numeric":[">",1]}}]}`, `{"o":"b"}`, false, "Unsupported anything-but pattern: numeric"},
		{"anything-but wildcard list", `{"o":[{"anything-but":{"wildcard":["a*","*z"]}}]}`, `{"o":"mid"}`, true, ""},
		{"anything-but wildcard list (miss)", `{"o":[{"anything-but":{"wildcard":["a*","*z"]}}]}`, `{"o":"quiz"}`, false, ""},
		{"prefix ignore case, unicode", `{"o":[{"prefix":{"equals-ignore-case":"ÄB"}}]}`, `{"o":"äbc"}`, true, ""},
		{"suffix ignore case unknown key", `{"o":[{"suffix":{"wildcard":"x"}}]}`, `{"o":"x"}`, false, "Unsupported suffix pattern: wildcard"},
		{"equals-ignore-case", `{"o":[{"equals-ignore-case":"ÉTÉ"}]}`, `{"o":"été"}`, true, ""},
		{"two keys", `{"o":[{"prefix":"a","suffix":"b"}]}`, `{"o":"ab"}`, false, "Only one key allowed in match expression"},
		{"empty expression", `{"o":[{}]}`, `{"o":"ab"}`, false, "Match expression name not found"},
		{"empty object", `{"o":{}}`, `{"o":"ab"}`, false, "Empty objects are not allowed"},
		{"array in array", `{"o":[["a"]]}`, `{"o":"a"}`, false, "Match value must be String, number, true, false, or null"},
		{"wildcard escapes", `{"o":[{"wildcard":"a\\*b\\\\*"}]}`, `{"o":"a*b\\zz"}`, true, ""},
		{"wildcard bad escape", `{"o":[{"wildcard":"a\\b"}]}`, `{"o":"ab"}`, false, "Invalid escape character at pos 2"},
		{"wildcard is anchored", `{"o":[{"wildcard":"a*c"}]}`, `{"o":"abcd"}`, false, ""},
		{"wildcard overlap", `{"o":[{"wildcard":"ab*ba"}]}`, `{"o":"aba"}`, false, ""},
		{"cidr starts at the address", `{"ip":[{"cidr":"10.0.0.5/24"}]}`, `{"ip":"10.0.0.4"}`, false, ""},
		{"cidr upper end", `{"ip":[{"cidr":"10.0.0.5/24"}]}`, `{"ip":"10.0.0.255"}`, true, ""},
		{"cidr /32 refused", `{"ip":[{"cidr":"10.0.0.5/32"}]}`, `{"ip":"10.0.0.5"}`, false, "IPv4 mask bits must be < 32"},
		{"cidr v4 does not cover v6", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":"::1"}`, false, ""},
		{"an address matches its other spellings", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:0db8:0:0:0:0:0:1"}`, true, ""},
		{"$or", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"b":"2"}`, true, ""},
		{"$or of one", `{"$or":[{"a":["1"]}]}`, `{"a":"1"}`, false, "There must have at least 2 Objects in $or relationship."},
		{"$or reserved name", `{"$or":[{"a":["1"]},{"prefix":["2"]}]}`, `{"a":"1"}`, false, "prefix is Ruler reserved fieldName which cannot be used inside $or."},
		{"$or nested", `{"c":["x"],"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"d":["3"]}]}]}`, `{"c":"x","d":"3"}`, true, ""},
		{"too complex", `{"k":[{"wildcard":"*a*"},{"wildcard":"*b*"},{"wildcard":"*c*"},{"wildcard":"*d*"}]}`, `{"k":"abcd"}`, false, "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"},
		{"not an object", `[1]`, `{}`, false, "Filter is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tt.pattern))
			if tt.wantReason != "" {
				var pe *PatternError
				if !errors.As(err, &pe) || pe.Reason != tt.wantReason {
					t.Fatalf("Compile(%s) = %v, want reason %q", tt.pattern, err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile(%s): %v", tt.pattern, err)
			}
			got, err := p.MatchText([]byte(tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("pattern %s, event %s: match = %v, want %v", tt.pattern, tt.event, got, tt.want)
			}
		})
	}
}

func TestWildcardComplexity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		wildcards []string
		want      int
	}{
		// Event Ruler's own example: "abb" matches a*, a*b, a*b*, a*b*b.
		{"ruler example", []string{"a*b*b"}, 4},
		{"refused on AWS (corpus)", []string{"*:*:*:*:*:event-bus/*"}, 10},
		{"accepted on AWS (corpus)", []string{"/Users/*/dir/dir/dir/dir/dir/doc.txt"}, 7},
		{"accepted on AWS (corpus)", []string{"arn:aws:events:us-east-1:*:event-bus/*"}, 3},
		{"two accepted on AWS (public report)", []string{"*/datasync/*.bif", "*/datasync/*.tif"}, 8},
		{"four refused on AWS (public report)", []string{"*/datasync/*.bif", "*/datasync/*.tif", "*/datasync/*.svs", "*/datasync/*.tiff"}, 16},
		{"no star", []string{"abc"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := WildcardComplexity(tt.wildcards...)
			if tt.want > MaxWildcardComplexity && got > MaxWildcardComplexity {
				return // the evaluation stops once over the limit
			}
			if got != tt.want {
				t.Errorf("WildcardComplexity(%q) = %d, want %d", tt.wildcards, got, tt.want)
			}
		})
	}
}

func TestEventEnvelope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		event string
		ok    bool
	}{
		{`{"id":"1","account":"a","source":"s","time":"t","region":"r","detail-type":"d"}`, true},
		{`{"id":"1","account":"a","source":"s","time":"t","region":"r"}`, false},
		{`["x"]`, false},
		{`plain`, false},
	} {
		e, err := ParseEvent([]byte(tt.event))
		if err == nil {
			err = e.CheckEnvelope()
		}
		var ee *EventError
		if tt.ok != (err == nil) || err != nil && !errors.As(err, &ee) {
			t.Errorf("%s: %v, want ok %v", tt.event, err, tt.ok)
		}
	}
}
