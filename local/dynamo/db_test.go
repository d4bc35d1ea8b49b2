package dynamo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n string) types.AttributeValue { return &types.AttributeValueMemberN{Value: n} }

// createEvents makes a table with a composite key: device (S) and seq (N).
func createEvents(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String("events"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("device"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("seq"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("device"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("seq"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// scratchItems counts what the scratch minidyn server still holds: the
// store must leave it empty after every request.
func scratchItems(t *testing.T, ts *Store, table string) int {
	t.Helper()
	code, out := ts.dyn.call("Scan", []byte(`{"TableName":"`+table+`"}`))
	if code != http.StatusOK {
		t.Fatalf("scratch scan: %s", out)
	}
	var resp struct{ Count int }
	_ = json.Unmarshal(out, &resp)
	return resp.Count
}

// TestStoreItemSemantics runs the writes a pipeline makes (conditional
// puts, updates, deletes, batches) and reads them back after a reopen: the
// expression semantics are minidyn's, the storage is on disk, and the
// scratch table is left empty.
func TestStoreItemSemantics(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ts, err := Open(dir, Faults{})
	if err != nil {
		t.Fatal(err)
	}
	c, closeFn := serveTable(t, ts)
	createEvents(t, c)
	tbl := aws.String("events")
	var reqs []types.WriteRequest
	for i := 1; i <= 20; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"device": str(fmt.Sprintf("d%d", i%2)), "seq": num(fmt.Sprint(i)), "reading": num(fmt.Sprint(20 + i))}}})
	}
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"events": reqs}}); err != nil {
		t.Fatal(err)
	}
	// A condition that fails leaves the stored item as it was.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl,
		Item:                map[string]types.AttributeValue{"device": str("d1"), "seq": num("1"), "reading": num("99")},
		ConditionExpression: aws.String("attribute_not_exists(device)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional put over an existing item: want ConditionalCheckFailedException, got %v", err)
	}
	// An update evaluates its expression against the stored item.
	up, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl,
		Key:                       map[string]types.AttributeValue{"device": str("d0"), "seq": num("2")},
		UpdateExpression:          aws.String("SET reading = reading + :d, note = :n"),
		ConditionExpression:       aws.String("reading = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": num("5"), ":n": str("adjusted"), ":old": num("22")},
		ReturnValues:              types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	if got := up.Attributes["reading"].(*types.AttributeValueMemberN).Value; got != "27" {
		t.Errorf("updated reading = %s, want 27", got)
	}
	// 4.0 and 4 are one number key, as in DynamoDB.
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl,
		Key: map[string]types.AttributeValue{"device": str("d0"), "seq": num("4.0")}}); err != nil {
		t.Fatal(err)
	}
	if n := scratchItems(t, ts, "events"); n != 0 {
		t.Errorf("the scratch table holds %d items after the writes, want 0", n)
	}
	closeFn()

	c, closeFn = openTable(t, dir, Faults{})
	defer closeFn()
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"device": str("d0"), "seq": num("2")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]types.AttributeValue{"device": str("d0"), "seq": num("2"), "reading": num("27"), "note": str("adjusted")}, got.Item,
		cmp.Comparer(func(a, b types.AttributeValue) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); diff != "" {
		t.Errorf("updated item after reopen (-want +got):\n%s", diff)
	}
	kept, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"device": str("d1"), "seq": num("1")}})
	if err != nil || kept.Item["reading"].(*types.AttributeValueMemberN).Value != "21" {
		t.Errorf("a failed condition changed the item: %v %v", kept.Item, err)
	}
	gone, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"device": str("d0"), "seq": num("4")}})
	if err != nil || gone.Item != nil {
		t.Errorf("deleted item is back after reopen: %v %v", gone.Item, err)
	}
	// Query: one partition, a sort-key range, descending, paged.
	var seqs []string
	p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: tbl,
		KeyConditionExpression:    aws.String("#d = :d AND seq BETWEEN :lo AND :hi"),
		ExpressionAttributeNames:  map[string]string{"#d": "device"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": str("d1"), ":lo": num("3"), ":hi": num("11")},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			seqs = append(seqs, it["seq"].(*types.AttributeValueMemberN).Value)
		}
	}
	if diff := cmp.Diff([]string{"11", "9", "7", "5", "3"}, seqs); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	// A filtered, projected query: Limit counts items read before the
	// filter.
	fq, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl,
		KeyConditionExpression:    aws.String("device = :d"),
		FilterExpression:          aws.String("reading > :r"),
		ProjectionExpression:      aws.String("seq"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": str("d0"), ":r": num("35")},
		Limit:                     aws.Int32(8)})
	if err != nil {
		t.Fatal(err)
	}
	// d0 holds seq 2, 6, 8, ..., 20 (4 was deleted); the first 8 read are
	// 2..18, of which 16 and 18 read above 35.
	var fseqs []string
	for _, it := range fq.Items {
		if len(it) != 1 {
			t.Errorf("projection not applied: %v", it)
		}
		fseqs = append(fseqs, it["seq"].(*types.AttributeValueMemberN).Value)
	}
	if fq.ScannedCount != 8 || fq.Count != 2 || fq.LastEvaluatedKey == nil || !cmp.Equal(fseqs, []string{"16", "18"}) {
		t.Errorf("filtered query: scanned %d, count %d, seqs %v, last key %v; want 8, 2, [16 18], a key",
			fq.ScannedCount, fq.Count, fseqs, fq.LastEvaluatedKey)
	}
	// BatchGetItem with a projection.
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"events": {
		Keys: []map[string]types.AttributeValue{
			{"device": str("d1"), "seq": num("3")}, {"device": str("d1"), "seq": num("4")}, {"device": str("d0"), "seq": num("6")}},
		ProjectionExpression: aws.String("seq, reading")}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(bg.Responses["events"]); n != 2 {
		t.Errorf("batch get found %d items, want 2", n)
	}
	for _, it := range bg.Responses["events"] {
		if _, ok := it["device"]; ok || len(it) != 2 {
			t.Errorf("projection not applied: %v", it)
		}
	}
	// A filtered scan: Limit counts items read before the filter.
	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, Limit: aws.Int32(10),
		FilterExpression:          aws.String("reading > :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num("35")}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.ScannedCount != 10 || sc.LastEvaluatedKey == nil {
		t.Errorf("filtered scan page: scanned %d, last key %v; want 10 and a key", sc.ScannedCount, sc.LastEvaluatedKey)
	}
	total := 0
	fp := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: tbl, Limit: aws.Int32(6),
		FilterExpression:          aws.String("reading > :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num("35")}})
	for fp.HasMorePages() {
		page, err := fp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += int(page.Count)
	}
	if total != 5 { // temps 36..40 (seq 16..20)
		t.Errorf("filtered scan found %d items over all pages, want 5", total)
	}
}

