// Package publish copies the warehouse's marts into PostgreSQL, where
// Grafana's built-in data source and any PostgreSQL client read them. The
// marts are loaded into a fresh staging schema and swapped in with one
// transaction, so a dashboard refreshing mid-publish sees either the old
// marts or the new ones, never a mix, and DuckDB's single writer never
// meets a dashboard query.
package publish

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Result says what was published.
type Result struct {
	Schema string
	Tables map[string]int64
}

// Options configures a publish.
type Options struct {
	// DSN is the PostgreSQL connection string (from WAYMARK_PG_DSN).
	DSN string
	// Schema receives the marts; it is replaced whole on every publish.
	Schema string
	// Reader, when set, is a role granted read access to the new schema
	// (the role Grafana's data source logs in as).
	Reader string
}

// Tables lists the serving tables of a warehouse: every mart.
func Tables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'main' AND table_name LIKE 'mart\_%' ESCAPE '\' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

type column struct {
	name, duck, pg string
}

// pgType maps a DuckDB column type to the PostgreSQL type it is served as.
func pgType(duck string) (string, error) {
	d := strings.ToUpper(duck)
	switch {
	case d == "VARCHAR":
		return "text", nil
	case d == "BIGINT" || d == "HUGEINT" || d == "UBIGINT":
		return "bigint", nil
	case d == "INTEGER" || d == "SMALLINT" || d == "TINYINT" || d == "UINTEGER" || d == "USMALLINT" || d == "UTINYINT":
		return "integer", nil
	case d == "DOUBLE" || d == "FLOAT":
		return "double precision", nil
	case strings.HasPrefix(d, "DECIMAL"):
		return "numeric" + strings.TrimPrefix(d, "DECIMAL"), nil // keeps (precision,scale)
	case d == "BOOLEAN":
		return "boolean", nil
	case d == "DATE":
		return "date", nil
	case d == "TIMESTAMP WITH TIME ZONE":
		return "timestamptz", nil
	case d == "TIMESTAMP":
		return "timestamp", nil
	case d == "VARCHAR[]":
		return "text[]", nil
	}
	return "", fmt.Errorf("no PostgreSQL type for DuckDB %s", duck)
}

func columns(ctx context.Context, db *sql.DB, table string) ([]column, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.duck); err != nil {
			return nil, err
		}
		if c.pg, err = pgType(c.duck); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", table, c.name, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// Run publishes the marts of the warehouse db.
func Run(ctx context.Context, db *sql.DB, o Options) (Result, error) {
	res := Result{Schema: o.Schema, Tables: map[string]int64{}}
	if o.DSN == "" {
		return res, fmt.Errorf("no PostgreSQL to publish to: set WAYMARK_PG_DSN (e.g. postgres://waymark@127.0.0.1:5432/waymark)")
	}
	tables, err := Tables(ctx, db)
	if err != nil {
		return res, err
	}
	pg, err := pgx.Connect(ctx, o.DSN)
	if err != nil {
		return res, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer pg.Close(context.Background())
	staging := fmt.Sprintf("%s_staging_%d", o.Schema, time.Now().UnixNano())
	if _, err := pg.Exec(ctx, "CREATE SCHEMA "+ident(staging)); err != nil {
		return res, fmt.Errorf("create staging schema: %w", err)
	}
	cleanup := func() { pg.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+ident(staging)+" CASCADE") }
	for _, t := range tables {
		n, err := copyTable(ctx, db, pg, staging, t)
		if err != nil {
			cleanup()
			return res, fmt.Errorf("publish %s: %w", t, err)
		}
		res.Tables[t] = n
	}
	// The swap: one transaction drops the old schema and renames the new
	// one into its place.
	tx, err := pg.Begin(ctx)
	if err != nil {
		cleanup()
		return res, err
	}
	stmts := []string{
		"DROP SCHEMA IF EXISTS " + ident(o.Schema) + " CASCADE",
		"ALTER SCHEMA " + ident(staging) + " RENAME TO " + ident(o.Schema),
	}
	if o.Reader != "" {
		stmts = append(stmts,
			"GRANT USAGE ON SCHEMA "+ident(o.Schema)+" TO "+ident(o.Reader),
			"GRANT SELECT ON ALL TABLES IN SCHEMA "+ident(o.Schema)+" TO "+ident(o.Reader))
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			tx.Rollback(context.Background())
			cleanup()
			return res, fmt.Errorf("swap schema %s: %w", o.Schema, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		cleanup()
		return res, fmt.Errorf("swap schema %s: %w", o.Schema, err)
	}
	return res, nil
}

func copyTable(ctx context.Context, db *sql.DB, pg *pgx.Conn, schema, table string) (int64, error) {
	cols, err := columns(ctx, db, table)
	if err != nil {
		return 0, err
	}
	defs := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = ident(c.name) + " " + c.pg
		names[i] = c.name
	}
	if _, err := pg.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.%s (%s)", ident(schema), ident(table), strings.Join(defs, ", "))); err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM "%s"`, strings.ReplaceAll(table, `"`, `""`)))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	src := &rowSource{rows: rows, cols: cols}
	n, err := pg.CopyFrom(ctx, pgx.Identifier{schema, table}, names, src)
	if err != nil {
		return n, err
	}
	return n, src.err
}

// rowSource streams DuckDB rows into PostgreSQL's COPY.
type rowSource struct {
	rows *sql.Rows
	cols []column
	vals []any
	err  error
}

func (s *rowSource) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	vals := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, c := range s.cols {
		if l, ok := vals[i].([]any); ok && c.pg == "text[]" {
			strs := make([]string, len(l))
			for j, e := range l {
				strs[j] = fmt.Sprint(e)
			}
			vals[i] = strs
		}
	}
	s.vals = vals
	return true
}

func (s *rowSource) Values() ([]any, error) { return s.vals, s.err }
func (s *rowSource) Err() error             { return s.err }
