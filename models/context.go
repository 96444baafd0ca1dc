package models

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/pipelines"
)

// loadContracts puts the data-set contracts in the warehouse, so SQL can
// say who must report what and when: contracts (one row per data set:
// frequency, due day, partition column, supersede rule, keys),
// contract_departments (the departments each must hear from, as the
// contract names them) and contract_columns (the data dictionary).
func loadContracts(ctx context.Context, db *sql.DB, datasets map[string]*pipelines.Dataset) error {
	stmts := []string{
		`CREATE TABLE contracts (dataset VARCHAR, title_zh VARCHAR, title_en VARCHAR, plan VARCHAR, frequency VARCHAR,
			due_day INTEGER, partition_by VARCHAR, supersede VARCHAR, keys VARCHAR[], indicators VARCHAR[])`,
		`CREATE TABLE contract_departments (dataset VARCHAR, department VARCHAR, position INTEGER)`,
		`CREATE TABLE contract_columns (dataset VARCHAR, column_name VARCHAR, position INTEGER, type VARCHAR,
			header_zh VARCHAR, unit VARCHAR, required BOOLEAN, description VARCHAR)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	list := func(ss []string) string { return "[" + strings.Join(quoteAll(ss), ", ") + "]::VARCHAR[]" }
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		d := datasets[n]
		var due any
		if d.DueDay > 0 {
			due = d.DueDay
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO contracts VALUES (?, ?, ?, ?, ?, ?, ?, ?, `+list(d.Keys)+`, `+list(d.Indicators)+`)`,
			d.Name, d.TitleZh, d.TitleEn, nullIfEmpty(d.Plan), nullIfEmpty(d.Frequency), due, nullIfEmpty(d.PartitionBy), d.Supersede); err != nil {
			return fmt.Errorf("contract %s: %w", n, err)
		}
		for i, dept := range d.Departments {
			if _, err := db.ExecContext(ctx, `INSERT INTO contract_departments VALUES (?, ?, ?)`, d.Name, dept, i+1); err != nil {
				return err
			}
		}
		for i, c := range d.Columns {
			if _, err := db.ExecContext(ctx, `INSERT INTO contract_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				d.Name, c.Name, i+1, c.Type, nullIfEmpty(c.HeaderZh), nullIfEmpty(c.Unit), c.Required, nullIfEmpty(c.Description)); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadSubmissions describes what arrived, for timeliness and revisions:
//
//   - lake_inputs: one row per finished input (file, API page, message
//     batch) of every data set, from its manifest: when it was submitted,
//     rows read, accepted and rejected. A header-only file is here with
//     rows_read 0 and nowhere else.
//   - lake_submissions: one row per data set, input, department and
//     period (the month of the contract's partition column) with the rows
//     it holds, for data sets with a department column.
func loadSubmissions(ctx context.Context, db *sql.DB, l lake.Lake, datasets map[string]*pipelines.Dataset, in buildInputs) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE lake_inputs (dataset VARCHAR, checksum VARCHAR, source VARCHAR, name VARCHAR,
		bytes BIGINT, run_id VARCHAR, submitted_at TIMESTAMPTZ, ingested_at TIMESTAMPTZ,
		rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, problems BIGINT, status VARCHAR)`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE lake_submissions (dataset VARCHAR, checksum VARCHAR, file VARCHAR,
		department VARCHAR, period DATE, submitted_at TIMESTAMPTZ, rows BIGINT)`); err != nil {
		return err
	}
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		ms, err := manifestsOf(l, n, in)
		if err != nil {
			return err
		}
		if err := insertInputs(ctx, db, n, datasets[n], ms, false); err != nil {
			return err
		}
	}
	return nil
}

// insertInputs adds the rows of lake_inputs and lake_submissions of the
// inputs ms of data set n; only, when onlyThese, the lake_submissions rows
// of those inputs (an incremental build appending new inputs).
func insertInputs(ctx context.Context, db *sql.DB, n string, d *pipelines.Dataset, ms []*lake.Manifest, onlyThese bool) error {
	if len(ms) > 0 {
		// One statement for the data set: a row per manifest, bound.
		var b strings.Builder
		args := make([]any, 0, 13*len(ms))
		b.WriteString("INSERT INTO lake_inputs VALUES ")
		for i, m := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?)")
			args = append(args, n, m.Checksum, m.Source, m.Name, m.Bytes, m.RunID, nullIfEmpty(m.SubmittedAt), nullIfEmpty(m.IngestedAt),
				m.RowsRead, m.Accepted, m.Rejected, m.Problems, m.Status)
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("manifests of %s: %w", n, err)
		}
	}
	if _, _, ok := d.Column("department"); !ok || d.PartitionBy == "" {
		return nil
	}
	where := ""
	if onlyThese {
		sums := make([]string, len(ms))
		for i, m := range ms {
			sums[i] = m.Checksum
		}
		where = "WHERE _checksum IN (" + strings.Join(quoteAll(sums), ", ") + ")"
		if len(ms) == 0 {
			return nil
		}
	}
	q := fmt.Sprintf(`INSERT INTO lake_submissions
		SELECT %s, _checksum, any_value(_file), department, CAST(date_trunc('month', %s) AS DATE), min(_submitted_at), count(*)
		FROM %s %s GROUP BY _checksum, department, CAST(date_trunc('month', %s) AS DATE)`,
		sqltext.String(n), sqltext.Ident(d.PartitionBy), sqltext.Ident("lake_"+n), where, sqltext.Ident(d.PartitionBy))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("submissions of %s: %w", n, err)
	}
	return nil
}

// historyColumns are the columns of mart_scorecard_history that a build
// carries forward: before the models run, the runner copies the previous
// version's history into previous_scorecard_history (empty on a first
// build), and sql/marts/mart_scorecard_history.sql appends this build.
// Columns the previous version lacks stay NULL, so the mart may grow.
var historyColumns = []lake.Column{
	{Name: "built_at", Type: lake.Timestamp},
	{Name: "indicator_id", Type: lake.String},
	{Name: "year", Type: lake.Int64},
	{Name: "as_of_period", Type: lake.Date},
	{Name: "actual", Type: lake.Float64},
	{Name: "status", Type: lake.String},
	{Name: "light", Type: lake.String},
	{Name: "progress_pct", Type: lake.Float64},
}

// loadHistory creates previous_scorecard_history from the
// mart_scorecard_history of the database catalog (the attached previous
// version in a full build, the copied version itself in an incremental
// one); empty when catalog is "".
func loadHistory(ctx context.Context, db *sql.DB, catalog string) error {
	defs := make([]string, len(historyColumns))
	for i, c := range historyColumns {
		defs[i] = sqltext.Ident(c.Name) + " " + c.Type.SQL()
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE previous_scorecard_history ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	if catalog == "" {
		return nil
	}
	// DESCRIBE reads one table's columns; information_schema reads every
	// table's (10 ms on a warehouse version) and is asked only when
	// DESCRIBE fails (no such table: a version older than the history).
	prev := map[string]bool{}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT column_name FROM (DESCRIBE %s.main.mart_scorecard_history)`, sqltext.Ident(catalog)))
	if err != nil {
		rows, err = db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_catalog = ? AND table_schema = 'main' AND table_name = 'mart_scorecard_history'`, catalog)
	}
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		prev[c] = true
	}
	rows.Close()
	var common []string
	for _, c := range historyColumns {
		if prev[c.Name] {
			common = append(common, sqltext.Ident(c.Name))
		}
	}
	if !prev["built_at"] {
		return nil
	}
	cols := strings.Join(common, ", ")
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO previous_scorecard_history (%s) SELECT %s FROM %s.main.mart_scorecard_history", cols, cols, sqltext.Ident(catalog)))
	return err
}
