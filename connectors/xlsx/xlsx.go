// Package xlsx decodes Excel workbooks into raw rows, sheet by sheet.
//
// It reads the workbook's zip and XML itself, streaming, rather than
// through excelize (which still writes templates and feedback): reading
// cell styles or merged cells through excelize loads a whole sheet into
// memory, and its row iterator keeps every run of whitespace, so a 0.5 MB
// workbook inflating to 480 MiB cost gigabytes. Here memory stays flat on
// any input within the limits: the sheet is streamed, runs of text are
// capped before the XML decoder sees them, shared strings beyond a budget
// go to a temporary file, and no cell is kept beyond
// connectors.MaxCellBytes+1 bytes.
package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("xlsx", Open) }

const relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

type sheetRef struct {
	name, part string
}

type reader struct {
	path    string
	lim     connectors.Limits
	zr      *zip.ReadCloser
	files   map[string]*zip.File
	sheets  []sheetRef
	si      int
	sst     *sharedStrings
	percent []bool // by cell style index: formatted as a percentage
	cur     *sheetReader
	total   int
}

func unreadable(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &connectors.FileError{Reason: "not a readable .xlsx workbook: " + msg,
		ReasonZh: "文件不是可读取的Excel工作簿（可能已损坏、不完整、设有密码或不是.xlsx格式），请重新导出后报送"}
}

