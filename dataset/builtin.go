package dataset

import "time"

// Builtin returns the compiled example datasets shipped with Sluice
// (orders, customers, readings, catalog; files under examples/). Each call
// builds a new Set, so callers never share mutable declarations.
func Builtin() *Set {
	return MustNewSet(Declarations()...)
}

// Declarations returns new, uncompiled values of the built-in datasets,
// the ones Builtin compiles: `sluice lint --datasets` compiles them
// itself, to report every issue instead of Builtin's panic.
func Declarations() []*Dataset {
	return []*Dataset{Orders(), Customers(), Readings(), Catalog()}
}

// Orders declares the example order lines: CSV, joined with customers,
// with a calculated total.
func Orders() *Dataset {
	return &Dataset{
		Name:        "orders",
		Description: "Order lines exported by the shop, one CSV file per batch.",
		Prefix:      "incoming/orders/",
		Suffixes:    []string{".csv", ".csv.gz"},
		MinSize:     1,
		MaxSize:     4 << 30,
		Format:      Format{Kind: CSV},
		Fields: []Field{
			{Name: "order_id", Type: String, Required: true, Pattern: `[A-Za-z0-9_-]+`, MaxLength: 64},
			{Name: "customer_id", Type: String, Required: true, Pattern: `[A-Za-z0-9_-]+`, MaxLength: 64},
			{Name: "order_date", Type: Date, Required: true, Layouts: []string{"2006-01-02", "02/01/2006"}},
			{Name: "sku", Type: String, Required: true, MaxLength: 64},
			{Name: "quantity", Type: Int, Required: true, Min: "1"},
			{Name: "unit_price", Type: Decimal, Required: true, Min: "0", Scale: 2},
			{Name: "currency", Type: Enum, Required: true, Values: []string{"USD", "EUR", "GBP"}, CaseInsensitive: true},
			{Name: "status", Type: Enum, Required: true, Values: []string{"NEW", "SHIPPED", "CANCELLED"}, CaseInsensitive: true},
		},
		Key:        Key{Partition: "ORDER#{order_id}", Sort: "ORDER"},
		Transforms: Transforms{Trim: true},
		Enrichment: Enrichment{
			Lookups: []Lookup{{
				From:        "customers",
				On:          "customer_id",
				Copy:        map[string]string{"customer_name": "name", "segment": "segment"},
				MissingFlag: "customer_missing",
			}},
			Calculated: []Calculated{{Name: "total", Type: Decimal, Scale: 2, Expr: "quantity * unit_price"}},
		},
		RowErrors: RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.10},
	}
}

// Customers declares the example reference data the orders are joined
// with.
func Customers() *Dataset {
	return &Dataset{
		Name:        "customers",
		Description: "Customer master data (reference).",
		Prefix:      "incoming/customers/",
		Suffixes:    []string{".csv"},
		MinSize:     1,
		MaxSize:     1 << 30,
		Format:      Format{Kind: CSV},
		Fields: []Field{
			{Name: "customer_id", Type: String, Required: true, Pattern: `[A-Za-z0-9_-]+`, MaxLength: 64},
			{Name: "name", Type: String, Required: true, MaxLength: 200},
			{Name: "segment", Type: Enum, Required: true, Values: []string{"RETAIL", "WHOLESALE", "VIP"}, CaseInsensitive: true},
		},
		Key:        Key{Partition: "CUSTOMER#{customer_id}", Sort: "CUSTOMER"},
		Transforms: Transforms{Trim: true},
		Reference:  true,
	}
}

// Readings declares the example IoT sensor readings: JSON Lines, kept 30
// days, with the device's alerts as a list (a JSON array, stored as a
// DynamoDB List).
func Readings() *Dataset {
	return &Dataset{
		Name:        "readings",
		Description: "IoT sensor readings, one JSON object per line.",
		Prefix:      "incoming/readings/",
		Suffixes:    []string{".jsonl", ".jsonl.gz"},
		MinSize:     1,
		MaxSize:     4 << 30,
		Format:      Format{Kind: JSONL},
		Fields: []Field{
			{Name: "device_id", Type: String, Required: true, Pattern: `[A-Za-z0-9_.:-]+`, MaxLength: 128},
			{Name: "ts", Type: Timestamp, Required: true},
			{Name: "temperature", Type: Decimal, Required: true, Min: "-100", Max: "200"},
			{Name: "humidity", Type: Decimal, Min: "0", Max: "100"},
			{Name: "alerts", Type: Enum, Values: []string{"LOW_BATTERY", "TAMPER", "OUT_OF_RANGE"}, CaseInsensitive: true, List: &List{MaxItems: 8, Unique: true}},
		},
		Key:       Key{Partition: "DEVICE#{device_id}", Sort: "TS#{ts}"},
		TTL:       &TTL{Attribute: "expires_at", After: 30 * 24 * time.Hour, From: "ts"},
		RowErrors: RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.05},
	}
}

// Catalog declares the example product catalog: XML with one <product>
// element per record, its id attribute read as "@id", its tags (a wrapper
// of repeated <tag> elements) stored as a String Set and its pack sizes as
// a Number Set.
func Catalog() *Dataset {
	return &Dataset{
		Name:        "catalog",
		Description: "Product catalog feed from the supplier, XML.",
		Prefix:      "incoming/catalog/",
		Suffixes:    []string{".xml", ".xml.gz"},
		MinSize:     1,
		MaxSize:     1 << 30,
		Format:      Format{Kind: XML, RecordElement: "product"},
		Fields: []Field{
			{Name: "sku", Type: String, Required: true, MaxLength: 64},
			{Name: "name", Type: String, Required: true, MaxLength: 200},
			{Name: "price", Type: Decimal, Required: true, Min: "0", Scale: 2},
			{Name: "product_id", Type: Int, Column: "@id", Min: "1"},
			{Name: "tags", Type: String, MaxLength: 40, Pattern: `[\pL\pN -]+`, List: &List{MaxItems: 20, Set: true}},
			{Name: "sizes", Type: Int, Min: "1", List: &List{MaxItems: 10, Set: true}},
		},
		Key:        Key{Partition: "PRODUCT#{sku}", Sort: "PRODUCT"},
		Transforms: Transforms{Trim: true, Case: map[string]Case{"tags": Lower}},
	}
}
