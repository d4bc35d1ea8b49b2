package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarshalParseRoundTrip(t *testing.T) {
	d := Document{Statement: []Statement{
		Allow("Read", []string{"s3:GetObject", "s3:GetObject"}, []string{"arn:aws:s3:::b/in/*"}),
		{Sid: "TLS", Effect: "Deny", Principal: &Principal{Any: true}, Action: []string{"s3:*"},
			Resource:  []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"},
			Condition: map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}}},
		{Effect: "Allow", Principal: &Principal{Service: []string{"logs.amazonaws.com"}, AWS: []string{"arn:aws:iam::1:root"}}, Action: []string{"kms:Decrypt"}, Resource: []string{"*"}},
	}}
	b, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Principal":"*"`) || !strings.Contains(string(b), `"Version":"2012-10-17"`) {
		t.Errorf("unexpected JSON %s", b)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.Version = Version
	want.Statement[0].Action = []string{"s3:GetObject"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"TLS: action s3:*", "2: resource *"}, Wildcards(got)); diff != "" {
		t.Errorf("Wildcards (-want +got):\n%s", diff)
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"empty", Document{}, "no statement"},
		{"no action", Document{Statement: []Statement{{Sid: "X"}}}, "no action"},
		{"bad effect", Document{Statement: []Statement{{Effect: "Maybe", Action: []string{"a:b"}}}}, "effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Marshal(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	d := Document{Statement: []Statement{{
		Action:    []string{"sqs:SendMessage"},
		Resource:  []string{"${queue}"},
		Principal: &Principal{AWS: []string{"arn:aws:iam::${account}:root"}},
		Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {"${rule}"}}},
	}}}
	got, err := Resolve(d, map[string]string{"queue": "q", "account": "123", "rule": "r"})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Statement[0]
	if s.Resource[0] != "q" || s.Principal.AWS[0] != "arn:aws:iam::123:root" || s.Condition["ArnEquals"]["aws:SourceArn"][0] != "r" {
		t.Errorf("not resolved: %+v", s)
	}
	if d.Statement[0].Resource[0] != "${queue}" {
		t.Error("Resolve modified its input")
	}
	if _, err := Resolve(d, map[string]string{"queue": "q"}); err == nil || !strings.Contains(err.Error(), "account, rule") {
		t.Errorf("err = %v, want the missing refs named", err)
	}
}
