package local_test

// Hostile inputs of the lossless harness: for every dataset and format
// (CSV, JSON Lines, XML, a JSON array, gzip), files built to break
// readers: empty, header only, BOM, CRLF and mixed line endings, NUL
// bytes, invalid UTF-8, a 10 MB line, unterminated quotes, ragged rows,
// duplicate header names and keys, numbers out of range, 100,000 levels of
// nesting, entity expansion and external entities, gzip bombs, truncated
// gzip, and keys with unicode, spaces and "../". Each must end LOADED
// (exactly its valid rows), REJECTED with a report that locates the
// problem, or FAILED visibly, in bounded memory.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/local"
)

// kit builds hostile files of one dataset from valid records.
type kit struct {
	ds   string
	kind dataset.Kind
	// columns are the CSV header (the input columns, in order).
	columns []string
	// valid returns row i of a file tagged tag and the item it becomes.
	valid func(tag string, i int) (map[string]any, wantItem)
	ext   string
	gz    bool
	// numeric lists number fields and text a free-text field, the
	// targets of the number and control-character cases.
	numeric []string
	text    string
	// keyField is the (pattern-checked) field of the partition key;
	// spoil makes a row bad with (field, code).
	keyField string
	spoil    func(rec map[string]any) (field, code string)
}

func spoilWith(field string, v any, code string) func(map[string]any) (string, string) {
	return func(rec map[string]any) (string, string) { rec[field] = v; return field, code }
}

var kits = []kit{
	{ds: "orders", kind: dataset.CSV, ext: ".csv", gz: true, text: "sku", numeric: []string{"unit_price"},
		keyField: "order_id", spoil: spoilWith("quantity", "x", "type"),
		columns: []string{"order_id", "customer_id", "order_date", "sku", "quantity", "unit_price", "currency", "status"},
		valid: func(tag string, i int) (map[string]any, wantItem) {
			id := fmt.Sprintf("%s-%d", tag, i)
			return map[string]any{"order_id": id, "customer_id": "CUST-01", "order_date": "2026-01-05", "sku": "SKU-" + strconv.Itoa(i),
					"quantity": "2", "unit_price": "3.50", "currency": "eur", "status": "NEW"},
				wantItem{pk: "ORDER#" + id, sk: "ORDER", attrs: map[string]string{"quantity": "2", "unit_price": "3.50", "total": "7.00",
					"currency": `"EUR"`, "customer_name": `"Ada Lovelace"`, "sku": jsonText("SKU-" + strconv.Itoa(i))}}
		}},
	{ds: "customers", kind: dataset.CSV, ext: ".csv", text: "name", keyField: "customer_id", spoil: spoilWith("segment", "GOLD", "enum"),
		columns: []string{"customer_id", "name", "segment"},
		valid: func(tag string, i int) (map[string]any, wantItem) {
			id := fmt.Sprintf("%s-%d", tag, i)
			return map[string]any{"customer_id": id, "name": "Name " + strconv.Itoa(i), "segment": "vip"},
				wantItem{pk: "CUSTOMER#" + id, sk: "CUSTOMER", attrs: map[string]string{"name": jsonText("Name " + strconv.Itoa(i)), "segment": `"VIP"`}}
		}},
	{ds: "readings", kind: dataset.JSONL, ext: ".jsonl", gz: true, numeric: []string{"temperature"},
		keyField: "device_id", spoil: spoilWith("temperature", "x", "type"),
		valid: func(tag string, i int) (map[string]any, wantItem) {
			at := readingBase.Add(time.Duration(i) * time.Minute)
			ts := at.Format("2006-01-02T15:04:05.000Z")
			return map[string]any{"device_id": "dev-" + tag, "ts": at.Format(time.RFC3339), "temperature": json.Number("20.5"), "humidity": 40},
				wantItem{pk: "DEVICE#dev-" + tag, sk: "TS#" + ts, attrs: map[string]string{"temperature": "20.5", "humidity": "40",
					"expires_at": strconv.FormatInt(at.Add(30*24*time.Hour).Unix(), 10)}}
		}},
	{ds: "catalog", kind: dataset.XML, ext: ".xml", gz: true, text: "name", numeric: []string{"price"},
		keyField: "sku", spoil: spoilWith("price", "x", "type"),
		valid: func(tag string, i int) (map[string]any, wantItem) {
			sku := fmt.Sprintf("%s-%d", tag, i)
			return map[string]any{"sku": sku, "name": "Tea & " + strconv.Itoa(i), "price": "9.99"},
				wantItem{pk: "PRODUCT#" + sku, sk: "PRODUCT", attrs: map[string]string{"name": jsonText("Tea & " + strconv.Itoa(i)), "price": "9.99"}}
		}},
	{ds: "shipments", kind: dataset.JSON, ext: ".json", gz: true, numeric: []string{"weight"}, text: "note",
		keyField: "shipment_id", spoil: spoilWith("weight", "x", "type"),
		valid: func(tag string, i int) (map[string]any, wantItem) {
			id := fmt.Sprintf("%s-%d", tag, i)
			return map[string]any{"shipment_id": id, "weight": json.Number("1.5"), "shipped": "2026-02-01", "fragile": "yes", "note": "n" + strconv.Itoa(i)},
				wantItem{pk: "SHIP#" + id, sk: "SHIPMENT", attrs: map[string]string{"weight": "1.5", "fragile": "true", "note": jsonText("n" + strconv.Itoa(i))}}
		}},
}

