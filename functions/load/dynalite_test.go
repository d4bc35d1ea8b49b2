package load_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/load"
)

// dynalite is one dynalite server shared by the tests of this package that
// need it, started on first use and stopped by TestMain.
var dynalite struct {
	once     sync.Once
	cmd      *exec.Cmd
	endpoint string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dynalite.cmd != nil {
		dynalite.cmd.Process.Kill()
		dynalite.cmd.Wait()
	}
	os.Exit(code)
}

// startDynalite returns a DynamoDB client of a dynalite server on a free
// 127.0.0.1 port. It skips the test when SLUICE_DYNALITE is not set (fails
// under CI=true).
func startDynalite(t testing.TB) *dynamodb.Client {
	t.Helper()
	dir := os.Getenv("SLUICE_DYNALITE")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUICE_DYNALITE is not set (scripts/setup.d/20-dynalite.sh installs dynalite)")
		}
		t.Skip("SLUICE_DYNALITE is not set; run scripts/test.sh or scripts/setup.d/20-dynalite.sh")
	}
	dynalite.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			dynalite.err = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command("node", filepath.Join(dir, "cli.js"), "--host", "127.0.0.1", "--port", fmt.Sprint(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			dynalite.err = err
			return
		}
		if err := cmd.Start(); err != nil {
			dynalite.err = err
			return
		}
		dynalite.cmd = cmd
		dynalite.endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
		// Wait for its "listening" line: a connection alone could reach
		// another process that took the port after we released it. The
		// line comes after about 0.3s; EOF means it exited.
		ready := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "listening") {
					ready <- nil
					io.Copy(io.Discard, stdout)
					return
				}
			}
			ready <- fmt.Errorf("dynalite exited before listening on port %d", port)
		}()
		select {
		case dynalite.err = <-ready:
		case <-time.After(30 * time.Second):
			dynalite.err = fmt.Errorf("dynalite did not start listening on port %d", port)
		}
	})
	if dynalite.err != nil {
		t.Fatal(dynalite.err)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(dynalite.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// createTable creates a table named after name and the test, unique in
// the shared server even under -count, and returns its name.
func createTable(t testing.TB, db *dynamodb.Client, name string) string {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, tableSeq.Add(1))
	_, err := db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(load.AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(load.AttrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(load.AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(load.AttrSK), KeyType: types.KeyTypeRange},
		},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1000), WriteCapacityUnits: aws.Int64(1000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// dynalite answers ResourceNotFoundException until the table is
	// ACTIVE, even with --createTableMs 0 (seen in CI).
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 500*time.Millisecond
	})
	if err := w.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	return name
}

var tableSeq atomic.Int64

func countTable(t testing.TB, db *dynamodb.Client, table string) int64 {
	t.Helper()
	var n int64
	var start map[string]types.AttributeValue
	for {
		out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount, ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		n += int64(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n
		}
		start = out.LastEvaluatedKey
	}
}

// flakyDB passes each BatchWriteItem on with a random part of its requests
// and returns the rest, unsent, as UnprocessedItems: DynamoDB's partial
// success under throttling, which dynalite never produces by itself.
type flakyDB struct {
	*dynamodb.Client
	mu          sync.Mutex
	rnd         *rand.Rand
	unprocessed int64
}

func (f *flakyDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	send := map[string][]types.WriteRequest{}
	left := map[string][]types.WriteRequest{}
	f.mu.Lock()
	for table, reqs := range in.RequestItems {
		for _, r := range reqs {
			if f.rnd.IntN(3) == 0 {
				left[table] = append(left[table], r)
				f.unprocessed++
			} else {
				send[table] = append(send[table], r)
			}
		}
	}
	f.mu.Unlock()
	if len(send) == 0 {
		return &dynamodb.BatchWriteItemOutput{UnprocessedItems: left}, nil
	}
	out, err := f.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: send}, opts...)
	if err != nil {
		return nil, err
	}
	for table, reqs := range out.UnprocessedItems {
		left[table] = append(left[table], reqs...)
	}
	out.UnprocessedItems = left
	return out, nil
}

