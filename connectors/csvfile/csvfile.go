// Package csvfile decodes CSV submissions: UTF-8 with or without a byte
// order mark, and the GB18030/GBK files that Chinese office software
// still writes by default.
package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("csv", Open) }

type reader struct {
	f    *os.File
	r    *csv.Reader
	path string
	n    int
	lim  connectors.Limits
	// Encoding is what was detected, for error messages.
	encoding string
}

// sniffBytes is how much of the file decides its encoding. Mixed files
// (UTF-8 head, GBK tail) are rejected row by row as invalid text later.
const sniffBytes = 64 << 10

// Open opens the CSV file at path and detects its encoding.
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
		return nil, fmt.Errorf("%s: file is %d bytes, the limit is %d", path, st.Size(), lim.MaxBytes)
	}
	br := bufio.NewReaderSize(f, sniffBytes)
	head, _ := br.Peek(sniffBytes)
	var src io.Reader = br
	enc := "utf-8"
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		br.Discard(3)
		enc = "utf-8 (BOM)"
	case !validUTF8Prefix(head):
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		enc = "gb18030"
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1 // ragged rows are reported by the validator, not fatal here
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &reader{f: f, r: cr, path: path, lim: lim, encoding: enc}, nil
}

// validUTF8Prefix is utf8.Valid that forgives a rune cut at the sniff edge.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

func (r *reader) Next() (connectors.Row, error) {
	rec, err := r.r.Read()
	if err == io.EOF {
		return connectors.Row{}, io.EOF
	}
	r.n++
	if err != nil {
		return connectors.Row{}, fmt.Errorf("%s (%s) row %d: %w", r.path, r.encoding, r.n, err)
	}
	if r.lim.MaxRows > 0 && r.n > r.lim.MaxRows {
		return connectors.Row{}, fmt.Errorf("%s: more than %d rows, the limit", r.path, r.lim.MaxRows)
	}
	line, _ := r.r.FieldPos(0)
	cells := make([]string, len(rec))
	copy(cells, rec)
	return connectors.Row{Number: line, Cells: cells}, nil
}

func (r *reader) Close() error { return r.f.Close() }
