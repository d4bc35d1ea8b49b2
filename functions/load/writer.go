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
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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

// groupItems is the number of records a worker writes together: one
// BatchGetItem (at most 100 keys) reads their stored versions, then they
// go out in BatchWriteItem requests of at most MaxBatchItems.
const groupItems = 4 * MaxBatchItems

// worker groups the records of one channel, at most groupItems and
// MaxBatchBytes per group, with one entry per key (a later record replaces
// an earlier one with the same key in the same group), and writes each
// group with writeBatch.
//
// The puts a BatchWriteItem leaves unprocessed stay in the worker's batch
// and go out with the next records instead of in a request of their own:
// under throttling a request still carries up to 25 items. A key's order
// holds because a worker sends one request at a time and a later record
// of a carried key replaces it in the batch (never both in one request).
// When a whole request makes no progress the worker backs off (capped
// exponential, full jitter) before the next; at the end it retries what is
// left until it is written or the deadline comes.
func (w *writer) worker(ctx context.Context, fail context.CancelCauseFunc, in <-chan *record) {
	var (
		batch []*record
		index = map[recordKey]int{}
		size  int
		// stalls counts the consecutive batches that made no progress.
		stalls int
	)
	add := func(r *record) {
		index[r.key()] = len(batch)
		batch = append(batch, r)
		size += r.size
	}
	reset := func() {
		batch, size = batch[:0:0], 0
		clear(index)
	}
	// flush writes the batch. Unless final it returns as soon as the
	// batch has room again, keeping the leftovers for the next records.
	flush := func(final bool) {
		for len(batch) > 0 {
			if stalls > 0 && !w.pause(ctx, stalls) {
				if ctx.Err() != nil {
					w.unwritten.Add(weightOf(batch))
					reset()
					return
				}
				// No time for another retry: the records already
				// tried are given up; the others get their attempt.
				fresh := batch[:0:0]
				for _, r := range batch {
					if r.tried {
						w.unwritten.Add(r.weight())
					} else {
						fresh = append(fresh, r)
					}
				}
				reset()
				for _, r := range fresh {
					add(r)
				}
				stalls = 0
				continue
			}
			for _, r := range batch {
				r.tried = true
			}
			left, err := w.writeBatch(ctx, batch)
			if err != nil {
				fail(err)
				reset()
				return
			}
			if len(left) == len(batch) {
				stalls++
			} else {
				stalls = 0
			}
			reset()
			for _, r := range left {
				add(r)
			}
			if !final && len(batch) < groupItems && size < MaxBatchBytes {
				return
			}
		}
	}
	for r := range in {
		if ctx.Err() != nil {
			w.unwritten.Add(r.weight())
			continue
		}
		if i, ok := index[r.key()]; ok {
			r.replaced += batch[i].weight()
			size += r.size - batch[i].size
			batch[i] = r
			continue
		}
		if len(batch) == groupItems || size+r.size > MaxBatchBytes {
			// r's key is not among the leftovers: they come from
			// the batch, which does not hold it.
			flush(false)
		}
		add(r)
	}
	if ctx.Err() != nil {
		w.unwritten.Add(weightOf(batch))
		return
	}
	flush(true)
}

// writeBatch makes one attempt at a group of distinct keys: it reads the
// source order of the existing items (one BatchGetItem), skips those a
// newer source wrote (stale), writes new items and re-runs of the same
// source with BatchWriteItem requests of at most MaxBatchItems, and
// replaces items of an older source with a conditional PutItem. It returns the puts the BatchWriteItem left unprocessed (or all
// of them after a transient error), which the caller retries; every other
// record of the batch ends up counted exactly once, also when it returns a
// hard error (the records not attempted, left ones included, count as
// unwritten).
func (w *writer) writeBatch(ctx context.Context, batch []*record) (left []*record, err error) {
	var c counts
	defer func() {
		if err != nil {
			left = nil
		}
		c.unwritten = weightOf(batch) - c.written - c.stale - weightOf(left)
		w.written.Add(c.written)
		w.stale.Add(c.stale)
		w.unwritten.Add(c.unwritten)
	}()
	if w.strict {
		return nil, w.putEach(ctx, batch, &c)
	}
	orders, unread, err := w.readOrders(ctx, batch)
	if err != nil {
		return nil, err
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
			c.stale += r.weight()
		default:
			conditional = append(conditional, r)
		}
	}
	for len(direct) > 0 {
		part := direct[:min(len(direct), MaxBatchItems)]
		direct = direct[len(part):]
		n, l, err := w.batchWrite(ctx, part)
		c.written += n
		if err != nil {
			return nil, err
		}
		left = append(left, l...)
	}
	if err := w.putEach(ctx, conditional, &c); err != nil {
		return nil, err
	}
	return left, nil
}

