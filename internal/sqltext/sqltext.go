// Package sqltext quotes values and names for SQL text that Waymark
// writes (DuckDB models, generated dashboard queries for PostgreSQL): both
// follow the standard rules, so one implementation serves both.
package sqltext

import (
	"strings"

	"github.com/waymark-data/waymark/internal/lake"
)

// String quotes s as a string literal.
func String(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Ident quotes s as an identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// InputsFilter is the condition a reader of in's data files keeps rows by:
// true when every row of them is in's, else that the row's _checksum is
// one of in's inputs (their files are shared with other inputs).
func InputsFilter(in lake.Inputs) string {
	if in.Only == nil {
		return "true"
	}
	if len(in.Only) == 0 {
		return "false"
	}
	return `"_checksum" IN (` + Quoted(in.Only) + ")"
}

// Quoted is vals as string literals separated by commas: the inside of an
// IN (…) or of a list.
func Quoted(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = String(v)
	}
	return strings.Join(q, ", ")
}

// List is a DuckDB list literal of vals, such as the files of read_parquet.
func List(vals []string) string { return "[" + Quoted(vals) + "]" }
