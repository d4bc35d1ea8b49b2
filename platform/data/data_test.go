package data

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestReplicaArgsRefused: replicas the component cannot create are refused
// with the reason, before any registration.
func TestReplicaArgsRefused(t *testing.T) {
	prov := &aws.Provider{}
	valid := func() *Args {
		return &Args{
			Tables:                []Table{{Logical: "items", HashKey: "pk", Global: true}},
			KeyArn:                pulumi.String("arn:aws:kms:eu-west-1:000000000000:key/k"),
			CapacityMode:          OnDemand,
			Streams:               true,
			KeyDeletionWindowDays: 7,
			Replicas:              []Replica{{Region: "eu-central-1", Provider: prov, KeyPolicy: "{}"}},
		}
	}
	if err := valid().validate(); err != nil {
		t.Fatalf("valid args refused: %v", err)
	}
	tests := []struct {
		name   string
		change func(a *Args)
		want   string
	}{
		{"no streams", func(a *Args) { a.Streams = false }, "need Streams"},
		{"twice", func(a *Args) { a.Replicas = append(a.Replicas, a.Replicas[0]) }, "listed twice"},
		{"no provider", func(a *Args) { a.Replicas[0].Provider = nil }, "needs a region, a provider and a key policy"},
		{"no key policy", func(a *Args) { a.Replicas[0].KeyPolicy = "" }, "needs a region, a provider and a key policy"},
		{"deletion window", func(a *Args) { a.KeyDeletionWindowDays = 0 }, "outside 7..30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid()
			tt.change(a)
			err := a.validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}
