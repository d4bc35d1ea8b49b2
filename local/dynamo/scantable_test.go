package dynamo

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestScanTable checks that ScanTable gives what Scan gives, in the same
// order, across its read batches; that an error from fn stops it; and
// that a table the store does not hold gives ErrNoTable.
func TestScanTable(t *testing.T) {
	ts, err := Open("", Faults{})
	if err != nil {
		t.Fatal(err)
	}
	c, closeFn := serveTable(t, ts)
	defer closeFn()
	createItems(t, c)
	ctx := context.Background()
	n := 2*rawScanItems + 3
	for i := range n {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("k%05d", (i*7919)%n)},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("items")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			want = append(want, item["pk"].(*types.AttributeValueMemberS).Value)
		}
	}
	var got []string
	if err := ts.ScanTable("items", func(item []byte) error {
		got = append(got, string(item))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != n || len(want) != n {
		t.Fatalf("ScanTable gave %d items, Scan %d, want %d", len(got), len(want), n)
	}
	for i := range got {
		if w := fmt.Sprintf(`{"pk":{"S":%q}}`, want[i]); got[i] != w {
			t.Fatalf("item %d: ScanTable gave %s, Scan %s", i, got[i], w)
		}
	}

	stop := errors.New("stop")
	calls := 0
	if err := ts.ScanTable("items", func([]byte) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn: got %v after %d calls, want it after 1", err, calls)
	}
	if err := ts.ScanTable("nonesuch", func([]byte) error { return nil }); !errors.Is(err, ErrNoTable) {
		t.Errorf("unknown table: got %v, want ErrNoTable", err)
	}
	calls = 0
	if err := ts.ScanTable("items", func([]byte) error {
		if calls++; calls == 1 {
			ts.Close()
		}
		return nil
	}); err == nil || calls != rawScanItems {
		t.Errorf("closed during the scan: got %v after %d items, want an error after the first batch (%d)", err, calls, rawScanItems)
	}
	if err := ts.ScanTable("items", func([]byte) error { return nil }); err == nil {
		t.Error("a closed store scanned")
	}
}
