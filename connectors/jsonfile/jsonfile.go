// Package jsonfile decodes JSON submissions, API pages and message batches:
// a top-level array of objects, an object wrapping one ("data", "items",
// "records", "rows" or "results"), or newline-delimited objects.
//
// The file is read twice, streaming, with this package's own parser: the
// first pass checks the syntax and collects the union of every record's
// keys (a key that only later records carry is a column too); the second
// yields a header row of those keys and then one row per record. A record
// with the same key twice is rejected (which value was meant cannot be
// told); memory stays flat on any input, since no cell is kept beyond
// connectors.MaxCellBytes+1 bytes and no record beyond
// connectors.MaxRowBytes.
package jsonfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("json", Open) }

// wrappers are the keys APIs commonly put their records under.
var wrappers = map[string]bool{"data": true, "items": true, "records": true, "rows": true, "results": true}

// maxKeys bounds the distinct keys of a file: more is not a table.
const maxKeys = 1024

// maxDepth bounds the nesting of values inside a record.
const maxDepth = 256

type reader struct {
	f     *os.File
	path  string
	lim   connectors.Limits
	p     *parser
	keys  []string
	index map[string]int
	// stamp[i] is the last record that set column i: a second set in the
	// same record is a duplicate key.
	stamp  []int
	header bool
	n      int
}

