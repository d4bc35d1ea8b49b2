package local

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The tests below compare WriteItems's direct read of the embedded store
// (lineWriter) with the Scan path it replaced for sluice table scan
// (scanItems through the SDK, then WriteJSONLine), byte for byte, on items
// written through the store's own API as the loader writes them.

// scanDataset is the dataset the tests write to.
const scanDataset = "orders"

// openScanRuntime opens a runtime on a fresh state directory.
func openScanRuntime(t testing.TB, dir string, readOnly bool) *Runtime {
	t.Helper()
	r, err := Open(context.Background(), Config{StateDir: dir, Functions: fakeFunctions(2), Fast: true, ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// scanTableName is the table scanDataset loads into.
func scanTableName(t testing.TB, r *Runtime) string {
	t.Helper()
	d, err := r.Datasets().Lookup(scanDataset)
	if err != nil {
		t.Fatal(err)
	}
	return r.Tables[string(d.TargetTable())]
}

// bothScans returns the old path's output and WriteItems's.
func bothScans(t testing.TB, r *Runtime, typed bool) (old, fast string) {
	t.Helper()
	ctx := context.Background()
	var o, n bytes.Buffer
	if err := r.scanItems(ctx, scanDataset, typed, func(item map[string]any) error { return WriteJSONLine(&o, item) }); err != nil {
		t.Fatalf("Scan path: %v", err)
	}
	if err := r.WriteItems(ctx, scanDataset, typed, &n); err != nil {
		t.Fatalf("WriteItems: %v", err)
	}
	return o.String(), n.String()
}

// checkSame fails the test where the two paths differ, for both forms.
func checkSame(t testing.TB, r *Runtime) {
	t.Helper()
	for _, typed := range []bool{false, true} {
		old, fast := bothScans(t, r, typed)
		if old != fast {
			t.Fatalf("typed=%v: WriteItems differs from the Scan path:\nscan: %q\nfast: %q", typed, old, fast)
		}
	}
}

// S, N, ... build attribute values.
func avS(s string) ddbtypes.AttributeValue  { return &ddbtypes.AttributeValueMemberS{Value: s} }
func avN(s string) ddbtypes.AttributeValue  { return &ddbtypes.AttributeValueMemberN{Value: s} }
func avB(b []byte) ddbtypes.AttributeValue  { return &ddbtypes.AttributeValueMemberB{Value: b} }
func avBool(b bool) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberBOOL{Value: b} }

// allTypes is an item with every attribute type DynamoDB has, and the
// strings and numbers whose encoding could go wrong.
func allTypes(pk, src string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		"pk": avS(pk), "sk": avS("ORDER"), "_source_key": avS(src),
		"s":          avS("plain"),
		"html":       avS(`<a href="x">&amp;</a>`),
		"esc":        avS("tab\tnl\nquote\"back\\slash\x01\x1f"),
		"lines":      avS("a\u2028b\u2029c"),
		"uni":        avS("caf\u00e9 \u65e5\u672c \U0001f600"),
		"bad":        avS("in\xffvalid\xc3"),
		"empty":      avS(""),
		"n":          avN("42"),
		"neg":        avN("-0.5"),
		"big":        avN("12345678901234567890123456789012345678"),
		"precise":    avN("0.12345678901234567890123456789012345678"),
		"exp":        avN("1E+125"),
		"tiny":       avN("-1e-130"),
		"b":          avB([]byte{0, 1, 2, 0xfe, 0xff}),
		"b0":         avB([]byte{}),
		"t":          avBool(true),
		"f":          avBool(false),
		"null":       &ddbtypes.AttributeValueMemberNULL{Value: true},
		"ss":         &ddbtypes.AttributeValueMemberSS{Value: []string{"b", "a", "<&>"}},
		"ns":         &ddbtypes.AttributeValueMemberNS{Value: []string{"3", "1.50", "-2E3"}},
		"bs":         &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"emptyM":     &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{}},
		"emptyL":     &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{}},
		"<name&>":    avS("html in a name"),
		"\u2028\xff": avS("odd name"),
		"l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
			avS("x"), avN("1.0"), avBool(false), &ddbtypes.AttributeValueMemberNULL{Value: true},
			&ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{avN("2")}},
			&ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"z": avS("1"), "a": avB([]byte("hi"))}},
		}},
		"m": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
			"zeta": avN("9"), "alpha": avS("<"), "Mid": &ddbtypes.AttributeValueMemberSS{Value: []string{"q"}},
			"deep": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
				"y": &ddbtypes.AttributeValueMemberNS{Value: []string{"7"}}, "b": avBool(true),
			}},
		}},
	}
}

