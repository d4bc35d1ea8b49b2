package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/functions/fnerr"
)

// SecretSource returns the value of a secret an HTTP enrichment sends
// (dataset.HTTPAuth.Secret). An error should be *fnerr.ConfigError when
// the secret is not configured or not readable (retrying cannot help) and
// *fnerr.Retryable when it may be read later. Neither may contain the
// value.
type SecretSource interface {
	Secret(ctx context.Context, name string) (string, error)
}

// SecretValueGetter reads a secret; *secretsmanager.Client satisfies it
// (main passes GetSecretValueFunc, for the zip's size).
type SecretValueGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager is the deployed SecretSource: each secret name maps to a
// Secrets Manager secret ARN (the stack config's enrichmentSecrets, passed
// in SLUICE_ENRICH_SECRETS), whose SecretString, without surrounding
// white space, is the value. The enricher's role may read exactly those
// secrets (docs/security.md).
type SecretsManager struct {
	// Client reads the secrets.
	Client SecretValueGetter
	// ARNs maps secret names to secret ARNs.
	ARNs map[string]string
}

// Secret reads the current version (AWSCURRENT) of the named secret.
func (s *SecretsManager) Secret(ctx context.Context, name string) (string, error) {
	arn, ok := s.ARNs[name]
	if !ok {
		return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secret %q has no ARN in %s (stack config enrichmentSecrets)", name, "SLUICE_ENRICH_SECRETS")}
	}
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			switch api.ErrorCode() {
			case "ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException", "InvalidParameterException":
				return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secret %q (%s): %s", name, arn, api.ErrorCode())}
			}
		}
		return "", &fnerr.Retryable{Op: "secretsmanager GetSecretValue " + arn, Err: err}
	}
	v := strings.TrimSpace(aws.ToString(out.SecretString))
	if v == "" {
		return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secret %q (%s) has no SecretString", name, arn)}
	}
	return v, nil
}

// EnvPrefix is the prefix of the environment variables LocalSecrets reads:
// secret "geo-api" is SLUICE_SECRET_GEO_API.
const EnvPrefix = "SLUICE_SECRET_"

// SecretEnvName returns the environment variable LocalSecrets reads for a
// secret name.
func SecretEnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// LocalSecrets is the SecretSource of local runs and tests: a secret is
// the environment variable SecretEnvName(name), else the File's entry.
type LocalSecrets struct {
	// Getenv looks up environment variables (os.Getenv). Default: none.
	Getenv func(string) string
	// File, when set, is a JSON object of secret names to values (such as
	// .sluice/secrets.json; keep it out of version control).
	File string
}

// Secret returns the named secret, or a *fnerr.ConfigError naming the
// variable and the file to set it in.
func (s LocalSecrets) Secret(_ context.Context, name string) (string, error) {
	if s.Getenv != nil {
		if v := strings.TrimSpace(s.Getenv(SecretEnvName(name))); v != "" {
			return v, nil
		}
	}
	where := "environment variable " + SecretEnvName(name)
	if s.File != "" {
		b, err := os.ReadFile(s.File)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secrets file: %v", err)}
		}
		if err == nil {
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				// The decoder's message quotes no value, only offsets.
				return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secrets file %s: want a JSON object of names to strings: %v", s.File, err)}
			}
			if v := strings.TrimSpace(m[name]); v != "" {
				return v, nil
			}
		}
		where += " or key " + name + " of " + s.File
	}
	return "", &fnerr.ConfigError{Msg: fmt.Sprintf("enrich: secret %q is not set: set %s", name, where)}
}

// secretCache keeps secret values for a TTL across invocations. A value
// refused by the service (401, 403) is dropped once, by the call that saw
// it refused, so that a rotated secret is read again without every
// concurrent call reading it.
type secretCache struct {
	mu      sync.Mutex
	entries map[string]*secretEntry
}

type secretEntry struct {
	mu    sync.Mutex // held while reading the secret
	value string
	at    time.Time
	gen   uint64 // incremented on every read
}

// get returns the value of name and its generation, reading it from src
// when it is absent or older than ttl.
func (c *secretCache) get(ctx context.Context, src SecretSource, name string, ttl time.Duration, now time.Time) (string, uint64, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*secretEntry{}
	}
	e, ok := c.entries[name]
	if !ok {
		e = &secretEntry{}
		c.entries[name] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen > 0 && now.Sub(e.at) < ttl {
		return e.value, e.gen, nil
	}
	v, err := src.Secret(ctx, name)
	if err != nil {
		return "", 0, err
	}
	e.value, e.at = v, now
	e.gen++
	return v, e.gen, nil
}

// invalidate drops the value of name if it is still generation gen.
func (c *secretCache) invalidate(name string, gen uint64) {
	c.mu.Lock()
	e := c.entries[name]
	c.mu.Unlock()
	if e == nil {
		return
	}
	e.mu.Lock()
	if e.gen == gen {
		e.at = time.Time{}
	}
	e.mu.Unlock()
}

// GetSecretValueFunc adapts a function to SecretValueGetter (see
// BatchGetItemFunc): functions/cmd/enrich passes the method value
// client.GetSecretValue, so that the linker does not keep every Secrets
// Manager operation of a *secretsmanager.Client stored in an interface.
type GetSecretValueFunc func(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)

// GetSecretValue calls f.
func (f GetSecretValueFunc) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return f(ctx, in, opts...)
}
