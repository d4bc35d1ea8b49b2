package pipeline

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/outcomeschema"
)

// TestOutcomeEventsFollowTheSchema reads the PutEvents states of the
// golden ASL and checks each against docs/schemas/outcome.schema.json: the
// source and detail-type are the schema's constants, each status has one
// publishing state, and the detail of each names exactly the fields the
// schema requires for its status (the fields every outcome has plus its
// own), with the schema's constant values. The local pipeline's events
// are checked against the same schema by local/outcome_test.go.
func TestOutcomeEventsFollowTheSchema(t *testing.T) {
	_, doc, err := outcomeschema.Schema()
	if err != nil {
		t.Fatal(err)
	}
	obj := func(m any, path ...string) map[string]any {
		for _, p := range path {
			m = m.(map[string]any)[p]
		}
		return m.(map[string]any)
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	props := obj(doc, "properties")
	defs := obj(doc, "$defs")
	file := obj(defs, "file")
	// The status each branch of the outcome selects, and the fields it
	// requires.
	branches := map[string][]string{}
	for _, ref := range obj(defs, "outcome")["oneOf"].([]any) {
		name := strings.TrimPrefix(obj(ref)["$ref"].(string), "#/$defs/")
		b := obj(defs, name)
		status := obj(b, "properties", "status")["const"].(string)
		var req []string
		if r, ok := b["required"]; ok {
			req = strs(r)
		}
		branches[status] = slices.Sorted(slices.Values(append(strs(file["required"]), req...)))
	}
	if d := cmp.Diff([]string{contract.StatusDuplicate, contract.StatusFailed, contract.StatusLoaded, contract.StatusRejected}, slices.Sorted(maps.Keys(branches))); d != "" {
		t.Fatalf("the schema's statuses (-want +got):\n%s", d)
	}
	for _, stack := range stacks {
		b, err := os.ReadFile("testdata/" + stack + ".asl.json")
		if err != nil {
			t.Fatal(err)
		}
		var machine map[string]any
		if err := json.Unmarshal(b, &machine); err != nil {
			t.Fatal(err)
		}
		published := map[string]string{}
		for name, st := range obj(machine, "States") {
			state := obj(st)
			if state["Resource"] != "arn:aws:states:::events:putEvents" {
				continue
			}
			entries := obj(state, "Parameters")["Entries"].([]any)
			if len(entries) != 1 {
				t.Errorf("%s: %s puts %d entries, want 1", stack, name, len(entries))
				continue
			}
			e := obj(entries[0])
			if e["Source"] != obj(props, "source")["const"] || e["DetailType"] != obj(props, "detail-type")["const"] {
				t.Errorf("%s: %s: source %v, detail-type %v are not the schema's", stack, name, e["Source"], e["DetailType"])
			}
			if bus, _ := e["EventBusName"].(string); !strings.HasSuffix(bus, ":event-bus/sluice-"+stack+"-"+BusOutcomes) {
				t.Errorf("%s: %s publishes on %q, not the outcome bus", stack, name, bus)
			}
			detail := obj(e, "Detail")
			status, _ := detail["status"].(string)
			if prev, ok := published[status]; ok {
				t.Errorf("%s: both %s and %s publish %s", stack, prev, name, status)
			}
			published[status] = name
			var fields []string
			for k := range detail {
				fields = append(fields, strings.TrimSuffix(k, ".$"))
			}
			slices.Sort(fields)
			if d := cmp.Diff(branches[status], fields); d != "" {
				t.Errorf("%s: %s: detail fields of %s (-schema +machine):\n%s", stack, name, status, d)
			}
			if v := detail["schemaVersion"]; v != obj(file, "properties", "schemaVersion")["const"] {
				t.Errorf("%s: %s: schemaVersion %v is not the schema's", stack, name, v)
			}
		}
		if d := cmp.Diff(slices.Sorted(maps.Keys(branches)), slices.Sorted(maps.Keys(published))); d != "" {
			t.Errorf("%s: statuses published (-schema +machine):\n%s", stack, d)
		}
	}
}
