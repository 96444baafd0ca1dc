package csvfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
)

// encoding is what a whole file was decided to be.
type encoding int

const (
	encUTF8 encoding = iota
	encGB18030
	encUTF16LE
	encUTF16BE
)

func (e encoding) String() string {
	return [...]string{"UTF-8", "GB18030", "UTF-16LE", "UTF-16BE"}[e]
}

// detection is the outcome of reading the whole file once.
type detection struct {
	enc encoding
	bom int // bytes of byte order mark to skip
}

// detect reads the whole file once, streaming, and decides one encoding
// for all of it, or says exactly where it stops being one:
//
//   - a byte order mark decides (UTF-8, UTF-16LE/BE); UTF-16 without one
//     is recognised by its zero bytes;
//   - else a file that is valid UTF-8 throughout is UTF-8;
//   - else, if the bytes before the first invalid UTF-8 byte were plain
//     ASCII, the file is GB18030/GBK and must be valid GB18030 throughout,
//     with no line that reads as UTF-8 Chinese;
//   - a file that is UTF-8 Chinese first and something else after is
//     rejected naming the first bad byte: no guess could be right for
//     both halves, and decoding either half wrongly changes its text.
func detect(r io.Reader) (detection, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	if len(bytes.TrimSpace(head)) == 0 || bytes.Equal(bytes.TrimSpace(head), []byte("\xef\xbb\xbf")) {
		if _, err := br.Peek(4097); err != nil { // the whole file is in head
			return detection{}, &connectors.FileError{Empty: true, Reason: "the file is empty", ReasonZh: "文件为空，没有任何内容"}
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xfe\x00\x00")), bytes.HasPrefix(head, []byte("\x00\x00\xfe\xff")):
		return detection{}, &connectors.FileError{Reason: "the file is UTF-32 text, which is not supported: save it as CSV UTF-8",
			ReasonZh: "文件为UTF-32编码，无法读取：请另存为“CSV UTF-8”格式后重新报送"}
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return detection{enc: encUTF8, bom: 3}, checkUTF8(br, 3)
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		return detection{enc: encUTF16LE, bom: 2}, checkUTF16(br, 2, false)
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		return detection{enc: encUTF16BE, bom: 2}, checkUTF16(br, 2, true)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return detection{}, &connectors.FileError{Reason: "this is not a CSV file but a zip archive (an .xlsx workbook renamed?): send the workbook with its .xlsx name",
			ReasonZh: "该文件不是CSV文本，而是压缩包（可能是改了扩展名的Excel工作簿）：请以.xlsx扩展名报送原工作簿"}
	}
	if be, ok := utf16Guess(head); ok {
		return detection{enc: map[bool]encoding{false: encUTF16LE, true: encUTF16BE}[be]}, checkUTF16(br, 0, be)
	}
	return detect8(br)
}

// utf16Guess recognises UTF-16 without a byte order mark: text in it has a
// zero byte in every other position (ASCII and most punctuation).
func utf16Guess(head []byte) (bigEndian, ok bool) {
	if len(head) < 4 {
		return false, false
	}
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := len(head) / 2
	switch {
	case odd*10 >= pairs*4 && even*20 < pairs:
		return false, true
	case even*10 >= pairs*4 && odd*20 < pairs:
		return true, true
	}
	return false, false
}

// position tracks the line and byte offset of what has been read.
type position struct {
	off  int64
	line int
}

func (p *position) advance(b []byte) {
	p.off += int64(len(b))
	p.line += bytes.Count(b, []byte{'\n'})
}

// checkUTF8 reads the rest of a file with a UTF-8 byte order mark: it must
// all be UTF-8.
func checkUTF8(br *bufio.Reader, skip int) error {
	br.Discard(skip)
	pos := position{off: int64(skip), line: 1}
	bad, _, err := scanUTF8(br, &pos)
	if err != nil || !bad {
		return err
	}
	if mixed, err := strayOrMixed(br, pos); mixed || err != nil {
		return errors.Join(err, mixedError(pos, "UTF-8 (with a byte order mark)", "UTF-8（带BOM）"))
	}
	return nil
}

// strayOrMixed reads on from the first byte that is not UTF-8 in a UTF-8
// file. A few such bytes are strays: the file stays UTF-8 and each cell
// holding one is rejected by the validator (never decoded as something
// else). Four or more mean a part of the file is in another encoding.
func strayOrMixed(br *bufio.Reader, pos position) (bool, error) {
	for n := 1; ; n++ {
		if n >= 4 {
			return true, nil
		}
		br.Discard(1)
		pos.off++
		bad, _, err := scanUTF8(br, &pos)
		if err != nil {
			return false, err
		}
		if !bad {
			return false, nil
		}
	}
}

// scanUTF8 reads br until EOF or the first byte that is not UTF-8; pos is
// left at that byte. multi counts the three- and four-byte characters
// (Chinese, in UTF-8) before it.
func scanUTF8(br *bufio.Reader, pos *position) (bad bool, multi int, err error) {
	for {
		chunk, rerr := br.Peek(br.Size())
		if len(chunk) == 0 {
			if rerr == io.EOF || rerr == nil {
				return false, multi, nil
			}
			return false, multi, rerr
		}
		atEOF := rerr != nil
		i := 0
		for i < len(chunk) {
			// Eight ASCII bytes at a time: most of a logger file is digits.
			for i+8 <= len(chunk) && binary.LittleEndian.Uint64(chunk[i:])&0x8080808080808080 == 0 {
				i += 8
			}
			if i == len(chunk) {
				break
			}
			c := chunk[i]
			if c < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRune(chunk[i:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(chunk[i:]) {
					if !atEOF {
						break // completed by the next chunk
					}
					// The file ends inside a character: it was cut short,
					// which the validator reports on the row it cuts.
					i = len(chunk)
					break
				}
				pos.advance(chunk[:i])
				br.Discard(i)
				return true, multi, nil
			}
			if size >= 3 {
				multi++
			}
			i += size
		}
		if i == 0 && atEOF {
			return false, multi, nil
		}
		pos.advance(chunk[:i])
		br.Discard(i)
		if atEOF && i == len(chunk) {
			if errors.Is(rerr, io.EOF) {
				return false, multi, nil
			}
			return false, multi, rerr
		}
	}
}

// detect8 decides between UTF-8 and GB18030 for a file without a byte
// order mark.
func detect8(br *bufio.Reader) (detection, error) {
	pos := position{line: 1}
	bad, multi, err := scanUTF8(br, &pos)
	if err != nil {
		return detection{}, err
	}
	if !bad {
		return detection{enc: encUTF8}, nil
	}
	if multi >= 3 {
		// UTF-8 Chinese up to here: UTF-8, unless what follows is more
		// than a stray byte or two.
		mixed, err := strayOrMixed(br, pos)
		if err != nil {
			return detection{}, err
		}
		if mixed {
			return detection{}, mixedError(pos, "UTF-8", "UTF-8")
		}
		return detection{enc: encUTF8}, nil
	}
	// Before the first byte that is not UTF-8 there was no UTF-8 Chinese
	// to speak of (GBK text can pass for a few UTF-8 characters by
	// chance): GB18030/GBK, which must then hold to the end.
	return detection{enc: encGB18030}, checkGB18030(br, pos)
}

func mixedError(pos position, was, wasZh string) error {
	return &connectors.FileError{Line: pos.line, Offset: pos.off,
		Reason: fmt.Sprintf("the file mixes text encodings: it is %s up to byte %d (line %d), where a byte that is not %s begins (GB18030/GBK?); save the whole file again as CSV UTF-8 and resend it",
			was, pos.off, pos.line, "UTF-8"),
		ReasonZh: fmt.Sprintf("文件混用了两种文字编码：第%d行（第%d字节）之前为%s编码，此处起不是UTF-8编码（可能为GBK/GB18030）。请将整个文件另存为“CSV UTF-8”格式后重新报送",
			pos.line, pos.off, wasZh)}
}

// checkGB18030 reads the rest of the file, from pos, as GB18030: every
// byte sequence must be one GB18030 defines, and no line may read as
// UTF-8 Chinese (a UTF-8 tail appended to a GBK file would otherwise be
// decoded into other characters without a word).
func checkGB18030(br *bufio.Reader, pos position) error {
	var carry []byte // an incomplete sequence cut by the buffer edge
	lineStart := pos
	long := false // the line is longer than the buffer: no UTF-8 test
	for {
		seg, err := br.ReadSlice('\n')
		if len(seg) > 0 {
			buf := seg
			if len(carry) > 0 {
				buf = append(carry, seg...)
			}
			n, bad := gbScan(buf, err != nil && !errors.Is(err, bufio.ErrBufferFull))
			if bad {
				p := pos
				p.off += int64(n - len(carry))
				return &connectors.FileError{Line: p.line, Offset: p.off,
					Reason:   fmt.Sprintf("the file is neither UTF-8 nor GB18030/GBK text: byte %d (line %d) is not a character of either; save it as CSV UTF-8 and resend it", p.off, p.line),
					ReasonZh: fmt.Sprintf("文件既不是UTF-8也不是GB18030/GBK编码的文本：第%d行第%d字节无法识别。请另存为“CSV UTF-8”格式后重新报送", p.line, p.off)}
			}
			carry = append(carry[:0], buf[n:]...)
			if !long && !errors.Is(err, bufio.ErrBufferFull) && looksUTF8Chinese(seg) {
				return &connectors.FileError{Line: lineStart.line, Offset: lineStart.off,
					Reason:   fmt.Sprintf("the file mixes text encodings: it is GB18030/GBK, but line %d (byte %d) is UTF-8; save the whole file again as CSV UTF-8 and resend it", lineStart.line, lineStart.off),
					ReasonZh: fmt.Sprintf("文件混用了两种文字编码：文件为GBK/GB18030编码，但第%d行（第%d字节）为UTF-8编码。请将整个文件另存为“CSV UTF-8”格式后重新报送", lineStart.line, lineStart.off)}
			}
			long = errors.Is(err, bufio.ErrBufferFull)
			pos.advance(seg)
			if !long {
				lineStart = pos
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// gbScan checks b as GB18030 and returns how many bytes form complete
// characters; bad reports an invalid sequence at b[n]. Unless final, an
// incomplete sequence at the end is left for the next call.
func gbScan(b []byte, final bool) (n int, bad bool) {
	for n < len(b) {
		c := b[n]
		switch {
		case c < 0x80:
			n++
			continue
		case c == 0x80: // the euro sign in code page 936
			n++
			continue
		case c == 0xff:
			return n, true
		}
		if n+1 >= len(b) {
			return n, final
		}
		c1 := b[n+1]
		switch {
		case 0x40 <= c1 && c1 <= 0x7e, 0x80 <= c1 && c1 <= 0xfe:
			n += 2
		case 0x30 <= c1 && c1 <= 0x39:
			if n+3 >= len(b) {
				return n, final
			}
			if b[n+2] < 0x81 || b[n+2] > 0xfe || b[n+3] < 0x30 || b[n+3] > 0x39 {
				return n, true
			}
			n += 4
		default:
			return n, true
		}
	}
	return n, false
}

// looksUTF8Chinese reports whether a line of a GB18030 file is in fact
// UTF-8 text with Chinese in it: valid UTF-8 with at least three
// three-byte characters, which GBK text almost never is by chance.
func looksUTF8Chinese(line []byte) bool {
	three := 0
	for _, c := range line {
		if c >= 0xe0 && c <= 0xef {
			three++
		}
	}
	return three >= 3 && utf8.Valid(line)
}

// checkUTF16 reads the rest of a UTF-16 file: an even number of bytes and
// surrogates in pairs.
func checkUTF16(br *bufio.Reader, skip int, bigEndian bool) error {
	br.Discard(skip)
	off, line := int64(skip), 1
	var unit [2]byte
	high := false
	for {
		if _, err := io.ReadFull(br, unit[:]); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return &connectors.FileError{Line: line, Offset: off, Reason: "the UTF-16 file ends in the middle of a character: it is cut short; export it again",
					ReasonZh: "UTF-16编码的文件在一个字符中间结束，文件不完整：请重新导出后报送"}
			}
			return err
		}
		u := uint16(unit[0]) | uint16(unit[1])<<8
		if bigEndian {
			u = uint16(unit[1]) | uint16(unit[0])<<8
		}
		switch {
		case u == '\n':
			line++
		case u >= 0xd800 && u < 0xdc00:
			if high {
				return utf16Error(off, line)
			}
			high = true
			off += 2
			continue
		case u >= 0xdc00 && u < 0xe000:
			if !high {
				return utf16Error(off, line)
			}
		}
		if high && (u < 0xdc00 || u >= 0xe000) {
			return utf16Error(off, line)
		}
		high = false
		off += 2
	}
	if high {
		return utf16Error(off, line)
	}
	return nil
}

func utf16Error(off int64, line int) error {
	return &connectors.FileError{Line: line, Offset: off,
		Reason:   fmt.Sprintf("the UTF-16 file has a broken character at byte %d (line %d); save it as CSV UTF-8 and resend it", off, line),
		ReasonZh: fmt.Sprintf("UTF-16编码的文件在第%d行（第%d字节）有损坏的字符。请另存为“CSV UTF-8”格式后重新报送", line, off)}
}
