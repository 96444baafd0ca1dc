package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/waymark-data/waymark/connectors"
)

// sstMemory is how many bytes of shared strings are kept in memory; the
// rest go to a temporary file and are read back by offset.
var sstMemory = 64 << 20

// sstMaxStrings bounds the shared strings of a workbook.
const sstMaxStrings = 16 << 20

// sharedStrings is the workbook's table of texts, by index: one arena of
// bytes and an offset per string, so that a million strings cost their
// bytes and four more each, not a Go string header apiece.
type sharedStrings struct {
	mem   []byte
	spill *os.File
	// ends[i] is where string i ends; strings at or past memCount are in
	// the spill file, with ends counted from its start.
	ends     []uint32
	memCount int
}

// readSharedStrings streams xl/sharedStrings.xml: each <si> is the text of
// its <t> and its rich-text runs' <t>, without phonetic guides (<rPh>).
func readSharedStrings(f *zip.File) (*sharedStrings, error) {
	s := &sharedStrings{}
	if f == nil {
		return s, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, unreadable("shared strings: %v", err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(newRunCap(rc))
	var cur []byte
	in, text, phonetic := false, false, 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.close()
			return nil, unreadable("shared strings: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				in, cur = true, cur[:0]
			case "t":
				text = in && phonetic == 0
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				text = false
			case "rPh":
				phonetic--
			case "si":
				if err := s.add(unescapeXBytes(cur)); err != nil {
					s.close()
					return nil, err
				}
				in = false
			}
		case xml.CharData:
			if text {
				if room := connectors.MaxCellBytes + 1 - len(cur); room > 0 {
					cur = append(cur, t[:min(len(t), room)]...)
				}
			}
		}
	}
	return s, nil
}

func (s *sharedStrings) add(b []byte) error {
	if len(s.ends) >= sstMaxStrings {
		return &connectors.FileError{Reason: fmt.Sprintf("the workbook has more than %d different texts, the limit; split it", sstMaxStrings),
			ReasonZh: fmt.Sprintf("工作簿中不同的文字内容超过%d条的上限，请拆分后报送", sstMaxStrings)}
	}
	if s.spill == nil && len(s.mem)+len(b) <= sstMemory {
		s.mem = append(s.mem, b...)
		s.ends = append(s.ends, uint32(len(s.mem)))
		s.memCount = len(s.ends)
		return nil
	}
	if s.spill == nil {
		f, err := os.CreateTemp("", "waymark-sst-*")
		if err != nil {
			return err
		}
		os.Remove(f.Name()) // gone when closed
		s.spill = f
	}
	var start uint32
	if len(s.ends) > s.memCount {
		start = s.ends[len(s.ends)-1]
	}
	if uint64(start)+uint64(len(b)) > 1<<32-1 {
		return &connectors.FileError{Reason: "the workbook's texts are larger than 4 GiB", ReasonZh: "工作簿中的文字内容过大"}
	}
	if _, err := s.spill.WriteAt(b, int64(start)); err != nil {
		return err
	}
	s.ends = append(s.ends, start+uint32(len(b)))
	return nil
}

// get returns string i.
func (s *sharedStrings) get(i int) (string, error) {
	if i < 0 || i >= len(s.ends) {
		return "", fmt.Errorf("shared string %d does not exist (the workbook has %d)", i, len(s.ends))
	}
	if i < s.memCount {
		var start uint32
		if i > 0 {
			start = s.ends[i-1]
		}
		return string(s.mem[start:s.ends[i]]), nil
	}
	var start uint32
	if i > s.memCount {
		start = s.ends[i-1]
	}
	b := make([]byte, s.ends[i]-start)
	if _, err := s.spill.ReadAt(b, int64(start)); err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *sharedStrings) close() {
	if s.spill != nil {
		s.spill.Close()
		s.spill = nil
	}
}

// reEscape is Excel's escape for characters XML cannot hold: _x000D_.
var reEscape = regexp.MustCompile(`_x([0-9A-Fa-f]{4})_`)

// unescapeX decodes Excel's _xHHHH_ escapes (a control character escaped
// this way then meets the validator, which rejects it).
func unescapeX(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	return reEscape.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(m[2:6], 16, 32)
		return string(rune(n))
	})
}

func unescapeXBytes(b []byte) []byte {
	if !strings.Contains(string(b), "_x") {
		return b
	}
	return []byte(unescapeX(string(b)))
}
