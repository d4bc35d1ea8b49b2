package platform_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// TestProvidersHonourAWSConfig runs the program under mocks with a stack
// configuration that sets the provider keys a real deployment uses and
// checks that every explicit provider received all of them, not only the
// region.
func TestProvidersHonourAWSConfig(t *testing.T) {
	cfg, err := offline.LoadStackFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg = maps.Clone(cfg)
	for k, v := range map[string]string{
		"aws:profile":                   "sluice-deploy",
		"aws:assumeRole":                `{"roleArn":"arn:aws:iam::111111111111:role/deploy","sessionName":"sluice","externalId":"x-1"}`,
		"aws:allowedAccountIds":         `["111111111111"]`,
		"aws:endpoints":                 `[{"dynamodb":"http://127.0.0.1:8000","s3":"http://127.0.0.1:9000"}]`,
		"aws:skipCredentialsValidation": "true",
		"aws:skipRequestingAccountId":   "true",
		"aws:skipMetadataApiCheck":      "true",
		"aws:skipRegionValidation":      "true",
		"aws:s3UsePathStyle":            "true",
		"aws:maxRetries":                "7",
		"aws:defaultTags":               `{"tags":{"cost-centre":"data","sluice:component":"overridden"}}`,
	} {
		cfg[k] = v
	}
	r, err := offline.Run("dev", cfg, platform.Options{Packager: platform.PlaceholderPackager{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, res := range r.Resources {
		if res.Type != "pulumi:providers:aws" {
			continue
		}
		n++
		in := res.Inputs
		text := func(k string) string {
			switch v := in[k].(type) {
			case string:
				return v
			default:
				b, _ := json.Marshal(v)
				return string(b)
			}
		}
		for k, want := range map[string]string{
			"region": "eu-west-1", "profile": "sluice-deploy",
			"skipCredentialsValidation": "true", "skipRequestingAccountId": "true",
			"skipMetadataApiCheck": "true", "skipRegionValidation": "true", "s3UsePathStyle": "true", "maxRetries": "7",
		} {
			if got := text(k); got != want {
				t.Errorf("provider %s: %s = %s, want %s", res.Name, k, got, want)
			}
		}
		for k, parts := range map[string][]string{
			"assumeRole":        {"arn:aws:iam::111111111111:role/deploy", "sluice", "x-1"},
			"allowedAccountIds": {"111111111111"},
			"endpoints":         {"http://127.0.0.1:8000", "http://127.0.0.1:9000"},
			"defaultTags":       {"cost-centre", "data", "sluice:component"},
		} {
			got := text(k)
			for _, p := range parts {
				if !strings.Contains(got, p) {
					t.Errorf("provider %s: %s = %s, lacks %q", res.Name, k, got, p)
				}
			}
		}
		if strings.Contains(text("defaultTags"), "overridden") {
			t.Errorf("provider %s: aws:defaultTags overrode the component tag: %s", res.Name, text("defaultTags"))
		}
	}
	if n < 5 {
		t.Errorf("%d explicit providers, want one per component", n)
	}
}

func TestAWSConfigErrors(t *testing.T) {
	base, err := offline.LoadStackFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, value, want string
	}{
		{"unknown key", "aws:regionn", "eu-west-1", "config aws:regionn: not an AWS provider key"},
		{"v7 key", "aws:assumeRoles", `[{"roleArn":"x"}]`, "config aws:assumeRoles: pulumi-aws v6 takes one role"},
		{"bad bool", "aws:skipRegionValidation", "yes please", "config aws:skipRegionValidation"},
		{"misspelt endpoint", "aws:endpoints", `[{"dynamodbb":"http://x"}]`, "config aws:endpoints"},
		{"not a list", "aws:allowedAccountIds", "111111111111", "config aws:allowedAccountIds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(base)
			m[tt.key] = tt.value
			_, err := platform.LoadConfigMap(offline.Project, "dev", m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfigMap with %s=%s: %v, want an error containing %q", tt.key, tt.value, err, tt.want)
			}
		})
	}
}
