package fnlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
)

// TestLevels: the level Lambda passes decides which lines are written,
// and every line has the keys Lambda's filtering reads.
func TestLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want []string // levels written, of TRACE DEBUG INFO WARN ERROR FATAL
	}{
		{"", []string{"INFO", "WARN", "ERROR", "FATAL"}},
		{"TRACE", []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}},
		{"debug", []string{"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}},
		{"WARN", []string{"WARN", "ERROR", "FATAL"}},
		{"ERROR", []string{"ERROR", "FATAL"}},
		{"FATAL", []string{"FATAL"}},
		{"LOUD", []string{"INFO", "WARN", "ERROR", "FATAL"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log := FromLambda(func(k string) string {
				if k == "AWS_LAMBDA_LOG_LEVEL" {
					return tt.env
				}
				return ""
			}, &buf, "load").With(File("arn:aws:states:us-east-1:1:execution:m:e1", "orders", contract.Object{Bucket: "b", Key: "incoming/orders/o.csv", VersionID: "v1"})...)
			ctx := context.Background()
			for _, l := range []slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, LevelFatal} {
				log.Log(ctx, l, "m")
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				for _, k := range []string{"timestamp", "level", "msg", "function", "execution", "dataset", "bucket", "key", "versionId"} {
					if _, ok := m[k]; !ok {
						t.Errorf("line %s has no %q", line, k)
					}
				}
				got = append(got, m["level"].(string))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("levels written (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFailed: an expected error is a warning, any other an error.
func TestFailed(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo, "validate")
	Failed(context.Background(), log, "x", errors.New("rejected"), true)
	Failed(context.Background(), log, "x", errors.New("broken"), false)
	if s := buf.String(); !strings.Contains(s, `"level":"WARN","msg":"x","function":"validate","error":"rejected"`) ||
		!strings.Contains(s, `"level":"ERROR","msg":"x","function":"validate","error":"broken"`) {
		t.Errorf("log:\n%s", s)
	}
	Discard().Error("nothing")
	New(nil, slog.LevelInfo, "x").Error("nothing")
}