// TestStoreQueryNeedsThePartitionKey checks the errors of requests the
// embedded store cannot answer, which must name what is missing.
func TestStoreRefusals(t *testing.T) {
	ctx := context.Background()
	c, closeFn := openTable(t, "", Faults{})
	defer closeFn()
	createEvents(t, c)
	for name, in := range map[string]*dynamodb.QueryInput{
		"no partition key": {TableName: aws.String("events"), KeyConditionExpression: aws.String("seq > :s"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": num("1")}},
		"index": {TableName: aws.String("events"), IndexName: aws.String("byTemp"), KeyConditionExpression: aws.String("reading = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": num("1")}},
	} {
		_, err := c.Query(ctx, in)
		var ve interface{ ErrorCode() string }
		if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" {
			t.Errorf("%s: want ValidationException, got %v", name, err)
		}
	}
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nope"), Key: map[string]types.AttributeValue{"pk": str("x")}}); err == nil {
		t.Error("GetItem on a missing table: want an error")
	}
}

// TestStoreImportsLegacyJournal opens a state directory written by the
// journal-based store: its tables are imported once, and the journal is
// renamed so a second open does not replay it.
func TestStoreImportsLegacyJournal(t *testing.T) {
	dir := t.TempDir()
	var journal bytes.Buffer
	for _, e := range []struct{ op, body string }{
		{"CreateTable", `{"TableName":"items","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`},
		{"BatchWriteItem", `{"RequestItems":{"items":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}}`},
		{"DeleteItem", `{"TableName":"items","Key":{"pk":{"S":"a"}}}`},
	} {
		fmt.Fprintf(&journal, `{"op":%q,"body":%s}`+"\n", e.op, e.body)
	}
	if err := os.WriteFile(filepath.Join(dir, legacyJournal), journal.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		c, closeFn := openTable(t, dir, Faults{})
		if got := count(t, c); got != 1 {
			t.Errorf("open %d: %d items, want 1", round, got)
		}
		closeFn()
	}
	if _, err := os.Stat(filepath.Join(dir, legacyJournal+importedSuffix)); err != nil {
		t.Errorf("the imported journal was not renamed: %v", err)
	}
}

