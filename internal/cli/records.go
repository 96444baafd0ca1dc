package cli

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
