// Package sqltext quotes values and names for SQL text that Waymark
// writes (DuckDB models, generated dashboard queries for PostgreSQL): both
// follow the standard rules, so one implementation serves both.
package sqltext

import "strings"

// String quotes s as a string literal.
func String(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Ident quotes s as an identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
