package analyst

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Cell renders a value the way an analyst reads it: NULL as empty, floats
// without trailing zeros, dates without a midnight time, lists joined.
func Cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
	case float32:
		return Cell(float64(x))
	case *big.Int:
		return x.String()
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05.999999-07:00")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Cell(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

// Width counts East Asian wide characters as two columns, so tables of
// Chinese names line up in a terminal.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func pad(s string, w int, right bool) string {
	gap := strings.Repeat(" ", max(0, w-Width(s)))
	if right {
		return gap + s
	}
	return s + gap
}

func numeric(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, *big.Int:
		return true
	}
	return false
}

// Render writes t as an aligned table (numbers to the right) followed by
// its row count, or with expanded set one "column | value" block per row,
// which suits wide rows.
func Render(t sqltext.Table, expanded bool) string {
	var b strings.Builder
	cells := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		cells[i] = make([]string, len(r))
		for j, v := range r {
			cells[i][j] = strings.ReplaceAll(Cell(v), "\n", "↵")
		}
	}
	if expanded {
		nameW := 0
		for _, c := range t.Columns {
			nameW = max(nameW, Width(c))
		}
		for i, r := range cells {
			fmt.Fprintf(&b, "-[ RECORD %d ]%s\n", i+1, strings.Repeat("-", max(3, nameW)))
			for j, c := range t.Columns {
				fmt.Fprintf(&b, "%s | %s\n", pad(c, nameW, false), r[j])
			}
		}
	} else {
		widths := make([]int, len(t.Columns))
		for j, c := range t.Columns {
			widths[j] = Width(c)
		}
		for _, r := range cells {
			for j, c := range r {
				widths[j] = max(widths[j], Width(c))
			}
		}
		right := make([]bool, len(t.Columns))
		for j := range t.Columns {
			right[j] = len(t.Rows) > 0
			for _, r := range t.Rows {
				if r[j] != nil && !numeric(r[j]) {
					right[j] = false
					break
				}
			}
		}
		line := func(vals []string, align bool) {
			parts := make([]string, len(vals))
			for j, v := range vals {
				parts[j] = pad(v, widths[j], align && right[j])
			}
			b.WriteString(strings.TrimRight(" "+strings.Join(parts, " │ "), " ") + "\n")
		}
		line(t.Columns, false)
		rule := make([]string, len(widths))
		for j, w := range widths {
			rule[j] = strings.Repeat("─", w+2)
		}
		b.WriteString(strings.Join(rule, "┼") + "\n")
		for _, r := range cells {
			line(r, true)
		}
	}
	if len(t.Rows) == 1 {
		b.WriteString("(1 row)\n")
	} else {
		fmt.Fprintf(&b, "(%d rows)\n", len(t.Rows))
	}
	return b.String()
}
