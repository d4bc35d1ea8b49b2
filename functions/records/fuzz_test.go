package records

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

const fuzzMax = 4096

// seedExamples adds the shipped example files matching glob as seeds.
func seedExamples(f *testing.F, glob string, add func(b []byte)) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", glob))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) <= fuzzMax {
			add(b)
		}
	}
}

// drain reads r to the end, failing the test if it does not terminate
// within a bound proportional to the input.
func drain(t *testing.T, r Reader, n int) []Record {
	var out []Record
	for i := 0; i < n+10; i++ {
		rec, err := r.Next()
		var re *RowError
		switch {
		case err == nil:
			out = append(out, rec)
		case errors.As(err, &re):
		default:
			return out
		}
	}
	t.Fatalf("reader did not stop after %d calls", n+10)
	return nil
}

// FuzzCSV: no panic, termination, every record has the header's columns,
// and clean input re-encoded with every field quoted reads back the same.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\uFEFFa,b\r\n\"x\ny\",\"q\"\"\"\n", "a\n\"", "a,b\n1\n", "a;b\n'1;2';3"} {
		f.Add([]byte(s), false)
	}
	seedExamples(f, "*/*.csv", func(b []byte) { f.Add(b, false) })
	f.Fuzz(func(t *testing.T, in []byte, semicolon bool) {
		if len(in) > fuzzMax {
			return
		}
		opt := CSVOptions{}
		if semicolon {
			opt = CSVOptions{Delimiter: ';', Quote: '\''}
		}
		r := NewCSV(bytes.NewReader(in), opt)
		recs := drain(t, r, len(in))
		header, herr := r.Header()
		if herr != nil {
			return
		}
		for _, rec := range recs {
			if len(rec.Values) != len(header) {
				t.Fatalf("record has %d values, header %d", len(rec.Values), len(header))
			}
		}
		if len(recs) == 0 {
			return
		}
		q := string(r.opt.Quote)
		quote := func(s string) string { return q + strings.ReplaceAll(s, q, q+q) + q }
		var b strings.Builder
		line := func(vals []string) {
			for i, v := range vals {
				if i > 0 {
					b.WriteByte(r.opt.Delimiter)
				}
				b.WriteString(quote(v))
			}
			b.WriteByte('\n')
		}
		line(header)
		for _, rec := range recs {
			vals := make([]string, len(header))
			for i, h := range header {
				vals[i] = rec.Values[h].(string)
			}
			line(vals)
		}
		again := drain(t, NewCSV(strings.NewReader(b.String()), opt), b.Len())
		if len(again) != len(recs) {
			t.Fatalf("re-read %d records, want %d", len(again), len(recs))
		}
		for i := range recs {
			if diff := cmp.Diff(recs[i].Values, again[i].Values); diff != "" {
				t.Fatalf("record %d differs (-first +again):\n%s", i, diff)
			}
		}
	})
}

// FuzzJSON: no panic, termination, every record is an object.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`[{"a":1},{"b":[1,2]}]`, `[`, `[1]`, `{}`, `[{"a":"\u00e9"}] x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > fuzzMax {
			return
		}
		for _, rec := range drain(t, NewJSON(bytes.NewReader(in), Limits{MaxDepth: 8, MaxRecordBytes: 1024}), len(in)) {
			if rec.Values == nil || rec.Row < 1 || rec.Line < 1 {
				t.Fatalf("bad record %+v", rec)
			}
		}
	})
}

// FuzzJSONL: no panic, termination, lines increase.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"b\":2}", "{\n", "[]\n{}", "\n\n{\"a\":[[[]]]}"} {
		f.Add([]byte(s))
	}
	seedExamples(f, "*/*.jsonl", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > fuzzMax {
			return
		}
		var last int64
		for _, rec := range drain(t, NewJSONL(bytes.NewReader(in), Limits{MaxDepth: 8}), len(in)) {
			if rec.Line <= last || rec.Values == nil {
				t.Fatalf("bad record %+v after line %d", rec, last)
			}
			last = rec.Line
		}
	})
}

