package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/local/dynamo"
)

// Items returns the loaded items of a dataset, from its table, as plain JSON
// values (numbers as json.Number), sorted by pk then sk. An item belongs to
// the dataset when its source key lies under the dataset's prefix. It holds
// every item in memory: for tests and small tables; ScanItems streams.
func (r *Runtime) Items(ctx context.Context, name string) ([]map[string]any, error) {
	var out []map[string]any
	err := r.ScanItems(ctx, name, func(item map[string]any) error {
		out = append(out, item)
		return nil
	})
	return out, err
}

// ScanItems calls fn with each loaded item of a dataset (see Items), in key
// order (pk, then sk, as byte strings), with memory independent of the
// size of the table: one Scan page at a time.
//
// The embedded table store answers Scan in key order already. An external
// endpoint (DynamoDB, dynalite) answers in hash order, so its items are
// first spilled, page by page, into a scratch LevelDB database in a
// temporary directory (an on-disk sort with the store's fixed memory
// budget; it needs disk space about the size of the items), then read back
// in key order. An error from fn stops the scan and is returned.
func (r *Runtime) ScanItems(ctx context.Context, name string, fn func(item map[string]any) error) error {
	d, err := r.cfg.Datasets.Lookup(name)
	if err != nil {
		return err
	}
	table := r.Tables[string(d.TargetTable())]
	if r.cfg.DynamoDBEndpoint == "" {
		return r.scanTable(ctx, table, d.Prefix, fn)
	}
	return dynamo.SortByKey(dataset.AttrPK, dataset.AttrSK, func(emit func(map[string]any) error) error {
		return r.scanTable(ctx, table, d.Prefix, emit)
	}, fn)
}

// scanTable calls fn with the items of table whose source key lies under
// prefix, in the order the Scan pages return them.
func (r *Runtime) scanTable(ctx context.Context, table, prefix string, fn func(map[string]any) error) error {
	p := dynamodb.NewScanPaginator(r.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", table, err)
		}
		for _, raw := range page.Items {
			var item map[string]any
			if err := attributevalue.UnmarshalMapWithOptions(raw, &item, func(o *attributevalue.DecoderOptions) { o.UseNumber = true }); err != nil {
				return fmt.Errorf("scan %s: %w", table, err)
			}
			jsonNumbers(item)
			if src, _ := item[dataset.AttrSourceKey].(string); src != "" && !strings.HasPrefix(src, prefix) {
				continue
			}
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteJSONLine writes one item as a line of JSON (keys sorted).
func WriteJSONLine(w io.Writer, item map[string]any) error {
	b, err := json.Marshal(item)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return err
	}
	return nil
}

// jsonNumbers turns attributevalue.Number values into json.Number so that
// they encode as JSON numbers, not strings.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case attributevalue.Number:
		return json.Number(x)
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	}
	return v
}
