package models

import (
	"context"
	"log/slog"
	"testing"

	"github.com/waymark-data/waymark/internal/warehouse"
)

// TestRunModelCompared: a model whose new rows equal its previous
// table's (in another order, duplicates counted) keeps the table and
// reports no change; other rows, another column type, a duplicate more,
// or no previous table, replace it and report a change.
func TestRunModelCompared(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		`CREATE TABLE src (k INTEGER, v DOUBLE, s VARCHAR)`,
		`INSERT INTO src VALUES (1, 1.5, 'a'), (2, NULL, 'b'), (2, NULL, 'b'), (3, 'NaN', NULL)`,
		`CREATE TABLE m AS SELECT * FROM src ORDER BY k`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.Default()
	for _, c := range []struct {
		what, sql string
		changed   bool
		rows      int
	}{
		{"the same rows in another order", `SELECT * FROM src ORDER BY k DESC`, false, 4},
		{"one value changed", `SELECT k, CASE WHEN k = 1 THEN 1.25 ELSE v END AS v, s FROM src`, true, 4},
		{"a duplicate fewer", `SELECT DISTINCT * FROM src`, true, 3},
		{"another column type", `SELECT CAST(k AS BIGINT) AS k, v, s FROM (SELECT DISTINCT * FROM src)`, true, 3},
		{"another column name", `SELECT k AS key, v, s FROM (SELECT DISTINCT * FROM src)`, true, 3},
	} {
		sizes, err := tableSizes(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		changed, err := runModelCompared(ctx, db, Model{Name: "m", Layer: "marts", SQL: c.sql}, sizes, log)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		var n int
		db.QueryRow(`SELECT count(*) FROM m`).Scan(&n)
		if changed != c.changed || n != c.rows {
			t.Errorf("%s: changed %v, %d rows; want changed %v, %d rows", c.what, changed, n, c.changed, c.rows)
		}
	}
	var leftover int
	db.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%waymark_next'`).Scan(&leftover)
	if leftover != 0 {
		t.Errorf("%d tables left behind by the comparisons", leftover)
	}
	// No previous table: run, and changed.
	changed, err := runModelCompared(ctx, db, Model{Name: "fresh", Layer: "marts", SQL: `SELECT 1 AS x`}, map[string]int64{}, log)
	if err != nil || !changed {
		t.Errorf("a model with no previous table: changed %v, %v; want changed", changed, err)
	}
}
