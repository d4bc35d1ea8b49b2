package records

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/sluicehq/sluice/internal/benchcpu"
)

// ordersCSV returns n rows of an orders CSV.
func ordersCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "ORD-%08d,C%03d,2026-%02d-%02d,SKU-%04d,%d,%d.%02d,EUR,SHIPPED\n", i, 1+i%8, 1+i%12, 1+i%28, i%1000, 1+i%20, i%200, i%100)
	}
	return b.Bytes()
}

// BenchmarkCSV reads an orders CSV: Next builds a Record (a map per row),
// NextFields only slices the row; oracle is the string-based reader the
// byte-level one replaced.
func BenchmarkCSV(b *testing.B) {
	in := ordersCSV(10000)
	b.Run("Next", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for i := 0; i < b.N; i++ {
			r := NewCSV(bytes.NewReader(in), CSVOptions{})
			for {
				if _, err := r.Next(); errors.Is(err, io.EOF) {
					break
				}
			}
		}
	})
	b.Run("NextFields", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for i := 0; i < b.N; i++ {
			r := NewCSV(bytes.NewReader(in), CSVOptions{})
			for {
				if _, _, _, err := r.NextFields(); errors.Is(err, io.EOF) {
					break
				}
			}
		}
	})
	b.Run("AppendRow", func(b *testing.B) {
		// As the transformer's reader goroutine reads: rows appended to
		// a batch's buffers.
		b.SetBytes(int64(len(in)))
		benchcpu.Report(b)
		var rec []byte
		var ends []int
		for i := 0; i < b.N; i++ {
			r := NewCSV(bytes.NewReader(in), CSVOptions{})
			for n := 0; ; n++ {
				if n%256 == 0 {
					rec, ends = rec[:0], ends[:0]
				}
				var err error
				if _, _, rec, ends, err = r.AppendRow(rec, ends); errors.Is(err, io.EOF) {
					break
				}
			}
		}
	})
	b.Run("oracle", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for i := 0; i < b.N; i++ {
			r := newOracleCSV(bytes.NewReader(in), CSVOptions{})
			for {
				if _, err := r.Next(); errors.Is(err, io.EOF) {
					break
				}
			}
		}
	})
}

// BenchmarkWriter encodes staged order records as JSON Lines.
func BenchmarkWriter(b *testing.B) {
	rec := map[string]any{"_line": int64(2), "currency": "EUR", "customer_id": "C002", "order_date": "2026-02-02", "order_id": "ORD-00000001",
		"pk": "ORDER#ORD-00000001", "quantity": "2", "sk": "ORDER", "sku": "SKU-0001", "status": "SHIPPED", "unit_price": "1.01"}
	w := NewWriter(io.Discard)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
}
