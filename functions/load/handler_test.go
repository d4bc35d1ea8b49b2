package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
)

const bucket = "pipeline"

// env is one loader test setup: S3 with a source file, minidyn with both
// tables and a Handler wired to them.
type env struct {
	s3 *fakeS3
	db *minidyn.Client
	h  *Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := minidyn.NewClient()
	for _, table := range []string{"items", "reference"} {
		if err := minidyn.AddTable(t.Context(), db, table, AttrPK, AttrSK); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{s3: newS3(t, bucket), db: db}
	e.h = &Handler{
		S3: e.s3, DB: db,
		// What loadset.Targets derives from dataset.Builtin() (checked in
		// that package's tests).
		Targets: StaticTargets{
			"orders":    {Table: "items"},
			"customers": {Table: "reference"},
			"readings":  {Table: "items", TTL: &TTL{Attribute: "expires_at", From: "ts", After: 30 * 24 * time.Hour}},
		},
		Config: Config{ItemsTable: "items", ReferenceTable: "reference", Concurrency: 3},
		// The fake clock starts now because the context deadline of
		// Handle is real time; it then moves only when slept on.
		Clock: &fakeClock{t: time.Now()},
	}
	return e
}

// stage writes a source file version and its chunk of records, returning
// the chunk document.
func (e *env) stage(t *testing.T, ds, sourceKey string, records []map[string]any) contract.Chunk {
	t.Helper()
	e.s3.clock.Advance(time.Minute)
	src := contract.Object{Bucket: bucket, Key: sourceKey}
	src.VersionID = e.s3.put(t, bucket, sourceKey, []byte("raw file"))
	var b strings.Builder
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	key := contract.ChunkKey(ds, src, "enriched", 0)
	e.s3.put(t, bucket, key, []byte(b.String()))
	return contract.Chunk{Dataset: ds, Bucket: bucket, Key: key, Records: int64(len(records)), Source: src}
}

func (e *env) item(t *testing.T, table, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(pk, sk)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	out, err := e.db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}

func orderRecords(status string, n int) []map[string]any {
	var recs []map[string]any
	for i := range n {
		recs = append(recs, map[string]any{
			"pk": fmt.Sprintf("ORDER#%d", i), "sk": "ORDER", "order_id": fmt.Sprint(i),
			"quantity": json.Number("2"), "unit_price": json.Number("1.25"), "total": json.Number("2.50"),
			"status": status, "_line": i + 2,
		})
	}
	return recs
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dataset string
		records []map[string]any
		want    contract.LoadOutput
		table   string
		check   func(t *testing.T, item map[string]types.AttributeValue, c contract.Chunk)
	}{
		{
			name: "orders", dataset: "orders", records: orderRecords("NEW", 40), table: "items",
			want: contract.LoadOutput{Dataset: "orders", Written: 40},
			check: func(t *testing.T, item map[string]types.AttributeValue, c contract.Chunk) {
				got := map[string]string{}
				for _, k := range []string{"status", AttrSourceKey, AttrSourceVersion} {
					got[k], _ = stringAttr(item, k)
				}
				want := map[string]string{"status": "NEW", AttrSourceKey: c.Source.Key, AttrSourceVersion: c.Source.VersionID}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("item (-want +got):\n%s", diff)
				}
				if n, _ := item["total"].(*types.AttributeValueMemberN); n == nil || n.Value != "2.50" {
					t.Errorf("total = %v, want N 2.50", item["total"])
				}
				if o, _ := stringAttr(item, AttrSourceOrder); !strings.HasPrefix(o, "2026-11-26T10:01:00.000000000Z/") {
					t.Errorf("%s = %q", AttrSourceOrder, o)
				}
			},
		},
		{
			name: "customers go to the reference table", dataset: "customers", table: "reference",
			records: []map[string]any{{"pk": "CUSTOMER#C1", "sk": "CUSTOMER", "customer_id": "C1", "name": "Ada", "segment": "VIP"}},
			want:    contract.LoadOutput{Dataset: "customers", Written: 1},
		},
		{
			name: "readings get a 30 day TTL", dataset: "readings", table: "items",
			records: []map[string]any{{"pk": "DEVICE#d1", "sk": "TS#2026-11-01T00:00:00.000Z", "device_id": "d1",
				"ts": "2026-11-01T00:00:00.000Z", "temperature": json.Number("21.5")}},
			want: contract.LoadOutput{Dataset: "readings", Written: 1},
			check: func(t *testing.T, item map[string]types.AttributeValue, _ contract.Chunk) {
				want := fmt.Sprint(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix())
				if n, _ := item["expires_at"].(*types.AttributeValueMemberN); n == nil || n.Value != want {
					t.Errorf("expires_at = %v, want N %s", item["expires_at"], want)
				}
			},
		},
		{
			name: "a TTL already staged is kept", dataset: "readings", table: "items",
			records: []map[string]any{{"pk": "DEVICE#d1", "sk": "TS#2026-11-01T00:00:00.000Z", "device_id": "d1",
				"ts": "2026-11-01T00:00:00.000Z", "expires_at": json.Number("42")}},
			want: contract.LoadOutput{Dataset: "readings", Written: 1},
			check: func(t *testing.T, item map[string]types.AttributeValue, _ contract.Chunk) {
				if n, _ := item["expires_at"].(*types.AttributeValueMemberN); n == nil || n.Value != "42" {
					t.Errorf("expires_at = %v, want N 42", item["expires_at"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.stage(t, tt.dataset, "incoming/"+tt.dataset+"/f1", tt.records)
			got, err := e.h.Handle(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Key = c.Key
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if n := e.count(t, tt.table); n != len(tt.records) {
				t.Errorf("%s holds %d items, want %d", tt.table, n, len(tt.records))
			}
			if tt.check != nil {
				pk, sk := tt.records[0]["pk"].(string), tt.records[0]["sk"].(string)
				tt.check(t, e.item(t, tt.table, pk, sk), c)
			}
		})
	}
}

func TestHandleVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	older := e.stage(t, "orders", "incoming/orders/day.csv", orderRecords("NEW", 30))
	newer := e.stage(t, "orders", "incoming/orders/day.csv", orderRecords("SHIPPED", 30))
	steps := []struct {
		name  string
		chunk contract.Chunk
		want  contract.LoadOutput
	}{
		{"newer version first", newer, contract.LoadOutput{Written: 30}},
		{"older version arrives late: all stale", older, contract.LoadOutput{Stale: 30}},
		{"newer version re-run: idempotent", newer, contract.LoadOutput{Written: 30}},
	}
	for _, s := range steps {
		got, err := e.h.Handle(t.Context(), s.chunk)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		s.want.Dataset, s.want.Key = "orders", s.chunk.Key
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
		if n := e.count(t, "items"); n != 30 {
			t.Errorf("%s: %d items, want 30", s.name, n)
		}
	}
	if st, _ := stringAttr(e.item(t, "items", "ORDER#7", "ORDER"), "status"); st != "SHIPPED" {
		t.Errorf("status = %q, want SHIPPED (the newer version)", st)
	}

	// Loading the older version first and then the newer one replaces it.
	e2 := newEnv(t)
	older = e2.stage(t, "orders", "incoming/orders/day.csv", orderRecords("NEW", 5))
	newer = e2.stage(t, "orders", "incoming/orders/day.csv", orderRecords("SHIPPED", 5))
	for _, c := range []contract.Chunk{older, newer} {
		if out, err := e2.h.Handle(t.Context(), c); err != nil || out.Written != 5 {
			t.Fatalf("Handle = %+v, %v; want 5 written", out, err)
		}
	}
	if st, _ := stringAttr(e2.item(t, "items", "ORDER#3", "ORDER"), "status"); st != "SHIPPED" {
		t.Errorf("status = %q, want SHIPPED", st)
	}
}

func TestHandleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(t *testing.T, e *env, c *contract.Chunk)
		wantType string
	}{
		{"unknown dataset", func(_ *testing.T, _ *env, c *contract.Chunk) { c.Dataset = "nope" }, "ConfigError"},
		{"table not configured", func(_ *testing.T, e *env, _ *contract.Chunk) {
			e.h.Targets = StaticTargets{"orders": {}}
		}, "ConfigError"},
		{"table missing", func(_ *testing.T, e *env, _ *contract.Chunk) {
			e.h.Targets = StaticTargets{"orders": {Table: "gone"}}
		}, "ConfigError"},
		{"chunk missing", func(_ *testing.T, _ *env, c *contract.Chunk) { c.Key += ".missing" }, "Internal"},
		{"bucket missing", func(_ *testing.T, _ *env, c *contract.Chunk) { c.Bucket = "other" }, "ConfigError"},
		{"no deps", func(_ *testing.T, e *env, _ *contract.Chunk) { e.h.DB = nil }, "ConfigError"},
		{"bad record", func(t *testing.T, e *env, c *contract.Chunk) {
			e.s3.put(t, bucket, c.Key, []byte(`{"pk":"a","sk":"b"}`+"\n"+`[1,2]`+"\n"))
		}, "Internal"},
		{"record without key", func(t *testing.T, e *env, c *contract.Chunk) {
			e.s3.put(t, bucket, c.Key, []byte(`{"pk":"a"}`+"\n"))
		}, "Internal"},
		{"throttled until the deadline", func(_ *testing.T, e *env, _ *contract.Chunk) {
			minidyn.EmulateFailure(e.db, minidyn.FailureConditionInternalServerError)
		}, "LoadIncomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.stage(t, "orders", "incoming/orders/f.csv", orderRecords("NEW", 3))
			tt.edit(t, e, &c)
			ctx, cancel := context.WithDeadline(t.Context(), e.h.Clock.Now().Add(time.Minute))
			defer cancel()
			_, err := e.h.Handle(ctx, c)
			if got := fnerr.NameOf(err); got != tt.wantType {
				t.Errorf("error %v has type %q, want %q", err, got, tt.wantType)
			}
		})
	}
}

