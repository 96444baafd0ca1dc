// Package csvfile decodes CSV submissions: UTF-8 with or without a byte
// order mark, the GB18030/GBK files that Chinese office software still
// writes by default, and UTF-16 ("Unicode text"). One encoding is decided
// for the whole file; a file that mixes them is rejected, naming the
// first byte that breaks it.
//
// The parser is this package's own, not encoding/csv, so that memory
// stays flat on any input: a cell longer than connectors.MaxCellBytes is
// cut (and rejected by the validator), a row longer than
// connectors.MaxRowBytes is reported, and nothing is ever held whole.
package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("csv", Open) }

// Parser states.
const (
	sStart    = iota // at the start of a field
	sUnquoted        // in a field that did not start with a quote
	sQuoted          // in a quoted field
	sQuote           // just after a quote inside a quoted field
	sQuoteCR         // after a closing quote and a carriage return
)

type reader struct {
	f    *os.File
	path string
	lim  connectors.Limits
	enc  encoding
	src  io.Reader

	buf      []byte
	pos, end int
	eof      bool
	rerr     error

	line  int // line of buf[pos], 1-based
	n     int // rows returned
	delim byte

	// The row being assembled: the kept bytes of its cells, end offsets.
	rec      []byte
	ends     []int
	fieldLen int  // bytes the current field really has
	last     byte // the last byte seen in the current field
	extra    int  // fields beyond connectors.MaxColumns
	rowLong  bool // bytes were dropped beyond connectors.MaxRowBytes

	// Rows are carved out of shared blocks, two allocations per few
	// hundred rows instead of two per row. A block is never written again
	// once a row is carved from it, so a cell stays valid for as long as
	// anything holds it.
	text  []byte
	cells []string
}

// Sizes of the shared blocks: small enough that a cell held on to keeps
// little else alive.
const (
	textBlock  = 32 << 10
	cellsBlock = 512
)

