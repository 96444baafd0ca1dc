package cli

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/waymark-data/waymark/analyst"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// formats every listing command accepts.
var formats = []string{"table", "csv", "json"}

func checkFormat(f string) error {
	for _, x := range formats {
		if f == x {
			return nil
		}
	}
	return UsageError{fmt.Errorf("--format %q: want table, csv or json", f)}
}

// writeRows prints a query result as an aligned table, CSV (with header)
// or a JSON array of objects.
func writeRows(out io.Writer, rows *sql.Rows, format string) error {
	t, err := sqltext.Collect(rows)
	if err != nil {
		return err
	}
	return writeData(out, t.Columns, t.Rows, format)
}

// writeData prints columns and rows in one of the listing formats.
func writeData(out io.Writer, cols []string, data [][]any, format string) error {
	switch format {
	case "json":
		objs := make([]map[string]any, len(data))
		for i, r := range data {
			o := make(map[string]any, len(cols))
			for j, c := range cols {
				o[c] = jsonValue(r[j])
			}
			objs[i] = o
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(orderedRows{cols, objs})
	case "csv":
		w := csv.NewWriter(out)
		w.Write(cols)
		for _, r := range data {
			rec := make([]string, len(r))
			for j, v := range r {
				rec[j] = text(v)
			}
			w.Write(rec)
		}
		w.Flush()
		return w.Error()
	default:
		return writeTable(out, cells(cols, data))
	}
}

// orderedRows marshals objects with keys in column order, which
// encoding/json's maps would sort alphabetically.
type orderedRows struct {
	cols []string
	objs []map[string]any
}

func (o orderedRows) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteString("[")
	for i, obj := range o.objs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("{")
		for j, c := range o.cols {
			if j > 0 {
				b.WriteString(",")
			}
			k, _ := json.Marshal(c)
			v, err := json.Marshal(obj[c])
			if err != nil {
				return nil, err
			}
			b.Write(k)
			b.WriteString(":")
			b.Write(v)
		}
		b.WriteString("}")
	}
	b.WriteString("]")
	return []byte(b.String()), nil
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return text(x)
	}
	return v
}

// text renders a value the way an analyst expects to read it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = text(e)
		}
		return strings.Join(parts, "、")
	}
	return fmt.Sprint(v)
}

// maxCell keeps one long milestone sentence from widening a whole table.
const maxCell = 30

func clip(s string) string {
	return analyst.Clip(strings.ReplaceAll(s, "\n", " "), maxCell)
}

func writeTable(out io.Writer, cells [][]string) error {
	if len(cells) == 0 {
		return nil
	}
	widths := make([]int, len(cells[0]))
	for _, r := range cells {
		for j := range r {
			r[j] = clip(r[j])
			widths[j] = max(widths[j], analyst.Width(r[j]))
		}
	}
	for _, r := range cells {
		var b strings.Builder
		for j, c := range r {
			b.WriteString(c)
			if j < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[j]-analyst.Width(c)+2))
			}
		}
		if _, err := fmt.Fprintln(out, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}
