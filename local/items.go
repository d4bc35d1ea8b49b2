package local

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sluicehq/sluice/dataset"
)

// Items returns the loaded items of a dataset, from its table, as plain JSON
// values (numbers as json.Number), sorted by pk then sk. An item belongs to
// the dataset when its source key lies under the dataset's prefix.
func (r *Runtime) Items(ctx context.Context, name string) ([]map[string]any, error) {
	d, err := r.cfg.Datasets.Lookup(name)
	if err != nil {
		return nil, err
	}
	table := r.Tables[string(d.TargetTable())]
	var out []map[string]any
	p := dynamodb.NewScanPaginator(r.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, raw := range page.Items {
			var item map[string]any
			if err := attributevalue.UnmarshalMapWithOptions(raw, &item, func(o *attributevalue.DecoderOptions) { o.UseNumber = true }); err != nil {
				return nil, err
			}
			jsonNumbers(item)
			if src, _ := item[dataset.AttrSourceKey].(string); src != "" && !strings.HasPrefix(src, d.Prefix) {
				continue
			}
			out = append(out, item)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := fmt.Sprint(out[i][dataset.AttrPK]), fmt.Sprint(out[j][dataset.AttrPK])
		if a != b {
			return a < b
		}
		return fmt.Sprint(out[i][dataset.AttrSK]) < fmt.Sprint(out[j][dataset.AttrSK])
	})
	return out, nil
}

// WriteJSONLines writes items one JSON object per line.
func WriteJSONLines(w interface{ Write([]byte) (int, error) }, items []map[string]any) error {
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
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