// Open checks the whole file and collects its keys, then returns a reader
// of its records.
func Open(path string, lim connectors.Limits) (connectors.RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && lim.MaxBytes > 0 && st.Size() > lim.MaxBytes {
		f.Close()
		return nil, &connectors.FileError{Reason: fmt.Sprintf("the file is %d bytes, more than the %d-byte limit; split it by period", st.Size(), lim.MaxBytes),
			ReasonZh: fmt.Sprintf("文件大小为%d字节，超过%d字节的上限，请按报告期拆分后报送", st.Size(), lim.MaxBytes)}
	}
	keys, wrapped, err := scanKeys(f, lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	r := &reader{f: f, path: path, lim: lim, keys: keys, index: make(map[string]int, len(keys)), stamp: make([]int, len(keys))}
	for i, k := range keys {
		r.index[k] = i
	}
	r.p = newParser(f)
	r.p.ExpectWrapped = wrapped
	if err := r.p.start(); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// scanKeys is the first pass: syntax, record count and the sorted union
// of the records' keys.
func scanKeys(f io.Reader, lim connectors.Limits) ([]string, bool, error) {
	p := newParser(f)
	if err := p.start(); err != nil {
		return nil, false, err
	}
	seen := map[string]bool{}
	n := 0
	for {
		var rec record
		more, err := p.next(&rec, func(key []byte) int {
			if !seen[string(key)] {
				if len(seen) >= maxKeys {
					return -2
				}
				seen[string(key)] = true
			}
			return -1
		})
		if err != nil {
			return nil, false, err
		}
		if !more {
			break
		}
		if rec.tooManyKeys {
			return nil, false, &connectors.FileError{Line: rec.line,
				Reason:   fmt.Sprintf("the records have more than %d different keys: this is not a table of records", maxKeys),
				ReasonZh: fmt.Sprintf("记录中的键超过%d个，不是一张数据表", maxKeys)}
		}
		n++
		if lim.MaxRows > 0 && n > lim.MaxRows {
			return nil, false, &connectors.FileError{Line: rec.line,
				Reason:   fmt.Sprintf("the file has more than %d records, the limit; split it by period", lim.MaxRows),
				ReasonZh: fmt.Sprintf("文件超过%d条记录的上限，请按报告期拆分后报送", lim.MaxRows)}
		}
	}
	if n == 0 {
		return nil, false, &connectors.FileError{Empty: true, Reason: "the file holds no records", ReasonZh: "文件中没有任何记录"}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, p.wrapped, nil
}

// validKey makes a key valid UTF-8 as encoding/json reads it, each byte
// that is not UTF-8 a U+FFFD: a key becomes a header, and a header is
// text that must match the same way on both passes and in every report.
// Values are left as sent: the validator rejects a cell that is not text.
func validKey(key []byte) []byte {
	if utf8.Valid(key) {
		return key
	}
	out := make([]byte, 0, len(key)+8)
	for len(key) > 0 {
		r, n := utf8.DecodeRune(key)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, key[:n]...)
		}
		key = key[n:]
	}
	return out
}

// Next returns the header row (the keys) first, then one row per record.
func (r *reader) Next() (connectors.Row, error) {
	if !r.header {
		r.header = true
		return connectors.Row{Cells: append([]string(nil), r.keys...)}, nil
	}
	cells := make([]string, len(r.keys))
	var rec record
	rec.cells = cells
	r.n++
	more, err := r.p.next(&rec, func(key []byte) int {
		i, ok := r.index[string(key)]
		if !ok {
			return -1 // the file changed under us; ignore the key
		}
		if r.stamp[i] == r.n {
			if rec.dup == "" {
				rec.dup = string(key)
			}
			return -1
		}
		r.stamp[i] = r.n
		return i
	})
	if err != nil {
		return connectors.Row{}, err
	}
	if !more {
		return connectors.Row{}, io.EOF
	}
	row := connectors.Row{Number: r.n, Cells: cells}
	switch {
	case rec.notObject:
		return row, &connectors.RowError{Row: connectors.Row{Number: r.n},
			Reason:   fmt.Sprintf("record %d (line %d) is not an object of key-value pairs; nothing of it was read", r.n, rec.line),
			ReasonZh: fmt.Sprintf("第%d条记录（第%d行）不是键值对象，未读取", r.n, rec.line)}
	case rec.dup != "":
		return row, &connectors.RowError{Row: connectors.Row{Number: r.n}, Column: rec.dup,
			Reason:   fmt.Sprintf("record %d (line %d) has the key %q twice: which value is meant cannot be told; send it once", r.n, rec.line, rec.dup),
			ReasonZh: fmt.Sprintf("第%d条记录（第%d行）中键“%s”出现了两次，无法判断以哪个值为准，请只保留一个", r.n, rec.line, rec.dup)}
	case rec.badEscape:
		return row, &connectors.RowError{Row: connectors.Row{Number: r.n},
			Reason:   fmt.Sprintf("record %d (line %d) has a \\u escape that is half of a character (a lone surrogate); nothing of it was read", r.n, rec.line),
			ReasonZh: fmt.Sprintf("第%d条记录（第%d行）含有不完整的\\u转义字符，未读取", r.n, rec.line)}
	case rec.long:
		return row, &connectors.RowError{Row: connectors.Row{Number: r.n},
			Reason:   fmt.Sprintf("record %d (line %d) is longer than %d bytes; nothing of it was read", r.n, rec.line, connectors.MaxRowBytes),
			ReasonZh: fmt.Sprintf("第%d条记录（第%d行）超过%d字节，未读取", r.n, rec.line, connectors.MaxRowBytes)}
	}
	return row, nil
}

func (r *reader) Close() error { return r.f.Close() }

// record is what the parser found in one record.
type record struct {
	cells       []string // by column index; nil in the first pass
	line        int      // where the record starts
	bytes       int      // kept bytes of its cells
	dup         string
	notObject   bool
	badEscape   bool
	long        bool
	tooManyKeys bool
}

// parser reads JSON from a buffered source, tracking line and offset.
type parser struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	rerr     error
	off      int64 // offset of buf[0] in the file
	line     int

	recs    int // records begun
	mode    int // modeArray, modeNDJSON
	wrapped bool
	started bool // a record has been read in array mode
	done    bool

	val []byte // scratch for one value
	key []byte // scratch for one key

	// ExpectWrapped is set on the second pass when the first found the
	// records wrapped in a page object.
	ExpectWrapped bool
}

const (
	modeArray = iota
	modeNDJSON
)

func newParser(r io.Reader) *parser {
	return &parser{r: r, buf: make([]byte, 64<<10), line: 1}
}

// fill refills the buffer; false at the end.
func (p *parser) fill() bool {
	if p.eof {
		return false
	}
	p.off += int64(p.end)
	p.pos, p.end = 0, 0
	for p.end == 0 {
		n, err := p.r.Read(p.buf)
		p.end = n
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.rerr = err
			}
			p.eof = true
			return n > 0
		}
	}
	return true
}

func (p *parser) peek() (byte, bool) {
	if p.pos >= p.end && !p.fill() {
		return 0, false
	}
	return p.buf[p.pos], true
}

