// Package awsenv builds the aws.Config a Sluice Lambda function runs with,
// from the environment Lambda gives it.
//
// It replaces config.LoadDefaultConfig in functions/cmd. Lambda hands a
// function its credentials and region in environment variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION),
// so the rest of the SDK's default chain (shared config files and profiles,
// SSO, web identity, container, process and EC2 instance credentials) is
// never used there. It still costs every zip about 0.6 MB: the chain links
// the STS, SSO, SSO OIDC and Sign-In clients, and because the functions that
// evaluate dataset expressions link reflect.Value.MethodByName (package
// github.com/expr-lang/expr), the linker keeps every exported method of those
// clients. See docs/functions.md, "Packaging".
//
// The settings the SDK reads from the environment keep working: the
// config.EnvConfig is passed to the clients as a config source, so
// AWS_ENDPOINT_URL_<SERVICE>, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT,
// AWS_ENABLE_ENDPOINT_DISCOVERY and the S3 settings are resolved by the
// clients exactly as before, and Load copies the client-independent ones
// (AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, checksum and
// compression settings, ...) into the aws.Config. Settings that only the
// default chain implements (AWS_PROFILE, AWS_CA_BUNDLE, AWS_ROLE_ARN,
// AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*, and
// AWS_DEFAULTS_MODE=auto, which may query EC2 instance metadata) make Load fail
// rather than be ignored.
package awsenv
