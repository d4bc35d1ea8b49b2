package awsapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 is an in-memory, versioned object store implementing the awsapi
// interfaces (GetObject, PutObject) plus HeadObject. Safe for concurrent
// use. The zero value is ready.
type S3 struct {
	mu      sync.Mutex
	objects map[string][]version // bucket + "/" + key -> versions, oldest first
	next    int
	fails   []failure
	// Gets and Puts count the calls.
	Gets, Puts int
}

type version struct {
	id   string
	data []byte
	meta map[string]string
}

type failure struct {
	op, key string
	err     error
	times   int // remaining; -1 forever
}

// New returns an empty store.
func New() *S3 { return &S3{} }

// Fail makes the next times calls of op ("GetObject", "PutObject",
// "HeadObject") on key (any key when empty) return err; times < 0 means
// every call.
func (s *S3) Fail(op, key string, err error, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{op: op, key: key, err: err, times: times})
}

func (s *S3) failure(op, key string) error {
	for i := range s.fails {
		f := &s.fails[i]
		if f.op == op && (f.key == "" || f.key == key) && f.times != 0 {
			if f.times > 0 {
				f.times--
			}
			return f.err
		}
	}
	return nil
}

// Put stores body and returns its version id.
func (s *S3) Put(bucket, key string, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(bucket, key, body, nil)
}

func (s *S3) put(bucket, key string, body []byte, meta map[string]string) string {
	if s.objects == nil {
		s.objects = map[string][]version{}
	}
	s.next++
	id := "v" + strconv.Itoa(s.next)
	k := bucket + "/" + key
	s.objects[k] = append(s.objects[k], version{id: id, data: append([]byte(nil), body...), meta: meta})
	return id
}

// Get returns the latest content of an object.
func (s *S3) Get(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs := s.objects[bucket+"/"+key]
	if len(vs) == 0 {
		return nil, false
	}
	return append([]byte(nil), vs[len(vs)-1].data...), true
}

// Keys returns the keys stored in bucket, sorted.
func (s *S3) Keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	p := bucket + "/"
	for k := range s.objects {
		if len(k) > len(p) && k[:len(p)] == p {
			out = append(out, k[len(p):])
		}
	}
	sort.Strings(out)
	return out
}

func (s *S3) find(bucket, key string, versionID *string) (version, error) {
	vs := s.objects[bucket+"/"+key]
	if len(vs) == 0 {
		return version{}, &s3types.NoSuchKey{Message: aws.String(fmt.Sprintf("no such key %s/%s", bucket, key))}
	}
	if versionID == nil || *versionID == "" {
		return vs[len(vs)-1], nil
	}
	for _, v := range vs {
		if v.id == *versionID {
			return v, nil
		}
	}
	return version{}, &s3types.NoSuchKey{Message: aws.String(fmt.Sprintf("no version %s of %s/%s", *versionID, bucket, key))}
}

// GetObject returns an object (version).
func (s *S3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Gets++
	key := aws.ToString(in.Key)
	if err := s.failure("GetObject", key); err != nil {
		return nil, err
	}
	v, err := s.find(aws.ToString(in.Bucket), key, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectOutput{
		Body:          io.NopCloser(bytes.NewReader(v.data)),
		ContentLength: aws.Int64(int64(len(v.data))),
		VersionId:     aws.String(v.id),
		Metadata:      v.meta,
	}, nil
}

// HeadObject returns an object's size and version.
func (s *S3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := aws.ToString(in.Key)
	if err := s.failure("HeadObject", key); err != nil {
		return nil, err
	}
	v, err := s.find(aws.ToString(in.Bucket), key, in.VersionId)
	if err != nil {
		return nil, &s3types.NotFound{Message: aws.String(err.Error())}
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(v.data))), VersionId: aws.String(v.id), Metadata: v.meta}, nil
}

// PutObject stores an object, reading its body fully.
func (s *S3) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	var body []byte
	if in.Body != nil {
		b, err := io.ReadAll(in.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Puts++
	key := aws.ToString(in.Key)
	if err := s.failure("PutObject", key); err != nil {
		return nil, err
	}
	id := s.put(aws.ToString(in.Bucket), key, body, in.Metadata)
	return &s3.PutObjectOutput{VersionId: aws.String(id)}, nil
}
