package s3emu

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/benchcpu"
)

// openS3 starts a store under dir behind a real SDK client.
func openS3(t *testing.T, dir string) (*Store, *s3.Client, func()) {
	t.Helper()
	store, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(store))
	return store, newClient(srv.URL), func() {
		srv.Close()
		store.Close()
	}
}

// newClient is an SDK client for the server at endpoint, configured as the
// local runtime's: path-style, dummy credentials, checksums only where
// required (gofakes3 does not know the newer trailers).
func newClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("local", "local", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		APIOptions:                 []func(*middleware.Stack) error{v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware},
	})
}

func put(t *testing.T, c *s3.Client, bucket, key, body string) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return aws.ToString(out.VersionId)
}

func get(t *testing.T, c *s3.Client, bucket, key, version string) string {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("get %s@%s: %v", key, version, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return string(b)
}

func TestStoreVersioningAndPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, c, closeFn := openS3(t, dir)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("data"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	v1 := put(t, c, "data", "incoming/orders/a.csv", "one")
	v2 := put(t, c, "data", "incoming/orders/a.csv", "two")
	if v1 == "" || v1 == v2 {
		t.Fatalf("want distinct version IDs, got %q and %q", v1, v2)
	}
	put(t, c, "data", "incoming/orders/b.csv", "bee")
	put(t, c, "data", "staging/x.jsonl", "{}")
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("data"), Key: aws.String("quarantine/a.csv"),
		CopySource: aws.String("data/incoming/orders/a.csv")}); err != nil {
		t.Fatal(err)
	}
	closeFn()

	// A new process sees the same buckets, keys, versions and bodies.
	_, c, closeFn = openS3(t, dir)
	defer closeFn()
	if got := get(t, c, "data", "incoming/orders/a.csv", v1); got != "one" {
		t.Errorf("v1 body = %q", got)
	}
	if got := get(t, c, "data", "incoming/orders/a.csv", ""); got != "two" {
		t.Errorf("current body = %q", got)
	}
	if got := get(t, c, "data", "quarantine/a.csv", ""); got != "two" {
		t.Errorf("copy body = %q", got)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data"), Prefix: aws.String("incoming/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if d := cmp.Diff([]string{"incoming/orders/a.csv", "incoming/orders/b.csv"}, keys); d != "" {
		t.Errorf("list (-want +got):\n%s", d)
	}
	v3 := put(t, c, "data", "incoming/orders/a.csv", "three")
	if v3 <= v2 {
		t.Errorf("version IDs must keep increasing after reopen: %q then %q", v2, v3)
	}
	ranged, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("incoming/orders/a.csv"), Range: aws.String("bytes=1-3")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(ranged.Body)
	ranged.Body.Close()
	if string(b) != "hre" {
		t.Errorf("range body = %q, want %q", b, "hre")
	}
}

func TestStoreKeysNeverEscapeTheDirectory(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "state")
	_, c, closeFn := openS3(t, dir)
	defer closeFn()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../../escape.txt", "/abs/escape.txt", "..%2F..%2Fescape.txt", "a/../../b"} {
		put(t, c, "data", key, "x")
		if got := get(t, c, "data", key, ""); got != "x" {
			t.Errorf("%q: body %q", key, got)
		}
	}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(dir, p); strings.HasPrefix(rel, "..") && p != root {
			t.Errorf("file outside the state directory: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreMissingKeyAndConcurrentPuts(t *testing.T) {
	_, c, closeFn := openS3(t, t.TempDir())
	defer closeFn()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("nope")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("missing key: want NoSuchKey, got %v", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("k/" + string(rune('a'+i))), Body: strings.NewReader("v")})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data"), Prefix: aws.String("k/"), MaxKeys: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 7 || !aws.ToBool(list.IsTruncated) {
		t.Errorf("paged list: %d items, truncated=%v", len(list.Contents), aws.ToBool(list.IsTruncated))
	}
}

// TestObjectJournalTornLine: a journal whose last line was cut short (a
// crash, or a writer caught mid-line) still opens, read-only and for
// writing, and the writer cuts the torn line off before appending.
func TestObjectJournalTornLine(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	j := filepath.Join(dir, "journal.jsonl")
	whole, _ := os.ReadFile(j)
	f, _ := os.OpenFile(j, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"op":"bucket","bucket":"tor`)
	f.Close()

	ro, err := OpenReadOnly(dir, nil)
	if err != nil {
		t.Fatalf("read-only open of a torn journal: %v", err)
	}
	if ok, _ := ro.BucketExists("b"); !ok {
		t.Error("read-only store lost bucket b")
	}
	ro.Close()
	w, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("open of a torn journal: %v", err)
	}
	if err := w.CreateBucket("c"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, _ := os.ReadFile(j)
	if !strings.HasPrefix(string(got), string(whole)) || strings.Contains(string(got), "tor\"") || strings.Count(string(got), "\n") != strings.Count(string(whole), "\n")+1 {
		t.Errorf("journal after the torn line and one more write:\n%s", got)
	}
	again, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, b := range []string{"b", "c"} {
		if ok, _ := again.BucketExists(b); !ok {
			t.Errorf("bucket %s missing after reopen", b)
		}
	}
}

// TestETagIsTheBodyMD5 checks the ETag of a single-part PUT, as S3 answers
// it, where a user meets it: in the PUT response, on HEAD and GET, in a
// listing and after a reopen. The store takes the MD5 gofakes3 computed
// while reading the body; a direct PutObject (no gofakes3 reader) hashes
// the body itself.
func TestETagIsTheBodyMD5(t *testing.T) {
	dir := t.TempDir()
	store, c, stop := openS3(t, dir)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{
		"empty": "",
		"small": "hello",
		"large": strings.Repeat("0123456789abcdef", 100_000), // several copy buffers
	}
	want := map[string]string{}
	for key, body := range bodies {
		sum := md5.Sum([]byte(body))
		want[key] = `"` + hex.EncodeToString(sum[:]) + `"`
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.ETag); got != want[key] {
			t.Errorf("PUT %s: ETag %s, want %s", key, got, want[key])
		}
	}
	direct := "written without gofakes3"
	if _, err := store.PutObject("bkt", "direct", nil, strings.NewReader(direct), int64(len(direct)), nil); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(direct))
	want["direct"] = `"` + hex.EncodeToString(sum[:]) + `"`

	check := func(c *s3.Client, when string) {
		for key := range want {
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(head.ETag); got != want[key] {
				t.Errorf("%s: HEAD %s: ETag %s, want %s", when, key, got, want[key])
			}
		}
		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, o := range list.Contents {
			got[aws.ToString(o.Key)] = aws.ToString(o.ETag)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: listed ETags (-want +got):\n%s", when, diff)
		}
	}
	check(c, "after the puts")
	stop()
	_, c, stop = openS3(t, dir)
	defer stop()
	check(c, "after a reopen")
}

