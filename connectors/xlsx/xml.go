package xlsx

import (
	"bufio"
	"errors"
	"io"
)

// maxRun bounds a run of character data between two tags in the XML
// handed to encoding/xml. Raw text is at least as long as the text it
// decodes to, so a cell of up to connectors.MaxCellBytes always fits;
// what is cut is whitespace between elements (encoding/xml would hold a
// 400 MiB run whole) or a cell far too long to be kept anyway.
const maxRun = 256 << 10

// maxTag bounds one tag, attributes included.
const maxTag = 64 << 10

var errTagTooLong = errors.New("an XML tag longer than 64 KiB")

// runCap passes an XML stream through with every run of character data
// cut to maxRun bytes (after a complete entity reference), so that no
// input, however it was built, makes the XML decoder hold it whole.
type runCap struct {
	r        *bufio.Reader
	inTag    bool
	quote    byte
	tagLen   int
	run      int
	dropping bool
	entity   bool
}

func newRunCap(r io.Reader) *runCap { return &runCap{r: bufio.NewReaderSize(r, 64<<10)} }

func (t *runCap) Read(p []byte) (int, error) {
	for {
		n, err := t.read(p)
		if n > 0 || err != nil {
			return n, err
		}
		// A whole chunk of a run being dropped: read on, never hand the
		// XML decoder an empty read.
	}
}

func (t *runCap) read(p []byte) (int, error) {
	buf, err := t.r.Peek(min(len(p), t.r.Size()))
	if len(buf) == 0 {
		return 0, err
	}
	n, i := 0, 0
	for ; i < len(buf); i++ {
		c := buf[i]
		if t.inTag {
			t.tagLen++
			if t.tagLen > maxTag {
				return n, errTagTooLong
			}
			switch {
			case t.quote != 0:
				if c == t.quote {
					t.quote = 0
				}
			case c == '"' || c == '\'':
				t.quote = c
			case c == '>':
				t.inTag, t.run, t.dropping, t.entity = false, 0, false, false
			}
			p[n] = c
			n++
			continue
		}
		if c == '<' {
			t.inTag, t.tagLen, t.quote = true, 0, 0
			p[n] = c
			n++
			continue
		}
		if t.dropping {
			continue
		}
		switch c {
		case '&':
			t.entity = true
		case ';':
			t.entity = false
		}
		t.run++
		if t.run > maxRun && !t.entity {
			t.dropping = true
			continue
		}
		p[n] = c
		n++
	}
	t.r.Discard(i)
	return n, nil
}
