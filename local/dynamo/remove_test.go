package dynamo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// TestUpdateItemRemove: REMOVE removes top-level attributes (which
// minidyn ignores), map keys and list elements, through #names, beside
// SET, and ALL_NEW shows the result, as DynamoDB does.
func TestUpdateItemRemove(t *testing.T) {
	ctx := context.Background()
	c, closeFn := openTable(t, "", Faults{})
	defer closeFn()
	createItems(t, c)
	key := map[string]types.AttributeValue{"pk": str("k")}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{
		"pk": str("k"), "error": str("boom"), "status": str("FAILED"),
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": str("1"), "y": str("2")}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{str("a"), str("b"), str("c"), str("d")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression:          aws.String("SET #s = :s REMOVE #e, m.x, l[1], l[3], absent"),
		ExpressionAttributeNames:  map[string]string{"#s": "status", "#e": "error"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": str("RUNNING")},
		ReturnValues:              types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	want := "map[l:[a c] m:map[y:2] pk:k status:RUNNING]"
	if got := render(out.Attributes); got != want {
		t.Errorf("ALL_NEW = %s, want %s", got, want)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, render(got.Item)); diff != "" {
		t.Errorf("stored item (-want +got):\n%s", diff)
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression: aws.String("REMOVE #nope")})
	if err == nil {
		t.Error("REMOVE of an undefined #name: want a ValidationException")
	}
}

// render prints an item's values plainly, maps and lists sorted by Go's
// fmt, for comparison.
func render(item map[string]types.AttributeValue) string {
	var conv func(types.AttributeValue) any
	conv = func(v types.AttributeValue) any {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			return v.Value
		case *types.AttributeValueMemberN:
			return v.Value
		case *types.AttributeValueMemberM:
			m := map[string]any{}
			for k, e := range v.Value {
				m[k] = conv(e)
			}
			return m
		case *types.AttributeValueMemberL:
			var l []any
			for _, e := range v.Value {
				l = append(l, conv(e))
			}
			return l
		}
		return fmt.Sprintf("%T", v)
	}
	m := map[string]any{}
	for k, v := range item {
		m[k] = conv(v)
	}
	return fmt.Sprint(m)
}

// FuzzRemoveClause checks the REMOVE clause parser never panics and
// returns only plain names.
func FuzzRemoveClause(f *testing.F) {
	for _, s := range []string{"REMOVE a", "SET a = :a REMOVE #b, c.d[2], e[0][1]", "remove a[", "ADD x :y REMOVE ,", "REMOVE #x", "REMOVE #undefined"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, err := topLevelRemoves(expr, map[string]string{"#b": "b", "#x": "x"})
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || strings.ContainsAny(n, ".[") || strings.HasPrefix(n, "#") {
				t.Fatalf("%q: %q is not a plain attribute name", expr, n)
			}
		}
	})
}
