package transform_test

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi/awsapitest"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/transform"
)

func ExampleHandler_Handle() {
	s3 := awsapitest.New()
	key := "incoming/catalog/feed.xml"
	version := s3.Put("incoming", key, []byte(`<feed><product><sku>T1</sku><name>Tea</name><price>4.5</price></product></feed>`))
	h := &transform.Handler{S3: s3, Datasets: dataset.Builtin()}
	out, err := h.Handle(context.Background(), contract.TransformInput{Dataset: "catalog", Source: contract.Object{Bucket: "incoming", Key: key, VersionID: version}})
	if err != nil {
		fmt.Println(err)
		return
	}
	chunk, _ := s3.Get(out.First.Bucket, out.First.Key)
	fmt.Println(out.Records, out.ChunkCount, out.Enrich)
	fmt.Print(string(chunk))
	// Output:
	// 1 1 false
	// {"_line":1,"name":"Tea","pk":"PRODUCT#T1","price":4.50,"sk":"PRODUCT","sku":"T1"}
}