func TestDynaliteConditionalWrites(t *testing.T) {
	// The version check against a real DynamoDB protocol implementation:
	// the condition expression and the consistent BatchGetItem projection,
	// in both write modes.
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) { testDynaliteVersions(t, strict) })
	}
}

func testDynaliteVersions(t *testing.T, strict bool) {
	db := startDynalite(t)
	table := createTable(t, db, "items-versions")
	srv := newS3Server(t)
	stage := func(status string) contract.Chunk {
		src := contract.Object{Bucket: "pipeline", Key: "incoming/orders/a.csv"}
		srv.clock.Advance(time.Minute)
		src.VersionID = srv.put(t, src.Bucket, src.Key, status)
		var b strings.Builder
		for i := range 60 {
			fmt.Fprintf(&b, `{"pk":"ORDER#%d","sk":"ORDER","status":%q}`+"\n", i, status)
		}
		c := contract.Chunk{Dataset: "orders", Bucket: "pipeline", Key: contract.ChunkKey("orders", src, "enriched", 0), Source: src}
		srv.put(t, c.Bucket, c.Key, b.String())
		return c
	}
	v1, v2 := stage("NEW"), stage("SHIPPED")
	h := &load.Handler{S3: srv.client, DB: db, Targets: load.StaticTargets{"orders": {Table: table}}, Config: load.Config{Strict: strict}}
	steps := []struct {
		name  string
		chunk contract.Chunk
		want  contract.LoadOutput
	}{
		{"v1", v1, contract.LoadOutput{Written: 60}},
		{"v2 replaces v1 (conditional puts)", v2, contract.LoadOutput{Written: 60}},
		{"v1 again is stale", v1, contract.LoadOutput{Stale: 60}},
		{"v2 again rewrites", v2, contract.LoadOutput{Written: 60}},
	}
	for _, s := range steps {
		got, err := h.Handle(t.Context(), s.chunk)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		s.want.Dataset, s.want.Key = "orders", s.chunk.Key
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "ORDER#5"}, "sk": &types.AttributeValueMemberS{Value: "ORDER"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := out.Item["status"].(*types.AttributeValueMemberS); s == nil || s.Value != "SHIPPED" {
		t.Errorf("status = %v, want SHIPPED", out.Item["status"])
	}
	if c := countTable(t, db, table); c != 60 {
		t.Errorf("table holds %d items, want 60", c)
	}
}

func TestDynaliteLoads100000ItemsDespiteUnprocessedItems(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	real := startDynalite(t)
	table := createTable(t, real, "items-100k")

	// A versioned in-process S3 holding the source file and one chunk of
	// 100,000 records.
	srv := newS3Server(t)
	const n = 100_000
	var b strings.Builder
	for i := range n {
		rec := map[string]any{"pk": fmt.Sprintf("READING#%06d", i), "sk": "TS#2026-11-01T00:00:00.000Z",
			"device_id": fmt.Sprintf("d%d", i%97), "temperature": json.Number(fmt.Sprintf("%d.%d", i%40, i%10)), "_line": i + 1}
		line, _ := json.Marshal(rec)
		b.Write(line)
		b.WriteByte('\n')
	}
	src := contract.Object{Bucket: "pipeline", Key: "incoming/readings/big.jsonl"}
	src.VersionID = srv.put(t, src.Bucket, src.Key, "raw")
	chunk := contract.Chunk{Dataset: "readings", Bucket: "pipeline", Key: contract.ChunkKey("readings", src, "transformed", 0), Records: n, Source: src}
	srv.put(t, chunk.Bucket, chunk.Key, b.String())

	flaky := &flakyDB{Client: real, rnd: rand.New(rand.NewPCG(1, 2))}
	h := &load.Handler{
		S3: srv.client, DB: flaky,
		Targets: load.StaticTargets{"readings": {Table: table}},
		// The retry window is wall time: on a loaded machine the
		// default 2 minutes ran out before dynalite took every item, and
		// this test is about losing nothing, not about speed.
		Config: load.Config{Concurrency: 8, RetryWindow: 30 * time.Minute, Backoff: load.Backoff{Base: 2 * time.Millisecond, Cap: 50 * time.Millisecond}},
	}
	start := time.Now()
	got, err := h.Handle(t.Context(), chunk)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d items in %v; %d write requests were returned unprocessed and retried", got.Written, time.Since(start), flaky.unprocessed)
	want := contract.LoadOutput{Dataset: "readings", Key: chunk.Key, Written: n}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if flaky.unprocessed == 0 {
		t.Error("no UnprocessedItems were injected")
	}
	if c := countTable(t, real, table); c != n {
		t.Errorf("table holds %d items, want %d", c, n)
	}
}

type s3Server struct {
	client *s3.Client
	clock  gofakes3.TimeSourceAdvancer
}

func newS3Server(t testing.TB) *s3Server {
	t.Helper()
	clock := gofakes3.FixedTimeSource(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	faker := gofakes3.New(s3mem.New(s3mem.WithTimeSource(clock)), gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpServer{ln: ln}
	srv.start(faker.Server())
	t.Cleanup(srv.stop)
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + ln.Addr().String()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("pipeline")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(t.Context(), &s3.PutBucketVersioningInput{
		Bucket:                  aws.String("pipeline"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}); err != nil {
		t.Fatal(err)
	}
	return &s3Server{client: c, clock: clock}
}

func (s *s3Server) put(t testing.TB, bucket, key, body string) string {
	t.Helper()
	out, err := s.client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.VersionId)
}

// BenchmarkDynaliteLoad loads SLUICE_BENCH_LOAD_ITEMS (default 20,000)
// orders-sized items into a fresh dynalite table two ways and reports
// items/s: "loader" is load.Handler on one chunk (reading it from S3,
// the version read, batching on its default workers); "plain" is a loop
// of 25-item BatchWriteItem calls of items built beforehand, retrying
// what comes back unprocessed: the least a client can do. scripts/bench.sh
// runs it with -count for interleaved repetitions:
//
//	SLUICE_DYNALITE=... go test -run='^$' -bench=DynaliteLoad -benchtime=1x -count=3 ./functions/load
func BenchmarkDynaliteLoad(b *testing.B) {
	n := 20000
	if v := os.Getenv("SLUICE_BENCH_LOAD_ITEMS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
			b.Fatalf("SLUICE_BENCH_LOAD_ITEMS=%q: want a positive integer", v)
		}
	}
	db := startDynalite(b)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"pk":"ORDER#ORD-%08d","sk":"ORDER","order_id":"ORD-%08d","customer_id":"C%03d","order_date":"2026-%02d-%02d",`+
			`"sku":"SKU-%04d","quantity":%d,"unit_price":%d.%02d,"currency":"EUR","status":"NEW","_line":%d}`,
			i, i, 1+i%8, 1+i%12, 1+i%28, i%1000, 1+i%20, i%200, i%100, i+2)
	}
	b.Run("loader", func(b *testing.B) {
		srv := newS3Server(b)
		src := contract.Object{Bucket: "pipeline", Key: "incoming/orders/bench.csv"}
		src.VersionID = srv.put(b, src.Bucket, src.Key, "raw")
		chunk := contract.Chunk{Dataset: "orders", Bucket: "pipeline", Key: contract.ChunkKey("orders", src, "enriched", 0), Records: int64(n), Source: src}
		srv.put(b, chunk.Bucket, chunk.Key, strings.Join(lines, "\n")+"\n")
		for b.Loop() {
			b.StopTimer()
			table := createTable(b, db, "bench-loader")
			h := &load.Handler{S3: srv.client, DB: db, Targets: load.StaticTargets{"orders": {Table: table}},
				Config: load.Config{RetryWindow: 30 * time.Minute}}
			b.StartTimer()
			got, err := h.Handle(b.Context(), chunk)
			if err != nil {
				b.Fatal(err)
			}
			if got.Written != int64(n) {
				b.Fatalf("wrote %d items, want %d", got.Written, n)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("plain", func(b *testing.B) {
		items := make([]map[string]types.AttributeValue, n)
		for i, line := range lines {
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				b.Fatal(err)
			}
			item := map[string]types.AttributeValue{}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					item[k] = &types.AttributeValueMemberS{Value: v}
				case json.Number:
					item[k] = &types.AttributeValueMemberN{Value: v.String()}
				}
			}
			items[i] = item
		}
		for b.Loop() {
			b.StopTimer()
			table := createTable(b, db, "bench-plain")
			b.StartTimer()
			for start := 0; start < n; start += 25 {
				reqs := make([]types.WriteRequest, 0, 25)
				for _, it := range items[start:min(start+25, n)] {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
				}
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(b.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
					if err != nil {
						b.Fatal(err)
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
	})
}

// TestDynaliteSets: list attributes declared as sets reach a DynamoDB
// protocol implementation as String and Number Sets, a repeated element
// once, an empty one not at all (dynalite refuses an empty set, as
// DynamoDB does: the control write shows it), lists as Lists.
func TestDynaliteSets(t *testing.T) {
	db := startDynalite(t)
	table := createTable(t, db, "items-sets")
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "X"}, "sk": &types.AttributeValueMemberS{Value: "X"}, "tags": &types.AttributeValueMemberSS{Value: []string{}}}}); err == nil {
		t.Fatal("dynalite accepted an empty String Set: the test below would prove nothing")
	}
	srv := newS3Server(t)
	src := contract.Object{Bucket: "pipeline", Key: "incoming/catalog/c.xml"}
	src.VersionID = srv.put(t, src.Bucket, src.Key, "<catalog/>")
	body := `{"pk":"P#1","sk":"P","tags":["tea","black","tea"],"sizes":[250,1.50],"alerts":["A","A"]}` + "\n" +
		`{"pk":"P#2","sk":"P","tags":[],"sizes":[],"alerts":[]}` + "\n"
	c := contract.Chunk{Dataset: "catalog", Bucket: "pipeline", Key: contract.ChunkKey("catalog", src, "transformed", 0), Source: src, Records: 2}
	srv.put(t, c.Bucket, c.Key, body)
	h := &load.Handler{S3: srv.client, DB: db, Targets: load.StaticTargets{"catalog": {Table: table,
		Sets: map[string]load.SetType{"tags": load.StringSet, "sizes": load.NumberSet}}}}
	if out, err := h.Handle(t.Context(), c); err != nil || out.Written != 2 {
		t.Fatalf("Handle = %+v, %v", out, err)
	}
	get := func(pk string) map[string]types.AttributeValue {
		out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "P"}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	one := get("P#1")
	tags, _ := one["tags"].(*types.AttributeValueMemberSS)
	sizes, _ := one["sizes"].(*types.AttributeValueMemberNS)
	alerts, _ := one["alerts"].(*types.AttributeValueMemberL)
	if tags == nil || sizes == nil || alerts == nil {
		t.Fatalf("P#1: tags %T, sizes %T, alerts %T; want SS, NS, L", one["tags"], one["sizes"], one["alerts"])
	}
	sorted := func(s []string) []string { s = append([]string(nil), s...); sort.Strings(s); return s }
	if diff := cmp.Diff([]string{"black", "tea"}, sorted(tags.Value)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.5", "250"}, sorted(sizes.Value)); diff != "" {
		t.Errorf("sizes (-want +got):\n%s", diff)
	}
	if len(alerts.Value) != 2 {
		t.Errorf("alerts = %v, want a List of 2 (a List keeps repeats)", alerts.Value)
	}
	two := get("P#2")
	if _, ok := two["tags"]; ok {
		t.Errorf("P#2: empty tags written as %v", two["tags"])
	}
	if _, ok := two["sizes"]; ok {
		t.Errorf("P#2: empty sizes written as %v", two["sizes"])
	}
	if l, _ := two["alerts"].(*types.AttributeValueMemberL); l == nil || len(l.Value) != 0 {
		t.Errorf("P#2: alerts = %v, want an empty List", two["alerts"])
	}
}
