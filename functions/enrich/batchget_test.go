package enrich

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestBatchGetItemFuncForwards(t *testing.T) {
	in := &dynamodb.BatchGetItemInput{}
	want := &dynamodb.BatchGetItemOutput{}
	var opts int
	var g ItemBatchGetter = BatchGetItemFunc(func(_ context.Context, got *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
		if got != in {
			t.Error("input not forwarded")
		}
		opts = len(o)
		return want, nil
	})
	out, err := g.BatchGetItem(context.Background(), in, func(*dynamodb.Options) {})
	if err != nil || out != want || opts != 1 {
		t.Errorf("BatchGetItem = %v, %v with %d options; want the function's result with 1 option", out, err, opts)
	}
}