// Open opens the CSV file at path, reads it once to decide its encoding,
// and returns a reader of its rows.
func Open(path string, lim connectors.Limits) (connectors.RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if lim.MaxBytes > 0 && st.Size() > lim.MaxBytes {
		f.Close()
		return nil, &connectors.FileError{Reason: fmt.Sprintf("the file is %d bytes, more than the %d-byte limit; split it by period", st.Size(), lim.MaxBytes),
			ReasonZh: fmt.Sprintf("文件大小为%d字节，超过%d字节的上限，请按报告期拆分后报送", st.Size(), lim.MaxBytes)}
	}
	det, err := detect(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(int64(det.bom), io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var src io.Reader = f
	switch det.enc {
	case encGB18030:
		src = transform.NewReader(f, simplifiedchinese.GB18030.NewDecoder())
	case encUTF16LE:
		src = transform.NewReader(f, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case encUTF16BE:
		src = transform.NewReader(f, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder())
	}
	r := &reader{f: f, path: path, lim: lim, enc: det.enc, src: src, buf: make([]byte, 64<<10), line: 1, delim: ','}
	r.fill()
	r.delim = sniffDelimiter(r.buf[r.pos:r.end])
	return r, nil
}

// sniffDelimiter reads the first line: a tab-separated file ("Unicode
// text" from a spreadsheet) has tabs and no commas there.
func sniffDelimiter(b []byte) byte {
	commas, tabs := 0, 0
	for _, c := range b {
		if c == '\n' {
			break
		}
		switch c {
		case ',':
			commas++
		case '\t':
			tabs++
		}
	}
	if commas == 0 && tabs > 0 {
		return '\t'
	}
	return ','
}

// fill reads the next chunk into the buffer; false at the end or on error.
func (r *reader) fill() bool {
	if r.eof {
		return false
	}
	r.pos, r.end = 0, 0
	for r.end == 0 {
		n, err := r.src.Read(r.buf)
		r.end = n
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.rerr = err
			}
			r.eof = true
			return n > 0
		}
	}
	return true
}

// add keeps what fits of b in the current field and row.
func (r *reader) add(b []byte) {
	if len(b) == 0 {
		return
	}
	r.last = b[len(b)-1]
	keep := len(b)
	if room := connectors.MaxCellBytes + 1 - r.fieldLen; keep > room {
		keep = max(room, 0)
	}
	if room := connectors.MaxRowBytes - len(r.rec); keep > room {
		keep = max(room, 0)
		r.rowLong = true
	}
	if len(r.ends) >= connectors.MaxColumns {
		keep = 0
	}
	r.rec = append(r.rec, b[:keep]...)
	r.fieldLen += len(b)
}

// carveText returns b as a string stored in the current text block.
func (r *reader) carveText(b []byte) string {
	if len(b) > textBlock/4 {
		return string(b)
	}
	if cap(r.text)-len(r.text) < len(b) {
		r.text = make([]byte, 0, textBlock)
	}
	start := len(r.text)
	r.text = append(r.text, b...)
	return unsafe.String(unsafe.SliceData(r.text[start:]), len(b))
}

// carveCells returns n cells from the current cells block, capped so that
// an append by the caller cannot reach the next row's cells.
func (r *reader) carveCells(n int) []string {
	if n > cellsBlock/4 {
		return make([]string, n)
	}
	if cap(r.cells)-len(r.cells) < n {
		r.cells = make([]string, 0, cellsBlock)
	}
	start := len(r.cells)
	r.cells = r.cells[:start+n]
	return r.cells[start : start+n : start+n]
}

// dropCR removes a carriage return just kept at the end of the field.
func (r *reader) dropCR() {
	if r.last == '\r' && r.fieldLen <= connectors.MaxCellBytes+1 && len(r.rec) > 0 && r.rec[len(r.rec)-1] == '\r' {
		r.rec = r.rec[:len(r.rec)-1]
		r.fieldLen--
	}
}

func (r *reader) endField() {
	if len(r.ends) < connectors.MaxColumns {
		r.ends = append(r.ends, len(r.rec))
	} else {
		r.extra++
	}
	r.fieldLen, r.last = 0, 0
}

// quickRows lets Next take whole plain lines at once (tests turn it off
// to compare with the state machine).
var quickRows = true

// Next returns the next row. Its Number is the line the row starts on.
func (r *reader) Next() (connectors.Row, error) {
	if quickRows {
		if row, ok := r.quick(); ok {
			return row, nil
		}
	}
	r.rec, r.ends, r.extra, r.rowLong, r.fieldLen, r.last = r.rec[:0], r.ends[:0], 0, false, 0, 0
	start, quoteLine := r.line, 0
	state, started := sStart, false
	for {
		if r.pos >= r.end && !r.fill() {
			if r.rerr != nil {
				return connectors.Row{}, fmt.Errorf("%s line %d: %w", r.path, r.line, r.rerr)
			}
			switch state {
			case sQuoted:
				return connectors.Row{Number: quoteLine}, &connectors.FileError{Line: quoteLine,
					Reason:   fmt.Sprintf("line %d opens a quoted cell (\") that is never closed: every line after it would be read as that one cell; close the quote or remove it, then resend the whole file", quoteLine),
					ReasonZh: fmt.Sprintf("第%d行有一个左引号（\"）没有对应的右引号，其后各行都会被读成同一个单元格：请补上或删去该引号后重新报送整份文件", quoteLine)}
			case sStart:
				if !started {
					return connectors.Row{}, io.EOF
				}
			}
			r.endField()
			return r.row(start)
		}
		b := r.buf[r.pos:r.end]
		switch state {
		case sStart:
			started = true
			if b[0] == '"' {
				state, quoteLine = sQuoted, r.line
				r.pos++
				continue
			}
			state = sUnquoted
		case sUnquoted:
			i := 0
			for i < len(b) && b[i] != r.delim && b[i] != '\n' {
				i++
			}
			r.add(b[:i])
			r.pos += i
			if i == len(b) {
				continue
			}
			r.pos++
			if b[i] == r.delim {
				r.endField()
				state = sStart
				continue
			}
			r.line++
			r.dropCR()
			r.endField()
			return r.row(start)
		case sQuoted:
			i := 0
			for i < len(b) && b[i] != '"' && b[i] != '\n' {
				i++
			}
			r.add(b[:i])
			r.pos += i
			if i == len(b) {
				continue
			}
			r.pos++
			if b[i] == '\n' {
				r.dropCR() // CRLF inside a quoted cell is one line break
				r.add([]byte{'\n'})
				r.line++
				continue
			}
			state = sQuote
		case sQuote:
			switch c := b[0]; {
			case c == '"': // a doubled quote is one quote
				r.add([]byte{'"'})
				r.pos++
				state = sQuoted
			case c == r.delim:
				r.pos++
				r.endField()
				state = sStart
			case c == '\n':
				r.pos++
				r.line++
				r.endField()
				return r.row(start)
			case c == '\r':
				r.pos++
				state = sQuoteCR
			default:
				// A quote inside a quoted cell not followed by a separator
				// is read as a character, as spreadsheets do.
				r.add([]byte{'"'})
				state = sQuoted
			}
		case sQuoteCR:
			if b[0] == '\n' {
				r.pos++
				r.line++
				r.endField()
				return r.row(start)
			}
			r.add([]byte{'"', '\r'})
			state = sQuoted
		}
	}
}

// quick reads the next row when it is a whole line in the buffer without
// a quote, within every limit: the common row of a logger dump or an
// export. The line is found and split with the byte searches of package
// bytes and copied once, into the text block; any other row (quoted
// cells, a line across buffers, a cell or row past its limit, the row
// past MaxRows) is left to the state machine, which reads it the same way
// or reports it.
func (r *reader) quick() (connectors.Row, bool) {
	b := r.buf[r.pos:r.end]
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 || nl > connectors.MaxRowBytes || r.lim.MaxRows > 0 && r.n >= r.lim.MaxRows {
		return connectors.Row{}, false
	}
	line := b[:nl]
	if bytes.IndexByte(line, '"') >= 0 {
		return connectors.Row{}, false
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	r.ends = r.ends[:0]
	for prev := 0; ; {
		j := bytes.IndexByte(line[prev:], r.delim)
		end := len(line)
		if j >= 0 {
			end = prev + j
		}
		if end-prev > connectors.MaxCellBytes || len(r.ends) == connectors.MaxColumns {
			return connectors.Row{}, false
		}
		r.ends = append(r.ends, end)
		if j < 0 {
			break
		}
		prev = end + 1
	}
	text := r.carveText(line)
	cells := r.carveCells(len(r.ends))
	prev := 0
	for i, e := range r.ends {
		cells[i] = text[prev:e]
		prev = e + 1
	}
	row := connectors.Row{Number: r.line, Cells: cells}
	r.pos += nl + 1
	r.line++
	r.n++
	return row, true
}

// row turns the assembled bytes into a Row, or a RowError when the row was
// too big to keep.
func (r *reader) row(start int) (connectors.Row, error) {
	r.n++
	if r.lim.MaxRows > 0 && r.n > r.lim.MaxRows {
		return connectors.Row{Number: start}, &connectors.FileError{Line: start,
			Reason:   fmt.Sprintf("the file has more than %d rows, the limit; split it by period", r.lim.MaxRows),
			ReasonZh: fmt.Sprintf("文件超过%d行的上限，请按报告期拆分后报送", r.lim.MaxRows)}
	}
	if r.extra > 0 {
		return connectors.Row{Number: start}, &connectors.RowError{Row: connectors.Row{Number: start},
			Reason:   fmt.Sprintf("the row has %d fields, more than the %d a sheet can hold; nothing of it was read", len(r.ends)+r.extra, connectors.MaxColumns),
			ReasonZh: fmt.Sprintf("该行有%d栏，超过表格最多%d栏的限制，整行未读取", len(r.ends)+r.extra, connectors.MaxColumns)}
	}
	if r.rowLong {
		return connectors.Row{Number: start}, &connectors.RowError{Row: connectors.Row{Number: start},
			Reason:   fmt.Sprintf("the row is longer than %d bytes; nothing of it was read", connectors.MaxRowBytes),
			ReasonZh: fmt.Sprintf("该行超过%d字节，整行未读取", connectors.MaxRowBytes)}
	}
	s := r.carveText(r.rec)
	cells := r.carveCells(len(r.ends))
	prev := 0
	for i, e := range r.ends {
		cells[i] = s[prev:e]
		prev = e
	}
	return connectors.Row{Number: start, Cells: cells}, nil
}

func (r *reader) Close() error { return r.f.Close() }
