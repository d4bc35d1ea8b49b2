// Command reconcile is the Lambda function that finds files that never
// started an execution (package functions/reconcile), run on a schedule.
// Its environment is parsed by reconcile.ParseConfig; the AWS SDK honours
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SFN,
// and SLUICE_S3_PATH_STYLE=true selects path-style S3 addressing (for local
// S3 servers). It logs to stdout, where Lambda's log group receives the
// per-file lines and the embedded metric format document.
package main