// encode writes one record in the kit's format (one line).
func (k kit) encode(rec map[string]any) string {
	switch k.kind {
	case dataset.CSV:
		vals := make([]string, 0, len(k.columns))
		for _, c := range k.columns {
			if v, ok := rec[c]; ok {
				vals = append(vals, csvField(fmt.Sprint(v)))
			}
		}
		return strings.Join(vals, ",")
	case dataset.XML:
		var b strings.Builder
		b.WriteString("<product>")
		for _, c := range []string{"sku", "name", "price", "tags"} {
			if v, ok := rec[c]; ok {
				fmt.Fprintf(&b, "<%s>%s</%s>", c, xmlText(fmt.Sprint(v)), c)
			}
		}
		b.WriteString("</product>")
		return b.String()
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// head and tail frame the rows; headLines counts head's lines.
func (k kit) head() (string, int64) {
	switch k.kind {
	case dataset.CSV:
		return strings.Join(k.columns, ",") + "\n", 1
	case dataset.XML:
		return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<catalog>\n", 2
	case dataset.JSON:
		return "[\n", 1
	}
	return "", 0
}

func (k kit) tail() string {
	switch k.kind {
	case dataset.XML:
		return "</catalog>\n"
	case dataset.JSON:
		return "]\n"
	}
	return ""
}

// file assembles rows one per line, ending lines with eol.
func (k kit) file(rows []string, eol string) []byte {
	h, _ := k.head()
	sep := eol
	if k.kind == dataset.JSON {
		sep = "," + eol
	}
	body := strings.ReplaceAll(h, "\n", eol) + strings.Join(rows, sep)
	if len(rows) > 0 {
		body += eol
	}
	return []byte(body + strings.ReplaceAll(k.tail(), "\n", eol))
}

// joined assembles rows like file, ending row i with eol(i).
func (k kit) joined(rows []string, eol func(i int) string) []byte {
	h, _ := k.head()
	var b strings.Builder
	b.WriteString(h)
	for i, r := range rows {
		b.WriteString(r)
		if k.kind == dataset.JSON && i < len(rows)-1 {
			b.WriteString(",")
		}
		b.WriteString(eol(i))
	}
	b.WriteString(k.tail())
	return []byte(b.String())
}

// lineOf is the line of row i (1-based) in a file of k.file.
func (k kit) lineOf(i int) int64 {
	_, n := k.head()
	return n + int64(i)
}

// rows returns n valid rows and their items.
func (k kit) rows(tag string, n int) ([]string, []wantItem) {
	var rows []string
	var items []wantItem
	for i := 1; i <= n; i++ {
		rec, it := k.valid(tag, i)
		rows = append(rows, k.encode(rec))
		items = append(items, it)
	}
	return rows, items
}

// hostileCase builds one case of a kit.
type hostileCase struct {
	name  string
	kinds []dataset.Kind // formats it applies to (nil: all)
	// numeric: the case needs a numeric field.
	numeric bool
	build   func(k kit, c *fileCase)
}

// withBad returns a case of n valid rows where row at (1-based) is
// replaced by the valid row changed by edit, expected to be reported with
// field and code.
func withBad(k kit, c *fileCase, n, at int, edit func(rec map[string]any) string, field, code string) {
	rows, items := k.rows(c.name, n)
	rec, _ := k.valid(c.name, at)
	if s := edit(rec); s != "" {
		rows[at-1] = s
	} else {
		rows[at-1] = k.encode(rec)
	}
	c.items = append(items[:at-1:at-1], items[at:]...)
	c.bad = []badRow{{line: k.lineOf(at), row: int64(at), field: field, code: code}}
	c.body = k.file(rows, "\n")
}

// nest adds a property holding raw JSON (encoding/json would refuse to
// encode 100,000 levels).
func nest(k kit, raw string) func(map[string]any) string {
	return func(rec map[string]any) string { return strings.Replace(k.encode(rec), "{", `{"nest":`+raw+`,`, 1) }
}

func set(field string, v any) func(map[string]any) string {
	return func(rec map[string]any) string { rec[field] = v; return "" }
}

var hostileCases = []hostileCase{
	{name: "empty", build: func(k kit, c *fileCase) {
		c.body, c.unrouted, c.reject = nil, true, &problem{codes: []string{"empty_file"}}
	}},
	{name: "header-only", build: func(k kit, c *fileCase) { c.body = k.file(nil, "\n") }},
	{name: "header-then-blank-lines", kinds: []dataset.Kind{dataset.CSV, dataset.JSONL}, build: func(k kit, c *fileCase) {
		c.body = append(k.file(nil, "\n"), "\n\n\r\n\n"...)
	}},
	{name: "whitespace-only", build: func(k kit, c *fileCase) {
		c.body = []byte("   \n\t\n")
		c.reject = &problem{codes: []string{"bad_header", "no_rows", "xml_syntax", "json_syntax", "format_mismatch"}}
	}},
	{name: "bom", build: func(k kit, c *fileCase) {
		rows, items := k.rows(c.name, 5)
		c.body, c.items = append([]byte("\uFEFF"), k.file(rows, "\n")...), items
	}},
	{name: "crlf", build: func(k kit, c *fileCase) {
		rows, items := k.rows(c.name, 5)
		c.body, c.items = k.file(rows, "\r\n"), items
	}},
	{name: "mixed-line-endings", build: func(k kit, c *fileCase) {
		rows, items := k.rows(c.name, 6)
		c.body, c.items = k.joined(rows, func(i int) string { return []string{"\r\n", "\n"}[i%2] }), items
	}},
	{name: "lone-cr-joins-rows", build: func(k kit, c *fileCase) {
		// "\r" alone ends no line: rows 3 and 4 share one.
		rows, items := k.rows(c.name, 30)
		c.body, c.items = k.joined(rows, func(i int) string { return map[bool]string{true: "\r", false: "\n"}[i == 2] }), items
		if code := map[dataset.Kind]string{dataset.CSV: "ragged_row", dataset.JSONL: "json_syntax"}[k.kind]; code != "" {
			// One bad row; neither record is loaded. (XML and JSON
			// take "\r" as white space.)
			c.notLoaded = []wantItem{items[2], items[3]}
			c.items = append(items[:2:2], items[4:]...)
			c.bad = []badRow{{line: k.lineOf(3), row: 3, code: code}}
		}
	}},
	{name: "nul-in-text-value", build: func(k kit, c *fileCase) {
		if k.kind == dataset.XML {
			// NUL is not an XML character, not even as &#0;.
			rows, _ := k.rows(c.name, 3)
			rows[1] = strings.Replace(rows[1], "<name>", "<name>A&#0;B", 1)
			c.body = k.file(rows, "\n")
			c.reject = &problem{line: k.lineOf(2), codes: []string{"xml_syntax"}}
			return
		}
		// CSV carries the byte, JSON its escape \u0000.
		f := k.text
		if f == "" {
			f = k.keyField
		}
		withBad(k, c, 30, 3, set(f, "AB\x00CD"), f, "control_character")
	}},
	{name: "control-character", kinds: []dataset.Kind{dataset.CSV, dataset.JSON}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 3, set(k.text, "bell\x07"), k.text, "control_character")
	}},
	{name: "raw-nul-bytes", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		rows[1] = rows[1][:4] + "\x00\x00\x00" + rows[1][4:]
		c.body = k.file(rows, "\n")
		c.allow = []local.Status{local.Rejected}
		_, it := k.valid(c.name, 2)
		c.notLoaded = []wantItem{it}
		c.reject = &problem{codes: []string{"control_character", "json_syntax", "xml_syntax", "pattern"}}
	}},
	{name: "utf16-without-bom", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = utf16le(string(k.file(rows, "\n")))
		c.allow = []local.Status{local.Rejected}
		c.reject = &problem{codes: []string{"missing_column", "bad_header", "json_syntax", "xml_syntax", "format_mismatch", "not_an_object"}}
	}},
	{name: "utf16-with-bom", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = append([]byte{0xFF, 0xFE}, utf16le(string(k.file(rows, "\n")))...)
		c.reject = &problem{line: 1, codes: []string{"invalid_utf8", "format_mismatch"}}
	}},
	{name: "invalid-utf8", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 5)
		rows[3] = rows[3][:2] + "caf\xe9" + rows[3][2:]
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: k.lineOf(4), codes: []string{"invalid_utf8"}}
	}},
	{name: "binary-garbage", build: func(k kit, c *fileCase) {
		rng := newRand(c.name)
		c.body = make([]byte, 64<<10)
		for i := range c.body {
			c.body[i] = byte(rng.IntN(256))
		}
		c.body[0] = 0xC3 // not a gzip header, invalid UTF-8 soon
		c.allow = []local.Status{local.Rejected}
		c.reject = &problem{codes: []string{"invalid_utf8", "format_mismatch"}}
	}},
	{name: "10MB-line", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		rec, _ := k.valid(c.name, 2)
		f := k.text
		if f == "" {
			f = "padding" // an undeclared property: read all the same
		}
		rec[f] = strings.Repeat("x", 10<<20)
		rows[1] = k.encode(rec)
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: k.lineOf(2), codes: []string{"record_too_large"}}
	}},
	{name: "10MB-without-newline", build: func(k kit, c *fileCase) {
		c.body = bytes.Repeat([]byte("y"), 10<<20)
		c.reject = &problem{codes: []string{"record_too_large", "format_mismatch"}}
	}},
	{name: "many-columns", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		var b strings.Builder
		b.WriteString(strings.Join(k.columns, ","))
		for i := 0; i < 100000; i++ {
			fmt.Fprintf(&b, ",c%d", i)
		}
		b.WriteString("\n")
		c.body = []byte(b.String())
		c.reject = &problem{line: 1, codes: []string{"record_too_large"}}
	}},
	{name: "many-bad-rows", build: func(k kit, c *fileCase) {
		// Every row bad: the report lists the first problems, in order.
		rows, _ := k.rows(c.name, 3000)
		var field, code string
		for i := range rows {
			rec, _ := k.valid(c.name, i+1)
			field, code = k.spoil(rec)
			rows[i] = k.encode(rec)
		}
		c.body = k.file(rows, "\n")
		c.bad = []badRow{{line: k.lineOf(1), row: 1, field: field, code: code}}
	}},
	{name: "unterminated-quote", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 5)
		rows[2] = strings.Replace(rows[2], ",", `,"unclosed`, 1)
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: k.lineOf(3), codes: []string{"unterminated_quote"}}
	}},
	{name: "quote-inside-field", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 3, func(rec map[string]any) string {
			return strings.Replace(k.encode(rec), ",", `,x"y`, 1)
		}, "", "bad_quote")
	}},
	{name: "text-after-closing-quote", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 3, func(rec map[string]any) string {
			return strings.Replace(k.encode(rec), ",", `,"q"x`, 1)
		}, "", "bad_quote")
	}},
	{name: "truncated-record", kinds: []dataset.Kind{dataset.JSONL}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 3, func(rec map[string]any) string { s := k.encode(rec); return s[:len(s)/2] }, "", "json_syntax")
	}},
	{name: "truncated-document", kinds: []dataset.Kind{dataset.JSON, dataset.XML}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 5)
		b := k.file(rows, "\n")
		c.body = b[:len(b)/2]
		c.reject = &problem{codes: []string{"json_syntax", "xml_syntax"}}
	}},
	{name: "extra-column", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 4, func(rec map[string]any) string { return k.encode(rec) + ",extra" }, "", "ragged_row")
	}},
	{name: "missing-column", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 4, func(rec map[string]any) string {
			s := k.encode(rec)
			return s[:strings.LastIndexByte(s, ',')]
		}, "", "ragged_row")
	}},
	{name: "undeclared-columns", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		rows, items := k.rows(c.name, 5)
		for i := range rows {
			rows[i] = "n" + strconv.Itoa(i) + "," + rows[i] + `,"a, b"`
		}
		k.columns = append(append([]string{"note_x"}, k.columns...), "comment")
		c.body, c.items = k.file(rows, "\n"), items
	}},
	{name: "missing-required-column", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		k.columns = k.columns[:len(k.columns)-1]
		rows, _ := k.rows(c.name, 3)
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: 1, codes: []string{"missing_column"}}
	}},
	{name: "duplicate-header", kinds: []dataset.Kind{dataset.CSV}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		for i := range rows {
			rows[i] += ",other"
		}
		k.columns = append(k.columns, k.columns[0])
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: 1, codes: []string{"bad_header"}}
	}},
	{name: "duplicate-name", kinds: []dataset.Kind{dataset.JSONL, dataset.JSON, dataset.XML}, build: func(k kit, c *fileCase) {
		// Two values for one field: which one is meant cannot be told.
		if k.kind == dataset.XML {
			withBad(k, c, 30, 3, func(rec map[string]any) string {
				return strings.Replace(k.encode(rec), "</product>", "<price>1.00</price></product>", 1)
			}, "price", "not_scalar")
			return
		}
		withBad(k, c, 30, 3, func(rec map[string]any) string {
			return strings.Replace(k.encode(rec), "{", `{"`+k.numeric[0]+`":1,`, 1)
		}, "", "duplicate_name")
	}},
	{name: "duplicate-key", build: func(k kit, c *fileCase) {
		rows, items := k.rows(c.name, 30)
		rows[9] = rows[1]
		c.items = append(items[:9:9], items[10:]...)
		c.bad = []badRow{{line: k.lineOf(10), row: 10, field: "pk", code: "duplicate_key"}}
		c.body = k.file(rows, "\n")
	}},
	{name: "deep-nesting-100k", kinds: []dataset.Kind{dataset.JSONL, dataset.JSON, dataset.XML}, build: func(k kit, c *fileCase) {
		const depth = 100000
		switch k.kind {
		case dataset.XML:
			rows, _ := k.rows(c.name, 3)
			rows[1] = strings.Replace(rows[1], "<name>", strings.Repeat("<n>", depth)+strings.Repeat("</n>", depth)+"<name>", 1)
			c.body = k.file(rows, "\n")
			c.reject = &problem{codes: []string{"xml_too_deep"}}
		case dataset.JSONL:
			withBad(k, c, 30, 3, nest(k, strings.Repeat("[", depth)+strings.Repeat("]", depth)), "", "json_too_deep")
		default:
			withBad(k, c, 30, 3, nest(k, strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)), "", "json_too_deep")
			// The array decoder gives up before the row is read:
			// either way the nesting is named.
			c.allow = []local.Status{local.Loaded, local.Rejected}
			c.reject = &problem{line: k.lineOf(3), codes: []string{"json_too_deep", "json_syntax"}}
		}
	}},
	{name: "deep-nesting-outside-records", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = []byte(strings.Repeat("<wrap>", 100000) + strings.Join(rows, "\n") + strings.Repeat("</wrap>", 100000))
		c.reject = &problem{line: 1, codes: []string{"xml_too_deep"}}
	}},
	{name: "billion-laughs", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		var b strings.Builder
		b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE catalog [\n <!ENTITY lol \"lol\">\n")
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, " <!ENTITY lol%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
		}
		b.WriteString("]>\n<catalog><product><sku>S1</sku><name>&lol9;</name><price>1.00</price></product></catalog>\n")
		c.body = []byte(strings.ReplaceAll(b.String(), "&lol0;", "&lol;"))
		c.reject = &problem{line: 2, codes: []string{"xml_dtd"}}
	}},
	{name: "external-entity", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		c.body = []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE catalog [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n" +
			"<catalog><product><sku>S1</sku><name>&xxe;</name><price>1.00</price></product></catalog>\n")
		c.reject = &problem{line: 2, codes: []string{"xml_dtd"}}
	}},
	{name: "external-parameter-entity", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		c.body = []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE catalog SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n" +
			"<catalog><product><sku>S1</sku><name>x</name><price>1.00</price></product></catalog>\n")
		c.reject = &problem{line: 2, codes: []string{"xml_dtd"}}
	}},
	{name: "undeclared-entity", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		rows[1] = strings.Replace(rows[1], "<name>", "<name>&xxe;", 1)
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: k.lineOf(2), codes: []string{"xml_syntax"}}
	}},
	{name: "latin1-declared", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = []byte(strings.Replace(string(k.file(rows, "\n")), "UTF-8", "ISO-8859-1", 1))
		c.reject = &problem{line: 1, codes: []string{"xml_syntax"}}
	}},
	{name: "other-record-element", kinds: []dataset.Kind{dataset.XML}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = []byte(strings.ReplaceAll(string(k.file(rows, "\n")), "product>", "item>"))
	}},
	{name: "top-level-object", kinds: []dataset.Kind{dataset.JSON}, build: func(k kit, c *fileCase) {
		rec, _ := k.valid(c.name, 1)
		c.body = []byte(k.encode(rec) + "\n")
		c.reject = &problem{line: 1, codes: []string{"format_mismatch"}}
	}},
	{name: "data-after-array", kinds: []dataset.Kind{dataset.JSON}, build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = append(k.file(rows, "\n"), "[]\n"...)
		c.reject = &problem{codes: []string{"json_syntax"}}
	}},
	{name: "array-line", kinds: []dataset.Kind{dataset.JSONL}, build: func(k kit, c *fileCase) {
		withBad(k, c, 30, 3, func(rec map[string]any) string { return "[" + k.encode(rec) + "]" }, "", "not_an_object")
	}},
	{name: "wrong-format", build: func(k kit, c *fileCase) {
		other := map[dataset.Kind]string{dataset.CSV: `{"a":1}`, dataset.JSONL: "a,b\n1,2", dataset.XML: "a,b\n1,2", dataset.JSON: "<a/>"}[k.kind]
		c.body = []byte(other + "\n")
		c.reject = &problem{line: 1, codes: []string{"format_mismatch"}}
	}},
}

