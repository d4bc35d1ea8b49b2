package load

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func TestParseItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    map[string]types.AttributeValue
		wantErr bool
	}{
		{
			name: "scalars",
			in:   `{"pk":"A","n":12.50,"b":true,"z":null,"e":""}`,
			want: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "A"},
				"n":  &types.AttributeValueMemberN{Value: "12.50"},
				"b":  &types.AttributeValueMemberBOOL{Value: true},
				"z":  &types.AttributeValueMemberNULL{Value: true},
				"e":  &types.AttributeValueMemberS{Value: ""},
			},
		},
		{
			name: "nested",
			in:   `{"l":[1,"x"],"m":{"k":false}}`,
			want: map[string]types.AttributeValue{
				"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					&types.AttributeValueMemberN{Value: "1"}, &types.AttributeValueMemberS{Value: "x"}}},
				"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"k": &types.AttributeValueMemberBOOL{Value: false}}},
			},
		},
		{name: "array", in: `[1]`, wantErr: true},
		{name: "string", in: `"x"`, wantErr: true},
		{name: "trailing", in: `{} {}`, wantErr: true},
		{name: "broken", in: `{"a":`, wantErr: true},
		{name: "too deep", in: `{"a":` + deep(40) + `}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseItem([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Errorf("item (-want +got):\n%s", diff)
			}
		})
	}
}

func deep(n int) string {
	return string(bytes.Repeat([]byte("["), n)) + string(bytes.Repeat([]byte("]"), n))
}

// toJSON is the inverse of parseItem, for the round-trip property.
func toJSON(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = toJSON(e)
		}
		return l
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = toJSON(e)
		}
		return m
	}
	return "unexpected"
}

func FuzzParseItem(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"pk":"A","sk":"#","n":1e3,"l":[{"x":null}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		item, err := parseItem(in)
		if err != nil {
			return
		}
		if itemSize(item) < 0 {
			t.Fatal("negative size")
		}
		m := map[string]any{}
		for k, v := range item {
			m[k] = toJSON(v)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		item2, err := parseItem(again)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if diff := cmp.Diff(item, item2, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}
