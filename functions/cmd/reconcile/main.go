package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/awsenv"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/reconcile"
)

func main() {
	aws, err := awsenv.Load()
	cfg, err2 := reconcile.ParseConfig(os.Getenv)
	if err != nil || err2 != nil {
		log.Fatalf("reconcile: configuration: %v %v", err, err2)
	}
	// Off on AWS; a local or emulator run names a file to prove IAM with.
	if _, err := awsapi.RecordFromEnv(&aws, "reconcile", os.Getenv); err != nil {
		log.Fatalf("reconcile: %v", err)
	}
	pathStyle := func(o *s3.Options) { o.UsePathStyle = os.Getenv("SLUICE_S3_PATH_STYLE") == "true" }
	db, states := dynamodb.NewFromConfig(aws), sfn.NewFromConfig(aws)
	h := &reconcile.Handler{S3: s3.NewFromConfig(aws, pathStyle), Ledger: db, Recorder: db, Executions: states, Config: cfg, Log: os.Stdout}
	h.LogLevel, _ = fnlog.ParseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	if cfg.Redrive {
		h.Starter = states
	}
	lambda.StartHandlerFunc(h.Handle)
}
