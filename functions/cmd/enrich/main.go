package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/awsenv"
	"github.com/sluicehq/sluice/functions/enrich"
	"github.com/sluicehq/sluice/functions/fnlog"
)

func main() {
	aws, err := awsenv.Load()
	cfg, err2 := enrich.ParseConfig(os.Getenv)
	if err != nil || err2 != nil {
		log.Fatalf("enrich: configuration: %v %v", err, err2)
	}
	// Off on AWS; a local or emulator run names a file to prove IAM with.
	if _, err := awsapi.RecordFromEnv(&aws, "enrich", os.Getenv); err != nil {
		log.Fatalf("enrich: %v", err)
	}
	h := &enrich.Handler{S3: s3.NewFromConfig(aws, func(o *s3.Options) { o.UsePathStyle = os.Getenv("SLUICE_S3_PATH_STYLE") == "true" }), DB: enrich.BatchGetItemFunc(dynamodb.NewFromConfig(aws).BatchGetItem), Datasets: dataset.Builtin(), Config: cfg, Log: fnlog.FromLambda(os.Getenv, os.Stdout, "enrich")}
	if len(cfg.SecretARNs) > 0 {
		h.Secrets = &enrich.SecretsManager{Client: enrich.GetSecretValueFunc(secretsmanager.NewFromConfig(aws).GetSecretValue), ARNs: cfg.SecretARNs}
	}
	lambda.StartHandlerFunc(h.Handle)
}
