package load

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/functions/fnerr"
)

// DB is the part of the DynamoDB API the loader uses; *dynamodb.Client
// satisfies it, and so does minidyn's client in tests.
type DB interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// counts is the outcome of writing a stream of records.
type counts struct {
	written, stale, unwritten int64
}

// writer writes records to one table for one source order. One writer
// serves one invocation.
type writer struct {
	db          DB
	table       string
	order       string
	deadline    time.Time
	clock       Clock
	backoff     Backoff
	rnd         func(int64) int64
	concurrency int
	// strict writes every record with a conditional PutItem (no read, no
	// batch): no race window, one request per item.
	strict bool

	written, stale, unwritten atomic.Int64

	mu      sync.Mutex
	lastErr error // last transient error, reported with LoadIncomplete
}

// write consumes next until io.EOF, spreading records over the workers by
// a hash of their key: records with the same key go to the same worker, in
// order, so the last one in the chunk wins. It returns the counts and the
// first hard error (a reading error, or a DynamoDB error retrying cannot
// fix).
func (w *writer) write(ctx context.Context, next func() (*record, error)) (counts, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	n := max(w.concurrency, 1)
	chans := make([]chan *record, n)
	var wg sync.WaitGroup
	for i := range chans {
		chans[i] = make(chan *record, 2*MaxBatchItems)
		wg.Go(func() { w.worker(ctx, cancel, chans[i]) })
	}
	seed := maphash.MakeSeed()
	var readErr error
	var pending int64 // records not handed to a worker after a failure
read:
	for {
		r, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			cancel(err)
			break
		}
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(r.pk)
		h.WriteByte(0)
		h.WriteString(r.sk)
		select {
		case chans[h.Sum64()%uint64(n)] <- r:
		case <-ctx.Done():
			pending++
			break read
		}
	}
	for _, c := range chans {
		close(c)
	}
	wg.Wait()
	w.unwritten.Add(pending)
	c := counts{w.written.Load(), w.stale.Load(), w.unwritten.Load()}
	if readErr != nil && !errors.Is(readErr, context.Canceled) && !errors.Is(readErr, context.DeadlineExceeded) {
		return c, readErr
	}
	// A failure of the context itself (the Lambda deadline) is not a hard
	// error: what it left undone is counted as unwritten.
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return c, err
	}
	return c, nil
}

// worker batches the records of one channel, at most MaxBatchItems and
// MaxBatchBytes per batch, with one entry per key (a later record replaces
// an earlier one with the same key in the same batch).
func (w *writer) worker(ctx context.Context, fail context.CancelCauseFunc, in <-chan *record) {
	var (
		batch []*record
		index = map[recordKey]int{}
		size  int
		// dups counts records replaced by a later one with the same key
		// in this batch; they share the batch's fate.
		dups int64
	)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := w.writeBatch(ctx, batch); err != nil {
			w.unwritten.Add(dups)
			fail(err)
		} else {
			w.written.Add(dups)
		}
		batch, size, dups = batch[:0:0], 0, 0
		clear(index)
	}
	for r := range in {
		if ctx.Err() != nil {
			w.unwritten.Add(1)
			continue
		}
		if i, ok := index[r.key()]; ok {
			dups++
			size += r.size - batch[i].size
			batch[i] = r
			continue
		}
		if len(batch) == MaxBatchItems || size+r.size > MaxBatchBytes {
			flush()
		}
		index[r.key()] = len(batch)
		batch = append(batch, r)
		size += r.size
	}
	if ctx.Err() != nil {
		w.unwritten.Add(int64(len(batch)) + dups)
		return
	}
	flush()
}

