// Package fnlog is the functions' structured logging: log/slog JSON lines
// that Lambda's log-level filtering understands, at the level Lambda
// passes to the function.
//
// Deployed, the functions use the JSON log format with an application log
// level (platform/compute: LoggingConfig.ApplicationLogLevel, from the
// stack's functionLogLevel config). Lambda tells a custom runtime that
// level in AWS_LAMBDA_LOG_LEVEL, and for runtimes it does not manage
// filters JSON lines by their "level" key and reads their "timestamp"
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
// So a logger from New drops lines below the configured level itself and
// writes "level" and "timestamp" keys Lambda recognises. This could not be
// checked against AWS here.
package fnlog
