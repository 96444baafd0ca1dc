package xlsx

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/connectors"
)

// saveAndRead saves the workbook to path and reads it back as
// "sheet:cell|cell" lines.
func saveAndRead(t *testing.T, f *excelize.File, path string) []string {
	t.Helper()
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, path, connectors.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Sheet + ":" + strings.Join(r.Cells, "|")
	}
	return out
}

func readAll(t *testing.T, path string, lim connectors.Limits) ([]connectors.Row, error) {
	t.Helper()
	rr, err := Open(path, lim)
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	var out []connectors.Row
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, row)
	}
}

// A two-row header with merged cells: 统计月份 spans rows 1–2, 固体废物
// spans the quantity columns above their own labels.
func TestMergedCellsAreFilledIn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "merged.xlsx")
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "统计月份")
	f.MergeCell("Sheet1", "A1", "A2")
	f.SetCellValue("Sheet1", "B1", "固体废物（吨）")
	f.MergeCell("Sheet1", "B1", "C1")
	f.SetCellValue("Sheet1", "B2", "产生量")
	f.SetCellValue("Sheet1", "C2", "综合利用量")
	f.SetCellValue("Sheet1", "D1", "填报单位")
	f.MergeCell("Sheet1", "D1", "D2")
	f.SetSheetRow("Sheet1", "A3", &[]any{"2023-05", 10, 5, "旗工信局"})
	f.SetSheetRow("Sheet1", "A4", &[]any{"2023-05", 20, 8})
	f.MergeCell("Sheet1", "D3", "D4") // one department for both rows
	f.NewSheet("说明")
	f.SetCellValue("说明", "A1", "填表说明")
	got := saveAndRead(t, f, p)
	want := []string{
		"Sheet1:统计月份|固体废物（吨）|固体废物（吨）|填报单位",
		"Sheet1:统计月份|产生量|综合利用量|填报单位",
		"Sheet1:2023-05|10|5|旗工信局",
		"Sheet1:2023-05|20|8|旗工信局",
		"说明:填表说明",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// writeBomb writes a valid-looking workbook whose sheet inflates to
// inflated bytes while the file itself stays small.
func writeBomb(t *testing.T, path string, inflated int) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.xlsx")
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "x")
	if err := f.SaveAs(src); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, _ := os.Create(path)
	zw := zip.NewWriter(out)
	for _, zf := range zr.File {
		w, _ := zw.Create(zf.Name)
		if zf.Name == "xl/worksheets/sheet1.xml" {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			row := strings.Repeat(`<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>`, 1000)
			for n := 0; n < inflated; n += len(row) {
				io.WriteString(w, row)
			}
			io.WriteString(w, `</sheetData></worksheet>`)
			continue
		}
		rc, _ := zf.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	out.Close()
}

func TestZipBombIsRefusedByLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bomb.xlsx")
	writeBomb(t, p, 200<<20)
	st, _ := os.Stat(p)
	if st.Size() > 4<<20 {
		t.Fatalf("the bomb is %d bytes on disk; the test wants a small file", st.Size())
	}
	_, err := readAll(t, p, connectors.Limits{MaxBytes: 64 << 20, MaxUnzippedBytes: 32 << 20})
	if err == nil {
		t.Fatal("a workbook inflating to 200 MiB was read under a 32 MiB limit")
	}
	var fe *connectors.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "more than the 33554432-byte limit") || fe.ReasonZh == "" {
		t.Errorf("error does not say why: %v", err)
	}
}

func TestNotAWorkbook(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fake.xlsx")
	os.WriteFile(p, []byte("姓名,电话\n张三,123\n"), 0o644)
	if _, err := Open(p, connectors.Limits{}); err == nil || !strings.Contains(err.Error(), "not a readable .xlsx workbook") {
		t.Errorf("want a clear error, got %v", err)
	}
	if _, err := Open(p, connectors.Limits{MaxBytes: 4}); err == nil || !strings.Contains(err.Error(), "more than the 4-byte limit") {
		t.Errorf("want a size-limit error, got %v", err)
	}
}

// A cell formatted as a percentage holds 0.85 for "85%": it is read as 85,
// the figure a person typed and sees.
func TestPercentFormattedCells(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pct.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"统计月份", "综合利用率", "产生量"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"2023-05", 0.8537, 1200.5})
	f.SetSheetRow("Sheet1", "A3", &[]any{"2023-06", 0.9, 1100})
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
	f.SetCellStyle("Sheet1", "B2", "B3", pct)
	custom := "0.0%"
	pct2, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	f.SetCellStyle("Sheet1", "B3", "B3", pct2)
	got := saveAndRead(t, f, p)
	want := "Sheet1:统计月份|综合利用率|产生量\nSheet1:2023-05|85.37|1200.5\nSheet1:2023-06|90|1100"
	if strings.Join(got, "\n") != want {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
