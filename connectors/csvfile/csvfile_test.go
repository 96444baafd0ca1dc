package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/waymark-data/waymark/connectors"
)

// read decodes body and returns "line:cell|cell" per row, the row errors
// met on the way, and the error that stopped the read (nil at the end).
func read(t testing.TB, body []byte) (rows []string, rowErrs []*connectors.RowError, err error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	rr, err := Open(p, connectors.Limits{})
	if err != nil {
		return nil, nil, err
	}
	defer rr.Close()
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return rows, rowErrs, nil
		}
		var re *connectors.RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			return rows, rowErrs, err
		}
		rows = append(rows, strings.Join([]string{strconv.Itoa(row.Number), strings.Join(row.Cells, "|")}, ":"))
	}
}

const sample = "统计月份,企业名称,产生量\n2023-05,某煤矿,42000.5\n2023-05,某电厂,28800\n"

func gbk(t testing.TB, s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// One text in every encoding a department's software writes reads the same.
func TestEncodings(t *testing.T) {
	le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(sample))
	be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(sample))
	leNoBOM, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(sample))
	tabbed, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(strings.ReplaceAll(sample, ",", "\t")))
	want := "1:统计月份|企业名称|产生量\n2:2023-05|某煤矿|42000.5\n3:2023-05|某电厂|28800"
	for name, body := range map[string][]byte{
		"utf-8": []byte(sample), "utf-8 bom": append([]byte("\xef\xbb\xbf"), sample...), "gb18030": gbk(t, sample),
		"utf-16le bom": le, "utf-16be bom": be, "utf-16le": leNoBOM, "utf-16 tab-separated": tabbed,
		"crlf": []byte(strings.ReplaceAll(sample, "\n", "\r\n")), "no final newline": []byte(strings.TrimSuffix(sample, "\n")),
	} {
		rows, _, err := read(t, body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := strings.Join(rows, "\n"); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
}

// A file that is UTF-8 for more than 64 KiB and GBK after is rejected
// whole, naming the first bad byte and its line; so is a GBK file with a
// UTF-8 line in it. Before, the tail was written to Parquet as invalid
// UTF-8 and every later build failed.
func TestMixedEncodingsAreRejectedWithTheirPlace(t *testing.T) {
	head := []byte("统计月份,企业名称,产生量\n")
	lines := 1
	for len(head) < 70<<10 {
		head = append(head, "2023-05,某煤矿有限公司,42000.5\n"...)
		lines++
	}
	off := len(head)
	body := append(head, gbk(t, "2023-06,某电厂,28800\n2023-06,某选煤厂,17600\n2023-06,某煤化工有限公司,25400\n")...)
	_, _, err := read(t, body)
	var fe *connectors.FileError
	// The GBK line starts at off; its first Chinese bytes may pass for a
	// UTF-8 character or two, so the first bad byte is a few bytes in.
	if !errors.As(err, &fe) || fe.Offset < int64(off+8) || fe.Offset > int64(off+14) || fe.Line != lines+1 {
		t.Fatalf("UTF-8 then GBK: %v (%+v), want a byte of the GBK line at %d (line %d)", err, fe, off, lines+1)
	}
	if !strings.Contains(fe.Reason, "mixes text encodings") || !strings.Contains(fe.ReasonZh, "混用") {
		t.Errorf("reason %q / %q", fe.Reason, fe.ReasonZh)
	}

	body = append(gbk(t, sample), "2023-07,某选煤厂有限公司,1\n"...)
	_, _, err = read(t, body)
	if !errors.As(err, &fe) || fe.Line != 4 || !strings.Contains(fe.Reason, "line 4") {
		t.Fatalf("GBK then a UTF-8 line: %v", err)
	}

	// A stray byte or two in a UTF-8 file: the file stays UTF-8, the
	// cells holding them carry them to the validator, which rejects them.
	rows, _, err := read(t, []byte("名称,备注\n某煤矿,正常\n某电厂,\xff\n某选煤厂,正常\n"))
	if err != nil || len(rows) != 4 || rows[2] != "3:某电厂|\xff" {
		t.Fatalf("a stray byte: %q %v", rows, err)
	}

	_, _, err = read(t, []byte("a,b\n1,\xff\xff\n"))
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "neither UTF-8 nor GB18030") || fe.Line != 2 {
		t.Fatalf("neither: %v", err)
	}
}

