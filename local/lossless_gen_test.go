package local_test

// Generators of the lossless harness: files of every dataset with a known
// mix of valid and spoilt rows. Each generator computes the expected items
// (keys and normalised values) from what it writes, following
// docs/datasets.md, so the harness never takes the pipeline's word for
// what a file holds.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refCustomers are the reference customers the harness loads before any
// order: the orders' lookup copies name and segment from them. CUST-09 is
// deliberately absent (customer_missing).
var refCustomers = map[string][2]string{
	"CUST-01": {"Ada Lovelace", "VIP"}, "CUST-02": {"Babbage, Charles", "RETAIL"}, "CUST-03": {`Grace "Amazing" Hopper`, "WHOLESALE"},
	"CUST-04": {"Alan Turing", "RETAIL"}, "CUST-05": {"Émilie du Châtelet", "VIP"}, "CUST-06": {"Hedy Lamarr", "RETAIL"},
	"CUST-07": {"Katherine Johnson", "WHOLESALE"}, "CUST-08": {"Claude Shannon", "RETAIL"},
}

// customersCase is the reference file.
func customersCase() fileCase {
	var b strings.Builder
	b.WriteString("customer_id,name,segment\n")
	c := fileCase{name: "reference-customers", dataset: "customers", file: "reference.csv"}
	for i := 1; i <= 8; i++ {
		id := fmt.Sprintf("CUST-%02d", i)
		name, seg := refCustomers[id][0], refCustomers[id][1]
		fmt.Fprintf(&b, "%s,%s,%s\n", id, csvField(name), strings.ToLower(seg))
		c.items = append(c.items, wantItem{pk: "CUSTOMER#" + id, sk: "CUSTOMER", attrs: map[string]string{"name": jsonText(name), "segment": jsonText(seg)}})
	}
	c.body = []byte(b.String())
	return c
}

// loadCustomers loads the reference customers (needed by orders).
func (h *harness) loadCustomers() {
	h.t.Helper()
	c := customersCase()
	if res := h.runCase(c); res.Status != "LOADED" {
		h.t.Fatalf("reference customers: %s %s %s", res.Status, res.Error, res.Cause)
	}
}

// jsonText is v's JSON encoding.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// csvField quotes a CSV field when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// genRow is one generated row: its encoding, and either the item it must
// become or the problem it must be reported with (line and row are set
// when the file is assembled).
type genRow struct {
	text string
	good *wantItem
	bad  *badRow
}