// numberCases write, in every numeric field, values that no number type
// holds or that DynamoDB cannot store (38 significant digits at most).
func numberCases() []hostileCase {
	values := []struct{ name, v string }{
		{"NaN", "NaN"}, {"Infinity", "Infinity"}, {"-Infinity", "-Infinity"}, {"1e400", "1e400"}, {"1E2", "1E2"},
		{"hex", "0x10"}, {"comma", "1,5"}, {"int64-overflow", "99999999999999999999"},
		{"301-digits", "1" + strings.Repeat("0", 300) + ".00"},
		{"39-significant-digits", "1.00000000000000000000000000000000000001"},
		{"tiny", "0." + strings.Repeat("0", 140) + "1"},
	}
	var out []hostileCase
	for _, v := range values {
		out = append(out, hostileCase{name: "number-" + v.name, numeric: true, build: func(k kit, c *fileCase) {
			f := k.numeric[0]
			var val any = v.v
			if (k.kind == dataset.JSONL || k.kind == dataset.JSON) && json.Valid([]byte(v.v)) {
				val = json.Number(v.v)
			}
			code := numberCode(k, f, v.v)
			if code == "" {
				rows, items := k.rows(c.name, 30)
				rec, _ := k.valid(c.name, 3)
				rec[f] = val
				rows[2] = k.encode(rec)
				items[2].attrs[f] = v.v
				delete(items[2].attrs, "total")
				c.body, c.items = k.file(rows, "\n"), items
				return
			}
			withBad(k, c, 30, 3, set(f, val), f, code)
		}})
	}
	return out
}

