package jsontest_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/jsontest"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	got := jsontest.Decode(t, `{"a":[1,1.0,12345678901234567890],"b":null}`)
	want := map[string]any{"a": []any{json.Number("1"), json.Number("1.0"), json.Number("12345678901234567890")}, "b": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}