// withoutEmpty drops the empty B, L and M values at the top of item. The
// store's PutItem path (through minidyn) keeps them as {}, without their
// type, and the SDK decodes such a value as the attribute before it in
// the response: the Scan path prints a wrong value, so there is nothing
// to compare (see TestLineWriterTypeless). BatchWriteItem keeps them.
func withoutEmpty(item map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
	for k, v := range item {
		if hasEmpty(v) {
			delete(item, k)
		}
	}
	return item
}

// hasEmpty tells whether v is or holds an empty B, L or M.
func hasEmpty(v ddbtypes.AttributeValue) bool {
	switch x := v.(type) {
	case *ddbtypes.AttributeValueMemberB:
		return len(x.Value) == 0
	case *ddbtypes.AttributeValueMemberL:
		for _, e := range x.Value {
			if hasEmpty(e) {
				return true
			}
		}
		return len(x.Value) == 0
	case *ddbtypes.AttributeValueMemberM:
		for _, e := range x.Value {
			if hasEmpty(e) {
				return true
			}
		}
		return len(x.Value) == 0
	}
	return false
}

// TestLineWriterTypeless checks what a stored value without a type ({},
// see withoutEmpty) prints as: null, and {} typed.
func TestLineWriterTypeless(t *testing.T) {
	raw := []byte(`{"a":{"S":"x"},"e":{},"l":{"L":[{},{"N":"1"}]},"m":{"M":{"z":{}}}}`)
	for _, tt := range []struct {
		typed bool
		want  string
	}{
		{false, `{"a":"x","e":null,"l":[null,1],"m":{"z":null}}` + "\n"},
		{true, `{"a":{"S":"x"},"e":{},"l":{"L":[{},{"N":"1"}]},"m":{"M":{"z":{}}}}` + "\n"},
	} {
		w := lineWriter{typed: tt.typed}
		got, ok, err := w.appendLine(nil, raw)
		if err != nil || !ok || string(got) != tt.want {
			t.Errorf("typed=%v: got %q, %v, %v; want %q", tt.typed, got, ok, err, tt.want)
		}
	}
}

// TestLineWriterMalformed checks that what is not a stored item fails.
func TestLineWriterMalformed(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{"a":{"S":1}}`, `{"a":{"N":"1x"}}`, `{"a":{"Q":"1"}}`, `{"a":{"S":"x","N":"1"}}`,
		`{"a":{"B":"!!"}}`, `{"a":{"BOOL":"true"}}`, `{"a":{"S":"x"}} x`, `{"a":{"L":[{"S":"x"},]}}`, `{"a" {"S":"x"}}`, `{"a":{"S":"x}}`} {
		w := lineWriter{}
		if got, ok, err := w.appendLine([]byte("keep"), []byte(raw)); err == nil || ok || string(got) != "keep" {
			t.Errorf("%s: got %q, %v, %v; want an error", raw, got, ok, err)
		}
	}
}

// putBoth writes items with PutItem and with BatchWriteItem (the loader's
// request, which the store takes on a fast path of its own).
func putBoth(t testing.TB, r *Runtime, table string, put, batch []map[string]ddbtypes.AttributeValue) error {
	t.Helper()
	ctx := context.Background()
	for _, item := range put {
		if _, err := r.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			return err
		}
	}
	if len(batch) == 0 {
		return nil
	}
	var reqs []ddbtypes.WriteRequest
	for _, item := range batch {
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
	}
	out, err := r.DynamoDB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}})
	if err != nil {
		return err
	}
	if len(out.UnprocessedItems) > 0 {
		t.Fatalf("unprocessed items: %v", out.UnprocessedItems)
	}
	return nil
}

