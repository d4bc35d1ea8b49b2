package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func openTable(t *testing.T, dir string, f Faults) (*dynamodb.Client, func()) {
	t.Helper()
	ts, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	c, closeFn := serveTable(t, ts)
	return c, closeFn
}

// serveTable serves ts and returns a client of it; closeFn stops the
// server and closes ts.
func serveTable(t testing.TB, ts *Store) (c *dynamodb.Client, closeFn func()) {
	t.Helper()
	srv := httptest.NewServer(ts)
	return newClient(srv.URL), func() { srv.Close(); ts.Close() }
}

// newClient is an SDK client for the server at endpoint, with the dummy
// credentials the local runtime signs with.
func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

func createItems(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("items"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, c *dynamodb.Client) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("items")})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
	}
	return n
}

func TestStorePersistsAppliedWritesOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, closeFn := openTable(t, dir, Faults{UnprocessedRate: 0.5, Seed: 7})
	createItems(t, c)
	var reqs []types.WriteRequest
	for i := 0; i < 25; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("ORDER#%d", i)}}}})
	}
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}})
	if err != nil {
		t.Fatal(err)
	}
	unprocessed := len(out.UnprocessedItems["items"])
	if unprocessed == 0 || unprocessed == 25 {
		t.Fatalf("fault injection should leave part of the batch unprocessed, got %d of 25", unprocessed)
	}
	applied := count(t, c)
	if applied != 25-unprocessed {
		t.Fatalf("applied %d, want %d", applied, 25-unprocessed)
	}
	// Conditional writes go through minidyn's expression engine.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "FILE#a"}},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "FILE#a"}},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second claim: want ConditionalCheckFailedException, got %v", err)
	}
	closeFn()

	c, closeFn = openTable(t, dir, Faults{})
	defer closeFn()
	if got := count(t, c); got != applied+1 {
		t.Errorf("after reopen: %d items, want %d (the unprocessed part must not be replayed)", got, applied+1)
	}
}

func TestStoreThrottle(t *testing.T) {
	c, closeFn := openTable(t, "", Faults{ThrottleRate: 1})
	defer closeFn()
	createItems(t, c)
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("items"),
		Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}}},
		func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("want ProvisionedThroughputExceededException, got %v", err)
	}
}

// TestStorePagingAndBatches checks the store's own paging and batch
// handling: paged scans see every item once, counts add up, and batch
// reads, batch writes and keyed calls find the items on disk.
func TestStorePagingAndBatches(t *testing.T) {
	ctx := context.Background()
	c, closeFn := openTable(t, "", Faults{})
	defer closeFn()
	createItems(t, c)
	const n = 250
	for i := 0; i < n; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("K#%03d", j)}}}})
		}
		out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}})
		if err != nil || len(out.UnprocessedItems) != 0 {
			t.Fatalf("batch %d: %v %v", i, err, out.UnprocessedItems)
		}
	}
	seen := map[string]int{}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("items"), Limit: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			seen[it["pk"].(*types.AttributeValueMemberS).Value]++
		}
	}
	if len(seen) != n {
		t.Errorf("paged scan saw %d distinct items, want %d", len(seen), n)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("%s seen %d times", k, v)
		}
	}
	cnt, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("items"), Select: types.SelectCount})
	if err != nil || cnt.Count != n {
		t.Errorf("count = %d (%v), want %d", cnt.Count, err, n)
	}
	var keys []map[string]types.AttributeValue
	for _, k := range []string{"K#000", "K#123", "K#249", "K#999"} {
		keys = append(keys, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k}})
	}
	got, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"items": {Keys: keys}}})
	if err != nil || len(got.Responses["items"]) != 3 {
		t.Errorf("batch get: %d items (%v), want 3", len(got.Responses["items"]), err)
	}
	item, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: keys[1]})
	if err != nil || item.Item == nil {
		t.Errorf("get K#123: %v %v", item, err)
	}
}