func (p *parser) skipSpace() {
	for {
		c, ok := p.peek()
		if !ok {
			return
		}
		switch c {
		case '\n':
			p.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		p.pos++
	}
}

func (p *parser) syntax(format string, args ...any) error {
	if p.rerr != nil {
		return p.rerr
	}
	msg := fmt.Sprintf(format, args...)
	at := p.off + int64(p.pos)
	where, whereZh := "", ""
	if p.recs > 0 {
		where, whereZh = fmt.Sprintf(", in record %d", p.recs), fmt.Sprintf("（第%d条记录）", p.recs)
	}
	return &connectors.FileError{Line: p.line, Offset: at,
		Reason:   fmt.Sprintf("not valid JSON at line %d (byte %d)%s: %s", p.line, at, where, msg),
		ReasonZh: fmt.Sprintf("不是有效的JSON：第%d行（第%d字节）%s有语法错误，请重新导出后报送", p.line, at, whereZh)}
}

func (p *parser) expect(c byte, what string) error {
	got, ok := p.peek()
	if !ok {
		return p.syntax("the file ends where %s was expected", what)
	}
	if got != c {
		return p.syntax("%s expected, found %q", what, got)
	}
	p.pos++
	return nil
}

// start reads up to the first record and decides the shape.
func (p *parser) start() error {
	if b, ok := p.peek(); ok && b == 0xef {
		if p.end-p.pos >= 3 && bytes.Equal(p.buf[p.pos:p.pos+3], []byte("\xef\xbb\xbf")) {
			p.pos += 3
		}
	}
	p.skipSpace()
	c, ok := p.peek()
	if !ok {
		if p.rerr != nil {
			return p.rerr
		}
		return &connectors.FileError{Empty: true, Reason: "the file is empty", ReasonZh: "文件为空，没有任何内容"}
	}
	switch {
	case c == '[':
		p.pos++
		p.mode = modeArray
		return nil
	case c == '{':
		p.mode = modeNDJSON
		return nil
	case c == 0xff || c == 0xfe || c == 0:
		return &connectors.FileError{Reason: "the file is UTF-16 text; JSON must be UTF-8: save it as UTF-8 and resend it",
			ReasonZh: "文件为UTF-16编码，JSON文件须为UTF-8编码：请另存为UTF-8编码后重新报送"}
	}
	return p.syntax("a JSON array or object was expected, found %q", c)
}

// next reads the next record into rec; col maps a key to the column its
// value goes in (-1 to drop it, -2 when there are too many keys). It
// returns false after the last record.
func (p *parser) next(rec *record, col func(key []byte) int) (bool, error) {
	if p.done {
		return false, nil
	}
	p.skipSpace()
	if p.mode == modeArray {
		c, ok := p.peek()
		if !ok {
			return false, p.syntax("the file ends inside the array of records: it is cut short")
		}
		if c == ']' {
			p.pos++
			return false, p.finish()
		}
		p.recs++
		if p.started {
			if err := p.expect(',', "a comma between records"); err != nil {
				return false, err
			}
			p.skipSpace()
		}
		p.started = true
	} else if _, ok := p.peek(); !ok {
		p.done = true
		return false, p.rerr
	}
	rec.line = p.line
	if p.mode == modeNDJSON {
		p.recs++
	}
	c, _ := p.peek()
	if c != '{' {
		rec.notObject = true
		if err := p.value(nil, rec, 0); err != nil {
			return false, err
		}
		return true, nil
	}
	p.pos++
	p.skipSpace()
	if c, _ := p.peek(); c == '}' {
		p.pos++
		return true, nil
	}
	// The first object of a file may be a page wrapping the records in an
	// array: its other keys are not columns. The first pass holds them
	// back until the object is over; the second knows from the first.
	first := p.mode == modeNDJSON && !p.wrapped && !p.started
	var pending []string
	for {
		p.skipSpace()
		if err := p.str(&p.key, rec); err != nil {
			return false, err
		}
		p.key = validKey(p.key)
		p.skipSpace()
		if err := p.expect(':', "a colon after the key"); err != nil {
			return false, err
		}
		p.skipSpace()
		if first && wrappers[string(p.key)] {
			if c, _ := p.peek(); c == '[' {
				p.pos++
				p.mode, p.wrapped, p.started = modeArray, true, false
				*rec = record{cells: rec.cells}
				p.recs = 0
				return p.next(rec, col)
			}
		}
		i := -1
		switch {
		case first && rec.cells == nil:
			pending = append(pending, string(p.key))
		case first && p.ExpectWrapped:
		default:
			i = col(p.key)
		}
		if i == -2 {
			rec.tooManyKeys = true
		}
		var dst *[]byte
		if i >= 0 && rec.cells != nil {
			p.val = p.val[:0]
			dst = &p.val
		}
		if err := p.value(dst, rec, 0); err != nil {
			return false, err
		}
		if dst != nil {
			rec.bytes += len(p.val)
			if rec.bytes > connectors.MaxRowBytes {
				rec.long = true
			} else {
				rec.cells[i] = string(p.val)
			}
		}
		p.skipSpace()
		c, ok := p.peek()
		if !ok {
			return false, p.syntax("the file ends inside a record: it is cut short")
		}
		p.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			p.pos--
			return false, p.syntax("a comma or } expected after a value, found %q", c)
		}
	}
	for _, k := range pending {
		if col([]byte(k)) == -2 {
			rec.tooManyKeys = true
		}
	}
	if p.mode == modeNDJSON {
		p.started = true
	}
	return true, nil
}

