package awsapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
)

func TestMap(t *testing.T) {
	l := NewCallLog("eu-west-1", "123456789012")
	s := aws.String
	tests := []struct {
		name string
		in   any
		want []Call
	}{
		{"get latest", &s3.GetObjectInput{Bucket: s("b"), Key: s("k")},
			[]Call{{Principal: "p", Operation: "S3.GetObject", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}}},
		{"get version", &s3.GetObjectInput{Bucket: s("b"), Key: s("k"), VersionId: s("v1")},
			[]Call{{Principal: "p", Operation: "S3.GetObject", Action: "s3:GetObjectVersion", Resource: "arn:aws:s3:::b/k"}}},
		{"head version", &s3.HeadObjectInput{Bucket: s("b"), Key: s("k"), VersionId: s("v1")},
			[]Call{{Principal: "p", Operation: "S3.HeadObject", Action: "s3:GetObjectVersion", Resource: "arn:aws:s3:::b/k"}}},
		{"list versions", &s3.ListObjectVersionsInput{Bucket: s("b"), Prefix: s(""), Delimiter: s("/")},
			[]Call{{Principal: "p", Operation: "S3.ListObjectVersions", Action: "s3:ListBucketVersions", Resource: "arn:aws:s3:::b", Context: map[string]string{"s3:prefix": "", "s3:delimiter": "/"}}}},
		{"copy version", &s3.CopyObjectInput{Bucket: s("b"), Key: s("q/k"), CopySource: s("b/k?versionId=v1")},
			[]Call{
				{Principal: "p", Operation: "S3.CopyObject", Action: "s3:GetObjectVersion", Resource: "arn:aws:s3:::b/k"},
				{Principal: "p", Operation: "S3.CopyObject", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/q/k"},
			}},
		{"batch write per table", &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{"t2": nil, "t1": nil}},
			[]Call{
				{Principal: "p", Operation: "DynamoDB.BatchWriteItem", Action: "dynamodb:BatchWriteItem", Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/t1"},
				{Principal: "p", Operation: "DynamoDB.BatchWriteItem", Action: "dynamodb:BatchWriteItem", Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/t2"},
			}},
		{"start execution", &sfn.StartExecutionInput{StateMachineArn: s("arn:aws:states:eu-west-1:123456789012:stateMachine:m")},
			[]Call{{Principal: "p", Operation: "SFN.StartExecution", Action: "states:StartExecution", Resource: "arn:aws:states:eu-west-1:123456789012:stateMachine:m"}}},
		{"unmapped", &s3.DeleteBucketInput{Bucket: s("b")},
			[]Call{{Principal: "p", Operation: "s3.DeleteBucketInput", Unmapped: "no IAM mapping for *s3.DeleteBucketInput in functions/awsapi (CallLog.Map)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, l.Map("p", tt.in)); diff != "" {
				t.Errorf("Map (-want +got):\n%s", diff)
			}
		})
	}
}

type failingTransport struct{}

func (failingTransport) Do(*http.Request) (*http.Response, error) { return nil, errors.New("offline") }

// TestRecordMiddleware: a real client records its call, once, even when
// the call fails, and two principals stay apart.
func TestRecordMiddleware(t *testing.T) {
	l := NewCallLog("eu-west-1", "123456789012")
	newClient := func(principal string) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{Region: "eu-west-1", HTTPClient: failingTransport{}, RetryMaxAttempts: 1,
			Credentials: aws.AnonymousCredentials{}, APIOptions: append([]func(*middleware.Stack) error(nil), l.Record(principal))})
	}
	for range 2 {
		_, _ = newClient("load").PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("items"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}})
	}
	_, _ = newClient("enrich").PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("items"), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}})
	want := []Call{
		{Principal: "enrich", Operation: "DynamoDB.PutItem", Action: "dynamodb:PutItem", Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/items"},
		{Principal: "load", Operation: "DynamoDB.PutItem", Action: "dynamodb:PutItem", Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/items"},
	}
	if diff := cmp.Diff(want, l.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
