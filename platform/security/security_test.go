package security

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubnetCIDRs(t *testing.T) {
	tests := []struct {
		cidr    string
		n       int
		want    []string
		wantErr bool
	}{
		{"10.42.0.0/16", 3, []string{"10.42.0.0/19", "10.42.32.0/19", "10.42.64.0/19"}, false},
		{"10.0.0.0/24", 2, []string{"10.0.0.0/27", "10.0.0.32/27"}, false},
		{"10.0.0.0/26", 1, nil, true},
		{"10.0.0.1/16", 1, nil, true},
		{"10.0.0.0/16", 9, nil, true},
		{"fd00::/48", 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.cidr, tt.n), func(t *testing.T) {
			got, err := SubnetCIDRs(tt.cidr, tt.n)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if diff := cmp.Diff(tt.want, s); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyPolicyServicePrincipalsAreConditioned(t *testing.T) {
	d := KeyPolicy("123456789012", "aws", "eu-west-1")
	for _, s := range d.Statement {
		if s.Principal == nil {
			t.Fatalf("%s: no principal", s.Sid)
		}
		if len(s.Principal.Service) > 0 && len(s.Condition) == 0 {
			t.Errorf("%s: service principal without condition", s.Sid)
		}
	}
	if got := d.Statement[0].Principal.AWS; !cmp.Equal(got, []string{"arn:aws:iam::123456789012:root"}) {
		t.Errorf("root principal %v", got)
	}
}