// putEach writes records one by one with a conditional PutItem, counting
// each in c as written or stale; it stops at the first hard error.
func (w *writer) putEach(ctx context.Context, records []*record, c *counts) error {
	for _, r := range records {
		written, stale, err := w.conditionalPut(ctx, r)
		if written {
			c.written += r.weight()
		}
		if stale {
			c.stale += r.weight()
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
	// Made on the first item found: a group of new keys (a first load)
	// finds none.
	var orders map[recordKey]string
	pending := batch // the records whose keys are still to read
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 && !w.pause(ctx, attempt) {
			break
		}
		out, err := w.batchGet(ctx, pending)
		if err != nil {
			if hard := w.classify("BatchGetItem", err); hard != nil {
				return nil, nil, hard
			}
			continue
		}
		for _, item := range out.Responses[w.table] {
			if orders == nil {
				orders = make(map[recordKey]string, len(batch))
			}
			pk, _ := stringAttr(item, AttrPK)
			sk, _ := stringAttr(item, AttrSK)
			o, _ := item[AttrSourceOrder].(*types.AttributeValueMemberS)
			if o != nil {
				orders[recordKey{pk, sk}] = o.Value
			} else {
				orders[recordKey{pk, sk}] = ""
			}
		}
		pending = unprocessedKeys(pending, out.UnprocessedKeys[w.table].Keys)
	}
	var unread map[recordKey]bool
	for _, r := range pending {
		if unread == nil {
			unread = map[recordKey]bool{}
		}
		unread[r.key()] = true
	}
	return orders, unread, nil
}

// unprocessedKeys returns the records of recs whose keys are among keys
// (a BatchGetItem's UnprocessedKeys).
func unprocessedKeys(recs []*record, keys []map[string]types.AttributeValue) []*record {
	if len(keys) == 0 {
		return nil
	}
	byKey := make(map[recordKey]*record, len(recs))
	for _, r := range recs {
		byKey[r.key()] = r
	}
	left := make([]*record, 0, len(keys))
	for _, k := range keys {
		pk, _ := stringAttr(k, AttrPK)
		sk, _ := stringAttr(k, AttrSK)
		if r := byKey[recordKey{pk, sk}]; r != nil {
			left = append(left, r)
		}
	}
	return left
}

// projectOrder is the ProjectionExpression of the version read.
const projectOrder = "#pk, #sk, #o"

// batchGet reads the source order of recs' items with one consistent
// BatchGetItem (at most 100 keys).
func (w *writer) batchGet(ctx context.Context, recs []*record) (*dynamodb.BatchGetItemOutput, error) {
	if c, ok := w.db.(*dynamodb.Client); ok {
		return rawBatchGet(ctx, c, w.table, recs)
	}
	keys := make([]map[string]types.AttributeValue, len(recs))
	for i, r := range recs {
		keys[i] = keyOf(r.pk, r.sk)
	}
	return w.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{w.table: {
			Keys:                     keys,
			ConsistentRead:           aws.Bool(true),
			ProjectionExpression:     aws.String(projectOrder),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK, "#o": AttrSourceOrder},
		}},
	}, callOptions...)
}