func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int{64 << 10, 4 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			store, err := Open(b.TempDir(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			srv := httptest.NewServer(Handler(store))
			defer srv.Close()
			c := newClient(srv.URL)
			ctx := context.Background()
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
				b.Fatal(err)
			}
			body := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			benchcpu.ReportProcess(b)
			for i := 0; i < b.N; i++ {
				body[0], body[1] = byte(i), byte(i>>8) // distinct bodies: no dedup
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(body)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBlobsByMD5 checks how bodies are stored: one blob per distinct body,
// named by its MD5, and a name already holding other bytes (an MD5
// collision, or a blob cut short by a crash of an older store) is never
// served for a body that differs: the body takes the next name.
func TestBlobsByMD5(t *testing.T) {
	dir := t.TempDir()
	store, c, stop := openS3(t, dir)
	defer stop()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	blobs := func() []string {
		var names []string
		err := filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, d.Name())
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	md5hex := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }

	body := strings.Repeat("the same body\n", 10_000)
	put(t, c, "bkt", "a", body)
	put(t, c, "bkt", "b", body)
	if diff := cmp.Diff([]string{md5hex(body)}, blobs()); diff != "" {
		t.Errorf("two puts of one body: blobs (-want +got):\n%s", diff)
	}

	// Another body's name taken by other bytes: the last byte differs
	// (a collision), then the body cut short (a torn blob).
	for _, other := range []func(string) string{
		func(b string) string { return b[:len(b)-1] + "!" },
		func(b string) string { return b[:len(b)/2] },
	} {
		next := fmt.Sprintf("next body %d\n", len(blobs()))
		squatter := other(next)
		p := store.blobPath(md5hex(next))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(squatter), 0o644); err != nil {
			t.Fatal(err)
		}
		put(t, c, "bkt", "next", next)
		put(t, c, "bkt", "again", next) // finds its own blob under the second name
		for _, key := range []string{"next", "again"} {
			if got := get(t, c, "bkt", key, ""); got != next {
				t.Errorf("%s: body %q, want %q", key, got, next)
			}
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("next")})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := aws.ToString(head.ETag), `"`+md5hex(next)+`"`; got != want {
			t.Errorf("ETag %s, want %s", got, want)
		}
		if got, _ := os.ReadFile(p); string(got) != squatter {
			t.Errorf("the blob already under %s was changed", filepath.Base(p))
		}
		if _, err := os.Stat(p + "-1"); err != nil {
			t.Errorf("the body is not under the next name: %v", err)
		}
	}
	for _, name := range blobs() {
		if strings.HasPrefix(name, "incoming-") {
			t.Errorf("temporary file left: %s", name)
		}
	}
}

// TestOpensStoreWithSHA256Blobs checks that a store written before blobs
// were named by MD5 (its journal names blobs by SHA-256) still serves its
// objects: reads follow the name the journal gives.
func TestOpensStoreWithSHA256Blobs(t *testing.T) {
	dir := t.TempDir()
	body := "written by an older sluice\n"
	sha := sha256.Sum256([]byte(body))
	sum := md5.Sum([]byte(body))
	name := hex.EncodeToString(sha[:])
	p := filepath.Join(dir, "blobs", name[:2], name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	journal := fmt.Sprintf(`{"op":"bucket","bucket":"bkt","time":"2026-01-02T03:04:05Z"}
{"op":"put","bucket":"bkt","time":"2026-01-02T03:04:05Z","v":{"key":"old","version":"null","size":%d,"md5":"%x","blob":"%s","modified":"2026-01-02T03:04:05Z"}}
`, len(body), sum, name)
	if err := os.WriteFile(filepath.Join(dir, "journal.jsonl"), []byte(journal), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c, stop := openS3(t, dir)
	defer stop()
	if got := get(t, c, "bkt", "old", ""); got != body {
		t.Errorf("body %q, want %q", got, body)
	}
	put(t, c, "bkt", "new", body) // the same bytes, now under their MD5
	if got := get(t, c, "bkt", "new", ""); got != body {
		t.Errorf("body %q, want %q", got, body)
	}
}