// Open opens the workbook at path: its sheets, shared strings and styles.
// Raw cell values are read (dates arrive as Excel serial numbers, numbers
// as their stored text); a number in a cell formatted as a percentage is
// read as the percent a person sees (0.85 -> 85).
func Open(path string, lim connectors.Limits) (connectors.RowReader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if lim.MaxBytes > 0 && st.Size() > lim.MaxBytes {
		return nil, &connectors.FileError{Reason: fmt.Sprintf("the file is %d bytes, more than the %d-byte limit; split it by period", st.Size(), lim.MaxBytes),
			ReasonZh: fmt.Sprintf("文件大小为%d字节，超过%d字节的上限，请按报告期拆分后报送", st.Size(), lim.MaxBytes)}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, unreadable("%v", err)
	}
	r := &reader{path: path, lim: lim, zr: zr, files: map[string]*zip.File{}}
	if err := r.open(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *reader) open() error {
	var inflated uint64
	for _, f := range r.zr.File {
		r.files[strings.TrimPrefix(f.Name, "/")] = f
		inflated += f.UncompressedSize64
	}
	// A zip bomb is refused before anything is inflated: the sizes the
	// archive declares bound what it can inflate to (archive/zip fails a
	// part that inflates past its declared size).
	if max := r.lim.MaxUnzippedBytes; max > 0 && inflated > uint64(max) {
		return &connectors.FileError{
			Reason:   fmt.Sprintf("the workbook inflates to %d bytes, more than the %d-byte limit: split it, or remove what is not data (pictures, empty formatted rows)", inflated, max),
			ReasonZh: fmt.Sprintf("工作簿解压后为%d字节，超过%d字节的上限：请拆分文件，或删除图片、大片空白格式等非数据内容后重新报送", inflated, max)}
	}
	wb := "xl/workbook.xml"
	if rels, err := r.rels("_rels/.rels", ""); err == nil {
		for _, rel := range rels {
			if strings.HasSuffix(rel.Type, "/officeDocument") {
				wb = rel.Target
			}
		}
	}
	if r.files[wb] == nil {
		return unreadable("it has no workbook part")
	}
	relsPath := path.Join(path.Dir(wb), "_rels", path.Base(wb)+".rels")
	rels, err := r.rels(relsPath, path.Dir(wb))
	if err != nil {
		return unreadable("%v", err)
	}
	byID := map[string]relationship{}
	for _, rel := range rels {
		byID[rel.ID] = rel
		switch {
		case strings.HasSuffix(rel.Type, "/sharedStrings"):
			if r.sst, err = readSharedStrings(r.files[rel.Target]); err != nil {
				return err
			}
		case strings.HasSuffix(rel.Type, "/styles"):
			r.percent = readPercentStyles(r.files[rel.Target])
		}
	}
	sheets, err := r.workbookSheets(wb)
	if err != nil {
		return unreadable("%v", err)
	}
	for _, s := range sheets {
		rel, ok := byID[s.rid]
		if !ok || !strings.HasSuffix(rel.Type, "/worksheet") || r.files[rel.Target] == nil {
			continue // a chart sheet, or a sheet without its part
		}
		r.sheets = append(r.sheets, sheetRef{name: s.name, part: rel.Target})
	}
	if r.sst == nil {
		r.sst = &sharedStrings{}
	}
	return nil
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
	Mode   string `xml:"TargetMode,attr"`
}

// rels reads a relationships part; targets are resolved against base.
func (r *reader) rels(name, base string) ([]relationship, error) {
	f := r.files[name]
	if f == nil {
		return nil, fmt.Errorf("no %s", name)
	}
	var doc struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := decodeSmall(f, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i, rel := range doc.Rels {
		t := rel.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(base, t)
		}
		doc.Rels[i].Target = t
	}
	return doc.Rels, nil
}

// decodeSmall decodes a small part (relationships, the workbook) whole,
// refusing one larger than 16 MiB.
func decodeSmall(f *zip.File, v any) error {
	if f.UncompressedSize64 > 16<<20 {
		return fmt.Errorf("%s is %d bytes", f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(newRunCap(rc)).Decode(v)
}

type wbSheet struct {
	name, rid string
}

func (r *reader) workbookSheets(wb string) ([]wbSheet, error) {
	var doc struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodeSmall(r.files[wb], &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", wb, err)
	}
	var out []wbSheet
	for _, s := range doc.Sheets {
		rid := ""
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && (a.Name.Space == relNS || strings.Contains(a.Name.Space, "relationships")) {
				rid = a.Value
			}
		}
		out = append(out, wbSheet{name: s.Name, rid: rid})
	}
	return out, nil
}

// readPercentStyles reads which cell styles format numbers as percentages
// (built-in formats 9 and 10, 0% and 0.00%, or a custom format with a %
// outside quotes). Any problem reading styles means no percent columns.
func readPercentStyles(f *zip.File) []bool {
	if f == nil {
		return nil
	}
	var doc struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmt int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if decodeSmall(f, &doc) != nil {
		return nil
	}
	custom := map[int]bool{}
	for _, n := range doc.NumFmts {
		custom[n.ID] = strings.Contains(strings.ReplaceAll(n.Code, `"%"`, ""), "%")
	}
	out := make([]bool, len(doc.Xfs))
	for i, x := range doc.Xfs {
		out[i] = x.NumFmt == 9 || x.NumFmt == 10 || custom[x.NumFmt]
	}
	return out
}

func (r *reader) Next() (connectors.Row, error) {
	for {
		if r.cur == nil {
			if r.si >= len(r.sheets) {
				return connectors.Row{}, io.EOF
			}
			s := r.sheets[r.si]
			cur, err := openSheet(r, s)
			if err != nil {
				return connectors.Row{}, err
			}
			r.cur = cur
		}
		row, err := r.cur.next()
		if err == io.EOF {
			r.cur.close()
			r.cur = nil
			r.si++
			continue
		}
		var re *connectors.RowError
		if err != nil && !errors.As(err, &re) {
			return row, err
		}
		r.total++
		if r.lim.MaxRows > 0 && r.total > r.lim.MaxRows {
			return row, &connectors.FileError{Line: row.Number,
				Reason:   fmt.Sprintf("the workbook has more than %d rows, the limit; split it by period", r.lim.MaxRows),
				ReasonZh: fmt.Sprintf("工作簿超过%d行的上限，请按报告期拆分后报送", r.lim.MaxRows)}
		}
		return row, err
	}
}

func (r *reader) Close() error {
	if r.cur != nil {
		r.cur.close()
	}
	if r.sst != nil {
		r.sst.close()
	}
	return r.zr.Close()
}

// mergedRange is a block of merged cells: Excel keeps the value in the
// top-left cell only, but a person reads it in every cell of the block
// (a header merged over two rows, a department merged down a column).
type mergedRange struct {
	r1, r2, c1, c2 int
	value          string
	set            bool
}

// sheetReader streams one sheet's rows.
type sheetReader struct {
	wb      *reader
	name    string
	rc      io.ReadCloser
	dec     *xml.Decoder
	merged  []*mergedRange // sorted by first row
	mi      int            // merged[:mi] have started
	active  []*mergedRange
	last    int     // the last row number yielded
	pending *queued // a row read, waiting for the gap rows before it
	done    bool
}

type queued struct {
	row connectors.Row
	err error
}

func openSheet(wb *reader, s sheetRef) (*sheetReader, error) {
	f := wb.files[s.part]
	merged, err := scanMerged(f)
	if err != nil {
		return nil, unreadable("sheet %q: %v", s.name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, unreadable("sheet %q: %v", s.name, err)
	}
	return &sheetReader{wb: wb, name: s.name, rc: rc, dec: xml.NewDecoder(newRunCap(rc)), merged: merged}, nil
}

func (s *sheetReader) close() { s.rc.Close() }

// cell is one <c> element being read.
type cell struct {
	col    int
	style  int
	typ    string
	v      []byte
	inline []byte
}

// next returns the next row of the sheet, with rows only merged blocks
// reach (absent from the XML) filled in between.
func (s *sheetReader) next() (connectors.Row, error) {
	if s.pending != nil {
		return s.gapOrPending()
	}
	if s.done {
		return connectors.Row{}, io.EOF
	}
	for {
		tok, err := s.dec.RawToken()
		if err == io.EOF {
			s.done = true
			return connectors.Row{}, io.EOF
		}
		if err != nil {
			return connectors.Row{Sheet: s.name, Number: s.last + 1}, unreadable("sheet %q after row %d: %v", s.name, s.last, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "row" {
			n := s.last + 1
			if v := attr(se, "r"); v != "" {
				if k, err := strconv.Atoi(v); err == nil && k > 0 && k <= 1<<20 {
					n = k
				}
			}
			cells, bytes, err := s.readRow()
			if err != nil {
				return connectors.Row{Sheet: s.name, Number: n}, unreadable("sheet %q row %d: %v", s.name, n, err)
			}
			return s.emit(n, cells, bytes)
		}
		if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "sheetData" {
			s.done = true
			return connectors.Row{}, io.EOF
		}
	}
}

// emit returns row n with merged blocks filled in; rows between the last
// one and n that only merged blocks reach come first, one per call.
func (s *sheetReader) emit(n int, cells []string, size int) (connectors.Row, error) {
	if n <= s.last {
		n = s.last + 1 // rows out of order: number them as they come
	}
	q := queued{row: connectors.Row{Sheet: s.name, Number: n, Cells: cells}}
	if size > connectors.MaxRowBytes {
		q = queued{row: connectors.Row{Sheet: s.name, Number: n}, err: &connectors.RowError{Row: connectors.Row{Sheet: s.name, Number: n},
			Reason:   fmt.Sprintf("the row is longer than %d bytes; nothing of it was read", connectors.MaxRowBytes),
			ReasonZh: fmt.Sprintf("该行超过%d字节，整行未读取", connectors.MaxRowBytes)}}
	}
	s.pending = &q
	return s.next()
}

// gapOrPending yields the next row between the last one and the pending
// row that a merged block reaches, else the pending row itself.
func (s *sheetReader) gapOrPending() (connectors.Row, error) {
	p := s.pending
	for s.last+1 < p.row.Number {
		gap := s.last + 1
		if len(s.active) == 0 && (s.mi >= len(s.merged) || s.merged[s.mi].r1 >= p.row.Number) {
			s.last = p.row.Number - 1 // no block reaches the gap: skip it
			break
		}
		s.last = gap
		if filled := s.fill(gap, nil); len(filled) > 0 {
			return connectors.Row{Sheet: s.name, Number: gap, Cells: filled}, nil
		}
	}
	s.pending = nil
	s.last = p.row.Number
	if p.err == nil {
		p.row.Cells = s.fill(p.row.Number, p.row.Cells)
	}
	return p.row, p.err
}

// fill copies each merged block's value into the cells it covers on row n.
func (s *sheetReader) fill(n int, cells []string) []string {
	for s.mi < len(s.merged) && s.merged[s.mi].r1 <= n {
		s.active = append(s.active, s.merged[s.mi])
		s.mi++
	}
	keep := s.active[:0]
	for _, m := range s.active {
		if m.r2 < n {
			continue
		}
		keep = append(keep, m)
		if !m.set {
			// The top-left cell is read first: its row is the first row.
			if n == m.r1 && m.c1-1 < len(cells) {
				m.value, m.set = cells[m.c1-1], true
			}
			if !m.set || m.value == "" {
				continue
			}
		}
		if m.value == "" {
			continue
		}
		for len(cells) < m.c2 {
			cells = append(cells, "")
		}
		for c := m.c1; c <= m.c2; c++ {
			if cells[c-1] == "" {
				cells[c-1] = m.value
			}
		}
	}
	s.active = keep
	return cells
}

// readRow reads the cells of a <row> up to its end element.
func (s *sheetReader) readRow() ([]string, int, error) {
	var cells []string
	var c *cell
	var text *[]byte // where character data goes
	inPhonetic := 0
	next := 1
	size := 0
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				c = &cell{col: next, style: -1}
				if ref := attr(t, "r"); ref != "" {
					if col := columnOf(ref); col > 0 {
						c.col = col
					}
				}
				if v := attr(t, "s"); v != "" {
					c.style, _ = strconv.Atoi(v)
				}
				c.typ = attr(t, "t")
			case "v":
				if c != nil {
					text = &c.v
				}
			case "t":
				if c != nil && inPhonetic == 0 {
					text = &c.inline
				}
			case "rPh":
				inPhonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				text = nil
			case "rPh":
				inPhonetic--
			case "c":
				if c == nil {
					continue
				}
				val, err := s.value(c)
				if err != nil {
					return nil, 0, err
				}
				next = c.col + 1
				if val != "" && c.col <= connectors.MaxColumns {
					for len(cells) < c.col-1 {
						cells = append(cells, "")
					}
					cells = append(cells, val)
					size += len(val)
				}
				c = nil
			case "row":
				return cells, size, nil
			}
		case xml.CharData:
			if text != nil {
				if room := connectors.MaxCellBytes + 1 - len(*text); room > 0 {
					*text = append(*text, t[:min(len(t), room)]...)
				}
			}
		}
	}
}

// value is the text of a cell as stored: a shared string, inline text, or
// the raw value (numbers as their stored text, dates as serials).
func (s *sheetReader) value(c *cell) (string, error) {
	switch c.typ {
	case "s":
		idx, err := strconv.Atoi(strings.TrimSpace(string(c.v)))
		if err != nil || len(c.v) == 0 {
			return "", nil
		}
		v, err := s.wb.sst.get(idx)
		if err != nil {
			return "", err
		}
		return v, nil
	case "inlineStr":
		return unescapeX(string(c.inline)), nil
	case "", "n":
		v := string(c.v)
		if c.style >= 0 && c.style < len(s.wb.percent) && s.wb.percent[c.style] {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				v = strconv.FormatFloat(math.Round(f*100*1e9)/1e9, 'f', -1, 64)
			}
		}
		return v, nil
	}
	return string(c.v), nil // str, b, e, d: the stored text
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// columnOf reads the column of a cell reference ("C7" -> 3).
func columnOf(ref string) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			return col
		}
		if col > connectors.MaxColumns {
			return connectors.MaxColumns + 1
		}
	}
	return col
}