// numberCode is the problem code of value v in field f: the field's type
// first, then its declared bounds and scale, then what a DynamoDB number
// holds; "" when v is a valid value.
func numberCode(k kit, f, v string) string {
	isInt := k.ds == "orders" && f == "quantity"
	hasMax := k.ds == "readings" || k.ds == "shipments"
	scale := k.ds == "orders" || k.ds == "catalog"
	switch {
	case strings.ContainsAny(v, "aNIxe,E"):
		return "type"
	case isInt:
		return "type"
	case strings.HasPrefix(v, "9") || len(v) > 300:
		if hasMax {
			return "max"
		}
		if len(v) > 300 {
			return "number_limit"
		}
		return ""
	case scale:
		return "scale"
	}
	return "number_limit"
}

// utf16le encodes s as UTF-16 little endian, without a byte order mark.
func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func hasKind(kinds []dataset.Kind, k dataset.Kind) bool {
	if kinds == nil {
		return true
	}
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// TestLosslessHostile runs every hostile case of every dataset, plain and
// (where the dataset accepts it) gzipped.
func TestLosslessHostile(t *testing.T) {
	h := openHarness(t, 0)
	h.loadCustomers()
	cases := append(append([]hostileCase{}, hostileCases...), numberCases()...)
	for _, k := range kits {
		for _, hc := range cases {
			if !hasKind(hc.kinds, k.kind) || hc.numeric && len(k.numeric) == 0 {
				continue
			}
			for _, zipped := range []bool{false, true} {
				if zipped && (!k.gz || hc.name == "empty") {
					continue
				}
				name := k.ds + "/" + hc.name
				if zipped {
					name += ".gz"
				}
				t.Run(name, func(t *testing.T) {
					h.t = t
					tag := strings.NewReplacer("/", "-", ".", "-").Replace(k.ds[:3] + "-" + hc.name)
					if zipped {
						tag += "-gz"
					}
					c := fileCase{name: tag, dataset: k.ds, file: tag + k.ext}
					hc.build(k, &c)
					if len(c.body) == 0 {
						// An empty object matches no dataset's rule.
						c.unrouted, c.reject = true, &problem{codes: []string{"empty_file"}}
					}
					if zipped {
						raw := len(c.body)
						c.file += ".gz"
						c.body = gzipBytes(c.body)
						c.unrouted = false
						if c.reject != nil && raw > 1<<20 && raw > 100*len(c.body) {
							// Over 100:1 past the first MiB: the ratio
							// guard may stop reading first.
							c.reject = &problem{codes: append(c.reject.codes, "gzip_ratio")}
						}
					}
					runHostile(h, c)
				})
			}
		}
	}
}

// memos is a JSON Lines dataset of the harness whose text has no
// MaxLength, so that a valid row can make an item over DynamoDB's 400 KB
// (the built-in datasets cap their strings). Its total reads the row
// alone; converted needs a rate looked up in rates. It tolerates 10% bad
// rows.
func memos() *dataset.Dataset {
	return &dataset.Dataset{
		Name:     "memos",
		Prefix:   "incoming/memos/",
		Suffixes: []string{".jsonl"},
		MinSize:  1,
		Format:   dataset.Format{Kind: dataset.JSONL},
		Fields: []dataset.Field{
			{Name: "memo_id", Type: dataset.String, Required: true, Pattern: `[A-Za-z0-9_-]+`, MaxLength: 64},
			{Name: "currency", Type: dataset.String, Required: true, Pattern: `[A-Z]{3}`},
			{Name: "text", Type: dataset.String},
			{Name: "qty", Type: dataset.Int},
			{Name: "price", Type: dataset.Decimal},
		},
		Key: dataset.Key{Partition: "MEMO#{memo_id}", Sort: "MEMO"},
		Enrichment: dataset.Enrichment{
			Lookups: []dataset.Lookup{{From: "rates", On: "currency", Copy: map[string]string{"rate": "rate"}, MissingFlag: "rate_missing"}},
			Calculated: []dataset.Calculated{
				{Name: "total", Type: dataset.Decimal, Scale: 2, Expr: "qty * price"},
				{Name: "converted", Type: dataset.Decimal, Scale: 2, Expr: "qty * rate"},
			},
		},
		RowErrors: dataset.RowErrors{Mode: dataset.SkipBadRows, MaxErrorRate: 0.10},
	}
}

// rates is the reference data memos look their rate up in.
func rates() *dataset.Dataset {
	return &dataset.Dataset{
		Name:     "rates",
		Prefix:   "incoming/rates/",
		Suffixes: []string{".jsonl"},
		MinSize:  1,
		Format:   dataset.Format{Kind: dataset.JSONL},
		Fields: []dataset.Field{
			{Name: "currency", Type: dataset.String, Required: true, Pattern: `[A-Z]{3}`},
			{Name: "rate", Type: dataset.Decimal, Required: true},
		},
		Key:       dataset.Key{Partition: "RATE#{currency}", Sort: "RATE"},
		Reference: true,
	}
}

// hugeRate is the rate of XXX: a valid decimal whose product with a large
// quantity has more digits than a DynamoDB number holds.
var hugeRate = strings.Repeat("9", 30) + ".99"

// loadRates loads the reference rates (needed by memos).
func (h *harness) loadRates() {
	h.t.Helper()
	c := fileCase{name: "reference-rates", dataset: "rates", file: "rates.jsonl",
		body: []byte(`{"currency":"EUR","rate":"1.10"}` + "\n" + `{"currency":"XXX","rate":"` + hugeRate + `"}` + "\n"),
		items: []wantItem{{pk: "RATE#EUR", sk: "RATE", attrs: map[string]string{"rate": "1.10"}},
			{pk: "RATE#XXX", sk: "RATE", attrs: map[string]string{"rate": hugeRate}}}}
	if res := h.runCase(c); res.Status != "LOADED" {
		h.t.Fatalf("reference rates: %s %s %s", res.Status, res.Error, res.Cause)
	}
}

// memoRows returns n valid memos of a file tagged tag (one per line, from
// line 1) and their items.
func memoRows(tag string, n int) ([]map[string]any, []wantItem) {
	var recs []map[string]any
	var items []wantItem
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s-%d", tag, i)
		recs = append(recs, map[string]any{"memo_id": id, "currency": "EUR", "text": "memo " + strconv.Itoa(i), "qty": 2, "price": json.Number("1.25")})
		items = append(items, wantItem{pk: "MEMO#" + id, sk: "MEMO", attrs: map[string]string{"text": jsonText("memo " + strconv.Itoa(i)),
			"total": "2.50", "rate": "1.10", "converted": "2.20", "rate_missing": "false"}})
	}
	return recs, items
}