// finish reads what follows the array of records: the rest of a wrapping
// object, then nothing but white space.
func (p *parser) finish() error {
	p.done = true
	if p.wrapped {
		for {
			p.skipSpace()
			c, ok := p.peek()
			if !ok {
				return p.syntax("the file ends inside the wrapping object: it is cut short")
			}
			p.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				p.pos--
				return p.syntax("a comma or } expected, found %q", c)
			}
			p.skipSpace()
			var rec record
			if err := p.str(&p.key, &rec); err != nil {
				return err
			}
			p.skipSpace()
			if err := p.expect(':', "a colon after the key"); err != nil {
				return err
			}
			p.skipSpace()
			if err := p.value(nil, &rec, 0); err != nil {
				return err
			}
		}
	}
	p.skipSpace()
	if c, ok := p.peek(); ok {
		return p.syntax("unexpected %q after the records", c)
	}
	return p.rerr
}

// keep appends b to dst within the cell limit.
func keep(dst *[]byte, b []byte) {
	if dst == nil {
		return
	}
	if room := connectors.MaxCellBytes + 1 - len(*dst); len(b) > room {
		b = b[:max(room, 0)]
	}
	*dst = append(*dst, b...)
}

// value reads one JSON value. A string's text (or any other value's JSON
// text) is kept in dst when dst is not nil.
func (p *parser) value(dst *[]byte, rec *record, depth int) error {
	if depth > maxDepth {
		return p.syntax("values nested more than %d deep", maxDepth)
	}
	c, ok := p.peek()
	if !ok {
		return p.syntax("the file ends where a value was expected: it is cut short")
	}
	switch {
	case c == '"':
		if depth == 0 {
			return p.str(dst, rec)
		}
		// Inside an object or array the JSON text is kept, quotes and all.
		var s []byte
		if err := p.str(&s, rec); err != nil {
			return err
		}
		keep(dst, jsonQuote(s))
		return nil
	case c == '{' || c == '[':
		return p.container(dst, rec, depth)
	case c == 't':
		return p.literal(dst, "true")
	case c == 'f':
		return p.literal(dst, "false")
	case c == 'n':
		if err := p.literal(nil, "null"); err != nil {
			return err
		}
		if depth > 0 {
			keep(dst, []byte("null"))
		}
		return nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number(dst)
	}
	return p.syntax("a value expected, found %q", c)
}

