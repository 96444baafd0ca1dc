package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PreviousSchema keeps the version a publish replaced, for --rollback.
func PreviousSchema(schema string) string { return schema + "_previous" }

// HistorySchema holds the table of publishes (publishes): outside the
// serving schema, so a swap or rollback never loses it, and unreadable to
// the reader role. A copy is served as mart_health_publishes for the
// data-health dashboard.
func HistorySchema(schema string) string { return schema + "_history" }

// indexed are the columns dashboards filter and join on; every serving
// table gets an index on each it has.
var indexed = []string{"indicator_id", "plan_id", "year", "lead_department", "department", "dataset",
	"site_id", "period", "day", "hour", "started_at", "ingest_month"}

func createIndexes(ctx context.Context, db *sql.DB, pg *pgx.Conn, schema, table string) error {
	cols, err := columns(ctx, db, table)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if !slices.Contains(indexed, c.name) || c.pg == "text[]" {
			continue
		}
		name := table + "_" + c.name + "_idx"
		if len(name) > 63 {
			name = name[:63]
		}
		if _, err := pg.Exec(ctx, fmt.Sprintf("CREATE INDEX %s ON %s.%s (%s)", ident(name), ident(schema), ident(table), ident(c.name))); err != nil {
			return err
		}
	}
	_, err = pg.Exec(ctx, fmt.Sprintf("ANALYZE %s.%s", ident(schema), ident(table)))
	return err
}

// builtAt is when the warehouse being published was built (null when it
// does not say).
func builtAt(ctx context.Context, db *sql.DB) any {
	var t sql.NullTime
	if err := db.QueryRowContext(ctx, "SELECT max(built_at) FROM waymark_build").Scan(&t); err != nil || !t.Valid {
		return nil
	}
	return t.Time
}

// record appends a publish or rollback to the history and serves a copy
// of it, inside the swap's transaction.
func record(ctx context.Context, tx pgx.Tx, o Options, action string, built any, tables map[string]int64) (int64, error) {
	h := ident(HistorySchema(o.Schema))
	var total int64
	for _, n := range tables {
		total += n
	}
	var restored any
	if action == "rollback" {
		// The version the restored schema was published as.
		var v int64
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT version, built_at FROM %s.mart_health_publishes WHERE action = 'publish' ORDER BY version DESC LIMIT 1`, ident(o.Schema))).Scan(&v, &built); err == nil {
			restored = v
		}
	}
	for _, s := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + h,
		`CREATE TABLE IF NOT EXISTS ` + h + `.publishes (
			version bigserial PRIMARY KEY,
			published_at timestamptz NOT NULL DEFAULT now(),
			action text NOT NULL CHECK (action IN ('publish', 'rollback')),
			built_at timestamptz,
			tables integer,
			total_rows bigint,
			restored_version bigint,
			by_user text NOT NULL DEFAULT current_user)`,
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return 0, err
		}
	}
	var version int64
	if err := tx.QueryRow(ctx, `INSERT INTO `+h+`.publishes (action, built_at, tables, total_rows, restored_version)
		VALUES ($1, $2, $3, $4, $5) RETURNING version`, action, built, len(tables), total, restored).Scan(&version); err != nil {
		return 0, err
	}
	served := ident(o.Schema) + ".mart_health_publishes"
	for _, s := range []string{
		"DROP TABLE IF EXISTS " + served,
		"CREATE TABLE " + served + " AS SELECT version, published_at, action, built_at, tables, total_rows, restored_version FROM " + h + ".publishes",
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return 0, err
		}
	}
	return version, grant(ctx, tx, o)
}

// ErrNoPrevious means there is no earlier version to roll back to.
var ErrNoPrevious = errors.New("no previous published version to roll back to")

// Rollback swaps the serving schema with the version before it (kept by
// every publish as <schema>_previous) in one transaction, and records it:
// a second rollback goes forward again. It returns the history version of
// the rollback.
func Rollback(ctx context.Context, o Options) (int64, error) {
	if o.DSN == "" {
		return 0, ErrNoDSN
	}
	pg, err := connect(ctx, o)
	if err != nil {
		return 0, err
	}
	defer pg.Close(context.Background())
	if _, err := pg.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", "waymark publish "+o.Schema); err != nil {
		return 0, explain(o, err)
	}
	tx, err := pg.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.Background())
	prev := PreviousSchema(o.Schema)
	for _, s := range []string{o.Schema, prev} {
		ok, err := schemaExists(ctx, tx, s)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%w: schema %s does not exist", ErrNoPrevious, s)
		}
	}
	tmp := o.Schema + "_rollback"
	for _, s := range []string{
		"ALTER SCHEMA " + ident(o.Schema) + " RENAME TO " + ident(tmp),
		"ALTER SCHEMA " + ident(prev) + " RENAME TO " + ident(o.Schema),
		"ALTER SCHEMA " + ident(tmp) + " RENAME TO " + ident(prev),
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return 0, explain(o, fmt.Errorf("rollback %s: %w", o.Schema, err))
		}
	}
	if err := grant(ctx, tx, o); err != nil {
		return 0, explain(o, err)
	}
	tables, err := servedTables(ctx, tx, o.Schema)
	if err != nil {
		return 0, err
	}
	v, err := record(ctx, tx, o, "rollback", nil, tables)
	if err != nil {
		return 0, explain(o, fmt.Errorf("record the rollback: %w", err))
	}
	return v, tx.Commit(ctx)
}

func servedTables(ctx context.Context, tx pgx.Tx, schema string) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'mart\_%' AND c.relname <> 'mart_health_publishes'`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var n string
		var c int64
		if err := rows.Scan(&n, &c); err != nil {
			return nil, err
		}
		out[n] = max(c, 0)
	}
	return out, rows.Err()
}

// History lists the publishes, newest first.
func History(ctx context.Context, o Options) ([]string, error) {
	pg, err := connect(ctx, o)
	if err != nil {
		return nil, err
	}
	defer pg.Close(context.Background())
	rows, err := pg.Query(ctx, `SELECT format('%s %s %s built %s: %s tables, %s rows', version, to_char(published_at, 'YYYY-MM-DD HH24:MI:SS'), action,
		coalesce(to_char(built_at, 'YYYY-MM-DD HH24:MI:SS'), '?'), tables, total_rows) FROM `+ident(HistorySchema(o.Schema))+`.publishes ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, err
}

var _ = strings.TrimSpace
