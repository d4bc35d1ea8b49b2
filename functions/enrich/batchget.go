package enrich

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// BatchGetItemFunc adapts a function to ItemBatchGetter, as
// http.HandlerFunc adapts one to http.Handler. functions/cmd/enrich passes
// the method value client.BatchGetItem rather than the *dynamodb.Client:
// a client stored in an interface (or in a struct that is) keeps every
// DynamoDB operation in the binary, because the expression engine links
// reflect.Value.MethodByName and the linker then keeps all exported methods
// of such types. That is about 0.3 MB of the zip (docs/functions.md,
// "Packaging").
type BatchGetItemFunc func(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)

// BatchGetItem calls f.
func (f BatchGetItemFunc) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return f(ctx, in, opts...)
}
