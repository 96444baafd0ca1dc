package xlsx

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/waymark-data/waymark/connectors"
)

// FuzzXLSX builds a workbook around fuzzed sheet XML and shared strings
// (the parts a department's software writes) and reads it: rows, row
// errors or a FileError, never a panic, no cell beyond the cell limit.
func FuzzXLSX(f *testing.F) {
	f.Add([]byte(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>`), []byte(`<si><t>统计月份</t></si>`))
	f.Add([]byte(`<row><c t="inlineStr"><is><t>a&amp;b</t></is></c></row></sheetData><mergeCells><mergeCell ref="A1:B3"/></mergeCells><sheetData>`), []byte(``))
	f.Add([]byte(`<row r="9"><c r="XFD9" s="1" t="b"><v>1</v></c></row><row r="2"><c t="s"><v>7</v></c></row>`), []byte(`<si><r><t>x</t></r><rPh><t>y</t></rPh></si>`))
	f.Add([]byte(`<row r="1"><c t="inlineStr"><is><t>_x0000_</t></is></c></row>`), []byte(`<si><t>_x000D_</t></si>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		p := filepath.Join(dir, "f.xlsx")
		os.Remove(p)
		writeParts(t, p, []string{string(sst)}, func(w io.Writer) { w.Write(sheet) })
		rr, err := Open(p, connectors.Limits{MaxRows: 10000, MaxUnzippedBytes: 64 << 20})
		if err != nil {
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("open: %v is not a FileError", err)
			}
			return
		}
		defer rr.Close()
		for {
			row, err := rr.Next()
			if err == io.EOF {
				return
			}
			var re *connectors.RowError
			var fe *connectors.FileError
			if errors.As(err, &re) {
				continue
			}
			if err != nil {
				if !errors.As(err, &fe) {
					t.Fatalf("%v is neither a RowError nor a FileError", err)
				}
				return
			}
			if len(row.Cells) > connectors.MaxColumns {
				t.Fatalf("%d cells", len(row.Cells))
			}
			for _, c := range row.Cells {
				if len(c) > connectors.MaxCellBytes+1 {
					t.Fatalf("cell of %d bytes", len(c))
				}
			}
		}
	})
}