func jsonLines(recs []map[string]any) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			panic(err)
		}
		b.Write(append(line, '\n'))
	}
	return b.Bytes()
}

// memoText returns the text that makes memo rec, staged on line line,
// take exactly size bytes as an item before what enrichment and loading
// add: each attribute's name plus its value, strings in UTF-8 bytes,
// numbers as their text plus one (docs/datasets.md, "Item size").
func memoText(rec map[string]any, line, size int) string {
	id := rec["memo_id"].(string)
	fixed := len("pk") + len("MEMO#"+id) + len("sk") + len("MEMO") + len("_line") + len(strconv.Itoa(line)) + 1 +
		len("memo_id") + len(id) + len("currency") + len(rec["currency"].(string)) + len("text")
	return strings.Repeat("ü", 500) + strings.Repeat("m", size-fixed-1000)
}

// TestLosslessItemTooLarge: a row valid by its dataset's schema whose
// item (with the room kept for the attributes enrichment and loading add)
// is over DynamoDB's 400 KB is a bad row of the report, naming its line,
// row and largest field: the file ends REJECTED or LOADED without it, per
// the policy, never FAILED at Load. A row exactly at the limit loads.
func TestLosslessItemTooLarge(t *testing.T) {
	h := openHarness(t, 0)
	h.loadRates()
	ds, err := h.rt.Datasets().Lookup("memos")
	if err != nil {
		t.Fatal(err)
	}
	limit := dataset.MaxItemBytes - ds.ItemAllowance().Bytes
	tests := []struct {
		name string
		rows int
		over int // bytes row 3 takes beyond the limit (0: exactly at it)
	}{
		{"too-large-tolerated", 30, 1},
		{"too-large-rejects", 5, 1},
		{"far-too-large", 30, 200 << 10},
		{"at-the-limit", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			tag := "memo-" + tt.name
			recs, items := memoRows(tag, tt.rows)
			// Row 3: no quantity or price (so no total), a long text.
			big := recs[2]
			delete(big, "qty")
			delete(big, "price")
			big["text"] = memoText(big, 3, limit+tt.over)
			items[2].attrs = map[string]string{"text": jsonText(big["text"]), "rate": "1.10"}
			c := fileCase{name: tag, dataset: "memos", file: tag + ".jsonl", body: jsonLines(recs), items: items}
			if tt.over > 0 {
				c.items = append(items[:2:2], items[3:]...)
				c.notLoaded = []wantItem{items[2]}
				c.bad = []badRow{{line: 3, row: 3, field: "text", code: "item_too_large"}}
			}
			if res := runHostile(h, c); res.Status == local.Failed {
				t.Errorf("FAILED in %s: %s", failingState(h.rt, res), excerpt(res.Cause, 300))
			}
		})
	}
}