// generator writes files of one dataset.
type generator struct {
	dataset string
	// header is the first part of the file (CSV header, "[", XML prolog);
	// footer the last.
	header, footer string
	// headerLines counts the lines of header.
	headerLines int64
	// row writes the i-th row (1-based) of a file tagged tag; dup, when
	// not nil, is an earlier good row whose key the row must repeat.
	row func(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow
	// join separates rows ("\n", or ",\n" for a JSON array).
	join string
	// gzip: the dataset accepts .gz files.
	gzip bool
	ext  string
}

var generators = map[string]generator{
	"orders":    {dataset: "orders", header: "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n", headerLines: 1, row: orderRow, join: "\n", gzip: true, ext: ".csv"},
	"customers": {dataset: "customers", header: "customer_id,name,segment\n", headerLines: 1, row: customerRow, join: "\n", ext: ".csv"},
	"readings":  {dataset: "readings", row: readingRow, join: "\n", gzip: true, ext: ".jsonl"},
	"catalog":   {dataset: "catalog", header: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<catalog supplier=\"harness\">\n", headerLines: 2, footer: "</catalog>\n", row: productRow, join: "\n", gzip: true, ext: ".xml"},
	"shipments": {dataset: "shipments", header: "[\n", headerLines: 1, footer: "]\n", row: shipmentRow, join: ",\n", gzip: true, ext: ".json"},
}

// generatedDatasets lists the generators in a fixed order.
var generatedDatasets = []string{"customers", "orders", "readings", "catalog", "shipments"}

// generate writes a file of n rows of which each is bad with probability
// badRate (the first bad row may repeat an earlier key), gzipped when
// zipped.
func (g generator) generate(rng *rand.Rand, tag string, n int, badRate float64, zipped bool) fileCase {
	c := fileCase{name: tag, dataset: g.dataset, file: tag + g.ext}
	var b strings.Builder
	b.WriteString(g.header)
	line := g.headerLines + 1
	var goods []genRow
	for i := 1; i <= n; i++ {
		bad := rng.Float64() < badRate
		var dup *genRow
		if bad && len(goods) > 0 && rng.IntN(6) == 0 {
			dup = &goods[rng.IntN(len(goods))]
		}
		r := g.row(rng, tag, i, bad, dup)
		if i > 1 {
			b.WriteString(g.join)
			line++
		}
		if g.dataset == "readings" && rng.IntN(8) == 0 {
			// Blank lines between JSON Lines are skipped but counted.
			b.WriteString("\n")
			line++
		}
		b.WriteString(r.text)
		switch {
		case r.bad != nil:
			r.bad.line, r.bad.row = line, int64(i)
			c.bad = append(c.bad, *r.bad)
		case r.good != nil:
			c.items = append(c.items, *r.good)
			goods = append(goods, r)
		}
	}
	if n > 0 {
		b.WriteString("\n")
	}
	b.WriteString(g.footer)
	c.body = []byte(b.String())
	if zipped && g.gzip {
		c.file += ".gz"
		c.body = gzipBytes(c.body)
	}
	// An empty object matches no dataset's rule ("never 0 bytes").
	c.unrouted = len(c.body) == 0
	if g.dataset == "readings" && len(c.bad) > 0 && c.bad[0].row == 1 && c.bad[0].code == "not_an_object" {
		// A JSON Lines file that starts with '[' looks like a JSON
		// array: the validator rejects it as a whole.
		c.reject = &problem{codes: []string{"format_mismatch"}}
	}
	return c
}

// money is a decimal with 2 places from cents.
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// randCase writes s in a random letter case.
func randCase(rng *rand.Rand, s string) string {
	switch rng.IntN(3) {
	case 0:
		return strings.ToLower(s)
	case 1:
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func orderRow(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow {
	id := fmt.Sprintf("%s-%d", tag, i)
	if dup != nil {
		id = strings.TrimPrefix(dup.good.pk, "ORDER#")
	}
	cust := fmt.Sprintf("CUST-%02d", 1+rng.IntN(9))
	day := 1 + rng.IntN(28)
	date := fmt.Sprintf("2026-01-%02d", day)
	if rng.IntN(2) == 0 {
		date = fmt.Sprintf("%02d/01/2026", day)
	}
	sku := pick(rng, "SKU-TEA-01", "SKU, large", "SKU \"quoted\"", "ＳＫＵ-ユニ", "sku-é")
	qty := int64(1 + rng.IntN(500))
	cents := rng.Int64N(100000)
	cur := pick(rng, "USD", "EUR", "GBP")
	status := pick(rng, "NEW", "SHIPPED", "CANCELLED")
	vals := []string{id, cust, date, sku, strconv.FormatInt(qty, 10), money(cents), randCase(rng, cur), " " + randCase(rng, status) + " "}
	row := genRow{}
	if bad && dup == nil {
		kinds := []struct {
			col         int
			value, code string
		}{
			{4, "0", "min"}, {4, "two", "type"}, {4, "99999999999999999999", "type"}, {4, "3.0", "type"},
			{5, "1.234", "scale"}, {5, "-1.00", "min"}, {5, "NaN", "type"}, {5, "1e400", "type"}, {5, "Infinity", "type"},
			{6, "JPY", "enum"}, {7, "LOST", "enum"}, {2, "2026-02-30", "type"}, {0, "", "required"}, {0, "A B", "pattern"},
			{1, "C 1", "pattern"}, {3, strings.Repeat("x", 65), "max_length"},
		}
		fields := []string{"order_id", "customer_id", "order_date", "sku", "quantity", "unit_price", "currency", "status"}
		switch k := rng.IntN(len(kinds) + 2); {
		case k < len(kinds):
			vals[kinds[k].col] = kinds[k].value
			row.bad = &badRow{field: fields[kinds[k].col], code: kinds[k].code}
		case k == len(kinds):
			vals = vals[:7]
			row.bad = &badRow{code: "ragged_row"}
		default:
			vals = append(vals, "extra")
			row.bad = &badRow{code: "ragged_row"}
		}
	} else if dup != nil {
		row.bad = &badRow{field: "pk", code: "duplicate_key"}
	}
	enc := make([]string, len(vals))
	for j, v := range vals {
		enc[j] = csvField(v)
	}
	row.text = strings.Join(enc, ",")
	if row.bad != nil {
		return row
	}
	total := new(big.Rat).Mul(new(big.Rat).SetInt64(qty), new(big.Rat).SetFrac64(cents, 100))
	attrs := map[string]string{
		"order_id": jsonText(id), "customer_id": jsonText(cust), "order_date": jsonText(fmt.Sprintf("2026-01-%02d", day)),
		"sku": jsonText(sku), "quantity": strconv.FormatInt(qty, 10), "unit_price": money(cents),
		"currency": jsonText(cur), "status": jsonText(status), "total": total.FloatString(2),
	}
	if ref, ok := refCustomers[cust]; ok {
		attrs["customer_name"], attrs["segment"] = jsonText(ref[0]), jsonText(ref[1])
	} else {
		attrs["customer_missing"] = "true"
	}
	row.good = &wantItem{pk: "ORDER#" + id, sk: "ORDER", attrs: attrs}
	return row
}

func customerRow(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow {
	id := fmt.Sprintf("%s-%d", tag, i)
	if dup != nil {
		id = strings.TrimPrefix(dup.good.pk, "CUSTOMER#")
	}
	name := pick(rng, "Ada", "Smith, Jane", `O"Brien`, "Zoë Ñúñez", "  padded  ")
	seg := pick(rng, "RETAIL", "WHOLESALE", "VIP")
	vals := []string{id, name, randCase(rng, seg)}
	row := genRow{}
	switch {
	case dup != nil:
		row.bad = &badRow{field: "pk", code: "duplicate_key"}
	case bad:
		switch rng.IntN(5) {
		case 0:
			vals[2], row.bad = "GOLD", &badRow{field: "segment", code: "enum"}
		case 1:
			vals[1], row.bad = "", &badRow{field: "name", code: "required"}
		case 2:
			vals[0], row.bad = "x y", &badRow{field: "customer_id", code: "pattern"}
		case 3:
			vals[1], row.bad = strings.Repeat("n", 201), &badRow{field: "name", code: "max_length"}
		default:
			vals, row.bad = vals[:2], &badRow{code: "ragged_row"}
		}
	}
	enc := make([]string, len(vals))
	for j, v := range vals {
		enc[j] = csvField(v)
	}
	row.text = strings.Join(enc, ",")
	if row.bad == nil {
		row.good = &wantItem{pk: "CUSTOMER#" + id, sk: "CUSTOMER", attrs: map[string]string{
			"customer_id": jsonText(id), "name": jsonText(strings.TrimSpace(name)), "segment": jsonText(seg)}}
	}
	return row
}

// readingBase is the time of the first generated reading.
var readingBase = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func readingRow(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow {
	dev := fmt.Sprintf("dev-%s-%d", tag, rng.IntN(3))
	at := readingBase.Add(time.Duration(i) * time.Minute).Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
	if dup != nil {
		pk, _ := strings.CutPrefix(dup.good.pk, "DEVICE#")
		dev = pk
		ts, _ := strings.CutPrefix(dup.good.sk, "TS#")
		at, _ = time.Parse("2006-01-02T15:04:05.000Z", ts)
	}
	ts := at.Format(time.RFC3339Nano)
	if rng.IntN(3) == 0 {
		ts = at.In(time.FixedZone("", 3600)).Format(time.RFC3339Nano)
	}
	cents := rng.Int64N(30000) - 10000
	rec := map[string]any{"device_id": dev, "ts": ts}
	if rng.IntN(2) == 0 {
		rec["temperature"] = json.Number(money(cents))
	} else {
		rec["temperature"] = money(cents)
	}
	hum := rng.IntN(101)
	if rng.IntN(3) > 0 {
		rec["humidity"] = hum
	}
	row := genRow{}
	raw := ""
	switch {
	case dup != nil:
		row.bad = &badRow{field: "pk", code: "duplicate_key"}
	case bad:
		switch rng.IntN(12) {
		case 0:
			rec["temperature"], row.bad = 250, &badRow{field: "temperature", code: "max"}
		case 1:
			rec["temperature"], row.bad = -150, &badRow{field: "temperature", code: "min"}
		case 2:
			rec["temperature"], row.bad = "abc", &badRow{field: "temperature", code: "type"}
		case 3:
			rec["temperature"], row.bad = map[string]any{"v": 1}, &badRow{field: "temperature", code: "not_scalar"}
		case 4:
			rec["ts"], row.bad = "yesterday", &badRow{field: "ts", code: "type"}
		case 5:
			delete(rec, "ts")
			row.bad = &badRow{field: "ts", code: "required"}
		case 6:
			rec["device_id"], row.bad = "", &badRow{field: "device_id", code: "required"}
		case 7:
			raw, row.bad = `{"device_id": "`+dev+`", "ts":`, &badRow{code: "json_syntax"}
		case 8:
			raw, row.bad = `[1, 2]`, &badRow{code: "not_an_object"}
		case 9:
			rec["humidity"], row.bad = 101, &badRow{field: "humidity", code: "max"}
		case 10:
			rec["temperature"], row.bad = json.Number("1e400"), &badRow{field: "temperature", code: "type"}
		default:
			rec["extra"] = json.RawMessage(strings.Repeat("[", 40) + strings.Repeat("]", 40))
			row.bad = &badRow{code: "json_too_deep"}
		}
	}
	if raw == "" {
		b, _ := json.Marshal(rec)
		raw = string(b)
	}
	row.text = raw
	if row.bad == nil {
		attrs := map[string]string{
			"device_id": jsonText(dev), "ts": jsonText(at.UTC().Format("2006-01-02T15:04:05.000Z")),
			"temperature": money(cents), "expires_at": strconv.FormatInt(at.Add(30*24*time.Hour).Unix(), 10),
		}
		if _, ok := rec["humidity"]; ok {
			attrs["humidity"] = strconv.Itoa(hum)
		}
		row.good = &wantItem{pk: "DEVICE#" + dev, sk: "TS#" + at.UTC().Format("2006-01-02T15:04:05.000Z"), attrs: attrs}
	}
	return row
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func productRow(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow {
	sku := fmt.Sprintf("%s-%d", tag, i)
	if dup != nil {
		sku = strings.TrimPrefix(dup.good.pk, "PRODUCT#")
	}
	name := pick(rng, "Assam Tea, 250 g", "Tea & Biscuits", "<Special> blend", "Thé vert")
	cents := rng.Int64N(100000)
	// tags is a String Set, read from a wrapper of repeated <tag>
	// elements (one, several, empty or absent); the item holds it
	// lower-cased, in file order.
	tags := pick(rng, "", "<tags><tag>Tea</tag><tag>black</tag></tags>", "<tags><tag>green</tag></tags>", "<tags/>")
	wantTags := map[string]string{"<tags><tag>Tea</tag><tag>black</tag></tags>": `["tea","black"]`, "<tags><tag>green</tag></tags>": `["green"]`}[tags]
	els := map[string]string{"sku": sku, "name": name, "price": money(cents)}
	row := genRow{}
	switch {
	case dup != nil:
		row.bad = &badRow{field: "pk", code: "duplicate_key"}
	case bad:
		switch rng.IntN(5) {
		case 0:
			els["price"], row.bad = "-1.00", &badRow{field: "price", code: "min"}
		case 1:
			els["price"], row.bad = "abc", &badRow{field: "price", code: "type"}
		case 2:
			delete(els, "name")
			row.bad = &badRow{field: "name", code: "required"}
		case 3:
			els["sku"], row.bad = strings.Repeat("S", 65), &badRow{field: "sku", code: "max_length"}
		default:
			els["price"], row.bad = "1.005", &badRow{field: "price", code: "scale"}
		}
	}
	var b strings.Builder
	b.WriteString("  <product>")
	for _, k := range []string{"sku", "name", "price"} {
		if v, ok := els[k]; ok && v != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>", k, xmlText(v), k)
		}
	}
	b.WriteString(tags + "</product>")
	row.text = b.String()
	if row.bad == nil {
		attrs := map[string]string{"sku": jsonText(sku), "name": jsonText(name), "price": money(cents)}
		if wantTags != "" {
			attrs["tags"] = wantTags
		}
		row.good = &wantItem{pk: "PRODUCT#" + sku, sk: "PRODUCT", attrs: attrs}
	}
	return row
}

func shipmentRow(rng *rand.Rand, tag string, i int, bad bool, dup *genRow) genRow {
	id := fmt.Sprintf("%s-%d", tag, i)
	if dup != nil {
		id = strings.TrimPrefix(dup.good.pk, "SHIP#")
	}
	grams := rng.Int64N(1000000)
	weight := fmt.Sprintf("%d.%03d", grams/1000, grams%1000)
	rec := map[string]any{"shipment_id": id, "weight": json.Number(weight), "shipped": fmt.Sprintf("2026-02-%02d", 1+rng.IntN(28))}
	fragile := rng.IntN(3)
	switch fragile {
	case 1:
		rec["fragile"] = true
	case 2:
		rec["fragile"] = "no"
	}
	row := genRow{}
	raw := ""
	switch {
	case dup != nil:
		row.bad = &badRow{field: "pk", code: "duplicate_key"}
	case bad:
		switch rng.IntN(5) {
		case 0:
			rec["weight"], row.bad = 2000, &badRow{field: "weight", code: "max"}
		case 1:
			rec["weight"], row.bad = "x", &badRow{field: "weight", code: "type"}
		case 2:
			delete(rec, "shipment_id")
			row.bad = &badRow{field: "shipment_id", code: "required"}
		case 3:
			raw, row.bad = "5", &badRow{code: "not_an_object"}
		default:
			rec["fragile"], row.bad = "maybe", &badRow{field: "fragile", code: "type"}
		}
	}
	if raw == "" {
		b, _ := json.Marshal(rec)
		raw = string(b)
	}
	row.text = "  " + raw
	if row.bad == nil {
		attrs := map[string]string{"shipment_id": jsonText(id), "weight": weight, "shipped": jsonText(rec["shipped"])}
		if fragile > 0 {
			attrs["fragile"] = strconv.FormatBool(fragile == 1)
		}
		row.good = &wantItem{pk: "SHIP#" + id, sk: "SHIPMENT", attrs: attrs}
	}
	return row
}

// losslessSeed is the seed of the generated files: SLUICE_LOSSLESS_SEED,
// or a fixed one so that a failure reproduces.
func losslessSeed(t *testing.T) uint64 {
	if s := os.Getenv("SLUICE_LOSSLESS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SLUICE_LOSSLESS_SEED=%q: %v", s, err)
		}
		return n
	}
	return 20261126
}

// TestLosslessGenerated runs generated files of every dataset, with a
// random share of spoilt rows of every kind, through the inline path and
// (4 records per chunk) the Distributed Map path, and checks every
// outcome.
func TestLosslessGenerated(t *testing.T) {
	perDataset := 8
	if bigSweep() {
		perDataset = 60
	}
	seed := losslessSeed(t)
	t.Logf("seed %d (SLUICE_LOSSLESS_SEED)", seed)
	for _, chunk := range []int{0, 4} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			h := openHarness(t, chunk)
			h.loadCustomers()
			rng := rand.New(rand.NewPCG(seed, uint64(chunk)))
			outcomes := map[string]int{}
			for i := 0; i < perDataset; i++ {
				for _, ds := range generatedDatasets {
					g := generators[ds]
					n := rng.IntN(25)
					if i == 0 {
						n = 0 // a file with no rows
					}
					rate := pick(rng, 0, 0, 0, 0.03, 0.08, 0.3, 1)
					c := g.generate(rng, fmt.Sprintf("g%d-%s-%03d", chunk, ds[:3], i), n, rate, rng.IntN(3) == 0)
					t.Run(c.name, func(t *testing.T) {
						h.t = t
						res := h.runCase(c)
						outcomes[ds+" "+string(res.Status)]++
					})
				}
			}
			h.t = t
			t.Logf("outcomes: %v", outcomes)
		})
	}
}
