package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
	return r.scanItems(ctx, name, false, fn)
}

// ScanTypedItems is ScanItems with every attribute in DynamoDB's JSON
// form, its type kept: {"S": "x"}, {"N": "1.50"}, {"SS": ["a"]},
// {"L": [{"S": "a"}]}, as the table stores it (sluice table scan --typed).
func (r *Runtime) ScanTypedItems(ctx context.Context, name string, fn func(item map[string]any) error) error {
	return r.scanItems(ctx, name, true, fn)
}

func (r *Runtime) scanItems(ctx context.Context, name string, typed bool, fn func(item map[string]any) error) error {
	d, err := r.cfg.Datasets.Lookup(name)
	if err != nil {
		return err
	}
	table := r.Tables[string(d.TargetTable())]
	if r.cfg.DynamoDBEndpoint == "" {
		return r.scanTable(ctx, table, d.Prefix, typed, fn)
	}
	if !typed {
		return dynamo.SortByKey(dataset.AttrPK, dataset.AttrSK, func(emit func(map[string]any) error) error {
			return r.scanTable(ctx, table, d.Prefix, false, emit)
		}, fn)
	}
	// Sorted by the key's text, carried beside the typed item.
	return dynamo.SortByKey(dataset.AttrPK, dataset.AttrSK, func(emit func(map[string]any) error) error {
		return r.scanTable(ctx, table, d.Prefix, true, func(item map[string]any) error {
			pk, _ := item[dataset.AttrPK].(map[string]any)
			sk, _ := item[dataset.AttrSK].(map[string]any)
			return emit(map[string]any{dataset.AttrPK: pk["S"], dataset.AttrSK: sk["S"], "item": item})
		})
	}, func(w map[string]any) error {
		item, _ := w["item"].(map[string]any)
		return fn(item)
	})
}

// WriteItems writes the loaded items of a dataset to w as JSON Lines, in
// key order, each line what WriteJSONLine writes of the item ScanItems
// (typed: ScanTypedItems) gives: sluice table scan. Memory does not grow
// with the table.
//
// From the embedded table store the items are read directly, in the
// store's key order and in the form it holds them (DynamoDB JSON), and
// each is turned into its line in place (lineWriter): no Scan request, no
// response to encode and decode, no map per item. That is several times
// faster than the Scan path, which an external endpoint still takes.
func (r *Runtime) WriteItems(ctx context.Context, name string, typed bool, w io.Writer) error {
	d, err := r.cfg.Datasets.Lookup(name)
	if err != nil {
		return err
	}
	table := r.Tables[string(d.TargetTable())]
	slow := func() error {
		return r.scanItems(ctx, name, typed, func(item map[string]any) error { return WriteJSONLine(w, item) })
	}
	if r.cfg.DynamoDBEndpoint != "" || r.tables == nil {
		return slow()
	}
	lw := lineWriter{typed: typed, prefix: d.Prefix}
	var buf []byte
	n := 0
	err = r.tables.ScanTable(table, func(raw []byte) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var err error
		if buf, _, err = lw.appendLine(buf, raw); err != nil {
			return fmt.Errorf("scan %s: %w", table, err)
		}
		if len(buf) >= 32<<10 {
			_, err = w.Write(buf)
			buf = buf[:0]
		}
		return err
	})
	if errors.Is(err, dynamo.ErrNoTable) {
		return slow() // as Scan answers it
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}

// scanTable calls fn with the items of table whose source key lies under
// prefix, in the order the Scan pages return them (typed: in DynamoDB's
// JSON form).
func (r *Runtime) scanTable(ctx context.Context, table, prefix string, typed bool, fn func(map[string]any) error) error {
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
			if typed {
				item = make(map[string]any, len(raw))
				for k, v := range raw {
					item[k] = typedJSON(v)
				}
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

// typedJSON is an attribute value in DynamoDB's JSON form: one key, its
// type, holding the value.
func typedJSON(v types.AttributeValue) map[string]any {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": x.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": x.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": x.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": x.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": x.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": x.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": x.Value}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": x.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(x.Value))
		for i, e := range x.Value {
			l[i] = typedJSON(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(x.Value))
		for k, e := range x.Value {
			m[k] = typedJSON(e)
		}
		return map[string]any{"M": m}
	}
	return map[string]any{}
}

// jsonNumbers turns attributevalue.Number values into json.Number so that
// they encode as JSON numbers, not strings.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case attributevalue.Number:
		return json.Number(x)
	case []attributevalue.Number: // a Number Set
		l := make([]any, len(x))
		for i, n := range x {
			l[i] = json.Number(n)
		}
		return l
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