// batchWrite puts recs with one BatchWriteItem and returns the weight it
// wrote and the records it did not (UnprocessedItems, or all of them after
// a transient error).
func (w *writer) batchWrite(ctx context.Context, recs []*record) (int64, []*record, error) {
	if len(recs) == 0 {
		return 0, nil, nil
	}
	var out *dynamodb.BatchWriteItemOutput
	var err error
	if c, ok := w.db.(*dynamodb.Client); ok {
		out, err = rawBatchWrite(ctx, c, w.table, recs)
	} else {
		reqs := make([]types.WriteRequest, len(recs))
		for i, r := range recs {
			item, derr := r.attributes()
			if derr != nil {
				return 0, nil, derr
			}
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		}
		out, err = w.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{w.table: reqs},
		}, callOptions...)
	}
	if err != nil {
		if hard := w.classify("BatchWriteItem", err); hard != nil {
			return 0, nil, hard
		}
		return 0, recs, nil
	}
	unprocessed := out.UnprocessedItems[w.table]
	if len(unprocessed) == 0 {
		return weightOf(recs), nil, nil
	}
	byKey := make(map[recordKey]*record, len(recs))
	for _, r := range recs {
		byKey[r.key()] = r
	}
	left := make([]*record, 0, len(unprocessed))
	for _, u := range unprocessed {
		var r *record
		if u.PutRequest != nil {
			pk, _ := stringAttr(u.PutRequest.Item, AttrPK)
			sk, _ := stringAttr(u.PutRequest.Item, AttrSK)
			r = byKey[recordKey{pk, sk}]
		}
		if r == nil {
			// Not a put of this request: which were written cannot be
			// told, so all are retried (a put of the same item again
			// is harmless).
			return 0, recs, nil
		}
		left = append(left, r)
	}
	return weightOf(recs) - weightOf(left), left, nil
}

// conditionalPut replaces an item unless the table holds a newer source's
// version of it, which makes the record stale. Neither written nor stale
// means unwritten.
func (w *writer) conditionalPut(ctx context.Context, r *record) (written, stale bool, err error) {
	item, err := r.attributes()
	if err != nil {
		return false, false, err
	}
	in := &dynamodb.PutItemInput{
		TableName:                 aws.String(w.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(#o) OR #o <= :o"),
		ExpressionAttributeNames:  map[string]string{"#o": AttrSourceOrder},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: w.order}},
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 && !w.pause(ctx, attempt) {
			return false, false, nil
		}
		_, err := w.db.PutItem(ctx, in, callOptions...)
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

// transientCodes are the error codes of DynamoDB's that pass, beyond those
// sdkRetryables knows: DynamoDB answers a service fault with HTTP 500
// InternalServerError or 503 ServiceUnavailable, and a write that
// conflicts with a transaction in progress with TransactionConflictException.
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"LimitExceededException":                 true,
	"TransactionConflictException":           true,
}

// sdkRetryables is the test of the SDK's standard retryer: throttling and
// timeout codes, HTTP 429, 500, 502, 503 and 504, connection failures, and
// errors the SDK marked retryable, such as a probable clock-skew error (an
// AccessDeniedException or InvalidSignatureException whose response's Date
// is minutes away from the signing time: the SDK has corrected its offset,
// so the next attempt can pass). The loader makes its calls without the
// SDK's retryer (callOptions): this is how the errors that retryer would
// have retried still are.
var sdkRetryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// classify records a transient error (returning nil: retry it) or returns
// the typed error that stops the load.
func (w *writer) classify(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("dynamodb %s: %w", op, err)
	}
	// Before the codes below: a clock-skew error has the code of a
	// configuration error.
	transient := sdkRetryables.IsErrorRetryable(err) == aws.TrueTernary
	var api smithy.APIError
	if !transient && errors.As(err, &api) {
		switch code := api.ErrorCode(); {
		case code == "ResourceNotFoundException":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("dynamodb %s on table %q: %v", op, w.table, err)}
		case code == "AccessDeniedException" || code == "UnrecognizedClientException":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("dynamodb %s on table %q: %v", op, w.table, err)}
		case transientCodes[code] || serverError(err):
		default:
			return fmt.Errorf("dynamodb %s on table %q: %w", op, w.table, err)
		}
	}
	// Transient: an error above, or a failure without an answer from
	// DynamoDB (a network failure, a response cut short or failing its
	// CRC32 check).
	w.mu.Lock()
	w.lastErr = &fnerr.Retryable{Op: "dynamodb " + op, Err: err}
	w.mu.Unlock()
	return nil
}

// serverError reports whether err came with an HTTP 5xx status: a fault of
// the service, not of the request, whatever its code.
func serverError(err error) bool {
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
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
