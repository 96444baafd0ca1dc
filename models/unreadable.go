package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// loadReadable loads a lake table's committed files with load, setting
// aside any file that cannot be read, so that one bad partition never
// stops the warehouse: a truncated or foreign file, strings that are not
// valid UTF-8, a column that cannot be cast to the contract's type. Such a
// file is listed in lake_unreadable (the table, the file, DuckDB's reason)
// and warned about, and every other file loads.
//
// Loading all files at once is the common case and costs nothing more. A
// load is one statement, so a failed one has inserted nothing. When it
// fails, a read-only probe of the same files tells whether the files are
// to blame (a full disk or a bad query is not, and fails the build as
// before); if they are, the files are loaded in halves down to the bad
// ones: a few statements for a few bad files among thousands.
func loadReadable(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column, load func([]string) error) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS lake_unreadable (lake_table VARCHAR, file VARCHAR, reason VARCHAR)`); err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	err := load(files)
	if err == nil {
		return nil
	}
	if probe(ctx, db, files, cols) == nil {
		return err // the files read: the load failed for another reason
	}
	return setAside(ctx, db, table, files, cols, load)
}

// setAside loads files known to hold at least one unreadable file.
func setAside(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column, load func([]string) error) error {
	err := load(files)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(files) > 1 {
		half := len(files) / 2
		if err := setAside(ctx, db, table, files[:half], cols, load); err != nil {
			return err
		}
		return setAside(ctx, db, table, files[half:], cols, load)
	}
	perr := probe(ctx, db, files, cols)
	if perr == nil {
		return err // this file reads: something else failed
	}
	reason := perr.Error()
	if len(reason) > 1000 {
		reason = reason[:1000] + "…"
	}
	slog.Default().Warn("build: a lake file cannot be read; it is set aside (see lake_unreadable) and the rest builds",
		"table", table, "file", files[0], "reason", reason)
	_, err = db.ExecContext(ctx, `INSERT INTO lake_unreadable VALUES (?, ?, ?)`, table, files[0], reason)
	return err
}

// probe reads files as a load would, writing nothing: every column cast to
// its contract type, every string materialised (a column no expression
// uses would not even be decoded).
func probe(ctx context.Context, db *sql.DB, files []string, cols []lake.Column) error {
	aggs := make([]string, len(cols))
	for i, c := range cols {
		e := fmt.Sprintf("CAST(%s AS %s)", sqltext.Ident(c.Name), c.Type.SQL())
		if c.Type == lake.String {
			e = "length(" + e + ")"
		}
		aggs[i] = "count(" + e + ")"
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf("SELECT %s FROM read_parquet(%s, union_by_name=true, hive_partitioning=false)",
		strings.Join(aggs, ", "), sqltext.List(files)))
	return err
}
