package validate_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi/awsapitest"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/validate"
)

func ExampleHandler_Handle() {
	s3 := awsapitest.New()
	key := "incoming/customers/2026-01.csv"
	version := s3.Put("incoming", key, []byte("customer_id,name,segment\nC1,Ada,VIP\nC2,Bob,GOLD\n"))
	h := &validate.Handler{S3: s3, Datasets: dataset.Builtin()}
	_, err := h.Handle(context.Background(), contract.FileEvent{Dataset: "customers", Bucket: "incoming", Key: key, VersionID: version})
	var vf *fnerr.ValidationFailed
	if errors.As(err, &vf) {
		fmt.Println(fnerr.NameOf(err), vf.Reason)
		fmt.Println(vf.Report)
	}
	// Output:
	// ValidationFailed 1 of 2 rows failed validation (the dataset rejects files with any bad row)
	// reports/customers/8431f555bec2fa9e-2026-01.csv.report.json
}
