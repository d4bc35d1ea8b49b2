// Command enrich is the Lambda function that enriches a staged chunk
// (package functions/enrich). Its environment is parsed by
// enrich.ParseConfig; the AWS SDK honours AWS_ENDPOINT_URL_S3 and
// AWS_ENDPOINT_URL_DYNAMODB, and SLUICE_S3_PATH_STYLE=true selects path-style
// S3 addressing (for local S3 servers).
package main