// TestLosslessCalculatedOverflow: every input of an order is valid, but
// its total (quantity x unit_price, computed from the row alone) has more
// digits than a DynamoDB number holds. The validator computes it and
// reports the row (number_limit, naming the field): the file ends REJECTED
// or LOADED without the row, per the policy.
func TestLosslessCalculatedOverflow(t *testing.T) {
	h := openHarness(t, 0)
	h.loadCustomers()
	k := kits[0]
	for _, n := range []int{5, 30} {
		t.Run(strconv.Itoa(n)+"-rows", func(t *testing.T) {
			h.t = t
			c := fileCase{name: fmt.Sprintf("ord-total-overflow-%d", n), dataset: "orders"}
			c.file = c.name + ".csv"
			withBad(k, &c, n, 3, func(rec map[string]any) string {
				rec["quantity"], rec["unit_price"] = "9223372036854775807", strings.Repeat("9", 30)+".99"
				return ""
			}, "total", "number_limit")
			if res := runHostile(h, c); res.Status == local.Failed {
				t.Errorf("FAILED in %s: %s", failingState(h.rt, res), excerpt(res.Cause, 300))
			}
		})
	}
}

// TestLosslessLookupCalculatedOverflow: a calculated field that needs
// reference data (converted = qty x the rate looked up) cannot be judged
// by the validator. When it overflows, the enricher fails the file
// visibly, naming the state, the line and the field, rather than load a
// memo without it (or fail in DynamoDB's hands).
func TestLosslessLookupCalculatedOverflow(t *testing.T) {
	h := openHarness(t, 0)
	h.loadRates()
	recs, _ := memoRows("memo-converted-overflow", 5)
	recs[2]["currency"], recs[2]["qty"] = "XXX", int64(9223372036854775807)
	c := fileCase{name: "memo-converted-overflow", dataset: "memos", file: "memo-converted-overflow.jsonl", body: jsonLines(recs), allow: []local.Status{local.Failed}}
	res := runHostile(h, c)
	if got := failingState(h.rt, res); got != "Enrich" {
		t.Errorf("failed in %q, want Enrich", got)
	}
	if !strings.Contains(res.Cause, "line 3") || !strings.Contains(res.Cause, "converted") {
		t.Errorf("the cause names neither the line nor the field: %s", res.Cause)
	}
}

