package local

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/sluicehq/sluice/local/inproc"
)

// Region is the region every local client uses.
const Region = "us-east-1"

// server is an HTTP server bound to a free port on 127.0.0.1, for
// clients outside the process, and the same handler in process, for the
// runtime's own clients.
type server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Client calls the handler in process (inproc.Transport): the real
	// SDK clients still serialize each request and the handler still
	// parses it, but no socket, wire encoding or connection pool is in
	// between (at 300,000 orders rows, net/http's client and server
	// around the handlers were 12% of the CPU, loopback syscalls aside).
	Client *http.Client
	srv    *http.Server
	ln     net.Listener
}

// serve starts h on a free loopback port.
func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + ln.Addr().String(), ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		Client: &http.Client{Transport: &inproc.Transport{Handler: h}}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and closes its connections. It does not wait:
// Shutdown would wait up to 5 s for a connection the client dialled but
// never used (net/http counts it active until then), and nothing is in
// flight when the runtime closes.
func (s *server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// staticCreds are the dummy credentials every local client signs with.
var staticCreds = credentials.NewStaticCredentialsProvider("local", "local", "")

// newS3Client returns a real aws-sdk-go-v2 S3 client for an S3-compatible
// endpoint (path-style addressing, dummy credentials) that calls it with
// hc (nil: the SDK's default client, over TCP); optFns adjust its options
// (the call recorder's API option, for one).
func newS3Client(endpoint string, hc *http.Client, optFns ...func(*s3.Options)) *s3.Client {
	o := s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  staticCreds,
		// gofakes3 does not implement the newer checksum trailers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		// Bodies are streamed (a handler writes chunk files as it reads),
		// so the payload is not hashed; the local server does not check
		// signatures.
		APIOptions: []func(*middleware.Stack) error{v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware},
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return s3.New(o, optFns...)
}

// newDynamoDBClient returns a real aws-sdk-go-v2 DynamoDB client for a
// DynamoDB-compatible endpoint that calls it with hc (nil: the SDK's
// default client, over TCP); optFns adjust its options.
func newDynamoDBClient(endpoint string, hc *http.Client, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	o := dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  staticCreds,
		// No local server checks signatures (the embedded one, dynalite),
		// so the signer does not hash each payload (the bytes sent are
		// the same; only the signature differs from a deployed client's).
		APIOptions: []func(*middleware.Stack) error{v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware},
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return dynamodb.New(o, optFns...)
}

// transport is hc's transport, nil (the default) for a nil client.
func transport(hc *http.Client) http.RoundTripper {
	if hc == nil {
		return nil
	}
	return hc.Transport
}
