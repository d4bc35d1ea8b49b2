package enrich

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/records"
)

// lookup joins the referenced items into the block's records. memo maps
// the text of an On value to its reference key (zero: the value forms no
// key) for the chunk, so that a key is rendered once per distinct value.
func (h *Handler) lookup(ctx context.Context, l *dataset.Lookup, lp *lookupPlan, b *block, memo map[string]refKey) error {
	ref := l.Reference()
	if ref == nil {
		return &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: lookup from %q is not resolved", l.From)}
	}
	table := h.table(ref.TargetTable())
	if table == "" {
		return &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: no physical table for %q (lookup from %s)", ref.TargetTable(), l.From)}
	}
	now := h.now()
	keys := make([]refKey, len(b.entries))
	found := map[refKey]map[string]any{}
	var missing []refKey
	for i := range b.entries {
		t, ok := b.text(&b.entries[i], l.On)
		if !ok {
			continue
		}
		k, ok := memo[string(t)]
		if !ok {
			// KeyFor renders the value's text (dataset.Text), so the
			// text stands for the value.
			if pk, sk, err := l.KeyFor(string(t)); err == nil {
				k = refKey{table, pk, sk}
			} // else a value that cannot form a key matches nothing
			memo[string(t)] = k
		}
		if k == (refKey{}) {
			continue
		}
		keys[i] = k
		if _, seen := found[k]; seen {
			continue
		}
		item, ok := h.cache.get(k, now)
		found[k] = item
		if !ok {
			missing = append(missing, k)
		}
	}
	for start := 0; start < len(missing); start += 100 {
		part := missing[start:min(start+100, len(missing))]
		items, err := h.batchGet(ctx, table, part)
		if err != nil {
			return err
		}
		for _, k := range part {
			item := items[[2]string{k.pk, k.sk}]
			found[k] = item
			h.cache.put(k, item, now)
		}
	}
	// The copied values of each item, encoded once for the block.
	enc := make(map[refKey][][]byte, len(found))
	for i := range b.entries {
		e := &b.entries[i]
		item := found[keys[i]]
		if keys[i] == (refKey{}) {
			item = nil
		}
		var encs [][]byte
		if item != nil && e.m == nil {
			if encs = enc[keys[i]]; encs == nil {
				encs = make([][]byte, len(lp.copies))
				for ci, c := range lp.copies {
					if v, ok := item[c.from]; ok {
						var err error
						if encs[ci], err = records.AppendValue(nil, v); err != nil {
							return &fnerr.Internal{Msg: fmt.Sprintf("enrich: lookup from %s: field %s: %v", l.From, c.from, err)}
						}
					}
				}
				enc[keys[i]] = encs
			}
		}
		for ci, c := range lp.copies {
			if v, ok := item[c.from]; ok {
				var ce []byte
				if encs != nil {
					ce = encs[ci]
				}
				b.set(e, c.slot, v, ce)
			}
		}
		if lp.flag >= 0 {
			flag := encFalse
			if item == nil {
				flag = encTrue
			}
			b.set(e, lp.flag, item == nil, flag)
		}
	}
	return nil
}

func (h *Handler) table(t dataset.Table) string {
	switch t {
	case dataset.TableItems:
		return h.Config.ItemsTable
	case dataset.TableReference:
		return h.Config.ReferenceTable
	}
	return ""
}

// batchGet reads up to 100 keys, retrying UnprocessedKeys and transient
// errors with full-jitter backoff; it returns the items found by (pk, sk).
func (h *Handler) batchGet(ctx context.Context, table string, keys []refKey) (map[[2]string]map[string]any, error) {
	req := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		req[i] = map[string]types.AttributeValue{
			dataset.AttrPK: &types.AttributeValueMemberS{Value: k.pk},
			dataset.AttrSK: &types.AttributeValueMemberS{Value: k.sk},
		}
	}
	attempts := h.Config.LookupAttempts
	if attempts <= 0 {
		attempts = DefaultLookupAttempts
	}
	out := map[[2]string]map[string]any{}
	var lastErr error
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt == attempts {
			if lastErr == nil {
				lastErr = fmt.Errorf("%d keys still unprocessed", len(req))
			}
			return nil, &fnerr.Retryable{Op: "dynamodb BatchGetItem " + table, Err: lastErr}
		}
		if attempt > 0 {
			if err := h.sleep(ctx, backoff(attempt)); err != nil {
				return nil, &fnerr.Retryable{Op: "dynamodb BatchGetItem " + table, Err: err}
			}
		}
		res, err := h.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{table: {Keys: req}},
		})
		if err != nil {
			var api smithy.APIError
			if errors.As(err, &api) {
				switch api.ErrorCode() {
				case "ResourceNotFoundException", "AccessDeniedException", "UnrecognizedClientException":
					return nil, &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: dynamodb BatchGetItem on %q: %v", table, err)}
				case "ValidationException":
					return nil, &fnerr.Internal{Msg: fmt.Sprintf("enrich: dynamodb BatchGetItem on %q: %v", table, err)}
				}
			}
			if ctx.Err() != nil {
				return nil, &fnerr.Retryable{Op: "dynamodb BatchGetItem " + table, Err: err}
			}
			lastErr = err
			continue
		}
		for _, item := range res.Responses[table] {
			pk, _ := item[dataset.AttrPK].(*types.AttributeValueMemberS)
			sk, _ := item[dataset.AttrSK].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				continue
			}
			v := map[string]any{}
			for name, av := range item {
				v[name] = fromAttr(av)
			}
			out[[2]string{pk.Value, sk.Value}] = v
		}
		req = res.UnprocessedKeys[table].Keys
	}
	return out, nil
}

// backoff is full jitter over 25ms·2^(n-1), capped at 1s.
func backoff(n int) time.Duration {
	limit := time.Second
	if n < 7 {
		limit = min(limit, 25*time.Millisecond<<(n-1))
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}

func (h *Handler) sleep(ctx context.Context, d time.Duration) error {
	if h.Sleep != nil {
		return h.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fromAttr converts an attribute value to the record value types: S to
// string, N to json.Number, BOOL, NULL to nil, L and M recursively, sets to
// lists, B to base64 text.
func fromAttr(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return jsonNumber(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberB:
		return base64.StdEncoding.EncodeToString(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = fromAttr(e)
		}
		return l
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			m[k] = fromAttr(e)
		}
		return m
	case *types.AttributeValueMemberSS:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = e
		}
		return l
	case *types.AttributeValueMemberNS:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = jsonNumber(e)
		}
		return l
	}
	return nil
}
