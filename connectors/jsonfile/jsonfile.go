// Package jsonfile decodes JSON submissions, API pages and message batches:
// a top-level array of objects, an object wrapping one ("data", "items",
// "records", "rows" or "results"), or newline-delimited objects. Arrays and
// newline-delimited input are streamed one record at a time.
package jsonfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("json", Open) }

// wrappers are the keys APIs commonly put their records under.
var wrappers = []string{"data", "items", "records", "rows", "results"}

type reader struct {
	f     *os.File
	dec   *json.Decoder
	path  string
	n     int
	first map[string]json.RawMessage // decoded before the header was sent
	index map[string]int
	width int
	lim   connectors.Limits
}

// Open starts decoding the JSON file at path.
func Open(path string, lim connectors.Limits) (connectors.RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && lim.MaxBytes > 0 && st.Size() > lim.MaxBytes {
		f.Close()
		return nil, fmt.Errorf("%s: file is %d bytes, the limit is %d", path, st.Size(), lim.MaxBytes)
	}
	r := &reader{f: f, path: path, lim: lim}
	if err := r.start(bufio.NewReaderSize(f, 64<<10)); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func (r *reader) start(br *bufio.Reader) error {
	// Skip a byte order mark and white space to see the shape.
	for {
		b, err := br.Peek(1)
		if err != nil {
			return fmt.Errorf("%s: empty file", r.path)
		}
		if bytes.HasPrefix(b, []byte{0xEF}) {
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
				br.Discard(3)
				continue
			}
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			br.Discard(1)
			continue
		}
		break
	}
	r.dec = json.NewDecoder(br)
	r.dec.UseNumber()
	b, _ := br.Peek(1)
	switch b[0] {
	case '[':
		r.dec.Token()
		return nil
	case '{':
		var obj map[string]json.RawMessage
		if err := r.dec.Decode(&obj); err != nil {
			return fmt.Errorf("%s: not valid JSON: %w", r.path, err)
		}
		for _, w := range wrappers {
			if v, ok := obj[w]; ok && len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '[' {
				r.dec = json.NewDecoder(bytes.NewReader(v))
				r.dec.UseNumber()
				r.dec.Token()
				return nil
			}
		}
		r.first = obj // newline-delimited records: this is the first
		return nil
	}
	return fmt.Errorf("%s: expected a JSON array or object, found %q", r.path, b[0])
}

func (r *reader) Next() (connectors.Row, error) {
	if r.index == nil {
		// The first row is a header made of the first record's keys, so
		// JSON goes through the same header matching as a spreadsheet.
		if r.first == nil {
			obj, err := r.decode()
			if err != nil {
				return connectors.Row{}, err
			}
			r.first = obj
		}
		keys := make([]string, 0, len(r.first))
		for k := range r.first {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		r.index = make(map[string]int, len(keys))
		for i, k := range keys {
			r.index[k] = i
		}
		r.width = len(keys)
		return connectors.Row{Cells: keys}, nil
	}
	obj := r.first
	r.first = nil
	if obj == nil {
		var err error
		if obj, err = r.decode(); err != nil {
			return connectors.Row{}, err
		}
	}
	r.n++
	if r.lim.MaxRows > 0 && r.n > r.lim.MaxRows {
		return connectors.Row{}, fmt.Errorf("%s: more than %d records, the limit", r.path, r.lim.MaxRows)
	}
	cells := make([]string, r.width)
	for k, v := range obj {
		if i, ok := r.index[k]; ok {
			cells[i] = cell(v)
		}
	}
	return connectors.Row{Number: r.n, Cells: cells}, nil
}

func (r *reader) decode() (map[string]json.RawMessage, error) {
	if !r.dec.More() {
		return nil, io.EOF
	}
	var obj map[string]json.RawMessage
	if err := r.dec.Decode(&obj); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%s record %d: not valid JSON: %w", r.path, r.n+1, err)
	}
	return obj, nil
}

// cell renders a JSON value as the text a spreadsheet cell would hold.
func cell(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

func (r *reader) Close() error { return r.f.Close() }
