package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/awsenv"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/load"
)

func main() {
	aws, err := awsenv.Load()
	cfg, err2 := load.ParseConfig(os.Getenv)
	if err != nil || err2 != nil {
		log.Fatalf("load: configuration: %v %v", err, err2)
	}
	// Off on AWS; a local or emulator run names a file to prove IAM with.
	if _, err := awsapi.RecordFromEnv(&aws, "load", os.Getenv); err != nil {
		log.Fatalf("load: %v", err)
	}
	pathStyle := func(o *s3.Options) { o.UsePathStyle = os.Getenv("SLUICE_S3_PATH_STYLE") == "true" }
	h := &load.Handler{S3: s3.NewFromConfig(aws, pathStyle), DB: dynamodb.NewFromConfig(aws), Targets: cfg.Targets(), Config: cfg, Log: fnlog.FromLambda(os.Getenv, os.Stdout, "load"), Metrics: fnlog.MetricsFromLambda(os.Getenv, os.Stdout)}
	lambda.StartHandlerFunc(h.Handle)
}
