package xlsx

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/connectors"
)

// writeParts writes a minimal workbook from raw parts: the sheet XML's
// sheetData content (written by fill) and an optional shared strings table.
func writeParts(t testing.TB, path string, sst []string, fill func(w io.Writer)) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	put := func(name, body string) {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	put("[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	put("_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/></Relationships>`)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for _, s := range sst {
		b.WriteString("<si>" + s + "</si>")
	}
	b.WriteString("</sst>")
	put("xl/sharedStrings.xml", b.String())
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	fill(w)
	io.WriteString(w, `</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

func lines(t testing.TB, path string, lim connectors.Limits) []string {
	t.Helper()
	rows, err := readAll(t.(*testing.T), path, lim)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r.Cells))
		for j, c := range r.Cells {
			cells[j] = c
			if len(c) > 40 {
				cells[j] = fmt.Sprintf("%s…(%d)", string([]rune(c)[:3]), len(c))
			}
		}
		out[i] = fmt.Sprintf("%d:%s", r.Number, strings.Join(cells, "|"))
	}
	return out
}

// Whitespace between elements (tens of MiB of it, as in a workbook built to
// inflate) is never held; a cell of 100 KiB is cut to just over the cell
// limit, inline or shared; rich text runs join and phonetic guides do not;
// Excel's _xHHHH_ escapes are decoded; a code typed into a number cell
// keeps the text Excel stored.
func TestStreamingSheetContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.xlsx")
	big := strings.Repeat("长", 100<<10/3)
	space := strings.Repeat(" ", 1<<20)
	writeParts(t, p, []string{"<t>统计月份</t>", "<r><t>企业</t></r><r><t>名称</t></r><rPh><t>qiye</t></rPh>", "<t>" + big + "</t>", "<t>a_x000D_b</t>"}, func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c>`)
		for i := 0; i < 20; i++ {
			io.WriteString(w, space)
		}
		io.WriteString(w, `<c r="B1" t="s"><v>1</v></c></row>`)
		io.WriteString(w, `<row r="3"><c r="A3" t="inlineStr"><is><t>`+big+`</t></is></c><c r="C3" t="s"><v>2</v></c></row>`)
		io.WriteString(w, `<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4"><v>9.11506278890758E+17</v></c><c r="C4" t="b"><v>1</v></c></row>`)
	})
	got := lines(t, p, connectors.Limits{MaxUnzippedBytes: 64 << 20})
	cut := fmt.Sprintf("长长长…(%d)", connectors.MaxCellBytes+1)
	want := []string{"1:统计月份|企业名称", "3:" + cut + "||" + cut, "4:a\rb|9.11506278890758E+17|1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Shared strings beyond the memory budget are read back from disk.
func TestSharedStringsSpill(t *testing.T) {
	defer func(n int) { sstMemory = n }(sstMemory)
	sstMemory = 40
	p := filepath.Join(t.TempDir(), "s.xlsx")
	var sst []string
	for i := 0; i < 50; i++ {
		sst = append(sst, fmt.Sprintf("<t>企业%02d</t>", i))
	}
	writeParts(t, p, sst, func(w io.Writer) {
		for i := 0; i < 50; i++ {
			fmt.Fprintf(w, `<row r="%d"><c t="s"><v>%d</v></c><c t="s"><v>%d</v></c></row>`, i+1, 49-i, i)
		}
	})
	got := lines(t, p, connectors.Limits{})
	for i, l := range got {
		if want := fmt.Sprintf("%d:企业%02d|企业%02d", i+1, 49-i, i); l != want {
			t.Fatalf("row %d: %s, want %s", i+1, l, want)
		}
	}
}

// A percent format applies to the cell that has it: 85 typed into a
// general cell of a percent column stays 85.
func TestPercentIsPerCell(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pct.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"率"})
	f.SetSheetRow("Sheet1", "A2", &[]any{0.85})
	f.SetSheetRow("Sheet1", "A3", &[]any{85})
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 9})
	f.SetCellStyle("Sheet1", "A2", "A2", pct)
	got := saveAndRead(t, f, p)
	if strings.Join(got, "\n") != "Sheet1:率\nSheet1:85\nSheet1:85" {
		t.Errorf("rows %q", got)
	}
}

// A merged block reaching rows absent from the sheet's XML fills them.
func TestMergedBlockOverMissingRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.xlsx")
	out, _ := os.Create(p)
	out.Close()
	writeParts(t, p, nil, func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>旗工信局</t></is></c><c r="B1"><v>1</v></c></row><row r="3"><c r="B3"><v>3</v></c></row>`)
		io.WriteString(w, `</sheetData><mergeCells count="1"><mergeCell ref="A1:A3"/></mergeCells><sheetData>`)
	})
	got := lines(t, p, connectors.Limits{})
	if strings.Join(got, "\n") != "1:旗工信局|1\n2:旗工信局\n3:旗工信局|3" {
		t.Errorf("rows %q", got)
	}
}
