package records

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// row is a record or an error code, for compact expectations.
type row struct {
	Line, Row int64
	Values    map[string]any
	Code      string // RowError code, or "!"+FormatError code
}

// readAll drains r, stopping at io.EOF or a FormatError.
func readAll(t testing.TB, r Reader, maxIter int) []row {
	t.Helper()
	var out []row
	for i := 0; i < maxIter; i++ {
		rec, err := r.Next()
		var re *RowError
		var fe *FormatError
		switch {
		case err == nil:
			out = append(out, row{Line: rec.Line, Row: rec.Row, Values: rec.Values})
		case errors.Is(err, io.EOF):
			return out
		case errors.As(err, &re):
			out = append(out, row{Line: re.Line, Row: re.Row, Code: re.Code})
		case errors.As(err, &fe):
			return append(out, row{Line: fe.Line, Code: "!" + fe.Code})
		default:
			t.Fatalf("unexpected error %T %v", err, err)
		}
	}
	t.Fatalf("reader did not end after %d calls", maxIter)
	return nil
}

func vals(kv ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  CSVOptions
		want []row
	}{
		{"simple", "a,b\n1,2\n3,4\n", CSVOptions{}, []row{{1 + 1, 1, vals("a", "1", "b", "2"), ""}, {3, 2, vals("a", "3", "b", "4"), ""}}},
		{"crlf bom no final newline", "\uFEFFa,b\r\n1,2\r\n3,4", CSVOptions{}, []row{{2, 1, vals("a", "1", "b", "2"), ""}, {3, 2, vals("a", "3", "b", "4"), ""}}},
		{"quoted newline and quotes", "a,b\n\"x\ny\",\"say \"\"hi\"\"\"\n5,6\n", CSVOptions{}, []row{{2, 1, vals("a", "x\ny", "b", `say "hi"`), ""}, {4, 2, vals("a", "5", "b", "6"), ""}}},
		{"blank lines skipped", "a\n\n1\n\n2\n", CSVOptions{}, []row{{3, 1, vals("a", "1"), ""}, {5, 2, vals("a", "2"), ""}}},
		{"semicolon and single quote", "a;b\n'x;y';2\n", CSVOptions{Delimiter: ';', Quote: '\''}, []row{{2, 1, vals("a", "x;y", "b", "2"), ""}}},
		{"ragged", "a,b\n1\n1,2,3\n4,5\n", CSVOptions{}, []row{{2, 1, nil, CodeRagged}, {3, 2, nil, CodeRagged}, {4, 3, vals("a", "4", "b", "5"), ""}}},
		{"bare quote", "a,b\n1,x\"y\n3,4\n", CSVOptions{}, []row{{2, 1, nil, CodeQuote}, {3, 2, vals("a", "3", "b", "4"), ""}}},
		{"text after quote", "a\n\"x\"y\n", CSVOptions{}, []row{{2, 1, nil, CodeQuote}}},
		{"unterminated", "a\n\"xyz\n", CSVOptions{}, []row{{2, 0, nil, "!" + CodeUnterminatedQuote}}},
		{"duplicate header", "a,a\n1,2\n", CSVOptions{}, []row{{1, 0, nil, "!" + CodeHeader}}},
		{"invalid utf8", "a\nok\n\xff\n", CSVOptions{}, []row{{2, 1, vals("a", "ok"), ""}, {3, 0, nil, "!" + CodeUTF8}}},
		{"no header columns", "1,2\n", CSVOptions{Columns: []string{"x", "y"}}, []row{{1, 1, vals("x", "1", "y", "2"), ""}}},
		{"too long", "a\n" + strings.Repeat("x", 100) + "\n", CSVOptions{Limits: Limits{MaxRecordBytes: 50}}, []row{{2, 0, nil, "!" + CodeTooLarge}}},
		{"empty", "", CSVOptions{}, nil},
		{"header only", "a,b\n", CSVOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, NewCSV(strings.NewReader(tt.in), tt.opt), 100)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	deep := `[{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `},{"a":"ok"}]`
	tests := []struct {
		name string
		in   string
		want []row
	}{
		{"array", "[\n {\"a\": \"x\", \"n\": 1.50},\n {\"a\": \"y\"}\n]\n", []row{{2, 1, map[string]any{"a": "x", "n": json.Number("1.50")}, ""}, {3, 2, vals("a", "y"), ""}}},
		{"empty array", "[]", nil},
		{"bom", "\uFEFF[{\"a\":\"x\"}]", []row{{1, 1, vals("a", "x"), ""}}},
		{"empty file", "", nil},
		{"not array", `{"a":1}`, []row{{1, 0, nil, "!" + CodeJSONSyntax}}},
		{"element not object", `[1, {"a":"b"}]`, []row{{1, 1, nil, CodeNotObject}, {1, 2, vals("a", "b"), ""}}},
		{"too deep", deep, []row{{1, 1, nil, CodeJSONDepth}, {1, 2, vals("a", "ok"), ""}}},
		{"syntax", "[{\"a\":1},\n{\"a\" 2}]", []row{{1, 1, map[string]any{"a": json.Number("1")}, ""}, {2, 0, nil, "!" + CodeJSONSyntax}}},
		{"truncated", `[{"a":1}`, []row{{1, 1, map[string]any{"a": json.Number("1")}, ""}, {1, 0, nil, "!" + CodeJSONSyntax}}},
		{"trailing", `[{"a":1}] x`, []row{{1, 1, map[string]any{"a": json.Number("1")}, ""}, {1, 0, nil, "!" + CodeJSONSyntax}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, NewJSON(strings.NewReader(tt.in), Limits{}), 100)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONLargeElementBounded(t *testing.T) {
	in := `[{"a":"` + strings.Repeat("x", 1<<20) + `"}]`
	got := readAll(t, NewJSON(strings.NewReader(in), Limits{MaxRecordBytes: 1024}), 10)
	if len(got) != 1 || got[0].Code != "!"+CodeTooLarge {
		t.Errorf("got %+v, want a record_too_large format error", got)
	}
}

func TestJSONL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []row
	}{
		{"lines", "{\"a\":\"x\"}\n\n{\"a\":\"y\"}", []row{{1, 1, vals("a", "x"), ""}, {3, 2, vals("a", "y"), ""}}},
		{"crlf", "{\"a\":\"x\"}\r\n", []row{{1, 1, vals("a", "x"), ""}}},
		{"bom", "\uFEFF{\"a\":\"x\"}\n", []row{{1, 1, vals("a", "x"), ""}}},
		{"bad line continues", "{\"a\":\"x\"}\n{oops}\n[1]\n{\"a\":1} {}\n{\"a\":\"z\"}\n", []row{{1, 1, vals("a", "x"), ""}, {2, 2, nil, CodeJSONSyntax}, {3, 3, nil, CodeNotObject}, {4, 4, nil, CodeJSONSyntax}, {5, 5, vals("a", "z"), ""}}},
		{"utf8", "{\"a\":\"x\"}\n{\"a\":\"\xc3\"}\n", []row{{1, 1, vals("a", "x"), ""}, {2, 0, nil, "!" + CodeUTF8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, NewJSONL(strings.NewReader(tt.in), Limits{}), 100)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestXML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []row
	}{
		{"records", "<?xml version=\"1.0\"?>\n<catalog>\n <product id=\"7\"><sku>A</sku><name>Tea &amp; cups</name></product>\n <product>\n  <sku>B</sku>\n </product>\n</catalog>\n",
			[]row{{3, 1, vals("@id", "7", "sku", "A", "name", "Tea & cups"), ""}, {4, 2, vals("sku", "B"), ""}}},
		{"nested and repeated", "<r><product><tags><tag>a</tag><tag>b</tag></tags></product></r>",
			[]row{{1, 1, map[string]any{"tags": map[string]any{"tag": []any{"a", "b"}}}, ""}}},
		{"one child is not a list", "<r><product><tags><tag>a</tag></tags></product></r>",
			[]row{{1, 1, map[string]any{"tags": map[string]any{"tag": "a"}}, ""}}},
		{"repeated under the record", "<r><product><tag>a</tag><sku>S</sku><tag>b</tag><tag>c</tag></product></r>",
			[]row{{1, 1, map[string]any{"sku": "S", "tag": []any{"a", "b", "c"}}, ""}}},
		{"attribute and child of one name", "<r><product id=\"7\"><id>A-7</id></product></r>",
			[]row{{1, 1, vals("@id", "7", "id", "A-7"), ""}}},
		{"attributes and text kept", "<r><product><price currency=\"EUR\"> 9.50 </price><tags source=\"x\"><tag lang=\"en\">tea</tag><tag/></tags></product></r>",
			[]row{{1, 1, map[string]any{
				"price": map[string]any{"@currency": "EUR", "#text": "9.50"},
				"tags":  map[string]any{"@source": "x", "tag": []any{map[string]any{"@lang": "en", "#text": "tea"}, ""}},
			}, ""}}},
		{"namespace declarations are not values", "<r xmlns:x=\"urn:x\"><product xmlns=\"urn:p\" x:id=\"1\"><x:sku>A</x:sku></product></r>",
			[]row{{1, 1, vals("@id", "1", "sku", "A"), ""}}},
		{"doctype rejected", "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x \"boom\">]>\n<r><product><sku>&x;</sku></product></r>", []row{{2, 0, nil, "!" + CodeXMLDTD}}},
		{"unknown entity", "<r><product><sku>&x;</sku></product></r>", []row{{1, 0, nil, "!" + CodeXMLSyntax}}},
		{"unclosed", "<r><product><sku>A</sku></product>", []row{{1, 1, vals("sku", "A"), ""}, {1, 0, nil, "!" + CodeXMLSyntax}}},
		{"no records", "<r></r>", nil},
		{"bom", "\uFEFF<r><product><sku>A</sku></product></r>", []row{{1, 1, vals("sku", "A"), ""}}},
		{"too deep", "<r>" + strings.Repeat("<x>", 40) + strings.Repeat("</x>", 40) + "</r>", []row{{1, 0, nil, "!" + CodeXMLDepth}}},
		{"latin1 refused", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>", []row{{1, 0, nil, "!" + CodeXMLSyntax}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readAll(t, NewXML(strings.NewReader(tt.in), "product", Limits{}), 100)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestGzipGuard(t *testing.T) {
	plain := []byte("a,b\n1,2\n")
	tests := []struct {
		name     string
		in       []byte
		guard    GzipGuard
		wantCode string
	}{
		{"ok", gz(t, plain), GzipGuard{}, ""},
		{"bomb", gz(t, make([]byte, 8<<20)), GzipGuard{}, CodeGzipRatio},
		{"max bytes", gz(t, bytes.Repeat(plain, 1000)), GzipGuard{MaxBytes: 100}, CodeGzipRatio},
		{"not gzip", plain, GzipGuard{}, CodeGzip},
		{"truncated", gz(t, bytes.Repeat(plain, 1000))[:40], GzipGuard{}, CodeGzip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewGzip(bytes.NewReader(tt.in), tt.guard)
			var out []byte
			if err == nil {
				out, err = io.ReadAll(r)
			}
			var fe *FormatError
			if tt.wantCode == "" {
				if err != nil || !bytes.Equal(out, plain) {
					t.Fatalf("got %q, %v", out, err)
				}
				return
			}
			if !errors.As(err, &fe) || fe.Code != tt.wantCode {
				t.Fatalf("err = %v, want code %s", err, tt.wantCode)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range []map[string]any{{"b": "<x>", "a": json.Number("1.50")}, {"z": true}} {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "{\"a\":1.50,\"b\":\"<x>\"}\n{\"z\":true}\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" || w.Records() != 2 || w.Bytes() != int64(len(want)) {
		t.Errorf("(-want +got):\n%s records %d bytes %d", diff, w.Records(), w.Bytes())
	}
}

func TestDuplicateProperty(t *testing.T) {
	jsonl := "{\"a\":\"x\"}\n{\"a\":\"1\",\"b\":{\"a\":2},\"a\":\"2\"}\n{\"a\":\"z\",\"b\":{\"c\":1,\"c\":2}}\n"
	got := readAll(t, NewJSONL(strings.NewReader(jsonl), Limits{}), 10)
	want := []row{{1, 1, vals("a", "x"), ""}, {2, 2, nil, CodeDuplicateName}, {3, 3, map[string]any{"a": "z", "b": map[string]any{"c": json.Number("2")}}, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON Lines (-want +got):\n%s", diff)
	}
	_, err := NewJSON(strings.NewReader(`[{"k":"1","k":"1"}]`), Limits{}).Next()
	var re *RowError
	if !errors.As(err, &re) || re.Code != CodeDuplicateName || re.Column != "k" || !strings.Contains(re.Msg, `"k"`) {
		t.Errorf("JSON array: got %#v, want a duplicate_name row error naming k", err)
	}
}

// TestJSONTooLargeNamesItsLine: an oversized element is reported at the
// line it starts on, not at the end of the element before it.
func TestJSONTooLargeNamesItsLine(t *testing.T) {
	in := "[\n{\"a\":1},\n\n  {\"a\":\"" + strings.Repeat("x", 200<<10) + "\"}\n]\n"
	got := readAll(t, NewJSON(strings.NewReader(in), Limits{MaxRecordBytes: 1024}), 10)
	want := []row{{2, 1, map[string]any{"a": json.Number("1")}, ""}, {4, 0, nil, "!" + CodeTooLarge}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestXMLDirectiveLine: a DOCTYPE over many lines is reported where it
// starts.
func TestXMLDirectiveLine(t *testing.T) {
	in := "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n <!ENTITY a \"a\">\n <!ENTITY b \"&a;&a;\">\n]>\n<r><product><sku>&b;</sku></product></r>\n"
	got := readAll(t, NewXML(strings.NewReader(in), "product", Limits{}), 10)
	if diff := cmp.Diff([]row{{2, 0, nil, "!" + CodeXMLDTD}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestStreamErrorIsNotASyntaxError: when the stream fails mid-file (S3, the
// network), the JSON and XML readers return that error, not a syntax
// problem of the file: the caller retries instead of rejecting a good file.
func TestStreamErrorIsNotASyntaxError(t *testing.T) {
	reset := errors.New("connection reset by peer")
	readers := map[string]Reader{
		"json":  NewJSON(&failingReader{data: []byte(`[{"a":1},{"a":`), err: reset}, Limits{}),
		"jsonl": NewJSONL(&failingReader{data: []byte("{\"a\":1}\n{\"a\""), err: reset}, Limits{}),
		"xml":   NewXML(&failingReader{data: []byte("<r><product><a>1</a></product><product><a>"), err: reset}, "product", Limits{}),
		"csv":   NewCSV(&failingReader{data: []byte("a\n1\n2"), err: reset}, CSVOptions{}),
	}
	for name, r := range readers {
		var err error
		for i := 0; i < 10 && err == nil; i++ {
			_, err = r.Next()
		}
		var fe *FormatError
		if !errors.Is(err, reset) || errors.As(err, &fe) {
			t.Errorf("%s: got %T %v, want the stream's error", name, err, err)
		}
	}
}

// TestJSONCorruptGzipAfterArray: a gzip stream that fails after the
// closing bracket is reported as a gzip problem, not as data after the
// array.
func TestJSONCorruptGzipAfterArray(t *testing.T) {
	z := gz(t, []byte("[{\"a\":1}]\n"))
	for name, in := range map[string][]byte{"truncated trailer": z[:len(z)-4], "trailing garbage": append(append([]byte{}, z...), "garbage"...)} {
		zr, err := NewGzip(bytes.NewReader(in), GzipGuard{})
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, NewJSON(zr, Limits{}), 10)
		if len(got) != 2 || got[1].Code != "!"+CodeGzip {
			t.Errorf("%s: got %+v, want the record then a gzip format error", name, got)
		}
	}
}