// cellRef reads "C7" as column 3, row 7.
func cellRef(ref string) (col, row int, ok bool) {
	col = columnOf(ref)
	i := strings.IndexAny(ref, "0123456789")
	if col == 0 || i < 0 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	return col, row, err == nil && row > 0 && row <= 1<<20
}

// maxMerged bounds the merged blocks of a sheet taken into account.
const maxMerged = 100_000

// scanMerged finds the sheet's merged blocks. They are listed after the
// rows, so the sheet is inflated once before its rows are read; the scan
// is a plain byte search, not an XML parse, and keeps only the blocks.
func scanMerged(f *zip.File) ([]*mergedRange, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []*mergedRange
	const overlap = 256
	buf := make([]byte, 256<<10)
	carry := 0
	for {
		n, rerr := io.ReadFull(rc, buf[carry:])
		data := buf[:carry+n]
		end := len(data)
		if rerr == nil {
			end = len(data) - overlap // a tag cut by the edge is seen next time
		}
		i := 0
		for i < end {
			k := bytes.Index(data[i:end], []byte("mergeCell"))
			if k < 0 {
				break
			}
			i += k + len("mergeCell")
			if i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') && len(out) < maxMerged {
				tag := data[i:min(len(data), i+overlap)]
				if gt := bytes.IndexByte(tag, '>'); gt >= 0 {
					tag = tag[:gt]
				}
				if m := parseMergeRef(string(tag)); m != nil {
					out = append(out, m)
				}
			}
		}
		if rerr != nil {
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			return nil, rerr
		}
		carry = copy(buf, data[end:])
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].r1 < out[b].r1 })
	return out, nil
}

func parseMergeRef(tag string) *mergedRange {
	k := strings.Index(tag, "ref=")
	if k < 0 || k+5 > len(tag) {
		return nil
	}
	q := tag[k+4]
	rest := tag[k+5:]
	e := strings.IndexByte(rest, q)
	if e < 0 {
		return nil
	}
	a, b, ok := strings.Cut(rest[:e], ":")
	if !ok {
		return nil
	}
	c1, r1, ok1 := cellRef(a)
	c2, r2, ok2 := cellRef(b)
	if !ok1 || !ok2 || c1 > c2 || r1 > r2 || c2 > connectors.MaxColumns {
		return nil
	}
	return &mergedRange{r1: r1, r2: r2, c1: c1, c2: c2}
}
