package awsenv_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/awsenv"
)

// isolate clears the SDK's environment and points the shared files at
// nothing, so that config.LoadDefaultConfig sees only what a test sets.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_SDK_UA_APP_ID", "AWS_DEFAULTS_MODE",
		"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION", "AWS_ACCOUNT_ID_ENDPOINT_MODE",
		"AWS_DISABLE_REQUEST_COMPRESSION", "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
		"AWS_CA_BUNDLE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	} {
		t.Setenv(kv, "")
	}
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// view is the part of an aws.Config and of the clients built from it that
// Load must resolve as config.LoadDefaultConfig does.
type view struct {
	Region, S3Endpoint, DynamoDBEndpoint, AppID string
	Credentials                                 aws.Credentials
	RetryMaxAttempts, S3MaxAttempts             int
	RetryMode                                   aws.RetryMode
	DefaultsMode                                aws.DefaultsMode
	RequestChecksum                             aws.RequestChecksumCalculation
	ResponseChecksum                            aws.ResponseChecksumValidation
	AccountIDEndpointMode                       aws.AccountIDEndpointMode
	DisableRequestCompression                   bool
	RequestMinCompressSizeBytes                 int64
}

func viewOf(t *testing.T, cfg aws.Config) view {
	t.Helper()
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s3o := s3.NewFromConfig(cfg).Options()
	ddbo := dynamodb.NewFromConfig(cfg).Options()
	return view{
		Region: cfg.Region, S3Endpoint: aws.ToString(s3o.BaseEndpoint), DynamoDBEndpoint: aws.ToString(ddbo.BaseEndpoint),
		AppID: cfg.AppID, Credentials: creds, RetryMaxAttempts: cfg.RetryMaxAttempts, S3MaxAttempts: s3o.Retryer.MaxAttempts(),
		RetryMode: cfg.RetryMode, DefaultsMode: cfg.DefaultsMode,
		RequestChecksum: cfg.RequestChecksumCalculation, ResponseChecksum: cfg.ResponseChecksumValidation,
		AccountIDEndpointMode: cfg.AccountIDEndpointMode, DisableRequestCompression: cfg.DisableRequestCompression,
		RequestMinCompressSizeBytes: cfg.RequestMinCompressSizeBytes,
	}
}

// TestLoadMatchesLoadDefaultConfig checks Load against the SDK's own loader
// for the environments Lambda and the local emulator give the functions.
func TestLoadMatchesLoadDefaultConfig(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
	}
	tests := []struct {
		name  string
		extra map[string]string
	}{
		{"lambda", nil},
		{"emulator", map[string]string{
			"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
			"AWS_MAX_ATTEMPTS": "2", "AWS_EC2_METADATA_DISABLED": "true",
		}},
		{"global endpoint", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"}},
		{"ignored endpoints", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}},
		{"tuning", map[string]string{
			"AWS_RETRY_MODE": "adaptive", "AWS_SDK_UA_APP_ID": "sluice", "AWS_DEFAULTS_MODE": "in-region",
			"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
			"AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "AWS_ACCOUNT_ID": "123456789012",
			"AWS_DISABLE_REQUEST_COMPRESSION": "true", "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "100",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			for k, v := range lambdaEnv {
				t.Setenv(k, v)
			}
			for k, v := range tt.extra {
				t.Setenv(k, v)
			}
			want, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := awsenv.Load()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(viewOf(t, want), viewOf(t, got)); diff != "" {
				t.Errorf("Load differs from config.LoadDefaultConfig (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadRefuses checks that Load fails, naming the variable, where
// config.LoadDefaultConfig would have used its credential chain or shared
// configuration.
func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no credentials", map[string]string{"AWS_REGION": "eu-west-1"}, "AWS_ACCESS_KEY_ID"},
		{"profile", map[string]string{"AWS_PROFILE": "dev"}, "AWS_PROFILE"},
		{"ca bundle", map[string]string{"AWS_CA_BUNDLE": "/etc/ca.pem"}, "AWS_CA_BUNDLE"},
		{"web identity", map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/t"}, "AWS_WEB_IDENTITY_TOKEN_FILE"},
		{"auto defaults mode", map[string]string{"AWS_DEFAULTS_MODE": "auto"}, "AWS_DEFAULTS_MODE=auto"},
		{"container", map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds"}, "AWS_CONTAINER_CREDENTIALS_FULL_URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			if tt.name != "no credentials" {
				t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
				t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := awsenv.Load()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}