// maxHeapGrowth bounds the heap a hostile case may add: the readers hold
// one record (at most 1 MiB), a chunk being staged and S3 request buffers.
// The largest growth measured is about 20 MB (2026-11-26); a reader that
// held a 10 MB line, or the 128 MiB a gzip bomb expands to, exceeds it.
const maxHeapGrowth = 48 << 20

// runHostile runs one hostile case and checks memory stayed bounded.
func runHostile(h *harness, c fileCase) *local.FileResult {
	h.t.Helper()
	w := watchHeap()
	res := h.runCase(c)
	g := w.growth()
	if g > maxHeapGrowth {
		h.t.Errorf("%s: the heap grew by %d MB while it ran (bound %d MB)", res.Key, g>>20, maxHeapGrowth>>20)
	}
	h.t.Logf("%s: %s, heap growth %d MB", res.Key, res.Status, g>>20)
	return res
}

func gzipBytes(parts ...[]byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, p := range parts {
		_, _ = zw.Write(p)
	}
	_ = zw.Close()
	return buf.Bytes()
}

// gzipCases are files of the datasets that accept gzip, compressed in
// hostile ways.
var gzipCases = []hostileCase{
	{name: "gzip-bomb", build: func(k kit, c *fileCase) {
		// 128 members of 1 MiB of "a" each, about 130 KB in all (a
		// 1000:1 ratio), inside what reads as one endless record.
		open := map[dataset.Kind]string{dataset.JSONL: `{"padding":"`, dataset.JSON: `[{"padding":"`, dataset.XML: "<catalog><product><name>"}[k.kind]
		if k.kind == dataset.CSV {
			open, _ = k.head()
		}
		member := gzipBytes(bytes.Repeat([]byte("a"), 1<<20))
		c.body = gzipBytes([]byte(open))
		for i := 0; i < 128; i++ {
			c.body = append(c.body, member...)
		}
		c.reject = &problem{codes: []string{"gzip_ratio", "record_too_large"}}
	}},
	{name: "gzip-bomb-of-rows", build: func(k kit, c *fileCase) {
		// The same valid row over and over: duplicate keys until the
		// ratio guard stops reading.
		rows, _ := k.rows(c.name, 1)
		h, _ := k.head()
		row := []byte(rows[0] + "\n")
		if k.kind == dataset.JSON {
			row = []byte(rows[0] + ",\n")
		}
		c.body = gzipBytes([]byte(h), bytes.Repeat(row, (32<<20)/len(row)))
		c.allow = []local.Status{local.Rejected}
		c.reject = &problem{codes: []string{"gzip_ratio", "duplicate_key"}}
	}},
	{name: "gzip-truncated", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 200)
		z := gzipBytes(k.file(rows, "\n"))
		c.body = z[:len(z)/2]
		c.reject = &problem{codes: []string{"gzip"}}
	}},
	{name: "gzip-truncated-trailer", build: func(k kit, c *fileCase) {
		// Every row is there, the checksum and length are not.
		rows, _ := k.rows(c.name, 20)
		z := gzipBytes(k.file(rows, "\n"))
		c.body = z[:len(z)-4]
		c.reject = &problem{codes: []string{"gzip"}}
	}},
	{name: "gzip-trailing-garbage", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 20)
		c.body = append(gzipBytes(k.file(rows, "\n")), "garbage after the stream\n"...)
		c.reject = &problem{codes: []string{"gzip"}}
	}},
	{name: "gzip-of-nothing", build: func(k kit, c *fileCase) {
		c.body = gzipBytes(nil)
		c.reject = &problem{codes: []string{"empty_file"}}
	}},
	{name: "gzip-name-plain-content", build: func(k kit, c *fileCase) {
		rows, _ := k.rows(c.name, 3)
		c.body = k.file(rows, "\n")
		c.reject = &problem{line: 1, codes: []string{"format_mismatch"}}
	}},
	{name: "gzip-members", build: func(k kit, c *fileCase) {
		// Concatenated members are one stream.
		rows, items := k.rows(c.name, 10)
		b := k.file(rows, "\n")
		c.body = append(gzipBytes(b[:len(b)/2]), gzipBytes(b[len(b)/2:])...)
		c.items = items
	}},
}

