package awsenv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Defaults config.LoadDefaultConfig applies when the environment does not
// set them; Load applies the same.
const (
	defaultDefaultsMode                = aws.DefaultsModeLegacy
	defaultRequestMinCompressSizeBytes = 10240
	defaultAccountIDEndpointMode       = aws.AccountIDEndpointModePreferred
	defaultRequestChecksumCalculation  = aws.RequestChecksumCalculationWhenSupported
	defaultResponseChecksumValidation  = aws.ResponseChecksumValidationWhenSupported
)

// Load reads the SDK's environment variables (config.NewEnvConfig) and
// returns the aws.Config config.LoadDefaultConfig would return for them when
// the credentials come from the environment, as they do on Lambda.
//
// It fails when AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is missing and
// when a setting that needs the SDK's default credential chain or shared
// configuration is present (see the package documentation).
func Load() (aws.Config, error) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsenv: %w", err)
	}
	return fromEnv(env)
}

func fromEnv(env config.EnvConfig) (aws.Config, error) {
	if err := unsupported(env); err != nil {
		return aws.Config{}, err
	}
	if !env.Credentials.HasKeys() {
		return aws.Config{}, errors.New("awsenv: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them from the execution role)")
	}
	cfg := aws.Config{
		Region:                      env.Region,
		Credentials:                 aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: env.Credentials}),
		ConfigSources:               []any{env},
		RetryMaxAttempts:            env.RetryMaxAttempts,
		RetryMode:                   env.RetryMode,
		DefaultsMode:                defaultDefaultsMode,
		AppID:                       env.AppID,
		AuthSchemePreference:        env.AuthSchemePreference,
		RequestMinCompressSizeBytes: defaultRequestMinCompressSizeBytes,
		AccountIDEndpointMode:       defaultAccountIDEndpointMode,
		RequestChecksumCalculation:  defaultRequestChecksumCalculation,
		ResponseChecksumValidation:  defaultResponseChecksumValidation,
	}
	if env.BaseEndpoint != "" && (env.IgnoreConfiguredEndpoints == nil || !*env.IgnoreConfiguredEndpoints) {
		cfg.BaseEndpoint = aws.String(env.BaseEndpoint)
	}
	if env.DefaultsMode != "" {
		cfg.DefaultsMode = env.DefaultsMode
	}
	if env.DisableRequestCompression != nil {
		cfg.DisableRequestCompression = *env.DisableRequestCompression
	}
	if env.RequestMinCompressSizeBytes != nil {
		cfg.RequestMinCompressSizeBytes = *env.RequestMinCompressSizeBytes
	}
	if env.DisableClockSkewCorrection != nil {
		cfg.DisableClockSkewCorrection = *env.DisableClockSkewCorrection
	}
	if env.AccountIDEndpointMode != "" {
		cfg.AccountIDEndpointMode = env.AccountIDEndpointMode
	}
	if env.RequestChecksumCalculation != 0 {
		cfg.RequestChecksumCalculation = env.RequestChecksumCalculation
	}
	if env.ResponseChecksumValidation != 0 {
		cfg.ResponseChecksumValidation = env.ResponseChecksumValidation
	}
	return cfg, nil
}

// unsupported reports the settings only the default credential chain or
// shared configuration implement.
func unsupported(env config.EnvConfig) error {
	var set []string
	for _, s := range []struct{ name, value string }{
		{"AWS_PROFILE", env.SharedConfigProfile},
		{"AWS_CA_BUNDLE", env.CustomCABundle},
		{"AWS_ROLE_ARN", env.RoleARN},
		{"AWS_WEB_IDENTITY_TOKEN_FILE", env.WebIdentityTokenFilePath},
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI", env.ContainerCredentialsEndpoint},
		{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", env.ContainerCredentialsRelativePath},
	} {
		if s.value != "" {
			set = append(set, s.name)
		}
	}
	if env.DefaultsMode == aws.DefaultsModeAuto {
		set = append(set, "AWS_DEFAULTS_MODE=auto")
	}
	if len(set) > 0 {
		return fmt.Errorf("awsenv: %s not supported: the Lambda functions take credentials and region from the environment only", strings.Join(set, ", "))
	}
	return nil
}
