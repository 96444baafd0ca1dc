package analyst

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

var keywords = []string{
	"SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "JOIN", "LEFT JOIN", "USING", "ON",
	"WITH", "AS", "AND", "OR", "NOT", "IN", "IS NULL", "IS NOT NULL", "DISTINCT", "COUNT", "SUM", "AVG",
	"MIN", "MAX", "CASE", "WHEN", "THEN", "ELSE", "END", "UNION ALL", "DESCRIBE", "SUMMARIZE", "QUALIFY",
	"OVER", "PARTITION BY", "BETWEEN", "LIKE", "ILIKE", "CAST", "DATE", "TIMESTAMPTZ", "round", "date_trunc",
}

var metaCommands = []string{`\d`, `\x`, `\timing`, `\pager`, `\q`, `\?`}

var wordAt = regexp.MustCompile(`[\pL\pN_."\\]*$`)

// Complete completes the word before pos in line (stmt is the statement
// typed so far, this line included): a backslash command, a table, a
// column of a table the statement names ("t." lists t's columns), or a
// keyword. It returns what stays before and after the word and the
// candidate lines, as liner's word completer wants.
func (s *Session) Complete(ctx context.Context, stmt, line string, pos int) (head string, completions []string, tail string) {
	if pos > len(line) {
		pos = len(line)
	}
	before, tail := line[:pos], line[pos:]
	word := wordAt.FindString(before)
	head = before[:len(before)-len(word)]
	if s.tables == nil {
		s.tables, s.columns, _ = names(ctx, s.db)
	}
	var cands []string
	switch {
	case strings.HasPrefix(word, `\`):
		cands = metaCommands
	case strings.Contains(word, "."):
		i := strings.LastIndex(word, ".")
		t := strings.Trim(word[:i], `"`)
		for _, c := range s.columns[t] {
			cands = append(cands, word[:i+1]+c)
		}
	default:
		mentioned := map[string]bool{}
		low := strings.ToLower(stmt)
		for _, t := range s.tables {
			if strings.Contains(low, strings.ToLower(t)) {
				mentioned[t] = true
			}
		}
		for _, t := range s.tables {
			cands = append(cands, t)
		}
		for t := range mentioned {
			cands = append(cands, s.columns[t]...)
		}
		upper := word != "" && strings.ToUpper(word) == word && strings.ToLower(word) != word
		for _, k := range keywords {
			if upper {
				cands = append(cands, strings.ToUpper(k))
			} else if word != "" {
				cands = append(cands, strings.ToLower(k))
			}
		}
	}
	lw := strings.ToLower(word)
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(c), lw) {
			completions = append(completions, c)
		}
	}
	slices.Sort(completions)
	completions = slices.Compact(completions)
	return head, completions, tail
}