// FuzzXML: no panic, termination, and no record when the input declares a
// DTD.
func FuzzXML(f *testing.F) {
	for _, s := range []string{"<r><product a=\"1\"><sku>x</sku></product></r>", "<!DOCTYPE r><r/>", "<r><product>&amp;&#65;</product>", "<product><a><b/></a></product>"} {
		f.Add([]byte(s))
	}
	seedExamples(f, "*/*.xml", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > fuzzMax {
			return
		}
		recs := drain(t, NewXML(bytes.NewReader(in), "product", Limits{MaxDepth: 8}), len(in))
		if bytes.Contains(in, []byte("<!ENTITY")) && len(recs) > 0 {
			for _, rec := range recs {
				if strings.Contains(rec.String(), "ENTITY") {
					t.Fatalf("entity content leaked into %+v", rec)
				}
			}
		}
	})
}

// FuzzGzip: no panic on arbitrary input, and any content compressed and
// read back through the guard is unchanged.
func FuzzGzip(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), []byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, content, garbage []byte) {
		if len(content) > fuzzMax || len(garbage) > fuzzMax {
			return
		}
		if r, err := NewGzip(bytes.NewReader(garbage), GzipGuard{}); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<22))
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(content)
		zw.Close()
		r, err := NewGzip(&buf, GzipGuard{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzWriter: the writer's bytes equal encoding/json's (HTML escaping off)
// for any string keys and values.
func FuzzWriter(f *testing.F) {
	f.Add("k", "v\n\"<>&\u2028\xff", int64(3), true)
	f.Fuzz(func(t *testing.T, k, v string, n int64, b bool) {
		rec := map[string]any{k: v, k + "n": n, k + "b": b, k + "z": nil}
		var got bytes.Buffer
		w := NewWriter(&got)
		// The second record has other keys: the cached order must not be
		// reused for it.
		for _, r := range []map[string]any{{k + "x": 1, k + "y": 2, k + "w": 3, k + "v": 4}, rec} {
			got.Reset()
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
			w.Flush()
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(rec)
		if got.String() != want.String() {
			t.Fatalf("writer %q, encoding/json %q", got.String(), want.String())
		}
	})
}

// FuzzCSVDifferential: the byte-level CSV reader (Next, NextFields and
// AppendRow) and the string-based reader it replaced (csv_oracle_test.go)
// give the same header, records and errors for any input, limits and
// dialect.
func FuzzCSVDifferential(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\uFEFFa,b\r\n\"x\ny\",\"q\"\"\"\n", "a\n\"", "a,b\n1\n", "a;b\n'1;2';3",
		"a,b\n\"1\"x,2\n3,4\n", "a,b\n1,\"2\n\n3\"\n\n\n5,6", "a,a\n1,2\n", "a,b\r\n\r\n1,2\r\n"} {
		f.Add([]byte(s), false, uint16(0))
	}
	seedExamples(f, "*/*.csv", func(b []byte) { f.Add(b, false, uint16(0)) })
	f.Fuzz(func(t *testing.T, in []byte, semicolon bool, limit uint16) {
		if len(in) > fuzzMax {
			return
		}
		opt := CSVOptions{Limits: Limits{MaxRecordBytes: int(limit % 64), MaxColumns: int(limit / 64 % 8)}}
		if semicolon {
			opt.Delimiter, opt.Quote = ';', '\''
		}
		type result struct {
			Header    []string
			HeaderErr string
			Records   []Record
			Errs      []string
		}
		describe := func(err error) string {
			var re *RowError
			var fe *FormatError
			switch {
			case errors.As(err, &re):
				return fmt.Sprintf("row %+v", *re)
			case errors.As(err, &fe):
				return fmt.Sprintf("format %+v", *fe)
			}
			return fmt.Sprint(err)
		}
		run := func(next func() (Record, error), header func() ([]string, error)) result {
			var res result
			for i := 0; i < len(in)+10; i++ {
				rec, err := next()
				if err == nil {
					res.Records = append(res.Records, rec)
					continue
				}
				res.Errs = append(res.Errs, describe(err))
				var re *RowError
				if !errors.As(err, &re) {
					break
				}
			}
			h, err := header()
			res.Header = h
			if err != nil {
				res.HeaderErr = describe(err)
			}
			return res
		}
		old := newOracleCSV(bytes.NewReader(in), opt)
		want := run(old.Next, old.Header)
		cur := NewCSV(bytes.NewReader(in), opt)
		got := run(cur.Next, cur.Header)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Next differs from the old reader (-old +new):\n%s", diff)
		}
		byFields := NewCSV(bytes.NewReader(in), opt)
		got = run(func() (Record, error) {
			line, row, fields, err := byFields.NextFields()
			if err != nil {
				return Record{}, err
			}
			vals := map[string]any{}
			for i, v := range fields {
				vals[byFields.header[i]] = string(v)
			}
			return Record{Line: line, Row: row, Values: vals}, nil
		}, byFields.Header)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("NextFields differs from the old reader (-old +new):\n%s", diff)
		}
		// AppendRow into buffers that keep the earlier rows (starting
		// with a stale byte): each row's values are read back from its
		// own offsets, and an error leaves the buffers as they were.
		byRow := NewCSV(bytes.NewReader(in), opt)
		rec, ends := []byte{'x'}, []int{1}
		got = run(func() (Record, error) {
			first, n0 := len(ends), len(rec)
			line, row, r, e, err := byRow.AppendRow(rec, ends)
			if err != nil {
				if len(r) != n0 || len(e) != first {
					t.Fatalf("AppendRow error %v changed the buffers: %d→%d bytes, %d→%d ends", err, n0, len(r), first, len(e))
				}
				return Record{}, err
			}
			rec, ends = r, e
			vals := map[string]any{}
			from := n0 // the row's first value, then one byte after each end
			for i, end := range ends[first:] {
				vals[byRow.header[i]] = string(rec[from:end])
				from = end + 1
			}
			if rec[0] != 'x' || from != len(rec) {
				t.Fatalf("AppendRow changed the earlier bytes or left %d bytes after the last value's byte", len(rec)-from)
			}
			return Record{Line: line, Row: row, Values: vals}, nil
		}, byRow.Header)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("AppendRow differs from the old reader (-old +new):\n%s", diff)
		}
	})
}

