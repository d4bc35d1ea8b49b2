package load

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// BatchWriteItem and BatchGetItem bodies written by the loader.
//
// With the SDK's client (on Lambda and in `sluice run`) the loader sends
// each BatchWriteItem with a body it wrote from its records' DynamoDB JSON
// (record.item) instead of letting the SDK serialize a map of
// AttributeValues per item: the request is still the SDK's in every other
// way (endpoint, signing, retries, error and UnprocessedItems decoding),
// only its body is replaced, by a serialize-step middleware after the
// SDK's own serializer (the documented way to adjust a request,
// Options.APIOptions). The SDK validates and serializes a stand-in input
// naming the same table, whose body is then replaced. Other DB
// implementations (fakes, minidyn in tests) get AttributeValues decoded
// from the same text (decodeItem), so both paths write the same items
// (TestRawBatchWriteMatchesSDK).
//
// The version read (BatchGetItem of up to 100 keys) goes the same way: its
// body is written from the records' keys, not from a map of
// AttributeValues per key serialized by the SDK; its answer is the SDK's
// (TestRawBatchGetMatchesSDK).
//
// Every call the loader makes through the SDK's client carries
// callOptions: the loader, not the SDK, retries it.

// batchWriteBody appends the body of a BatchWriteItem putting recs into
// table.
func batchWriteBody(b []byte, table string, recs []*record) []byte {
	b = append(b, `{"RequestItems":{`...)
	b = append(jsonenc.AppendString(b, table), ":["...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"PutRequest":{"Item":`...)
		b = append(b, r.item...)
		b = append(b, "}}"...)
	}
	return append(b, "]}}"...)
}

// rawBatchWrite sends a BatchWriteItem of recs through the SDK client c
// with the body the loader wrote.
func rawBatchWrite(ctx context.Context, c *dynamodb.Client, table string, recs []*record) (*dynamodb.BatchWriteItemOutput, error) {
	size := 64
	for _, r := range recs {
		size += len(r.item) + 30
	}
	body := batchWriteBody(make([]byte, 0, size), table, recs)
	stand := &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {}}}
	return c.BatchWriteItem(ctx, stand, withBody(body))
}

// withBody is a per-call option replacing the serialized request body; it
// includes callOptions.
func withBody(body []byte) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		withoutSDKRetries(o)
		// o is the call's copy of the client's options: appending does
		// not touch the client's.
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Serialize.Insert(rawBody(body), "OperationSerializer", middleware.After)
		})
	}
}

// callOptions are the options of every call the loader makes through the
// SDK's client (withBody includes them): the call goes without the SDK's
// retryer (aws.NopRetryer), because the loader is the one layer that
// retries its DynamoDB requests. It retries what DynamoDB leaves
// unprocessed and every transient failure (classify), with capped
// exponential backoff and full jitter, within the Lambda deadline. With the
// SDK's retryer as well (DynamoDB's default: 4 attempts, its own backoff of
// up to 20 s, unaware of the deadline) a throttled request was sent up to
// 4 times per loader attempt, and the sleeps of both layers added up.
//
// The rest of the SDK's per-call work stays: endpoint resolution, signing,
// clock-skew correction (the skew a response reveals still corrects the
// next request's signature), the response's CRC32 check, error decoding,
// the User-Agent and the X-Ray trace header. Leaving out the telemetry
// middleware (User-Agent, invocation id, input validation) was measured
// and bought nothing: building the stack costs the same, and removing
// middleware from it per call costs allocations of its own
// (BenchmarkRawBatchWriteSDK: 304 allocations per request with them, 309
// without). Other DB implementations ignore the options.
var callOptions = []func(*dynamodb.Options){withoutSDKRetries}

// withoutSDKRetries makes a call with the SDK's no-op retryer: one attempt,
// whose error comes back as the SDK classified it (a probable clock-skew
// error marked retryable, for one), for classify to decide.
func withoutSDKRetries(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

// rawBody is the middleware withBody adds.
type rawBody []byte

// ID names the middleware in the stack.
func (rawBody) ID() string { return "SluiceLoaderBody" }

// HandleSerialize replaces the body the SDK serialized.
func (b rawBody) HandleSerialize(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.SerializeOutput{}, middleware.Metadata{}, fmt.Errorf("load: unexpected transport request %T", in.Request)
	}
	r, err := req.SetStream(bytes.NewReader(b))
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, fmt.Errorf("load: set request body: %w", err)
	}
	in.Request = r
	return next.HandleSerialize(ctx, in)
}

// batchGetOrdersBody appends the body of the consistent BatchGetItem that
// reads the key and source order of recs' items in table (what
// writer.batchGet sends through other DB implementations).
func batchGetOrdersBody(b []byte, table string, recs []*record) []byte {
	b = append(b, `{"RequestItems":{`...)
	b = jsonenc.AppendString(b, table)
	b = append(b, `:{"ConsistentRead":true,"ExpressionAttributeNames":{"#o":`...)
	b = jsonenc.AppendString(b, AttrSourceOrder)
	b = append(b, `,"#pk":`...)
	b = jsonenc.AppendString(b, AttrPK)
	b = append(b, `,"#sk":`...)
	b = jsonenc.AppendString(b, AttrSK)
	b = append(b, `},"Keys":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(jsonenc.AppendString(append(b, '{'), AttrPK), `:{"S":`...)
		b = append(jsonenc.AppendString(b, r.pk), "},"...)
		b = append(jsonenc.AppendString(b, AttrSK), `:{"S":`...)
		b = append(jsonenc.AppendString(b, r.sk), "}}"...)
	}
	b = append(b, `],"ProjectionExpression":`...)
	b = jsonenc.AppendString(b, projectOrder)
	return append(b, "}}}"...)
}

// rawBatchGet sends the version read of recs through the SDK client c with
// the body the loader wrote.
func rawBatchGet(ctx context.Context, c *dynamodb.Client, table string, recs []*record) (*dynamodb.BatchGetItemOutput, error) {
	size := 192 + len(table)
	for _, r := range recs {
		size += len(r.pk) + len(r.sk) + 32
	}
	body := batchGetOrdersBody(make([]byte, 0, size), table, recs)
	// Keys must not be nil for the SDK's validation; the body replaces
	// what it serializes.
	stand := &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: []map[string]types.AttributeValue{}}}}
	return c.BatchGetItem(ctx, stand, withBody(body))
}
