package local_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/cli"
	"github.com/sluicehq/sluice/local"
)

// startDynalite starts dynalite (the folder in SLUICE_DYNALITE, exported by
// scripts/setup.d/20-dynalite.sh) on a free 127.0.0.1 port and returns its
// endpoint; it stops with the test. Without SLUICE_DYNALITE the test skips,
// or fails when CI=true.
func startDynalite(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SLUICE_DYNALITE")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUICE_DYNALITE is not set (scripts/setup.d/20-dynalite.sh installs dynalite)")
		}
		t.Skip("SLUICE_DYNALITE is not set; run scripts/test.sh or source scripts/setup.d/20-dynalite.sh")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found")
		}
		t.Skip("node not found")
	}
	// dynalite's --port 0 binds 4567, so take a free port and hand it over.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(node, filepath.Join(dir, "cli.js"), "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dynalite: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatalf("dynalite did not listen on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	return "http://" + addr
}

// scanTable returns every item of a table as "attr=value " pairs, sorted.
// Numbers are compared as DynamoDB stores them (see canonicalNumber):
// dynalite, like DynamoDB, trims trailing zeros (total 59.9), the embedded
// table keeps the digits written (59.90).
func scanTable(t *testing.T, c *dynamodb.Client, table string) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMapWithOptions(it, &m, func(o *attributevalue.DecoderOptions) { o.UseNumber = true }); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v := m[k]
				if n, ok := v.(attributevalue.Number); ok {
					v = canonicalNumber(string(n))
				}
				fmt.Fprintf(&b, "%s=%v ", k, v)
			}
			out = append(out, b.String())
		}
	}
	sort.Strings(out)
	return out
}

// TestRunAgainstDynalite runs `sluice run --dynamodb-endpoint` on dynalite
// for customers then orders, scans dynalite directly and compares with the
// same files run on the embedded DynamoDB. The S3 store is the embedded
// one in both, so the source versions agree; the times inside
// _source_order, _execution and _ingested_at differ and are cut off.
func TestRunAgainstDynalite(t *testing.T) {
	endpoint := startDynalite(t)
	files := []struct{ dataset, file string }{
		{"customers", "customers.csv"},
		{"orders", "orders.csv"},
		{"readings", "readings.jsonl"},
	}
	type state struct {
		dir, endpoint string
		client        *dynamodb.Client
	}
	ext := state{dir: t.TempDir(), endpoint: endpoint, client: local.NewDynamoDBClient(endpoint)}
	emb := state{dir: t.TempDir()}
	for _, s := range []*state{&ext, &emb} {
		for _, f := range files {
			args := []string{"run", "--fast", "--state-dir", s.dir, "--dataset", f.dataset, filepath.Join("..", "examples", f.dataset, f.file)}
			if s.endpoint != "" {
				args = append(args, "--dynamodb-endpoint", s.endpoint)
			}
			var stdout, stderr bytes.Buffer
			if code := cli.Run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("sluice %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "→ LOADED") {
				t.Fatalf("sluice %s: not LOADED:\n%s", strings.Join(args, " "), stdout.String())
			}
			if want := "(external endpoints)"; (s.endpoint != "") != strings.Contains(stdout.String(), want) {
				t.Errorf("endpoint %q: header does not say whether endpoints are external:\n%s", s.endpoint, stdout.String())
			}
		}
	}
	// The embedded table, read through the runtime (as table scan does).
	rt, err := local.Open(context.Background(), local.Config{StateDir: emb.dir})
	if err != nil {
		t.Fatal(err)
	}
	emb.client = rt.DynamoDB
	t.Cleanup(func() { rt.Close() })

	for _, table := range []string{rt.Tables["items"], rt.Tables["reference"]} {
		got := cutVolatile(scanTable(t, ext.client, table))
		want := cutVolatile(scanTable(t, emb.client, table))
		if len(got) == 0 {
			t.Errorf("dynalite table %s is empty", table)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("table %s (-embedded +dynalite):\n%s", table, diff)
		}
	}
	ledger := scanTable(t, ext.client, rt.Tables["ledger"])
	if len(ledger) != len(files) {
		t.Errorf("dynalite ledger has %d items, want %d:\n%s", len(ledger), len(files), strings.Join(ledger, "\n"))
	}
	for _, l := range ledger {
		if !strings.Contains(l, "status=LOADED") {
			t.Errorf("ledger item not LOADED: %s", l)
		}
	}
}

// cutVolatile replaces what differs between two runs of the same files:
// the upload time in _source_order ("<uploaded>/v…" keeps the version),
// the time in the execution name of _execution and _ingested_at.
func cutVolatile(items []string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		it = uploadRe.ReplaceAllString(it, "_source_order=<uploaded>/")
		it = executionNameRe.ReplaceAllString(it, ":<time>-")
		it = ingestedRe.ReplaceAllString(it, "_ingested_at=<ingested> ")
		out[i] = it
	}
	return out
}

var (
	uploadRe        = regexp.MustCompile(`_source_order=[0-9T:.Z-]+/`)
	executionNameRe = regexp.MustCompile(`:\d{8}T\d{6}\.\d{6}-`)
	ingestedRe      = regexp.MustCompile(`_ingested_at=\S+ `)
)

// canonicalNumber writes a number as DynamoDB returns it: without
// trailing zeros after the point (59.90 is 59.9, 34.00 is 34).
func canonicalNumber(s string) string {
	if strings.ContainsAny(s, "eE") || !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
