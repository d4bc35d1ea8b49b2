package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/sluicehq/sluice/engine"
)

// s3Call runs an S3 SDK integration (arn:aws:states:::aws-sdk:s3:<action>)
// with the real client. Parameters and results use the API's PascalCase
// names, as the SDK integrations do.
func (inv *Invoker) s3Call(ctx context.Context, action string, input any) (any, error) {
	in, _ := input.(map[string]any)
	str := func(k string) *string {
		if s, ok := in[k].(string); ok {
			return aws.String(s)
		}
		return nil
	}
	var err error
	switch action {
	case "copyObject":
		if src, _ := in["CopySource"].(string); strings.Contains(src, "?versionId=") {
			return inv.copyVersion(ctx, src, aws.ToString(str("Bucket")), aws.ToString(str("Key")))
		}
		var out *s3.CopyObjectOutput
		out, err = inv.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: str("Bucket"), Key: str("Key"), CopySource: str("CopySource")})
		if err == nil {
			res := map[string]any{"CopyObjectResult": map[string]any{"ETag": aws.ToString(out.CopyObjectResult.ETag)}}
			if out.VersionId != nil {
				res["VersionId"] = *out.VersionId
			}
			return res, nil
		}
	case "headObject":
		var out *s3.HeadObjectOutput
		out, err = inv.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: str("Bucket"), Key: str("Key"), VersionId: str("VersionId")})
		if err == nil {
			return map[string]any{"ContentLength": json.Number(fmt.Sprint(aws.ToInt64(out.ContentLength))), "ETag": aws.ToString(out.ETag), "VersionId": aws.ToString(out.VersionId)}, nil
		}
	case "getObject":
		var out *s3.GetObjectOutput
		out, err = inv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: str("Bucket"), Key: str("Key"), VersionId: str("VersionId")})
		if err == nil {
			defer out.Body.Close()
			b, rerr := io.ReadAll(io.LimitReader(out.Body, 256*1024+1))
			if rerr != nil {
				return nil, rerr
			}
			return map[string]any{"Body": string(b), "ContentLength": json.Number(fmt.Sprint(len(b))), "ETag": aws.ToString(out.ETag)}, nil
		}
	case "putObject":
		body, _ := in["Body"].(string)
		if body == "" && in["Body"] != nil {
			b, _ := json.Marshal(in["Body"])
			body = string(b)
		}
		var out *s3.PutObjectOutput
		out, err = inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: str("Bucket"), Key: str("Key"), Body: strings.NewReader(body)})
		if err == nil {
			return map[string]any{"ETag": aws.ToString(out.ETag), "VersionId": aws.ToString(out.VersionId)}, nil
		}
	case "deleteObject":
		var out *s3.DeleteObjectOutput
		out, err = inv.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: str("Bucket"), Key: str("Key"), VersionId: str("VersionId")})
		if err == nil {
			res := map[string]any{}
			if out.VersionId != nil {
				res["VersionId"] = *out.VersionId
			}
			return res, nil
		}
	default:
		return nil, &engine.TaskError{Name: "States.Runtime", Cause: "unsupported S3 SDK integration " + action}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return nil, &engine.TaskError{Name: "S3." + ae.ErrorCode() + "Exception", Cause: ae.ErrorMessage()}
	}
	return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
}

// copyVersion copies one object version ("bucket/key?versionId=v"); the
// embedded S3 server's CopyObject has no version, so it is a streamed get
// and put.
func (inv *Invoker) copyVersion(ctx context.Context, src, bucket, key string) (any, error) {
	path, version, _ := strings.Cut(src, "?versionId=")
	// CopySource is URL-encoded, as S3 requires.
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if v, err := url.QueryUnescape(version); err == nil {
		version = v
	}
	srcBucket, srcKey, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return nil, &engine.TaskError{Name: "S3.InvalidArgumentException", Cause: "CopySource must be bucket/key: " + src}
	}
	get, err := inv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(srcBucket), Key: aws.String(srcKey), VersionId: aws.String(version)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, &engine.TaskError{Name: "S3." + ae.ErrorCode() + "Exception", Cause: ae.ErrorMessage()}
		}
		return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
	}
	defer get.Body.Close()
	put, err := inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: get.Body, ContentLength: get.ContentLength})
	if err != nil {
		return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
	}
	res := map[string]any{"CopyObjectResult": map[string]any{"ETag": aws.ToString(put.ETag)}, "CopySourceVersionId": version}
	if put.VersionId != nil {
		res["VersionId"] = *put.VersionId
	}
	return res, nil
}

// ObjectStore returns the bucket access of the engine's Distributed Map
// (reading items and writing results), made with the invoker's S3 client,
// so the map's reads and writes are the state machine's calls.
func (inv *Invoker) ObjectStore() engine.ObjectStore { return &objectStore{s3: inv.s3} }

// objectStore is engine.ObjectStore over an S3 client.
type objectStore struct{ s3 *s3.Client }

func (e *objectStore) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (e *objectStore) ListObjects(ctx context.Context, bucket, prefix string) ([]engine.ObjectInfo, error) {
	var out []engine.ObjectInfo
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			out = append(out, engine.ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified), StorageClass: string(o.StorageClass)})
		}
	}
	return out, nil
}

func (e *objectStore) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(string(body))})
	return err
}