// TestWriteItemsMatchesScan writes every attribute type by both write
// paths, items of other datasets' files among them, enough items for more
// than one of the store's read batches, and compares the two scan paths;
// then again on a read-only runtime (a snapshot of the store), as sluice
// table scan opens it.
func TestWriteItemsMatchesScan(t *testing.T) {
	dir := t.TempDir()
	r := openScanRuntime(t, dir, false)
	table := scanTableName(t, r)
	var put, batch []map[string]ddbtypes.AttributeValue
	for i := range 6 {
		src := "incoming/orders/a.csv"
		if i%3 == 2 {
			src = "incoming/customers/elsewhere.csv"
		}
		put = append(put, withoutEmpty(allTypes(fmt.Sprintf("ORDER#p%d", i), src)))
		batch = append(batch, allTypes(fmt.Sprintf("ORDER#b%d", i), src))
	}
	noSource := withoutEmpty(allTypes("ORDER#nosource", ""))
	delete(noSource, "_source_key")
	numSource := withoutEmpty(allTypes("ORDER#numsource", ""))
	numSource["_source_key"] = avN("1")
	put = append(put, noSource, numSource)
	if err := putBoth(t, r, table, put, batch); err != nil {
		t.Fatal(err)
	}
	// More than one read batch (rawScanItems) of small items.
	for i := 0; i < 2*rawScanItemsForTest+10; i += 25 {
		var many []map[string]ddbtypes.AttributeValue
		for j := i; j < i+25; j++ {
			many = append(many, map[string]ddbtypes.AttributeValue{
				"pk": avS(fmt.Sprintf("ORDER#m%05d", j)), "sk": avS("ORDER"),
				"_source_key": avS("incoming/orders/many.csv"), "n": avN(fmt.Sprint(j)),
			})
		}
		if err := putBoth(t, r, table, nil, many); err != nil {
			t.Fatal(err)
		}
	}
	checkSame(t, r)
	old, _ := bothScans(t, r, false)
	if got, want := strings.Count(old, "\n"), 2*rawScanItemsForTest+10+10; got < want {
		t.Fatalf("the scan printed %d items, want at least %d", got, want)
	}
	if strings.Contains(old, "elsewhere.csv") {
		t.Fatal("an item of another dataset's file was printed")
	}
	_, typedBefore := bothScans(t, r, true)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	ro := openScanRuntime(t, dir, true)
	defer ro.Close()
	checkSame(t, ro)
	if _, typedAfter := bothScans(t, ro, true); typedAfter != typedBefore {
		t.Fatal("a read-only runtime printed other items than the writer")
	}
}

// TestWriteItemsEmptyTable checks that an empty table prints nothing.
func TestWriteItemsEmptyTable(t *testing.T) {
	r := openScanRuntime(t, t.TempDir(), false)
	defer r.Close()
	for _, typed := range []bool{false, true} {
		if old, fast := bothScans(t, r, typed); old != "" || fast != "" {
			t.Fatalf("typed=%v: empty table printed %q and %q", typed, old, fast)
		}
	}
}

// fuzzItem builds an attribute value from fuzz input.
type fuzzItem struct {
	data []byte
}

// byte returns the next input byte (0 at the end).
func (g *fuzzItem) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

// bytes returns up to the next n input bytes (n from the input).
func (g *fuzzItem) bytes() []byte {
	n := int(g.byte() % 12)
	if n > len(g.data) {
		n = len(g.data)
	}
	b := g.data[:n]
	g.data = g.data[n:]
	return b
}

var fuzzStrings = []string{"", "a", "<>&", "\u2028", "\xff", "\"\\", "\t\n", "\U0001f600", "caf\u00e9", "ORDER"}

var fuzzNumbers = []string{"0", "-0", "1", "1.50", "1E+5", "-1e-130", "12345678901234567890123456789012345678",
	"0.00000000000000000000000000000000000001", "9.9999999999999999999999999999999999999E+125", "007", "1.0e0"}

func (g *fuzzItem) str() string {
	if c := g.byte(); c%2 == 0 {
		return fuzzStrings[int(c/2)%len(fuzzStrings)]
	}
	return string(g.bytes())
}

func (g *fuzzItem) num() string {
	if c := g.byte(); c%2 == 0 {
		return fuzzNumbers[int(c/2)%len(fuzzNumbers)]
	}
	b := g.bytes()
	var s strings.Builder
	for _, c := range b {
		s.WriteByte("0123456789.-eE+"[int(c)%15])
	}
	return s.String()
}

