package pipelines

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckCell(t *testing.T) {
	for _, c := range []struct {
		s, want string
	}{
		{"某煤矿", ""}, {"line one\nline two\ttab\r", ""}, {"€ 𝄞", ""},
		{"a\x00b", "control character U+0000 at character 2"},
		{"某\x1b", "control character U+001B at character 2"},
		{"x\u0085", "control character U+0085 at character 2"},
		{"ok\xff", "not valid UTF-8 text (at byte 3 of the cell)"},
		{"\xed\xa0\x80", "not valid UTF-8"}, // an encoded surrogate
		{strings.Repeat("x", 32<<10+1), "longer than 32768 bytes"},
	} {
		err := checkCell(c.s)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.20q: %v, want %q", c.s, err, c.want)
		}
		if err != nil && zhOf(err) == "" {
			t.Errorf("%.20q: no Chinese reason", c.s)
		}
	}
}

// Every byte value at every place of a 17-byte ASCII cell: a control
// character or DEL is named with its place, a lone byte past 0x7f is
// broken UTF-8, anything else passes.
func TestCheckCellWords(t *testing.T) {
	base := []byte("abcdefghijklmnopq")
	for b := 0; b < 256; b++ {
		for at := range base {
			cell := append([]byte(nil), base...)
			cell[at] = byte(b)
			err := checkCell(string(cell))
			control := b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f
			var want string
			switch {
			case control:
				want = fmt.Sprintf("U+%04X at character %d", b, at+1)
			case b >= 0x80:
				want = fmt.Sprintf("at byte %d of the cell", at+1)
			}
			if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
				t.Fatalf("byte %#x at %d: %v, want %q", b, at, err, want)
			}
		}
	}
	if err := checkCell(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"); err != nil {
		t.Errorf("printable ASCII: %v", err)
	}
}

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a\x00b": `a\u0000b`, "bad\xffbyte": "bad\uFFFDbyte", "keep\uFFFD": "keep\uFFFD",
	} {
		if got := safeText(in, 100); got != want {
			t.Errorf("safeText(%q) = %q, want %q", in, got, want)
		}
	}
	long := safeText(strings.Repeat("长", 1000), 30)
	if !utf8.ValidString(long) || !strings.HasSuffix(long, "长…") || len(long) > 30+3+3 {
		t.Errorf("long: %q", long)
	}
}

func TestHeaderKey(t *testing.T) {
	for in, want := range map[string]string{
		"产生量（吨）": "产生量", "统计\n月份": "统计月份", " Station ": "station", "单位：": "单位", "a(b)c": "a(b)c",
		"综合利用量 (万吨)": "综合利用量", "(吨)": "", "x(1)(2)": "x", "备注:": "备注", "ＡＢ": "ab",
	} {
		if got := headerKey(in); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", in, got, want)
		}
	}
}