// writeBatch writes one batch of distinct keys: it reads the source order
// of the existing items, skips those a newer source wrote (stale), writes
// new items and re-runs of the same source with BatchWriteItem, and replaces
// items of an older source with a conditional PutItem. Every record of the
// batch ends up counted exactly once, also when it returns a hard error
// (the records not attempted count as unwritten).
func (w *writer) writeBatch(ctx context.Context, batch []*record) error {
	var c counts
	defer func() {
		c.unwritten = int64(len(batch)) - c.written - c.stale
		w.written.Add(c.written)
		w.stale.Add(c.stale)
		w.unwritten.Add(c.unwritten)
	}()
	if w.strict {
		for _, r := range batch {
			written, stale, err := w.conditionalPut(ctx, r)
			if written {
				c.written++
			}
			if stale {
				c.stale++
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	orders, unread, err := w.readOrders(ctx, batch)
	if err != nil {
		return err
	}
	var direct, conditional []*record
	for _, r := range batch {
		k := r.key()
		if unread[k] {
			continue
		}
		o, exists := orders[k]
		switch {
		case !exists || o == w.order:
			direct = append(direct, r)
		case o > w.order:
			c.stale++
		default:
			conditional = append(conditional, r)
		}
	}
	n, err := w.batchWrite(ctx, direct)
	c.written += n
	if err != nil {
		return err
	}
	for _, r := range conditional {
		written, stale, err := w.conditionalPut(ctx, r)
		if written {
			c.written++
		}
		if stale {
			c.stale++
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readOrders returns the source order of the batch's keys that exist in the
// table, and the keys it could not read before the deadline.
func (w *writer) readOrders(ctx context.Context, batch []*record) (map[recordKey]string, map[recordKey]bool, error) {
	keys := make([]map[string]types.AttributeValue, len(batch))
	for i, r := range batch {
		keys[i] = keyOf(r.pk, r.sk)
	}
	orders := make(map[recordKey]string, len(batch))
	names := map[string]string{"#pk": AttrPK, "#sk": AttrSK, "#o": AttrSourceOrder}
	for attempt := 0; len(keys) > 0; attempt++ {
		if attempt > 0 && !w.pause(ctx, attempt) {
			break
		}
		out, err := w.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{w.table: {
				Keys:                     keys,
				ConsistentRead:           aws.Bool(true),
				ProjectionExpression:     aws.String("#pk, #sk, #o"),
				ExpressionAttributeNames: names,
			}},
		})
		if err != nil {
			if hard := w.classify("BatchGetItem", err); hard != nil {
				return nil, nil, hard
			}
			continue
		}
		for _, item := range out.Responses[w.table] {
			pk, _ := stringAttr(item, AttrPK)
			sk, _ := stringAttr(item, AttrSK)
			o, _ := item[AttrSourceOrder].(*types.AttributeValueMemberS)
			if o != nil {
				orders[recordKey{pk, sk}] = o.Value
			} else {
				orders[recordKey{pk, sk}] = ""
			}
		}
		keys = out.UnprocessedKeys[w.table].Keys
	}
	var unread map[recordKey]bool
	for _, k := range keys {
		if unread == nil {
			unread = map[recordKey]bool{}
		}
		pk, _ := stringAttr(k, AttrPK)
		sk, _ := stringAttr(k, AttrSK)
		unread[recordKey{pk, sk}] = true
	}
	return orders, unread, nil
}

// batchWrite puts recs with BatchWriteItem, retrying UnprocessedItems and
// transient errors with backoff until the deadline, and returns how many it
// wrote (the rest are unwritten).
func (w *writer) batchWrite(ctx context.Context, recs []*record) (int64, error) {
	reqs := make([]types.WriteRequest, len(recs))
	for i, r := range recs {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: r.item}}
	}
	var written int64
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt > 0 && !w.pause(ctx, attempt) {
			break
		}
		out, err := w.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{w.table: reqs},
		})
		if err != nil {
			if hard := w.classify("BatchWriteItem", err); hard != nil {
				return written, hard
			}
			continue
		}
		left := out.UnprocessedItems[w.table]
		written += int64(len(reqs) - len(left))
		reqs = left
	}
	return written, nil
}

// conditionalPut replaces an item unless the table holds a newer source's
// version of it, which makes the record stale. Neither written nor stale
// means unwritten.
func (w *writer) conditionalPut(ctx context.Context, r *record) (written, stale bool, err error) {
	in := &dynamodb.PutItemInput{
		TableName:                 aws.String(w.table),
		Item:                      r.item,
		ConditionExpression:       aws.String("attribute_not_exists(#o) OR #o <= :o"),
		ExpressionAttributeNames:  map[string]string{"#o": AttrSourceOrder},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: w.order}},
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 && !w.pause(ctx, attempt) {
			return false, false, nil
		}
		_, err := w.db.PutItem(ctx, in)
		if err == nil {
			return true, false, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return false, true, nil
		}
		if hard := w.classify("PutItem", err); hard != nil {
			return false, false, hard
		}
	}
}

// pause sleeps before retry attempt, unless that would pass the deadline
// or ctx is done; it reports whether to retry.
func (w *writer) pause(ctx context.Context, attempt int) bool {
	if ctx.Err() != nil {
		return false
	}
	d := w.backoff.Delay(attempt, w.rnd)
	if !w.clock.Now().Add(d).Before(w.deadline) {
		return false
	}
	return w.clock.Sleep(ctx, d) == nil
}

// Error codes DynamoDB (and the SDK's retryer) return for conditions that
// pass: throttling, capacity, service errors.
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"LimitExceededException":                 true,
	"TransactionConflictException":           true,
}

// classify records a transient error (returning nil: retry it) or returns
// the typed error that stops the load.
func (w *writer) classify(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("dynamodb %s: %w", op, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch code := api.ErrorCode(); {
		case code == "ResourceNotFoundException":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("dynamodb %s on table %q: %v", op, w.table, err)}
		case code == "AccessDeniedException" || code == "UnrecognizedClientException":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("dynamodb %s on table %q: %v", op, w.table, err)}
		case transientCodes[code]:
		default:
			return fmt.Errorf("dynamodb %s on table %q: %w", op, w.table, err)
		}
	}
	// Transient: an API error above or a network failure the SDK's own
	// retryer gave up on.
	w.mu.Lock()
	w.lastErr = &fnerr.Retryable{Op: "dynamodb " + op, Err: err}
	w.mu.Unlock()
	return nil
}

func (w *writer) lastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}