func (g *fuzzItem) value(depth int) ddbtypes.AttributeValue {
	kinds := byte(10)
	if depth >= 3 {
		kinds = 8
	}
	switch g.byte() % kinds {
	case 0:
		return avS(g.str())
	case 1:
		return avN(g.num())
	case 2:
		return avB(g.bytes())
	case 3:
		return avBool(g.byte()%2 == 0)
	case 4:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}
	case 5:
		var ss []string
		for range g.byte()%3 + 1 {
			ss = append(ss, g.str())
		}
		return &ddbtypes.AttributeValueMemberSS{Value: ss}
	case 6:
		var ns []string
		for range g.byte()%3 + 1 {
			ns = append(ns, g.num())
		}
		return &ddbtypes.AttributeValueMemberNS{Value: ns}
	case 7:
		var bs [][]byte
		for range g.byte()%3 + 1 {
			bs = append(bs, g.bytes())
		}
		return &ddbtypes.AttributeValueMemberBS{Value: bs}
	case 8:
		l := []ddbtypes.AttributeValue{}
		for range g.byte() % 4 {
			l = append(l, g.value(depth+1))
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}
	default:
		return &ddbtypes.AttributeValueMemberM{Value: g.attrs(depth + 1)}
	}
}

func (g *fuzzItem) attrs(depth int) map[string]ddbtypes.AttributeValue {
	m := map[string]ddbtypes.AttributeValue{}
	for range g.byte() % 5 {
		m[g.str()] = g.value(depth)
	}
	return m
}

// FuzzScanLine writes an item built from the input, by PutItem or
// BatchWriteItem, and compares the two scan paths' lines for it. Items the
// store refuses (a bad number, an empty set) are skipped.
func FuzzScanLine(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add([]byte("\x04\x00\x02\x01\x04\x09\x03\x00\x06\x05\x08\x07\x01"))
	f.Add([]byte("\x04\x11\x03\x13\xff\xfe\x05\x09\x04\x00\x00\x00\x00"))
	f.Add([]byte("\x03\x05\x03<a>\x01\x07\x02\x02\xff\x00\x08\x02\x00\x00\x01\x00"))
	r := openScanRuntime(f, f.TempDir(), false)
	f.Cleanup(func() { r.Close() })
	table := scanTableName(f, r)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzItem{data: data}
		item := g.attrs(0)
		item["pk"], item["sk"] = avS("ORDER#fuzz"), avS("ORDER")
		if len(data) > 0 && data[0]%3 == 0 {
			item["_source_key"] = avS("incoming/orders/f.csv")
		}
		put, batch := []map[string]ddbtypes.AttributeValue{item}, []map[string]ddbtypes.AttributeValue(nil)
		if (len(data) > 0 && data[len(data)-1]%2 == 0) || hasEmpty(&ddbtypes.AttributeValueMemberM{Value: item}) {
			put, batch = batch, put // see withoutEmpty
		}
		if err := putBoth(t, r, table, put, batch); err != nil {
			t.Skip(err)
		}
		defer func() {
			_, err := r.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table),
				Key: map[string]ddbtypes.AttributeValue{"pk": item["pk"], "sk": item["sk"]}})
			if err != nil {
				t.Fatal(err)
			}
		}()
		for _, typed := range []bool{false, true} {
			var o, n bytes.Buffer
			oerr := r.scanItems(ctx, scanDataset, typed, func(item map[string]any) error { return WriteJSONLine(&o, item) })
			nerr := r.WriteItems(ctx, scanDataset, typed, &n)
			if (oerr != nil) != (nerr != nil) {
				t.Fatalf("typed=%v: Scan path error %v, WriteItems error %v", typed, oerr, nerr)
			}
			if oerr == nil && o.String() != n.String() {
				t.Fatalf("typed=%v: WriteItems differs from the Scan path:\nscan: %q\nfast: %q", typed, o.String(), n.String())
			}
		}
	})
}

// rawScanItemsForTest is the store's read batch (dynamo's rawScanItems):
// TestWriteItemsMatchesScan writes more items than two batches hold.
const rawScanItemsForTest = 1000
