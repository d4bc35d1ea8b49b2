package enrich

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sluicehq/sluice/functions/records"
)

// canonical returns line as records.Writer writes its record.
func canonical(t testing.TB, line string) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(line)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	b, err := records.AppendRecord(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
