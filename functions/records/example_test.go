package records_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sluicehq/sluice/functions/records"
)

func ExampleNewCSV() {
	in := "id,note\r\n1,\"two\nlines\"\r\n2\r\n3,plain\r\n"
	r := records.NewCSV(strings.NewReader(in), records.CSVOptions{})
	for {
		rec, err := r.Next()
		var re *records.RowError
		switch {
		case errors.Is(err, io.EOF):
			return
		case errors.As(err, &re):
			fmt.Printf("line %d row %d: %s [%s]\n", re.Line, re.Row, re.Msg, re.Code)
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Printf("line %d row %d: %q %q\n", rec.Line, rec.Row, rec.Values["id"], rec.Values["note"])
		}
	}
	// Output:
	// line 2 row 1: "1" "two\nlines"
	// line 4 row 2: row has 1 fields, the header has 2 [ragged_row]
	// line 5 row 3: "3" "plain"
}

func ExampleWriter() {
	w := records.NewWriter(os.Stdout)
	w.Write(map[string]any{"pk": "ORDER#1", "total": 59.97, "note": "<ok>"})
	w.Flush()
	// Output:
	// {"note":"<ok>","pk":"ORDER#1","total":59.97}
}
