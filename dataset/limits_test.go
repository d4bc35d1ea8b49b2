package dataset

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNumberLimit(t *testing.T) {
	tests := []struct {
		canon string
		ok    bool
	}{
		{"0", true},
		{"-0.50", true},
		{strings.Repeat("9", 38), true},
		{strings.Repeat("9", 39), false},
		{"1" + strings.Repeat("0", 125), true}, // 1E+125, one significant digit
		{"1" + strings.Repeat("0", 126), false},
		{"-1" + strings.Repeat("0", 126), false},
		{"1." + strings.Repeat("0", 36) + "1", true}, // 38 digits
		{"1." + strings.Repeat("0", 37) + "1", false},
		{"0." + strings.Repeat("0", 129) + "1", true}, // 1E-130
		{"0." + strings.Repeat("0", 130) + "1", false},
		{"123456789012345678901234567890.12345678", true},
		{"123456789012345678901234567890.123456789", false},
	}
	for _, tt := range tests {
		if why := NumberLimit(tt.canon); (why == "") != tt.ok {
			t.Errorf("NumberLimit(%s…%d digits) = %q, want ok %v", tt.canon[:min(len(tt.canon), 12)], len(tt.canon), why, tt.ok)
		}
	}
}

// TestNormalizeRefusesWhatDynamoDBCannotHold: a decimal beyond DynamoDB's
// number limits, and a value holding a control character, are field
// problems, not items that load locally and fail (or carry damage) in AWS.
func TestNormalizeRefusesWhatDynamoDBCannotHold(t *testing.T) {
	o, _ := Builtin().Lookup("orders")
	base := func() map[string]any {
		return map[string]any{"order_id": "A", "customer_id": "C", "order_date": "2026-01-01", "sku": "S", "quantity": "1", "unit_price": "1.00", "currency": "EUR", "status": "NEW"}
	}
	tests := []struct {
		name, field, value, wantCode string
	}{
		{"301 digits", "unit_price", "1" + strings.Repeat("0", 300) + ".00", CodeNumberLimit},
		{"37 significant digits", "unit_price", strings.Repeat("1", 37) + ".00", ""},
		{"39 significant digits", "unit_price", strings.Repeat("1", 39) + ".00", CodeNumberLimit},
		{"NUL", "sku", "AB\x00CD", CodeControl},
		{"bell", "sku", "bell\a", CodeControl},
		{"DEL", "sku", "x\x7f", CodeControl},
		{"tab and newlines", "sku", "a\tb\r\nc", ""},
		{"NUL in an enum", "currency", "EUR\x00", CodeControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := base()
			raw[tt.field] = tt.value
			_, errs := o.Normalize(raw)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field+" "+e.Code)
			}
			var want []string
			if tt.wantCode != "" {
				want = []string{tt.field + " " + tt.wantCode}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, errs)
			}
		})
	}
}

// TestCalculateBeyondNumberLimit: a calculated number DynamoDB cannot
// store is left absent and reported with CodeNumberLimit.
func TestCalculateBeyondNumberLimit(t *testing.T) {
	o, _ := Builtin().Lookup("orders")
	rec, errs := o.Normalize(map[string]any{"order_id": "A", "customer_id": "C", "order_date": "2026-01-01", "sku": "S",
		"quantity": "9223372036854775807", "unit_price": strings.Repeat("9", 30) + ".99", "currency": "EUR", "status": "NEW"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	errs2 := o.Calculate(rec)
	if len(errs2) != 1 {
		t.Fatalf("errors %v, want one", errs2)
	}
	fe, ok := errs2[0].(FieldError)
	if !ok || fe.Field != "total" || fe.Code != CodeNumberLimit || !strings.Contains(fe.Reason, "significant digits") {
		t.Errorf("error %#v", errs2[0])
	}
	if v, ok := rec["total"]; ok {
		t.Errorf("total = %v, want absent", v)
	}
	rec["quantity"] = json.Number("2")
	if errs := o.Calculate(rec); len(errs) != 0 || rec["total"] == nil {
		t.Errorf("a storable total: %v %v", errs, rec["total"])
	}
}
