package ctxtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/ctxtime"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"zero", context.Background(), 0, nil},
		{"negative", context.Background(), -time.Second, nil},
		{"short", context.Background(), time.Millisecond, nil},
		{"cancelled zero", done, 0, context.Canceled},
		{"cancelled long", done, time.Hour, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ctxtime.Sleep(tt.ctx, tt.d); !errors.Is(got, tt.want) {
				t.Errorf("Sleep = %v, want %v", got, tt.want)
			}
		})
	}
}
