package naming

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTagMap(t *testing.T) {
	got := TagMap("sluice", "dev", "storage")
	want := map[string]string{TagProject: "sluice", TagStack: "dev", TagComponent: "storage"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TagMap (-want +got):\n%s", diff)
	}
	if n := len(Tags("sluice", "dev", "storage")); n != 3 {
		t.Errorf("Tags has %d entries, want 3", n)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"child", Child("data", "items"), "data-items"},
		{"nested child", Child("compute", "load", "role"), "compute-load-role"},
		{"physical", Physical("sluice", "dev", "validate", 64), "sluice-dev-validate"},
		{"physical lower", Physical("Sluice", "Prod", "Load", 64), "sluice-prod-load"},
		{"physical truncated", Physical("sluice", "a-very-long-stack-name", "transform", 20), "stack-name-transform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
