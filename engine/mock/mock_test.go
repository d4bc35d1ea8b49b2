package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/engine/mock"
)

func TestTasksMatching(t *testing.T) {
	t.Parallel()
	inv, err := mock.ParseTasks([]byte(`{"r": [
		{"state": "A", "input": {"id": 2}, "return": "second"},
		{"state": "A", "input": {"id": "<any>"}, "return": "placeholder"},
		{"state": "A", "input": {"id": 1}, "throw": {"error": "E", "cause": null}}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	call := func(id int) (any, error) {
		return inv.Invoke(context.Background(), engine.TaskRequest{Resource: "r", State: "A", Input: map[string]any{"id": json.Number(json.Number(itoa(id)))}})
	}
	tests := []struct {
		id      int
		want    any
		wantErr string
	}{
		{2, "second", ""},
		{1, "placeholder", ""},
		{1, nil, "E"},
		{1, nil, "States.TaskFailed"},
	}
	for _, tt := range tests {
		got, err := call(tt.id)
		var te *engine.TaskError
		switch {
		case tt.wantErr != "":
			if !errors.As(err, &te) || te.Name != tt.wantErr {
				t.Errorf("id %d: err = %v, want %s", tt.id, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("id %d: %v", tt.id, err)
		case got != tt.want:
			t.Errorf("id %d: got %v, want %v", tt.id, got, tt.want)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestConfigAttemptRanges(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../testdata/exec/retry.mock-config.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := mock.NewConfig(cfg, "retry", "FlakyThenOK")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		_, err := inv.Invoke(context.Background(), engine.TaskRequest{State: "Load"})
		var te *engine.TaskError
		if errors.As(err, &te) {
			got = append(got, te.Name)
		} else {
			got = append(got, "ok")
		}
	}
	want := []string{"Lambda.ServiceException", "Lambda.ServiceException", "ok", "States.TaskFailed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	if _, err := mock.NewConfig(cfg, "retry", "Nope"); err == nil {
		t.Error("unknown test case accepted")
	}
}

func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("../testdata/exec/retry.mock-config.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"StateMachines":{"m":{"TestCases":{"t":{"S":"R"}}}},"MockedResponses":{"R":{"0-x":{"Return":1}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<14 {
			return
		}
		cfg, err := mock.ParseConfig(b)
		if err != nil {
			return
		}
		for sm, v := range cfg.StateMachines {
			for tc := range v.TestCases {
				inv, err := mock.NewConfig(cfg, sm, tc)
				if err != nil {
					continue
				}
				for range 3 {
					_, _ = inv.Invoke(context.Background(), engine.TaskRequest{State: "S"})
				}
			}
		}
	})
}
