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

// setAsideUnreadable checks that the committed lake files of a table read
// as the load will read them, and returns those that do. A file that does
// not (a truncated or foreign file, strings that are not valid UTF-8, a
// column that cannot be cast to the contract's type) is set aside: listed
// in lake_unreadable with DuckDB's reason, and warned about, so that one
// bad partition never stops the warehouse; the rest builds.
//
// The check costs one scan of the table's files, reading every column the
// load reads (a column no query uses would not be decoded, and an invalid
// string would slip through to the load). Only when that scan fails are
// the files checked in halves, down to the bad ones.
func setAsideUnreadable(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column) ([]string, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS lake_unreadable (lake_table VARCHAR, file VARCHAR, reason VARCHAR)`); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return files, nil
	}
	aggs := make([]string, len(cols))
	for i, c := range cols {
		// count(CAST(...)) makes DuckDB read, decode and cast the column;
		// length() makes it materialise every string.
		e := fmt.Sprintf("CAST(%s AS %s)", sqltext.Ident(c.Name), c.Type.SQL())
		if c.Type == lake.String {
			e = "length(" + e + ")"
		}
		aggs[i] = "count(" + e + ")"
	}
	probe := func(list []string) error {
		q := make([]string, len(list))
		for i, f := range list {
			q[i] = sqltext.String(f)
		}
		_, err := db.ExecContext(ctx, fmt.Sprintf("SELECT %s FROM read_parquet([%s], union_by_name=true, hive_partitioning=false)",
			strings.Join(aggs, ", "), strings.Join(q, ", ")))
		return err
	}
	var good []string
	var check func(list []string) error
	check = func(list []string) error {
		err := probe(list)
		if err == nil {
			good = append(good, list...)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(list) > 1 {
			half := len(list) / 2
			if err := check(list[:half]); err != nil {
				return err
			}
			return check(list[half:])
		}
		reason := err.Error()
		if len(reason) > 1000 {
			reason = reason[:1000] + "…"
		}
		slog.Default().Warn("build: a lake file cannot be read and is set aside; the rest builds (see lake_unreadable)",
			"table", table, "file", list[0], "reason", reason)
		_, err = db.ExecContext(ctx, `INSERT INTO lake_unreadable VALUES (?, ?, ?)`, table, list[0], reason)
		return err
	}
	if err := check(files); err != nil {
		return nil, err
	}
	return good, nil
}