// jsonQuote writes s as a JSON string.
func jsonQuote(s []byte) []byte {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = append(out, `\u00`...)
			out = append(out, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}

func (p *parser) container(dst *[]byte, rec *record, depth int) error {
	open, _ := p.peek()
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	p.pos++
	keep(dst, []byte{open})
	p.skipSpace()
	if c, _ := p.peek(); c == close {
		p.pos++
		keep(dst, []byte{close})
		return nil
	}
	for first := true; ; first = false {
		p.skipSpace()
		if !first {
			keep(dst, []byte{','})
		}
		if open == '{' {
			var k []byte
			if err := p.str(&k, rec); err != nil {
				return err
			}
			keep(dst, jsonQuote(k))
			keep(dst, []byte{':'})
			p.skipSpace()
			if err := p.expect(':', "a colon after the key"); err != nil {
				return err
			}
			p.skipSpace()
		}
		if err := p.value(dst, rec, depth+1); err != nil {
			return err
		}
		p.skipSpace()
		c, ok := p.peek()
		if !ok {
			return p.syntax("the file ends inside a value: it is cut short")
		}
		p.pos++
		if c == close {
			keep(dst, []byte{close})
			return nil
		}
		if c != ',' {
			p.pos--
			return p.syntax("a comma or %c expected, found %q", close, c)
		}
	}
}

func (p *parser) literal(dst *[]byte, word string) error {
	for i := 0; i < len(word); i++ {
		c, ok := p.peek()
		if !ok || c != word[i] {
			return p.syntax("%s expected", word)
		}
		p.pos++
	}
	keep(dst, []byte(word))
	return nil
}

// number reads a number as its text: 0.1 stays "0.1", 1e3 stays "1e3".
func (p *parser) number(dst *[]byte) error {
	var tmp [32]byte
	text := tmp[:0]
	n := 0
	next := func() (byte, bool) {
		c, ok := p.peek()
		return c, ok
	}
	take := func(c byte) {
		p.pos++
		n++
		if len(text) < cap(tmp) {
			text = append(text, c)
		} else {
			keep(dst, text)
			text = text[:0]
			text = append(text, c)
		}
	}
	digits := func() int {
		k := 0
		for {
			c, ok := next()
			if !ok || c < '0' || c > '9' {
				return k
			}
			take(c)
			k++
		}
	}
	if c, _ := next(); c == '-' {
		take(c)
	}
	c, ok := next()
	switch {
	case !ok:
		return p.syntax("a number is cut short")
	case c == '0':
		take(c)
	case c >= '1' && c <= '9':
		digits()
	default:
		return p.syntax("a digit expected in a number, found %q", c)
	}
	if c, ok := next(); ok && c == '.' {
		take(c)
		if digits() == 0 {
			return p.syntax("a digit expected after the decimal point")
		}
	}
	if c, ok := next(); ok && (c == 'e' || c == 'E') {
		take(c)
		if c, ok := next(); ok && (c == '+' || c == '-') {
			take(c)
		}
		if digits() == 0 {
			return p.syntax("a digit expected in the exponent")
		}
	}
	keep(dst, text)
	return nil
}

// str reads a string into dst (nil: checked and dropped), decoding escapes.
func (p *parser) str(dst *[]byte, rec *record) error {
	if err := p.expect('"', "a string"); err != nil {
		return err
	}
	if dst != nil {
		*dst = (*dst)[:0]
	}
	for {
		if p.pos >= p.end && !p.fill() {
			return p.syntax("the file ends inside a string: it is cut short")
		}
		b := p.buf[p.pos:p.end]
		i := 0
		for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 {
			i++
		}
		keep(dst, b[:i])
		p.pos += i
		if i == len(b) {
			continue
		}
		switch c := b[i]; {
		case c == '"':
			p.pos++
			return nil
		case c < 0x20:
			return p.syntax("a control character inside a string must be escaped")
		}
		// A backslash escape.
		p.pos++
		c, ok := p.peek()
		if !ok {
			return p.syntax("the file ends inside a string: it is cut short")
		}
		p.pos++
		switch c {
		case '"', '\\', '/':
			keep(dst, []byte{c})
		case 'b':
			keep(dst, []byte{'\b'})
		case 'f':
			keep(dst, []byte{'\f'})
		case 'n':
			keep(dst, []byte{'\n'})
		case 'r':
			keep(dst, []byte{'\r'})
		case 't':
			keep(dst, []byte{'\t'})
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return err
			}
			if utf16.IsSurrogate(r) {
				// A pair must follow as \uXXXX.
				r2 := rune(-1)
				if c1, ok := p.peek(); ok && c1 == '\\' && p.pos+1 < p.end && p.buf[p.pos+1] == 'u' {
					p.pos += 2
					if r2, err = p.hex4(); err != nil {
						return err
					}
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					rec.badEscape = true
					r = utf8.RuneError
					if r2 >= 0 && !utf16.IsSurrogate(r2) {
						keep(dst, utf8.AppendRune(nil, utf8.RuneError))
						r = r2
					}
				}
			}
			keep(dst, utf8.AppendRune(nil, r))
		default:
			p.pos--
			return p.syntax("\\%c is not a JSON escape", c)
		}
	}
}

func (p *parser) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, ok := p.peek()
		if !ok {
			return 0, p.syntax("the file ends inside a \\u escape")
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, p.syntax("a hexadecimal digit expected in a \\u escape, found %q", c)
		}
		p.pos++
		r = r<<4 | rune(v)
	}
	return r, nil
}
