// Package publish copies the warehouse's marts into PostgreSQL, where
// Grafana's built-in data source and any PostgreSQL client read them. The
// marts are loaded into a fresh staging schema and swapped in with one
// transaction, so a dashboard refreshing mid-publish sees either the old
// marts or the new ones, never a mix, and DuckDB's single writer never
// meets a dashboard query.
package publish

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/waymark-data/waymark/internal/faults"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// Result says what was published.
type Result struct {
	Schema string
	Tables map[string]int64
	// Swept lists the staging schemas a killed publish had left, dropped
	// by this one.
	Swept []string
	// Version is the publish's number in the history table.
	Version int64
	// Unchanged lists the tables whose rows equal the served version's:
	// they were copied inside PostgreSQL instead of sent again.
	Unchanged []string
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
	// LockTimeout bounds how long any statement, the swap above all, waits
	// for a lock: the swap needs its tables exclusively, and a dashboard
	// query running long would otherwise make it wait, and every dashboard
	// read queue behind the waiting swap. Default 5s.
	LockTimeout time.Duration
	// StatementTimeout bounds every statement of the publish. Default 5m.
	StatementTimeout time.Duration
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

// stagingPrefix names the schemas a publish loads into before the swap.
func stagingPrefix(schema string) string { return schema + "_staging_" }

// Run publishes the marts of the warehouse db. It holds an advisory lock for
// the whole publish (two publishes never interleave), sweeps the staging
// schemas a killed publish left, loads every mart into a new staging
// schema and swaps it in with one transaction. The swap drops only what
// Waymark put there, without CASCADE: if an object Waymark does not own
// depends on a serving table (an analyst's view in another schema) or sits
// in the serving schema, the publish fails naming it and the previous marts
// stay served.
func Run(ctx context.Context, db *sql.DB, o Options) (Result, error) {
	res := Result{Schema: o.Schema, Tables: map[string]int64{}}
	if o.DSN == "" {
		return res, ErrNoDSN
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 5 * time.Minute
	}
	tables, err := Tables(ctx, db)
	if err != nil {
		return res, err
	}
	pg, err := connect(ctx, o)
	if err != nil {
		return res, err
	}
	defer pg.Close(context.Background())
	// Session lock, released when the connection ends (a killed publish
	// included): under it, every staging schema left over is one of ours
	// from a publish that did not finish.
	if _, err := pg.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", "waymark publish "+o.Schema); err != nil {
		return res, explain(o, fmt.Errorf("wait for another publish to %s: %w", o.Schema, err))
	}
	if res.Swept, err = sweepStaging(ctx, pg, o.Schema); err != nil {
		return res, err
	}
	staging := fmt.Sprintf("%s%d", stagingPrefix(o.Schema), time.Now().UnixNano())
	if _, err := pg.Exec(ctx, "CREATE SCHEMA "+ident(staging)); err != nil {
		return res, explain(o, fmt.Errorf("create staging schema: %w", err))
	}
	cleanup := func() { dropOwned(context.Background(), pg, staging) }
	served, err := servedFingerprints(ctx, pg, o.Schema)
	if err != nil {
		cleanup()
		return res, explain(o, err)
	}
	for _, t := range tables {
		fp, err := fingerprint(ctx, db, t)
		if err != nil {
			cleanup()
			return res, explain(o, fmt.Errorf("publish %s: %w", t, err))
		}
		var n int64
		if served[t] == fp {
			// The same rows are served already: copied within PostgreSQL,
			// the previous version keeps its own copy for --rollback.
			n, err = copyServed(ctx, pg, o.Schema, staging, t)
			res.Unchanged = append(res.Unchanged, t)
		} else {
			n, err = copyTable(ctx, db, pg, staging, t)
		}
		if err != nil {
			cleanup()
			return res, explain(o, fmt.Errorf("publish %s: %w", t, err))
		}
		res.Tables[t] = n
		if err := createIndexes(ctx, db, pg, staging, t); err != nil {
			cleanup()
			return res, explain(o, fmt.Errorf("index %s: %w", t, err))
		}
		if _, err := pg.Exec(ctx, fmt.Sprintf("COMMENT ON TABLE %s.%s IS %s", ident(staging), ident(t), sqltext.String(fp))); err != nil {
			cleanup()
			return res, explain(o, fmt.Errorf("publish %s: %w", t, err))
		}
		faults.Point("publish.table")
	}
	faults.Point("publish.before-swap")
	// The swap: one transaction drops the old serving tables and schema
	// and renames the new one into their place.
	tx, err := pg.Begin(ctx)
	if err != nil {
		cleanup()
		return res, err
	}
	if err := swap(ctx, tx, o, staging); err != nil {
		tx.Rollback(context.Background())
		cleanup()
		return res, explain(o, fmt.Errorf("swap schema %s: %w", o.Schema, err))
	}
	if res.Version, err = record(ctx, tx, o, "publish", builtAt(ctx, db), res.Tables); err != nil {
		tx.Rollback(context.Background())
		cleanup()
		return res, explain(o, fmt.Errorf("record the publish: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		cleanup()
		return res, explain(o, fmt.Errorf("swap schema %s: %w", o.Schema, err))
	}
	return res, nil
}

// connect opens the publish's connection with its timeouts.
func connect(ctx context.Context, o Options) (*pgx.Conn, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 5 * time.Minute
	}
	cfg, err := pgx.ParseConfig(o.DSN)
	if err != nil {
		// The parser's message may quote the DSN, password and all.
		return nil, fmt.Errorf("WAYMARK_PG_DSN is not a valid PostgreSQL connection string")
	}
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(o.LockTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["application_name"] = "waymark publish"
	if cfg.ConnectTimeout == 0 {
		// A server that accepts and never answers must not hang a publish.
		cfg.ConnectTimeout = 30 * time.Second
	}
	pg, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return pg, nil
}

// ErrNoDSN means there is no PostgreSQL to publish to.
var ErrNoDSN = errors.New("no PostgreSQL to publish to: set WAYMARK_PG_DSN (e.g. postgres://waymark@127.0.0.1:5432/waymark)")

// swap replaces the serving schema with staging inside tx. The schema it
// replaces is kept as <schema>_previous (the one before that is dropped),
// so --rollback can bring it back. Before renaming, the old tables are
// dropped and restored inside a savepoint: PostgreSQL refuses (and names
// it) when anything Waymark does not own depends on them or lives in the
// schema, and a rename would silently carry that along.
func swap(ctx context.Context, tx pgx.Tx, o Options, staging string) error {
	exists, err := schemaExists(ctx, tx, o.Schema)
	if err != nil {
		return err
	}
	prev := PreviousSchema(o.Schema)
	if exists {
		if _, err := tx.Exec(ctx, "SAVEPOINT probe"); err != nil {
			return err
		}
		if err := dropSchema(ctx, tx, o.Schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT probe"); err != nil {
			return err
		}
		had, err := schemaExists(ctx, tx, prev)
		if err != nil {
			return err
		}
		if had {
			if err := dropSchema(ctx, tx, prev); err != nil {
				return fmt.Errorf("drop the version before the previous one: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "ALTER SCHEMA "+ident(o.Schema)+" RENAME TO "+ident(prev)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "ALTER SCHEMA "+ident(staging)+" RENAME TO "+ident(o.Schema)); err != nil {
		return err
	}
	return grant(ctx, tx, o)
}

// grant gives the reader role USAGE on the serving schema and SELECT on
// its tables: nothing else (no CREATE, no other schema; the previous
// version and the history stay unreadable to it).
func grant(ctx context.Context, tx pgx.Tx, o Options) error {
	if o.Reader == "" {
		return nil
	}
	stmts := []string{
		"GRANT USAGE ON SCHEMA " + ident(o.Schema) + " TO " + ident(o.Reader),
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + ident(o.Schema) + " TO " + ident(o.Reader),
	}
	// The grants followed the version renamed to _previous: take them back.
	prev := PreviousSchema(o.Schema)
	if ok, err := schemaExists(ctx, tx, prev); err != nil {
		return err
	} else if ok {
		stmts = append(stmts,
			"REVOKE ALL ON ALL TABLES IN SCHEMA "+ident(prev)+" FROM "+ident(o.Reader),
			"REVOKE ALL ON SCHEMA "+ident(prev)+" FROM "+ident(o.Reader))
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func schemaExists(ctx context.Context, tx pgx.Tx, schema string) (bool, error) {
	var exists bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	return exists, err
}

// execer is a connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// dropSchema drops the mart tables Waymark published in schema, then the
// schema, both without CASCADE: PostgreSQL refuses when anything else
// depends on them or lives there, and that refusal is the answer.
func dropSchema(ctx context.Context, ex execer, schema string) error {
	rows, err := ex.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'mart\_%' ORDER BY 1`, schema)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if len(names) > 0 {
		list := make([]string, len(names))
		for i, n := range names {
			list[i] = ident(schema) + "." + ident(n)
		}
		if _, err := ex.Exec(ctx, "DROP TABLE "+strings.Join(list, ", ")+" RESTRICT"); err != nil {
			return err
		}
	}
	_, err = ex.Exec(ctx, "DROP SCHEMA "+ident(schema)+" RESTRICT")
	return err
}

// dropOwned drops a staging schema of ours; an object of somebody else's
// that depends on it keeps it (and is named in the error).
func dropOwned(ctx context.Context, pg *pgx.Conn, schema string) error {
	tx, err := pg.Begin(ctx)
	if err != nil {
		return err
	}
	if err := dropSchema(ctx, tx, schema); err != nil {
		tx.Rollback(context.Background())
		return err
	}
	return tx.Commit(ctx)
}

// sweepStaging drops the staging schemas publishes killed midway left.
func sweepStaging(ctx context.Context, pg *pgx.Conn, schema string) ([]string, error) {
	rows, err := pg.Query(ctx, "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1", stagingPrefix(schema))
	if err != nil {
		return nil, err
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var swept []string
	for _, s := range left {
		if err := dropOwned(ctx, pg, s); err != nil {
			return swept, fmt.Errorf("sweep the staging schema %s a stopped publish left: %w", s, dependents(err))
		}
		swept = append(swept, s)
	}
	return swept, nil
}

// explain turns PostgreSQL's refusals into what to do about them.
func explain(o Options, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "2BP01": // dependent_objects_still_exist
		return fmt.Errorf("%w\nWaymark replaces the schema %s whole and drops nothing it does not own: %s. Drop it, or point it at a table of your own, and publish again; until then the previous marts stay served",
			err, o.Schema, dependents(pe))
	case "55P03": // lock_not_available
		return fmt.Errorf("%w\nthe swap waited lock_timeout (%s) for queries on the serving tables to finish; the previous marts stay served and the next publish tries again", err, o.LockTimeout)
	case "57014": // query_canceled: statement_timeout
		return fmt.Errorf("%w\na statement ran longer than statement_timeout (%s); the previous marts stay served", err, o.StatementTimeout)
	}
	return err
}

// dependents says what PostgreSQL found in the way, from the error detail
// ("view analyst.v depends on table waymark.mart_scorecard").
func dependents(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Detail != "" {
		return errors.New(strings.ReplaceAll(pe.Detail, "\n", "; "))
	}
	return err
}

// fingerprintPrefix marks a served table's comment as Waymark's record of
// its rows.
const fingerprintPrefix = "waymark rows "

// fingerprint sums up a mart's columns and rows: its row count, a sum of
// the rows' hashes (any order) and its columns' names and types. Equal
// fingerprints mean the served copy can be reused.
func fingerprint(ctx context.Context, db *sql.DB, table string) (string, error) {
	cols, err := columns(ctx, db, table)
	if err != nil {
		return "", err
	}
	var n int64
	var sum sql.NullString
	q := fmt.Sprintf(`SELECT count(*), sum(hash(t)::HUGEINT)::VARCHAR FROM "%s" AS t`, strings.ReplaceAll(table, `"`, `""`))
	if err := db.QueryRowContext(ctx, q).Scan(&n, &sum); err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", table, err)
	}
	h := sha256.New()
	for _, c := range cols {
		fmt.Fprintf(h, "%s %s %s\n", c.name, c.duck, c.pg)
	}
	fmt.Fprintf(h, "%d %s", n, sum.String)
	return fingerprintPrefix + hex.EncodeToString(h.Sum(nil)), nil
}

// servedFingerprints reads the fingerprints of the served tables.
func servedFingerprints(ctx context.Context, pg *pgx.Conn, schema string) (map[string]string, error) {
	rows, err := pg.Query(ctx, `SELECT c.relname, coalesce(obj_description(c.oid, 'pg_class'), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r'`, schema)
	if err != nil {
		return nil, fmt.Errorf("read the served tables: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, comment string
		if err := rows.Scan(&name, &comment); err != nil {
			return nil, err
		}
		if strings.HasPrefix(comment, fingerprintPrefix) {
			out[name] = comment
		}
	}
	return out, rows.Err()
}

// copyServed copies a served table into staging inside PostgreSQL.
func copyServed(ctx context.Context, pg *pgx.Conn, served, staging, table string) (int64, error) {
	tag, err := pg.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.%s AS TABLE %s.%s", ident(staging), ident(table), ident(served), ident(table)))
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
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