// FuzzXMLStructure: a document built from arbitrary text (an attribute, a
// wrapper of n repeated children, a repeated child directly under the
// record) reads back as the structure the reader documents: "@id" for the
// attribute, the children's texts as a list (one child: its text), in
// document order, whatever the texts hold.
func FuzzXMLStructure(f *testing.F) {
	f.Add("7", "kitchen", "steel", uint8(2))
	f.Add("a&b<c>\"'", " x ", "", uint8(1))
	f.Add("", "\t\r\n", "]]>", uint8(5))
	f.Fuzz(func(t *testing.T, attr, a, b string, n uint8) {
		if len(attr)+len(a)+len(b) > fuzzMax || !xmlText(attr) || !xmlText(a) || !xmlText(b) {
			return
		}
		n = 1 + n%6
		esc := func(s string) string {
			var buf bytes.Buffer
			if err := xml.EscapeText(&buf, []byte(s)); err != nil {
				t.Fatal(err)
			}
			return buf.String()
		}
		var doc strings.Builder
		doc.WriteString(`<catalog><product id="` + esc(attr) + `"><tags>`)
		var tags []any
		for i := 0; i < int(n); i++ {
			s := []string{a, b}[i%2]
			doc.WriteString("<tag>" + esc(s) + "</tag>")
			tags = append(tags, s)
		}
		doc.WriteString("</tags><note>" + esc(a) + "</note><note>" + esc(b) + "</note></product></catalog>")
		want := map[string]any{
			"@id":  attr,
			"tags": map[string]any{"tag": any(tags)},
			"note": []any{a, b},
		}
		if n == 1 {
			want["tags"] = map[string]any{"tag": a}
		}
		recs := drain(t, NewXML(strings.NewReader(doc.String()), "product", Limits{}), doc.Len())
		if len(recs) != 1 {
			t.Fatalf("%d records from %q, want 1", len(recs), doc.String())
		}
		if diff := cmp.Diff(want, recs[0].Values); diff != "" {
			t.Fatalf("%q (-want +got):\n%s", doc.String(), diff)
		}
	})
}

// xmlText reports whether s is valid UTF-8 holding only characters XML 1.0
// allows (xml.EscapeText replaces the others, so they cannot round-trip).
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t', r == '\n', r == '\r':
		case r < 0x20, r == utf8.RuneError, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return false
		}
	}
	return true
}

