package reconcile

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/functions/contract"
)

// ordersRule is written as Encode writes it: keys sorted, "<" and ">"
// unescaped.
const ordersRule = `{"orders":{"detail":{"object":{"key":[{"wildcard":"incoming/orders/*.csv"}],"size":[{"numeric":[">=",1,"<=",10]}]}},"source":["aws.s3"]}}`

func TestParseConfig(t *testing.T) {
	t.Parallel()
	base := map[string]string{contract.EnvBucket: "b", contract.EnvTableLedger: "l", contract.EnvReconcileRules: ordersRule}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	rules := Rules{"orders": {"source": []any{"aws.s3"}, "detail": map[string]any{"object": map[string]any{
		"key":  []any{map[string]any{"wildcard": "incoming/orders/*.csv"}},
		"size": []any{map[string]any{"numeric": []any{">=", 1.0, "<=", 10.0}}},
	}}}}
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", env: base, want: Config{Bucket: "b", LedgerTable: "l", Rules: rules, Grace: 15 * time.Minute,
			Lookback: 7 * 24 * time.Hour, MaxRedrives: 100, MaxAttempts: 3, DeadlineMargin: 10 * time.Second}},
		{name: "all", env: with(contract.EnvReconcileGrace, "0s", contract.EnvReconcileLookback, "48h", contract.EnvReconcileRedrive, "true", contract.EnvStateMachineARN, "arn:m",
			contract.EnvReconcileMaxRedrives, "7", contract.EnvReconcileMaxAttempts, "2", contract.EnvReconcileDeadlineMargin, "3s"),
			want: Config{Bucket: "b", LedgerTable: "l", Rules: rules, Grace: 0, Lookback: 48 * time.Hour, Redrive: true,
				StateMachineARN: "arn:m", MaxRedrives: 7, MaxAttempts: 2, DeadlineMargin: 3 * time.Second}},
		{name: "no bucket", env: with(contract.EnvBucket, ""), wantErr: contract.EnvBucket},
		{name: "no rules", env: with(contract.EnvReconcileRules, ""), wantErr: contract.EnvReconcileRules},
		{name: "rules not an object", env: with(contract.EnvReconcileRules, `["x"]`), wantErr: contract.EnvReconcileRules},
		{name: "rules trailing data", env: with(contract.EnvReconcileRules, ordersRule+` {}`), wantErr: "trailing"},
		{name: "malformed pattern", env: with(contract.EnvReconcileRules, `{"orders":{"source":[{"nope":1}]}}`), wantErr: "orders"},
		{name: "null pattern", env: with(contract.EnvReconcileRules, `{"orders":null}`), wantErr: "orders"},
		{name: "bad grace", env: with(contract.EnvReconcileGrace, "soon"), wantErr: contract.EnvReconcileGrace},
		{name: "negative lookback", env: with(contract.EnvReconcileLookback, "-1h"), wantErr: contract.EnvReconcileLookback},
		{name: "lookback within grace", env: with(contract.EnvReconcileGrace, "2h", contract.EnvReconcileLookback, "1h"), wantErr: "lookback"},
		{name: "bad redrive", env: with(contract.EnvReconcileRedrive, "yes"), wantErr: contract.EnvReconcileRedrive},
		{name: "redrive without machine", env: with(contract.EnvReconcileRedrive, "true"), wantErr: contract.EnvStateMachineARN},
		{name: "bad max redrives", env: with(contract.EnvReconcileMaxRedrives, "0"), wantErr: contract.EnvReconcileMaxRedrives},
		{name: "bad max attempts", env: with(contract.EnvReconcileMaxAttempts, "x"), wantErr: contract.EnvReconcileMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRulesEncodeRoundTrips(t *testing.T) {
	t.Parallel()
	r, err := ParseRules(ordersRule)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if s != ordersRule {
		t.Errorf("Encode\n got %s\nwant %s", s, ordersRule)
	}
}

func TestRulesMatch(t *testing.T) {
	t.Parallel()
	r, err := ParseRules(`{"b":{"detail":{"object":{"key":[{"prefix":"in/"}]}}},"a":{"detail":{"object":{"key":[{"suffix":".csv"}]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]string{"in/x.csv": {"a", "b"}, "in/x.txt": {"b"}, "x.csv": {"a"}, "x.txt": nil} {
		got, err := r.Match(S3Event(File{Bucket: "bk", Key: key, Size: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(want, got) {
			t.Errorf("%s: %v, want %v", key, got, want)
		}
	}
}

// FuzzParseRules: no input panics, and whatever parses encodes to text
// that parses to the same rules.
func FuzzParseRules(f *testing.F) {
	f.Add(ordersRule)
	f.Add(`{"a":{"$or":[{"x":["1"]},{"y":[{"exists":false}]}]}}`)
	f.Add(`{"a":{"k":[{"anything-but":{"wildcard":["*.x","y/*"]}}]}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		r, err := ParseRules(s)
		if err != nil {
			return
		}
		enc, err := r.Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		back, err := ParseRules(enc)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", enc, err)
		}
		if !cmp.Equal(r, back) {
			t.Errorf("round trip changed the rules:\n%v\n%v", r, back)
		}
	})
}
