package workflow

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/internal/sdkinput"
)

// shapeOf describes t as checkFields and suggest see it: type names,
// exported fields in order and their types, recursively.
func shapeOf(t reflect.Type, seen map[reflect.Type]bool) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + shapeOf(t.Elem(), seen)
	case reflect.Slice:
		return "[]" + shapeOf(t.Elem(), seen)
	case reflect.Map:
		return "map[" + shapeOf(t.Key(), seen) + "]" + shapeOf(t.Elem(), seen)
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() || seen[t] {
			return t.Name()
		}
		seen[t] = true
		var b strings.Builder
		fmt.Fprintf(&b, "%s{", t.Name())
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				fmt.Fprintf(&b, "%s %s; ", f.Name, shapeOf(f.Type, seen))
			}
		}
		b.WriteString("}")
		return b.String()
	}
	return t.Kind().String()
}

// TestSDKInputMirrors checks the mirrors the builder checks SNS and
// EventBridge parameters against: same names, fields and types as the SDK's.
func TestSDKInputMirrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sdk, local reflect.Type
	}{
		{"sns.PublishInput", reflect.TypeFor[sns.PublishInput](), reflect.TypeFor[sdkinput.PublishInput]()},
		{"eventbridge.PutEventsInput", reflect.TypeFor[eventbridge.PutEventsInput](), reflect.TypeFor[sdkinput.PutEventsInput]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, got := shapeOf(tt.sdk, map[reflect.Type]bool{}), shapeOf(tt.local, map[reflect.Type]bool{})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mirror differs from the SDK (-sdk +mirror):\n%s", diff)
			}
		})
	}
}
