package validate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// FuzzASLUnmarshal: decoding never panics; whatever decodes encodes, decodes
// again and encodes to identical bytes; validation never panics, on the
// decoded machine or on the raw document; issue offsets stay in the document.
func FuzzASLUnmarshal(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	more, _ := filepath.Glob(filepath.Join("..", "graph", "testdata", "*.json"))
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true},"Next":"A"}]}}}`))
	f.Add([]byte(`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $x %}","Assign":{"x":"{% 1 %}"},"End":true}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			t.Skip()
		}
		_, issues, _ := validate.Document(b)
		offsets := validate.NewOffsets(b)
		for _, is := range issues {
			if off, ok := offsets.Offset(is.Path); ok && (off < 0 || off > len(b)) {
				t.Fatalf("offset %d of %q outside the document", off, is.Path)
			}
		}
		m, err := asl.Unmarshal(b)
		if err != nil {
			return
		}
		_ = validate.Machine(m)
		out, err := asl.Marshal(m)
		if err != nil {
			t.Fatalf("a decoded machine does not encode: %v", err)
		}
		m2, err := asl.Unmarshal(out)
		if err != nil {
			t.Fatalf("re-decode of the encoder's output: %v\n%s", err, out)
		}
		out2, err := asl.Marshal(m2)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable:\n%s\n---\n%s", out, out2)
		}
		_ = validate.Machine(m2)
	})
}
