package pipelines

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
)

// checkCell is the gate every cell passes before it can reach Parquet:
// no longer than connectors.MaxCellBytes, valid UTF-8 (DuckDB refuses a
// Parquet file with one invalid string, and with it every build), and no
// control characters (a NUL typed into a cell is never meant). Tab, line
// feed and carriage return are allowed: a remark may span lines.
func checkCell(s string) error {
	if len(s) > connectors.MaxCellBytes {
		return because(fmt.Sprintf("the cell is longer than %d bytes (32 KiB), the limit for one cell", connectors.MaxCellBytes),
			fmt.Sprintf("单元格内容超过%d字节（32 KiB）的上限", connectors.MaxCellBytes))
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				return controlChar(rune(c), s[:i])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return because(fmt.Sprintf("the cell is not valid UTF-8 text (at byte %d of the cell): the file's encoding is broken here", i+1),
				fmt.Sprintf("单元格不是有效的UTF-8文本（单元格第%d字节处），文件编码在此处损坏", i+1))
		}
		if r >= 0x80 && r <= 0x9f {
			return controlChar(r, s[:i])
		}
		i += size
	}
	return nil
}

func controlChar(r rune, before string) error {
	n := utf8.RuneCountInString(before) + 1
	return because(fmt.Sprintf("the cell holds the control character U+%04X at character %d, which no text should hold; delete it", r, n),
		fmt.Sprintf("单元格第%d个字符是控制字符U+%04X，请删除该字符", n, r))
}

// safeText makes s fit to store and show whatever it held: invalid UTF-8
// becomes U+FFFD, control characters become visible escapes (\u0000), and
// text beyond max bytes is cut with an ellipsis.
func safeText(s string, max int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b.WriteRune(utf8.RuneError)
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeProblem makes every text of p safe to store and show.
func safeProblem(p Problem) Problem {
	p.Sheet = safeText(p.Sheet, 256)
	p.Column = safeText(p.Column, 256)
	p.Value = safeText(p.Value, 256)
	p.Reason = safeText(p.Reason, 2048)
	p.ReasonZh = safeText(p.ReasonZh, 2048)
	p.Department = safeText(p.Department, 256)
	return p
}
