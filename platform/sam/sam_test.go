package sam

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform"
)

func TestTemplateParsesBackAndResolves(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			cfg := platform.DefaultConfig("sluice", stack)
			if stack == "prod" {
				cfg.CapacityMode = platform.Provisioned
				cfg.Streams = true
			}
			y, err := Template(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := goformation.ParseYAML(y)
			if err != nil {
				t.Fatalf("goformation cannot parse the template: %v\n%s", err, y)
			}
			fns := tmpl.GetAllServerlessFunctionResources()
			var names []string
			for id, f := range fns {
				names = append(names, id)
				if f.CodeUri == nil || f.CodeUri.String == nil || !strings.HasPrefix(*f.CodeUri.String, "build/") {
					t.Errorf("%s: CodeUri %+v", id, f.CodeUri)
				}
				if *f.Runtime != "provided.al2023" || f.Architectures[0] != "arm64" || *f.Handler != "bootstrap" || *f.Tracing != "Active" {
					t.Errorf("%s: runtime settings", id)
				}
				if f.Policies == nil || f.Policies.IAMPolicyDocumentArray == nil {
					t.Errorf("%s: no inline policy", id)
				}
			}
			sort.Strings(names)
			if diff := cmp.Diff([]string{"EnrichFunction", "LoadFunction", "TransformFunction", "ValidateFunction"}, names); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
			sms := tmpl.GetAllServerlessStateMachineResources()
			sm, ok := sms[IDMachine]
			if !ok || len(sms) != 1 {
				t.Fatalf("state machines %v", sms)
			}
			def, err := json.Marshal(sm.Definition)
			if err != nil {
				t.Fatal(err)
			}
			used := map[string]bool{}
			for _, m := range regexp.MustCompile(`\$\{([^}]+)\}`).FindAllStringSubmatch(string(def), -1) {
				used[m[1]] = true
			}
			if len(used) == 0 {
				t.Fatal("definition names no substitution")
			}
			for k := range used {
				if _, ok := sm.DefinitionSubstitutions[k]; !ok {
					t.Errorf("${%s} in the definition has no DefinitionSubstitutions entry", k)
				}
			}
			for k := range sm.DefinitionSubstitutions {
				if !used[k] {
					t.Errorf("substitution %s is never used", k)
				}
				if _, ok := tmpl.Resources[strings.TrimSuffix(k, "Arn")]; !ok {
					t.Errorf("substitution %s names no resource", k)
				}
			}
			rules := tmpl.GetAllEventsRuleResources()
			if len(rules) != len(dataset.Builtin().All()) {
				t.Errorf("%d rules", len(rules))
			}
			for id, r := range rules {
				if len(r.Targets) != 1 || r.Targets[0].DeadLetterConfig == nil || r.Targets[0].RetryPolicy == nil || r.Targets[0].InputTransformer == nil {
					t.Errorf("%s: target %+v", id, r.Targets)
				}
			}
			if n := len(tmpl.GetAllDynamoDBTableResources()); n != 3 {
				t.Errorf("%d tables", n)
			}
			if _, err := tmpl.GetS3BucketWithName(IDBucket); err != nil {
				t.Error(err)
			}
		})
	}
}