// cancellingDB cancels the invocation's context after its first batch
// write, as the Lambda runtime does at the hard deadline.
type cancellingDB struct {
	DB
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancellingDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	out, err := c.DB.BatchWriteItem(ctx, in, opts...)
	c.once.Do(c.cancel)
	return out, err
}

func TestHandleCancelledAccountsForEveryRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.h.Config.Concurrency = 2
	c := e.stage(t, "orders", "incoming/orders/big.csv", orderRecords("NEW", 2000))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.h.DB = &cancellingDB{DB: e.db, cancel: cancel}
	out, err := e.h.Handle(ctx, c)
	var li *fnerr.LoadIncomplete
	if !errors.As(err, &li) {
		t.Fatalf("error %v, want LoadIncomplete", err)
	}
	if li.Written+li.Unwritten+out.Stale != 2000 || li.Written != out.Written {
		t.Errorf("written %d + unwritten %d + stale %d != 2000 records (output %+v)", li.Written, li.Unwritten, out.Stale, out)
	}
	if li.Unwritten == 0 || li.Written == 0 {
		t.Errorf("written %d, unwritten %d: want some of each", li.Written, li.Unwritten)
	}
	if n := e.count(t, "items"); int64(n) != li.Written {
		t.Errorf("table holds %d items, LoadIncomplete says %d written", n, li.Written)
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: now}
	tests := []struct {
		name   string
		cfg    Config
		ctxDur time.Duration // 0: no deadline
		want   time.Duration // from now
	}{
		{name: "lambda 15m, default margin", ctxDur: 15 * time.Minute, want: 15*time.Minute - DefaultDeadlineMargin},
		{name: "configured margin", cfg: Config{DeadlineMargin: 30 * time.Second}, ctxDur: 5 * time.Minute, want: 4*time.Minute + 30*time.Second},
		{name: "short timeout keeps three quarters", ctxDur: 8 * time.Second, want: 6 * time.Second},
		{name: "no deadline", want: DefaultRetryWindow},
		{name: "no deadline, window", cfg: Config{RetryWindow: time.Second}, want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tt.ctxDur > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tt.ctxDur))
				defer cancel()
			}
			h := &Handler{Config: tt.cfg}
			if got := h.deadline(ctx, clock).Sub(now); got != tt.want {
				t.Errorf("deadline = now + %v, want now + %v", got, tt.want)
			}
		})
	}
}
