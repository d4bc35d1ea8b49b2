package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/validate"
)

// fuzzSet is the built-in datasets plus a JSON-array one, so that every
// reader is fuzzed through the transformer.
func fuzzSet() *dataset.Set {
	j := dataset.Readings()
	j.Name, j.Prefix, j.Suffixes = "readings-json", "incoming/readings-json/", nil
	j.Format = dataset.Format{Kind: dataset.JSON}
	return dataset.MustNewSet(dataset.Orders(), dataset.Customers(), dataset.Readings(), dataset.Catalog(), j)
}

// FuzzRun: for any content of any dataset, the transformer never panics
// and agrees with the validator: it stages a file exactly when the
// validator accepts it, and then every row is staged, filtered or counted
// as bad, the counts match the validation report, and every staged record
// is a JSON object with a distinct string pk and sk. A disagreement would
// reject a file the validator passed (with no report) or load one it
// rejected.
func FuzzRun(f *testing.F) {
	set := fuzzSet()
	names := set.Names()
	for i, n := range names {
		d, _ := set.Lookup(n)
		paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", n, "*"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) <= 8192 {
				f.Add(uint8(i), b)
			}
		}
		if d.Format.Kind == dataset.JSON {
			f.Add(uint8(i), []byte(`[{"device_id":"d","ts":"2026-01-01T00:00:00Z","temperature":1},{"device_id":"d","ts":"2026-01-01T00:00:00Z","temperature":1}]`))
		}
	}
	f.Add(uint8(0), []byte("\uFEFFcustomer_id,name,segment\r\nC1,\"A\nB\",vip\r\nC1,x,VIP\n"))
	f.Add(uint8(0), []byte("{\"device_id\":\"d\",\"ts\":\"2026-01-01T00:00:00Z\",\"temperature\":1,\"temperature\":2}\n"))
	f.Fuzz(func(t *testing.T, which uint8, content []byte) {
		if len(content) > 8192 {
			return
		}
		ds, _ := set.Lookup(names[int(which)%len(names)])
		key := ds.Prefix + "f" + ds.FileSuffixes()[0]
		src := contract.Object{Bucket: "b", Key: key, Size: int64(len(content))}
		rep, err := validate.Check(bytes.NewReader(content), src, ds, validate.Config{})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		var staged bytes.Buffer
		var chunkRecords int64
		st, err := Run(bytes.NewReader(content), key, ds, Config{ChunkRecords: 3}, func(_ int, data []byte, n int64) error {
			staged.Write(data)
			chunkRecords += n
			return nil
		})
		var rej *RejectedError
		switch {
		case err != nil && !errors.As(err, &rej):
			t.Fatalf("Run: %v", err)
		case rep.Rejected() != (rej != nil):
			t.Fatalf("validator status %s (%s), transformer error %v", rep.Status, rep.Reason, err)
		case rej != nil:
			return
		}
		if st.Rows != rep.Rows || st.Rejected != rep.BadRows || st.Filtered != rep.Filtered {
			t.Fatalf("transformer rows %d bad %d filtered %d, report rows %d bad %d filtered %d", st.Rows, st.Rejected, st.Filtered, rep.Rows, rep.BadRows, rep.Filtered)
		}
		if st.Records+st.Filtered+st.Rejected != st.Rows || chunkRecords != st.Records {
			t.Fatalf("records %d + filtered %d + bad %d != rows %d (chunks hold %d)", st.Records, st.Filtered, st.Rejected, st.Rows, chunkRecords)
		}
		keys := map[[2]string]bool{}
		dec := json.NewDecoder(&staged)
		for n := int64(0); ; n++ {
			var rec map[string]any
			if err := dec.Decode(&rec); err != nil {
				if n != st.Records {
					t.Fatalf("staged %d records, decoded %d (%v)", st.Records, n, err)
				}
				break
			}
			pk, ok1 := rec[dataset.AttrPK].(string)
			sk, ok2 := rec[dataset.AttrSK].(string)
			if !ok1 || !ok2 || pk == "" || sk == "" || keys[[2]string{pk, sk}] {
				t.Fatalf("staged record %d: pk %v sk %v (seen before: %v)", n, rec[dataset.AttrPK], rec[dataset.AttrSK], keys[[2]string{pk, sk}])
			}
			keys[[2]string{pk, sk}] = true
		}
	})
}
