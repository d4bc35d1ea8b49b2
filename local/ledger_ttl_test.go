package local

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// TestLedgerItemsExpire runs files to each end through the local runtime
// (the same compiled machine the stack deploys) and reads the ledger item
// each leaves: it carries the TTL attribute (epoch seconds) at the lease's
// end plus the stack's ledger retention, so no claim expires while its
// execution may still run and every outcome stays at least the retention
// after it was recorded.
func TestLedgerItemsExpire(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		rows       int
		faults     []string
		wantStatus string
	}{
		{name: "loaded inline", file: "small.csv", rows: 1, wantStatus: contract.StatusLoaded},
		{name: "loaded by the Distributed Map", file: "big.csv", rows: 5, wantStatus: contract.StatusLoaded},
		{name: "rejected", file: "bad.csv", rows: 2, wantStatus: contract.StatusRejected},
		{name: "failed", file: "big.csv", rows: 5, faults: []string{"task:LoadChunk=Lambda.ServiceException"}, wantStatus: contract.StatusFailed},
		{name: "failed on the rejected path", file: "bad.csv", rows: 2, faults: []string{"task:Quarantine=States.TaskFailed"}, wantStatus: contract.StatusFailed},
	}
	for _, stack := range []string{"dev", "prod"} {
		opts, err := pipeline.StackOptions(stack)
		if err != nil {
			t.Fatal(err)
		}
		retention := int64(opts.LedgerRetentionDays) * 86400
		for _, tt := range tests {
			t.Run(stack+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				faults, err := ParseFaults(tt.faults)
				if err != nil {
					t.Fatal(err)
				}
				r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Stack: stack, Functions: fakeFunctions(2), Fast: true, Faults: faults})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if res := submit(t, r, writeCSV(t, t.TempDir(), tt.file, tt.rows)); string(res.Status) != tt.wantStatus {
					t.Fatalf("status %s (%s: %s), want %s", res.Status, res.Error, res.Cause, tt.wantStatus)
				}
				item := onlyLedgerItem(t, r)
				if got := stringAttr(item, "status"); got != tt.wantStatus {
					t.Errorf("ledger status %q, want %q", got, tt.wantStatus)
				}
				n, ok := item[contract.DefaultTTLAttribute].(*ddbtypes.AttributeValueMemberN)
				if !ok {
					t.Fatalf("the ledger item has no number attribute %s: %v", contract.DefaultTTLAttribute, item)
				}
				expires, err := strconv.ParseInt(n.Value, 10, 64)
				if err != nil {
					t.Fatalf("%s = %q: not epoch seconds: %v", contract.DefaultTTLAttribute, n.Value, err)
				}
				lease := timeAttr(t, item, "leaseUntil")
				if want := lease.Unix() + retention; expires != want {
					t.Errorf("%s = %d, want the lease's end %s + %d days = %d", contract.DefaultTTLAttribute, expires, lease.Format(time.RFC3339Nano), opts.LedgerRetentionDays, want)
				}
				if finished := timeAttr(t, item, "finishedAt"); expires-finished.Unix() < retention {
					t.Errorf("the item expires %d s after its outcome (%s), less than the retention of %d s", expires-finished.Unix(), finished.Format(time.RFC3339Nano), retention)
				}
			})
		}
	}
}

func onlyLedgerItem(t *testing.T, r *Runtime) map[string]ddbtypes.AttributeValue {
	t.Helper()
	out, err := r.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(r.Tables[pipeline.TableLedger]), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Fatalf("the ledger holds %d items, want 1: %v", len(out.Items), out.Items)
	}
	return out.Items[0]
}

func stringAttr(item map[string]ddbtypes.AttributeValue, name string) string {
	if s, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func timeAttr(t *testing.T, item map[string]ddbtypes.AttributeValue, name string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, stringAttr(item, name))
	if err != nil {
		t.Fatalf("ledger attribute %s: %v", name, err)
	}
	return v
}
