package load

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is an in-process, versioned S3 whose clock moves only when told.
type fakeS3 struct {
	*s3.Client
	clock gofakes3.TimeSourceAdvancer
}

func newS3(t *testing.T, buckets ...string) *fakeS3 {
	t.Helper()
	clock := gofakes3.FixedTimeSource(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0)).Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	for _, b := range buckets {
		if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutBucketVersioning(t.Context(), &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return &fakeS3{client, clock}
}

// put stores an object and returns its version id.
func (f *fakeS3) put(t *testing.T, bucket, key string, body []byte) string {
	t.Helper()
	out, err := f.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.VersionId)
}