// FuzzDecodeFlat: what decodeFlat decodes, encoding/json's general path
// decodes to the same values; what it leaves, the general path decides.
func FuzzDecodeFlat(f *testing.F) {
	for _, s := range []string{`{"a":"x","b":1.5e3,"c":true,"d":null,"e":false}`, `{"s":"D\"on\" \u00e9","t":"日本"}`,
		`{"a":1,"a":2}`, `{"l":[1]}`, `{}`, ` { "a" : "b" } `, "{\"s\":\"\xff\"}", `{"n":01}`} {
		f.Add([]byte(s))
	}
	seedExamples(f, "*/*.jsonl", func(b []byte) {
		for _, line := range bytes.Split(b, []byte("\n")) {
			f.Add(line)
		}
	})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > fuzzMax {
			return
		}
		got, ok := decodeFlat(raw)
		if !ok {
			return
		}
		want, rerr := decodeGeneral(raw, 32)
		if rerr != nil {
			t.Fatalf("decodeFlat took %q, the general path refuses it: %v", raw, rerr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("decodeFlat(%q) (-general +flat):\n%s", raw, diff)
		}
	})
}

// TestDecodeFlat: staged records take the flat decoder, anything nested
// or doubtful the general one.
func TestDecodeFlat(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		`{"_line":2,"customer_name":"Donald \"Don\" Knuth","quantity":3,"ok":true,"z":null}`: true,
		` { "a" : -1.5e3 } `: true,
		`{}`:                 true,
		`{"a":1,"a":2}`:      false,
		`{"l":[1]}`:          false,
		`{"m":{}}`:           false,
		`{"n":01}`:           false,
		`{"a":1,}`:           false,
		`{"a":1} x`:          false,
		`[1]`:                false,
	} {
		_, got := decodeFlat([]byte(raw))
		if got != want {
			t.Errorf("decodeFlat(%q) took it: %v, want %v", raw, got, want)
		}
		if got {
			m, _ := decodeFlat([]byte(raw))
			g, rerr := decodeGeneral([]byte(raw), 32)
			if rerr != nil {
				t.Fatalf("%q: %v", raw, rerr)
			}
			if diff := cmp.Diff(g, m); diff != "" {
				t.Errorf("decodeFlat(%q) (-general +flat):\n%s", raw, diff)
			}
		}
	}
}

// FuzzResetASCII: a block reader reading an ASCII input in place
// (ResetASCII) gives the rows, lines and errors of one reading it through
// its read buffer (ResetAt), line limits included.
func FuzzResetASCII(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\r\n\n4,5\n6,\"7\n8\",9\n10,11,12"), uint8(0))
	f.Add([]byte("x,y,z\n"+strings.Repeat("q", 70)+",1,2\nend,1,2"), uint8(40))
	f.Add([]byte("\n\n\r\n1,2,3"), uint8(5))
	f.Fuzz(func(t *testing.T, in []byte, limit uint8) {
		ascii := true
		for _, b := range in {
			ascii = ascii && b < 0x80
		}
		if ASCII(in) != ascii {
			t.Fatalf("ASCII(%q) = %v", in, !ascii)
		}
		if !ascii {
			return
		}
		opt := CSVOptions{Limits: Limits{MaxRecordBytes: int(limit)}}
		if limit == 0 {
			opt.Limits.MaxRecordBytes = 1 << 20
		}
		header := []string{"a", "b", "c"}
		read := func(c *CSVReader) []string {
			var got []string
			var rec []byte
			var ends []int
			for range len(in) + 2 {
				line, row, r, e, err := c.AppendRow(rec, ends)
				if err != nil {
					got = append(got, fmt.Sprintf("error %v", err))
					if _, ok := err.(*RowError); ok {
						continue
					}
					return got
				}
				got = append(got, fmt.Sprintf("line %d row %d %q %v", line, row, r[len(rec):], e[len(ends):]))
				rec, ends = r, e
			}
			t.Fatal("the reader did not stop")
			return nil
		}
		viaBuffer := NewCSVAt(nil, header, 7, opt)
		viaBuffer.ResetAt(bytes.NewReader(in), 7)
		inPlace := NewCSVAt(nil, header, 0, opt)
		inPlace.ResetASCII(in, 7)
		if diff := cmp.Diff(read(viaBuffer), read(inPlace)); diff != "" {
			t.Fatalf("(-ResetAt +ResetASCII):\n%s", diff)
		}
	})
}