// FuzzKeyEncoding checks that the storage keys of distinct key values are
// distinct and that a partition's prefix covers exactly its own items.
func FuzzKeyEncoding(f *testing.F) {
	f.Add("a", "b", "1", "1.0")
	f.Add("a\x00", "a", "-0", "0")
	f.Add("", "\x00\x01", "1e2", "100")
	f.Fuzz(func(t *testing.T, s1, s2, n1, n2 string) {
		tbl := &tableDef{Name: "t", Hash: "h", Range: "r"}
		enc := func(s, n string) []byte {
			k, _, err := tbl.keyOf(map[string]json.RawMessage{"h": mustAttr("S", s), "r": mustAttr("N", n)})
			if err != nil {
				return nil
			}
			return k
		}
		k1, k2 := enc(s1, n1), enc(s2, n2)
		if k1 == nil || k2 == nil {
			return
		}
		// Strings travel as JSON, which turns invalid UTF-8 into U+FFFD:
		// compare them as DynamoDB receives them.
		same := wireString(s1) == wireString(s2) && sameNumber(n1, n2)
		if same != bytes.Equal(k1, k2) {
			t.Fatalf("(%q, %q) and (%q, %q): equal keys %v, equal values %v", s1, n1, s2, n2, bytes.Equal(k1, k2), same)
		}
		p1, _ := tbl.partition(mustAttr("S", s1))
		if !bytes.HasPrefix(k1, p1) {
			t.Fatalf("key of %q lies outside its partition", s1)
		}
		if (wireString(s1) == wireString(s2)) != bytes.HasPrefix(k2, p1) {
			t.Fatalf("partition %q: holds the key of %q = %v", s1, s2, bytes.HasPrefix(k2, p1))
		}
	})
}

// wireString is s as it arrives through JSON.
func wireString(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func mustAttr(typ, v string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{typ: v})
	return b
}

// BenchmarkStoreLoad writes b.N items of an orders-like shape through
// BatchWriteItem and reports the heap in use afterwards: it stays flat
// however many items the table holds (LevelDB keeps them on disk).
func BenchmarkStoreLoad(b *testing.B) {
	ctx := context.Background()
	ts, err := Open(b.TempDir(), Faults{})
	if err != nil {
		b.Fatal(err)
	}
	c, closeFn := serveTable(b, ts)
	defer closeFn()
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("items"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < min(i+25, b.N); j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": str(fmt.Sprintf("ORD-%08d", j)), "customer_id": str("C001"), "sku": str("SKU-0042"),
				"quantity": num("3"), "unit_price": num("19.99"), "status": str("NEW")}}})
		}
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}

// sameNumber tells whether two number strings are one DynamoDB number.
func sameNumber(a, b string) bool {
	x, okx := new(big.Rat).SetString(a)
	y, oky := new(big.Rat).SetString(b)
	return okx && oky && x.Cmp(y) == 0
}

// BenchmarkKeyOf encodes the storage key of an item (string pk, sk).
func BenchmarkKeyOf(b *testing.B) {
	tbl := &tableDef{Name: "items", Hash: "pk", Range: "sk"}
	item := map[string]json.RawMessage{"pk": json.RawMessage(`{"S":"ORDER#ORD-00000001"}`), "sk": json.RawMessage(`{"S":"ORDER"}`), "quantity": json.RawMessage(`{"N":"3"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tbl.keyOf(item); err != nil {
			b.Fatal(err)
		}
	}
}