func TestEmptyFiles(t *testing.T) {
	for _, body := range []string{"", "\n\n", "\xef\xbb\xbf", "  \r\n"} {
		_, _, err := read(t, []byte(body))
		var fe *connectors.FileError
		if !errors.As(err, &fe) || !fe.Empty || fe.Reason != "the file is empty" {
			t.Errorf("%q: %v", body, err)
		}
	}
}

// An unterminated quote rejects the file naming the line it opens on:
// the rows after it are never silently swallowed into one cell.
func TestUnterminatedQuote(t *testing.T) {
	rows, _, err := read(t, []byte("a,b\n1,2\n3,\"4\n5,6\n7,8\n"))
	var fe *connectors.FileError
	if !errors.As(err, &fe) || fe.Line != 3 || !strings.Contains(fe.Reason, "line 3 opens a quoted cell") || !strings.Contains(fe.ReasonZh, "第3行") {
		t.Fatalf("rows %v err %v", rows, err)
	}
}

func TestQuotesAndLineNumbers(t *testing.T) {
	rows, _, err := read(t, []byte("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\r\nlines\",z\n5 \"inch\",\"stray \" quote\"\n,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "1:a|b\n2:x, y|say \"hi\"\n3:two\nlines|z\n5:5 \"inch\"|stray \" quote\n6:|"
	if got := strings.Join(rows, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A 5 MiB cell is kept to just over the cell limit (the validator rejects
// it); a row of 20 000 fields is a row error and the next row is read.
func TestHugeCellsAndRows(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("a,b\n1,")
	b.Write(bytes.Repeat([]byte("x"), 5<<20))
	b.WriteString("\n")
	b.WriteString(strings.Repeat("1,", 20000) + "1\n")
	b.WriteString(strings.Repeat("y", 40<<10) + "," + strings.Repeat("z", 40<<10) + "\n")
	b.WriteString("2,3\n")
	p := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(p, b.Bytes(), 0o644)
	rr, err := Open(p, connectors.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	var got []string
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		var re *connectors.RowError
		if errors.As(err, &re) {
			got = append(got, "error "+re.Reason)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		lens := make([]string, len(row.Cells))
		for i, c := range row.Cells {
			lens[i] = strings.Repeat("#", min(len(c), 3)) + map[bool]string{true: "+", false: ""}[len(c) > connectors.MaxCellBytes]
		}
		got = append(got, strings.Join(lens, "|"))
		if len(row.Cells) == 2 && len(row.Cells[1]) > connectors.MaxCellBytes+1 {
			t.Errorf("a cell of %d bytes was kept", len(row.Cells[1]))
		}
	}
	want := "#|#\n#|###+\nerror the row has 20001 fields, more than the 16384 a sheet can hold; nothing of it was read\n###+|###+\n#|#"
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

func TestNotACSV(t *testing.T) {
	_, _, err := read(t, []byte("PK\x03\x04\x14\x00\x06\x00"))
	var fe *connectors.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "zip archive") {
		t.Errorf("%v", err)
	}
}

// Rows share memory blocks: every row handed out must stay as it was read
// while later rows are read, and appending to one row's cells must not
// reach into the next row's.
func TestRowsKeepTheirCellsAfterLaterRows(t *testing.T) {
	var body strings.Builder
	body.WriteString("站点,数值,备注\n")
	want := func(i int) []string {
		note := strings.Repeat("长", i%97) // rows of many lengths, some larger than a block's share
		if i%1000 == 7 {
			note = strings.Repeat("x", 20000)
		}
		return []string{"GH-" + strconv.Itoa(i), strconv.Itoa(i * 7), note}
	}
	const n = 6000
	for i := 0; i < n; i++ {
		body.WriteString(strings.Join(want(i), ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(p, []byte(body.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rr, err := Open(p, connectors.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	var kept [][]string
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, row.Cells)
		if len(kept) > 1 {
			// A caller growing the previous row's cells in place.
			prev := kept[len(kept)-2]
			_ = append(prev, "appended")
		}
	}
	if len(kept) != n+1 {
		t.Fatalf("%d rows, want %d", len(kept), n+1)
	}
	for i := 0; i < n; i++ {
		if got, w := strings.Join(kept[i+1], ","), strings.Join(want(i), ","); got != w {
			t.Fatalf("row %d changed after later rows were read: %.60q, want %.60q", i+2, got, w)
		}
	}
}

// readAll decodes path with limits and returns every row, row error and
// final error as text, for comparing two ways of reading.
func readAll(t *testing.T, path string, lim connectors.Limits) string {
	t.Helper()
	rr, err := Open(path, lim)
	if err != nil {
		return "open: " + err.Error()
	}
	defer rr.Close()
	var b strings.Builder
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			b.WriteString(strconv.Itoa(row.Number) + " error: " + err.Error() + "\n")
			var re *connectors.RowError
			if errors.As(err, &re) {
				continue
			}
			return b.String()
		}
		b.WriteString(strconv.Itoa(row.Number) + ":" + strconv.Itoa(len(row.Cells)) + ":" + strings.Join(row.Cells, "\x1f") + "\n")
	}
}

// TestQuickRowsReadAsTheStateMachine: the quick path for plain lines gives
// the rows, line numbers and errors the state machine gives, on files made
// of the awkward cases: quotes, CRLF and lone CRs, tabs, empty lines and
// cells, cells and rows past their limits, more columns than a sheet
// holds, rows across the reader's 64 KiB buffer, the row limit.
func TestQuickRowsReadAsTheStateMachine(t *testing.T) {
	defer func() { quickRows = true }()
	rng := rand.New(rand.NewPCG(7, 13))
	pieces := []string{"GH-001", "2023-01-01 00:00:00", "1.5", "", "某煤矿", "\"quoted, cell\"", "\"a\"\"b\"", "x\"y", "\r", " ", "\t", "降雨量"}
	dir := t.TempDir()
	for k := 0; k < 60; k++ {
		var b strings.Builder
		delim := ","
		if k%10 == 9 {
			delim = "\t"
		}
		b.WriteString("a" + delim + "b" + delim + "c\n")
		for b.Len() < 200_000 {
			switch rng.IntN(300) {
			case 0:
				b.WriteString(strings.Repeat("x", connectors.MaxCellBytes+rng.IntN(5)-2) + delim + "y\n")
			case 1:
				b.WriteString(strings.Repeat("z"+delim, connectors.MaxColumns+rng.IntN(3)-1) + "\n")
			case 2:
				b.WriteString("\n")
			case 3:
				b.WriteString("\r\n")
			}
			cells := rng.IntN(6) + 1
			for c := 0; c < cells; c++ {
				if c > 0 {
					b.WriteString(delim)
				}
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			if rng.IntN(4) == 0 {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		if k%3 == 0 {
			b.WriteString("last,row,without newline")
		}
		path := filepath.Join(dir, fmt.Sprintf("f%d.csv", k))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		lim := connectors.Limits{}
		if k%4 == 1 {
			lim.MaxRows = rng.IntN(400) + 1
		}
		quickRows = true
		quick := readAll(t, path, lim)
		quickRows = false
		slow := readAll(t, path, lim)
		if quick != slow {
			ql, sl := strings.Split(quick, "\n"), strings.Split(slow, "\n")
			for i := range min(len(ql), len(sl)) {
				if ql[i] != sl[i] {
					t.Fatalf("file %d, row %d: quick path reads\n%.300q\nthe state machine\n%.300q", k, i, ql[i], sl[i])
				}
			}
			t.Fatalf("file %d: quick path reads %d rows, the state machine %d", k, len(ql), len(sl))
		}
	}
}
