package cli

import (
	"encoding/csv"
	"encoding/json"
	"io"
)

// writeData prints rows already in memory the way writeRows prints a
// query: an aligned table, CSV with a header, or a JSON array of objects.
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
	}
	return writeTable(out, cells(cols, data))
}

// cells renders a header and rows as text for writeTable.
func cells(cols []string, data [][]any) [][]string {
	out := make([][]string, 0, len(data)+1)
	out = append(out, append([]string(nil), cols...))
	for _, r := range data {
		rec := make([]string, len(r))
		for j, v := range r {
			rec[j] = text(v)
		}
		out = append(out, rec)
	}
	return out
}
