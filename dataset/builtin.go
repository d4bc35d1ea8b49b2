package dataset

import "time"

// Builtin returns the compiled example datasets shipped with Sluice
// (orders, customers, readings, catalog; files under examples/). Each call
// builds a new Set, so callers never share mutable declarations.
func Builtin() *Set {
	return MustNewSet(Orders(), Customers(), Readings(), Catalog())
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
// days.
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
		},
		Key:       Key{Partition: "DEVICE#{device_id}", Sort: "TS#{ts}"},
		TTL:       &TTL{Attribute: "expires_at", After: 30 * 24 * time.Hour, From: "ts"},
		RowErrors: RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.05},
	}
}

// Catalog declares the example product catalog: XML with one <product>
// element per record.
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
			{Name: "tags", Type: String, MaxLength: 500},
		},
		Key:        Key{Partition: "PRODUCT#{sku}", Sort: "PRODUCT"},
		Transforms: Transforms{Trim: true},
	}
}
