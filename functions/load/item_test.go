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

// TestApplySets: a set attribute's staged array becomes SS or NS (an
// element repeated kept once), an empty one is not written (DynamoDB has
// no empty set), and a value of another shape is refused naming the field.
func TestApplySets(t *testing.T) {
	t.Parallel()
	sets := map[string]SetType{"tags": StringSet, "sizes": NumberSet}
	tests := []struct {
		name    string
		in      string
		want    map[string]types.AttributeValue
		wantErr string
	}{
		{name: "sets", in: `{"tags":["a","b","a"],"sizes":[250,1.50],"l":["x"]}`, want: map[string]types.AttributeValue{
			"tags":  &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"sizes": &types.AttributeValueMemberNS{Value: []string{"250", "1.50"}},
			"l":     &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		}},
		{name: "empty set not written", in: `{"tags":[],"n":1}`, want: map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "1"}}},
		{name: "absent", in: `{}`, want: map[string]types.AttributeValue{}},
		{name: "number in a string set", in: `{"tags":["a",1]}`, wantErr: `field "tags": element 1 is a number, not an element of a SS set`},
		{name: "scalar", in: `{"sizes":3}`, wantErr: `field "sizes": a NS set is staged as a JSON array, found a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			item, err := parseItem([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			err = applySets(item, sets)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, item, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Errorf("item (-want +got):\n%s", diff)
			}
		})
	}
}
