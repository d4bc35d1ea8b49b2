package local

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/local/inproc"
)

// TestServersStillListen: the runtime's own clients reach the embedded
// S3 and DynamoDB in process, and the same services still answer over TCP
// on their loopback ports, with the same state, for clients outside the
// process.
func TestServersStillListen(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, Config{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	for name, hc := range map[string]any{"S3": r.S3.Options().HTTPClient, "DynamoDB": r.DynamoDB.Options().HTTPClient} {
		c, ok := hc.(*http.Client)
		if !ok {
			t.Fatalf("%s client: HTTP client %T, want the in-process one", name, hc)
		}
		if _, ok := c.Transport.(*inproc.Transport); !ok {
			t.Errorf("%s client: transport %T, want *inproc.Transport", name, c.Transport)
		}
	}

	const body = "written in process, read over TCP"
	put, err := r.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String("k"), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	overTCP := newS3Client(r.s3URL, nil)
	if _, ok := overTCP.Options().HTTPClient.(*http.Client); ok {
		t.Fatalf("the TCP client uses an *http.Client; want the SDK's default")
	}
	got, err := overTCP.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != body || aws.ToString(got.ETag) != aws.ToString(put.ETag) || aws.ToString(got.VersionId) != aws.ToString(put.VersionId) {
		t.Errorf("over TCP: %q ETag %s version %s; in process: %q ETag %s version %s",
			b, aws.ToString(got.ETag), aws.ToString(got.VersionId), body, aws.ToString(put.ETag), aws.ToString(put.VersionId))
	}

	table := r.Tables["items"]
	out, err := newDynamoDBClient(r.ddbURL, nil).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable over TCP: %v", err)
	}
	if aws.ToString(out.Table.TableName) != table {
		t.Errorf("DescribeTable over TCP: table %s, want %s", aws.ToString(out.Table.TableName), table)
	}
}
