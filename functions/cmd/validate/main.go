// Command validate is the validate Lambda function (see package validate).
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/awsenv"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/validate"
)

func main() {
	aws, err := awsenv.Load()
	cfg, err2 := validate.ParseConfig(os.Getenv)
	if err != nil || err2 != nil {
		log.Fatalf("validate: configuration: %v %v", err, err2)
	}
	// Off on AWS; a local or emulator run names a file to prove IAM with.
	if _, err := awsapi.RecordFromEnv(&aws, "validate", os.Getenv); err != nil {
		log.Fatalf("validate: %v", err)
	}
	h := &validate.Handler{S3: s3.NewFromConfig(aws, func(o *s3.Options) { o.UsePathStyle = os.Getenv("SLUICE_S3_PATH_STYLE") == "true" }), Datasets: dataset.Builtin(), Config: cfg, Log: fnlog.FromLambda(os.Getenv, os.Stdout, "validate"), Metrics: fnlog.MetricsFromLambda(os.Getenv, os.Stdout)}
	lambda.StartHandlerFunc(h.Handle)
}
