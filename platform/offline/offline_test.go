package offline

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/platform/policy"
)

func TestDiff(t *testing.T) {
	doc := func(mem float64, actions ...string) Document {
		return Document{Stack: "dev", Resources: []Entry{
			{URN: "u:fn", Type: "aws:lambda/function:Function", Name: "fn", Properties: map[string]any{"memorySize": mem, "eventPattern": `{"source":["aws.s3"]}`}},
			{URN: "u:pol", Type: "aws:iam/rolePolicy:RolePolicy", Name: "pol", Policies: map[string]policy.Document{"policy": {Statement: []policy.Statement{policy.Allow("S", actions, []string{"arn:x"})}}}},
		}}
	}
	tests := []struct {
		name       string
		base, head Document
		want       []Change
	}{
		{"same", doc(512, "s3:GetObject"), doc(512, "s3:GetObject"), nil},
		{"property", doc(512, "s3:GetObject"), doc(1024, "s3:GetObject"), []Change{{Op: "change", URN: "u:fn", Type: "aws:lambda/function:Function", Name: "fn",
			Properties: []PropertyChange{{Path: "memorySize", Old: "512", New: "1024"}}}}},
		{"policy statement", doc(512, "s3:GetObject"), doc(512, "s3:GetObject", "s3:PutObject"), []Change{{Op: "change", URN: "u:pol", Type: "aws:iam/rolePolicy:RolePolicy", Name: "pol",
			Properties: []PropertyChange{{Path: "policy.Statement[0].Action[1]", New: `"s3:PutObject"`}}}}},
		{"added and removed", Document{Resources: []Entry{{URN: "u:old", Type: "t", Name: "old"}}}, Document{Resources: []Entry{{URN: "u:new", Type: "t", Name: "new"}}},
			[]Change{{Op: "add", URN: "u:new", Type: "t", Name: "new"}, {Op: "remove", URN: "u:old", Type: "t", Name: "old"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Diff(tt.base, tt.head)); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenEmbeddedJSON(t *testing.T) {
	got := flatten(map[string]any{"eventPattern": `{"detail":{"size":[{"numeric":[">=",1]}]}}`, "name": "x", "empty": []any{}})
	want := map[string]string{
		`eventPattern.detail.size[0].numeric[0]`: `">="`,
		`eventPattern.detail.size[0].numeric[1]`: `1`,
		`name`:                                   `"x"`,
		`empty`:                                  `[]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flatten (-want +got):\n%s", diff)
	}
}

func TestRenderShowsPoliciesAndOutputs(t *testing.T) {
	d := Document{Stack: "dev", Outputs: map[string]any{"bucketName": "b"}, Resources: []Entry{{
		URN: "u", Type: "aws:iam/rolePolicy:RolePolicy", Name: "compute-load-policy", Parent: "compute",
		Policies: map[string]policy.Document{"policy": {Statement: []policy.Statement{policy.Allow("Read", []string{"s3:GetObject"}, []string{"arn:aws:s3:::b/in/*"})}}},
	}}}
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"compute-load-policy", "compute", "Allow [Read] s3:GetObject on arn:aws:s3:::b/in/*", "bucketName: b"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("render lacks %q:\n%s", want, b.String())
		}
	}
}
