package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
)

// FuzzCSV: any bytes decode to rows, row errors and at most one final
// error, never a panic; no cell is kept beyond the cell limit; every cell
// of a file decided to be text is valid UTF-8 or reported. For plain
// UTF-8 input the rows are those encoding/csv reads (lazy quotes), except
// that an unterminated quote is an error here rather than a swallowed
// remainder.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{sample, "a,b\n1,\"2\n", "a\tb\n1\t2\n", "\xef\xbb\xbfa,b\n", "\xff\xfea\x00,\x00b\x00\n\x00", "a,\"b\"\"c\"\n\"x\r\ny\",z",
		"\"a\"b,c\n", ",,,\n\n\n", "a,b\n\x00,\x01\n", "PK\x03\x04"} {
		f.Add([]byte(s))
	}
	f.Add(gbk(f, sample))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte) {
		p := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Skip()
		}
		rr, err := Open(p, connectors.Limits{MaxRows: 1000})
		if err != nil {
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("open: %v is not a FileError", err)
			}
			return
		}
		defer rr.Close()
		var got [][]string
		var final error
		for {
			row, err := rr.Next()
			if err == io.EOF {
				break
			}
			var re *connectors.RowError
			if errors.As(err, &re) {
				got = append(got, nil)
				continue
			}
			if err != nil {
				final = err
				break
			}
			for _, c := range row.Cells {
				if len(c) > connectors.MaxCellBytes+1 {
					t.Fatalf("cell of %d bytes", len(c))
				}
			}
			got = append(got, row.Cells)
		}
		// The differential check, on input both readers see the same way.
		if final != nil || !utf8.Valid(body) || bytes.ContainsAny(body, "\r\t\x00") || bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) ||
			len(bytes.TrimSpace(body)) == 0 || len(body) > 4096 {
			return
		}
		cr := csv.NewReader(bytes.NewReader(body))
		cr.LazyQuotes, cr.FieldsPerRecord = true, -1
		want, err := cr.ReadAll()
		if err != nil {
			return
		}
		// encoding/csv skips empty lines (the validator skips blank rows);
		// compare without rows of one empty cell on either side.
		dropEmpty := func(rows [][]string) [][]string {
			var out [][]string
			for _, r := range rows {
				if len(r) != 1 || r[0] != "" {
					out = append(out, r)
				}
			}
			return out
		}
		nonEmpty := dropEmpty(got)
		want = dropEmpty(want)
		if len(nonEmpty) != len(want) {
			t.Fatalf("%d rows, encoding/csv reads %d:\n%q\n%q", len(nonEmpty), len(want), nonEmpty, want)
		}
		for i := range want {
			if strings.Join(nonEmpty[i], "\x1f") != strings.Join(want[i], "\x1f") {
				t.Fatalf("row %d: %q, encoding/csv reads %q", i+1, nonEmpty[i], want[i])
			}
		}
	})
}
