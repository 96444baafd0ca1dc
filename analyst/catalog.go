package analyst

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Relation is a table or view of the warehouse.
type Relation struct {
	Name        string
	Kind        string // model, seed, lake, table, view
	Rows        int64
	Description string
}

// Column is one column of a relation, with its unit and description when
// the warehouse documents them.
type Column struct {
	Name        string
	Type        string
	Unit        string
	Description string
}

// The model docs tables a build writes from the YAML beside each model
// (issue 9): looked up by name at run time, since a warehouse built before
// them has none. Without them, DuckDB comments and the models' own header
// comments describe what they can.
const (
	docsTable    = "model_docs"
	columnsTable = "model_columns"
)

// hasTable reports whether the warehouse has a table with these columns.
func hasTable(ctx context.Context, db *sql.DB, table string, cols ...string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = ? AND list_contains(?::VARCHAR[], column_name)`, table, cols).Scan(&n)
	return err == nil && n == len(cols)
}

// kindOf names what a table is from the warehouse's naming rules.
func kindOf(name string) string {
	switch {
	case strings.HasPrefix(name, "seed_"):
		return "seed"
	case strings.HasPrefix(name, "lake_"):
		return "lake"
	case strings.HasPrefix(name, "stg_"), strings.HasPrefix(name, "int_"), strings.HasPrefix(name, "mart_"):
		return "model"
	}
	return "table"
}

// Relations lists every table and view, marts first, with a description
// from the model docs, a DuckDB comment or fallback (a model's header
// comment, keyed by model name).
func Relations(ctx context.Context, db *sql.DB, fallback map[string]string) ([]Relation, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT table_name, 'table' AS kind, estimated_size, coalesce(comment, '') FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
		UNION ALL
		SELECT view_name, 'view', NULL, coalesce(comment, '') FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'`)
	if err != nil {
		return nil, err
	}
	var out []Relation
	for rows.Next() {
		var r Relation
		var n sql.NullInt64
		if err := rows.Scan(&r.Name, &r.Kind, &n, &r.Description); err != nil {
			rows.Close()
			return nil, err
		}
		r.Rows = n.Int64
		if r.Kind == "table" {
			r.Kind = kindOf(r.Name)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	docs := map[string]string{}
	if hasTable(ctx, db, docsTable, "model", "description") {
		drows, err := db.QueryContext(ctx, `SELECT model, description FROM `+docsTable+` WHERE description IS NOT NULL`)
		if err != nil {
			return nil, err
		}
		for drows.Next() {
			var m, d string
			if err := drows.Scan(&m, &d); err != nil {
				drows.Close()
				return nil, err
			}
			docs[m] = d
		}
		drows.Close()
	}
	for i, r := range out {
		if d := docs[r.Name]; d != "" {
			out[i].Description = d
		} else if r.Description == "" {
			out[i].Description = fallback[r.Name]
		}
		out[i].Description = strings.Join(strings.Fields(out[i].Description), " ")
	}
	rank := map[string]int{"model": 0, "seed": 2, "lake": 3, "table": 4, "view": 1}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return rank[a.Kind] < rank[b.Kind]
		}
		return layerRank(a.Name) < layerRank(b.Name) || layerRank(a.Name) == layerRank(b.Name) && a.Name < b.Name
	})
	return out, nil
}

func layerRank(name string) int {
	switch {
	case strings.HasPrefix(name, "mart_"):
		return 0
	case strings.HasPrefix(name, "int_"):
		return 1
	case strings.HasPrefix(name, "stg_"):
		return 2
	}
	return 3
}

// Describe returns the columns of a table or view: types always; units
// and descriptions from model_columns when the warehouse has it, else
// DuckDB's column comments.
func Describe(ctx context.Context, db *sql.DB, name string) ([]Column, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
		WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index`, name)
	if err != nil {
		return nil, err
	}
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type, &c.Description); err != nil {
			rows.Close()
			return nil, err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no table or view named %q (\\d lists them)", name)
	}
	if hasTable(ctx, db, columnsTable, "model", "column_name", "description", "unit") {
		drows, err := db.QueryContext(ctx, `SELECT column_name, coalesce(unit, ''), coalesce(description, '') FROM `+columnsTable+` WHERE model = ?`, name)
		if err != nil {
			return nil, err
		}
		doc := map[string][2]string{}
		for drows.Next() {
			var c, u, d string
			if err := drows.Scan(&c, &u, &d); err != nil {
				drows.Close()
				return nil, err
			}
			doc[c] = [2]string{u, d}
		}
		drows.Close()
		for i, c := range cols {
			if d, ok := doc[c.Name]; ok {
				cols[i].Unit = d[0]
				if d[1] != "" {
					cols[i].Description = d[1]
				}
			}
		}
	}
	for i := range cols {
		cols[i].Description = strings.Join(strings.Fields(cols[i].Description), " ")
	}
	return cols, nil
}

// RelationsTable is \d's listing.
func RelationsTable(rs []Relation) sqltext.Table {
	t := sqltext.Table{Columns: []string{"name", "kind", "rows", "description"}}
	for _, r := range rs {
		var n any
		if r.Kind != "view" {
			n = r.Rows
		}
		t.Rows = append(t.Rows, []any{r.Name, r.Kind, n, Clip(r.Description, 90)})
	}
	return t
}

// ColumnsTable is \d name's listing.
func ColumnsTable(cols []Column) sqltext.Table {
	t := sqltext.Table{Columns: []string{"column", "type", "unit", "description"}}
	for _, c := range cols {
		t.Rows = append(t.Rows, []any{c.Name, c.Type, c.Unit, c.Description})
	}
	return t
}

// Clip shortens s to at most w display columns (Width), marking a cut
// with an ellipsis.
func Clip(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		rw := Width(string(r))
		if n+rw > w-1 {
			break
		}
		b.WriteRune(r)
		n += rw
	}
	return b.String() + "…"
}

// names lists every table and view and every column of each, for
// completion.
func names(ctx context.Context, db *sql.DB) (tables []string, columns map[string][]string, err error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name FROM duckdb_columns()
		WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	columns = map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, nil, err
		}
		if _, ok := columns[t]; !ok {
			tables = append(tables, t)
		}
		columns[t] = append(columns[t], c)
	}
	return tables, columns, rows.Err()
}
