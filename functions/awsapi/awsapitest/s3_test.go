package awsapitest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/functions/awsapi"
)

var _ awsapi.ObjectReadWriter = (*S3)(nil)

func TestS3(t *testing.T) {
	s := New()
	v1 := s.Put("b", "k", []byte("one"))
	if _, err := s.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("two")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		version string
		want    string
	}{{"", "two"}, {v1, "one"}}
	for _, tt := range tests {
		out, err := s.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), VersionId: aws.String(tt.version)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		if string(b) != tt.want {
			t.Errorf("version %q = %q, want %q", tt.version, b, tt.want)
		}
	}
	if _, err := s.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("nope")}); !awsapi.IsNotFound(err) {
		t.Errorf("missing key: %v", err)
	}
	boom := errors.New("boom")
	s.Fail("GetObject", "k", boom, 1)
	if _, err := s.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}); !errors.Is(err, boom) {
		t.Errorf("injected failure: %v", err)
	}
	if _, err := s.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}); err != nil {
		t.Errorf("failure not consumed: %v", err)
	}
	if got := s.Keys("b"); len(got) != 1 || got[0] != "k" {
		t.Errorf("Keys = %v", got)
	}
}
