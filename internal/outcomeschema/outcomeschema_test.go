package outcomeschema

import (
	"encoding/json"
	"testing"
)

// valid is a LOADED event as EventBridge delivers it.
const valid = `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Sluice File Outcome",
"source":"sluice.pipeline","account":"123456789012","time":"2026-12-07T01:02:03Z","region":"eu-west-1",
"resources":["arn:aws:states:eu-west-1:123456789012:execution:sluice-prod-pipeline:abc","arn:aws:states:eu-west-1:123456789012:stateMachine:sluice-prod-pipeline"],
"detail":{"schemaVersion":1,"status":"LOADED","dataset":"orders","bucket":"sluice-prod-data","key":"incoming/orders/o.csv",
"versionId":"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY","execution":"arn:aws:states:eu-west-1:123456789012:execution:sluice-prod-pipeline:abc",
"at":"2026-12-07T01:02:03.456Z","records":20,"loaded":20,"rejected":0,"filtered":0,"chunks":1,"report":""}}`

// TestSchemaRejects: the schema is strict where it says so, so a passing
// event means something: each change below must fail validation.
func TestSchemaRejects(t *testing.T) {
	if err := Validate([]byte(valid)); err != nil {
		t.Fatalf("the valid event fails: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(ev, detail map[string]any)
	}{
		{"unknown status", func(_, d map[string]any) { d["status"] = "DONE" }},
		{"LOADED without counts", func(_, d map[string]any) { delete(d, "loaded") }},
		{"negative count", func(_, d map[string]any) { d["records"] = -1 }},
		{"fractional count", func(_, d map[string]any) { d["records"] = 1.5 }},
		{"a field of another status", func(_, d map[string]any) { d["quarantine"] = "quarantine/x" }},
		{"an unknown field", func(_, d map[string]any) { d["extra"] = true }},
		{"REJECTED with LOADED's fields", func(_, d map[string]any) { d["status"] = "REJECTED" }},
		{"no execution", func(_, d map[string]any) { delete(d, "execution") }},
		{"execution not an ARN", func(_, d map[string]any) { d["execution"] = "abc" }},
		{"another schema version", func(_, d map[string]any) { d["schemaVersion"] = 2 }},
		{"another source", func(e, _ map[string]any) { e["source"] = "my.app" }},
		{"another detail-type", func(e, _ map[string]any) { e["detail-type"] = "File Outcome" }},
		{"no resources", func(e, _ map[string]any) { e["resources"] = []any{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal([]byte(valid), &ev); err != nil {
				t.Fatal(err)
			}
			tt.mutate(ev, ev["detail"].(map[string]any))
			b, _ := json.Marshal(ev)
			if err := Validate(b); err == nil {
				t.Errorf("the schema accepts %s", b)
			}
		})
	}
}