// TestLosslessHostileGzip runs the gzip cases of every dataset that
// accepts .gz files, and a gzip stream under a name without .gz.
func TestLosslessHostileGzip(t *testing.T) {
	h := openHarness(t, 0)
	h.loadCustomers()
	for _, k := range kits {
		if !k.gz {
			continue
		}
		for _, hc := range gzipCases {
			t.Run(k.ds+"/"+hc.name, func(t *testing.T) {
				h.t = t
				tag := k.ds[:3] + "-" + hc.name
				c := fileCase{name: tag, dataset: k.ds, file: tag + k.ext + ".gz"}
				hc.build(k, &c)
				runHostile(h, c)
			})
		}
		t.Run(k.ds+"/gzip-content-plain-name", func(t *testing.T) {
			h.t = t
			tag := k.ds[:3] + "-gzip-content-plain-name"
			rows, _ := k.rows(tag, 3)
			runHostile(h, fileCase{name: tag, dataset: k.ds, file: tag + k.ext, body: gzipBytes(k.file(rows, "\n")),
				reject: &problem{line: 1, codes: []string{"format_mismatch"}}})
		})
	}
}

// TestLosslessHostileNames runs valid files under keys with unicode,
// spaces, URL metacharacters, "../" and other surprises: the file loads
// under its own key, and reports, quarantine copies and notifications name
// it.
func TestLosslessHostileNames(t *testing.T) {
	h := openHarness(t, 0)
	h.loadCustomers()
	names := []string{"ünïcödé 📦 名前.csv", "with space.csv", " leading space.csv", "a+b=c&d.csv", "50%off.csv",
		"q?x=1#frag.csv", "tab\there.csv", `semi;colon'quote".csv`, "UPPER.CSV", strings.Repeat("long-", 40) + ".csv", "-rf.csv"}
	keys := []string{"incoming/orders/../orders/dots.csv", "incoming/orders/../../escape.csv", "incoming/orders/./dot.csv",
		"incoming/orders//double-slash.csv", "incoming/orders/sub/dir/nested.csv", "incoming/orders/new\nline.csv", "incoming/orders/%2e%2e/enc.csv"}
	k := kits[0]
	for i, n := range append(names, keys...) {
		for _, bad := range []bool{false, true} {
			t.Run(fmt.Sprintf("%q/bad=%v", n, bad), func(t *testing.T) {
				h.t = t
				tag := fmt.Sprintf("name%02d", i)
				if bad {
					// Another key: a rejected version of a loaded
					// file leaves the loaded items, as it should.
					tag += "b"
					dir, base := path.Split(n)
					n = dir + "bad " + base
				}
				rows, items := k.rows(tag, 3)
				c := fileCase{name: tag, dataset: k.ds, file: n, items: items}
				if bad {
					rec, _ := k.valid(tag, 2)
					f, code := k.spoil(rec)
					rows[1] = k.encode(rec)
					c.items, c.bad = nil, []badRow{{line: 3, row: 2, field: f, code: code}}
					c.reject = &problem{line: 3, codes: []string{code}}
				}
				c.body = k.file(rows, "\n")
				if strings.Contains(n, "/") {
					c.key, c.file = n, ""
				}
				runHostile(h, c)
			})
		}
	}
	// A suffix in neither lower nor upper case, and another suffix: the
	// unrouted rule takes them (what the validator would say is run too).
	for _, n := range []string{"Mixed.Csv", "notes.txt"} {
		t.Run(n, func(t *testing.T) {
			h.t = t
			rows, items := k.rows("unr"+n[:1], 3)
			c := fileCase{name: n, dataset: k.ds, file: n, body: k.file(rows, "\n"), unrouted: true, items: items}
			if n == "notes.txt" {
				c.items, c.reject = nil, &problem{codes: []string{"suffix_mismatch"}}
			}
			runHostile(h, c)
		})
	}
}
