package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
)

func statusCmd(a *app) *cobra.Command {
	var period, format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show last runs, freshness per data set, and late or missing submissions",
		Long: `status reads the lake directly (no build needed) and shows:
  - the last run of every job, with what it read, accepted and rejected;
  - per data set, the newest period with data and when data last arrived;
  - per department, the monthly submissions of the reporting period: on
    time, late, missing (overdue) or not yet due. The reporting period is
    last month (reports are due by the data set's due day of this month).`,
		Example: `  waymark status
  waymark status --period 2024-05 --format csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(cmd, args); err != nil {
				return err
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			loc := a.cfg.Location()
			now := time.Now().In(loc)
			p := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
			if period != "" {
				t, err := time.Parse("2006-01", period)
				if err != nil {
					return UsageError{fmt.Errorf("--period %q: want YYYY-MM", period)}
				}
				p = t
			}
			return a.status(cmd.Context(), p, now, format)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "reporting period YYYY-MM (default: last month)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}

func (a *app) status(ctx context.Context, period, now time.Time, format string) error {
	ds, refs, err := a.contracts()
	if err != nil {
		return err
	}
	db, err := warehouse.Scratch(a.cfg.TimeZone)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	l := a.lake()
	section := func(title string, q string, args ...any) error {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		defer rows.Close()
		if format == "table" {
			fmt.Fprintf(a.out, "\n%s\n", title)
		}
		return writeRows(a.out, rows, format)
	}
	if hasParquet(filepath.Join(l.Root, "_runs")) {
		err := section("last run of each job", fmt.Sprintf(`
			SELECT job, dataset, strftime(finished_at, '%%Y-%%m-%%d %%H:%%M:%%S') AS finished, status,
			       items_new AS new_items, items_duplicate AS duplicates, rows_accepted AS accepted, rows_rejected AS rejected,
			       coalesce(error, '') AS error
			FROM read_parquet(%s)
			QUALIFY row_number() OVER (PARTITION BY job ORDER BY finished_at DESC) = 1
			ORDER BY job`, sqltext.String(filepath.Join(l.Root, "_runs", "*", "*.parquet"))))
		if err != nil {
			return err
		}
	} else if format == "table" {
		fmt.Fprintln(a.out, "no ingest has run yet: try `waymark ingest`")
	}

	// Freshness and submissions, one data set at a time.
	var fresh []string
	if _, err := db.ExecContext(ctx, `CREATE TABLE expected (dataset VARCHAR, department VARCHAR, due DATE)`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE received (dataset VARCHAR, department VARCHAR, first_submitted TIMESTAMPTZ, files BIGINT, rows BIGINT)`); err != nil {
		return err
	}
	// Lake rows name departments canonically, but files from before a
	// department's alias was known may not: map every name to one.
	if _, err := db.ExecContext(ctx, `CREATE TABLE dept_names (name VARCHAR, canonical VARCHAR)`); err != nil {
		return err
	}
	for name, row := range refs["departments.name_zh"] {
		if _, err := db.ExecContext(ctx, `INSERT INTO dept_names VALUES (?, ?)`, name, row["name_zh"]); err != nil {
			return err
		}
	}
	for _, n := range slices.Sorted(maps.Keys(ds)) {
		d := ds[n]
		glob := sqltext.String(l.Glob(n))
		has := hasParquet(l.DataDir(n))
		if has {
			newest := "NULL"
			if d.PartitionBy != "" {
				newest = fmt.Sprintf("max(%s)::VARCHAR", sqltext.Ident(d.PartitionBy))
			}
			fresh = append(fresh, fmt.Sprintf(`SELECT %s AS dataset, %s AS newest_data, strftime(max(_ingested_at), '%%Y-%%m-%%d %%H:%%M') AS last_arrival, count(*) AS rows FROM read_parquet(%s, union_by_name=true)`,
				sqltext.String(n), newest, glob))
		} else {
			fresh = append(fresh, fmt.Sprintf(`SELECT %s AS dataset, NULL AS newest_data, NULL AS last_arrival, 0 AS rows`, sqltext.String(n)))
		}
		if d.Frequency != "monthly" || len(d.Departments) == 0 || d.DueDay == 0 {
			continue
		}
		due := time.Date(period.Year(), period.Month()+1, d.DueDay, 0, 0, 0, 0, time.UTC)
		for _, dept := range d.Departments {
			if _, err := db.ExecContext(ctx, `INSERT INTO expected VALUES (?, ?, ?)`, n, refs.Canonical(dept), due); err != nil {
				return err
			}
		}
		if has {
			q := fmt.Sprintf(`INSERT INTO received SELECT %s, coalesce(n.canonical, l.department), min(_submitted_at), count(DISTINCT _checksum), count(*)
				FROM read_parquet(%s, union_by_name=true) l LEFT JOIN dept_names n ON n.name = l.department
				WHERE date_trunc('month', %s) = ? GROUP BY ALL`,
				sqltext.String(n), glob, sqltext.Ident(d.PartitionBy))
			if _, err := db.ExecContext(ctx, q, period); err != nil {
				return fmt.Errorf("submissions of %s: %w", n, err)
			}
		}
	}
	if err := section("freshness per data set", strings.Join(fresh, "\nUNION ALL\n")+"\nORDER BY dataset"); err != nil {
		return err
	}
	// A report is on time when it arrived before the due day (Asia/Shanghai).
	return section(fmt.Sprintf("submissions for %s (due on the data set's due day of the next month)", period.Format("2006-01")), `
		SELECT e.dataset, e.department, e.due::VARCHAR AS due,
		       coalesce(strftime(r.first_submitted, '%Y-%m-%d %H:%M'), '') AS first_submitted,
		       coalesce(r.files, 0) AS files, coalesce(r.rows, 0) AS rows,
		       CASE
		           WHEN r.first_submitted IS NULL AND ?::DATE >= e.due THEN 'missing'
		           WHEN r.first_submitted IS NULL THEN 'not yet due'
		           WHEN r.first_submitted::DATE < e.due THEN 'on time'
		           ELSE 'late'
		       END AS state
		FROM expected e LEFT JOIN received r USING (dataset, department)
		ORDER BY state = 'on time', e.dataset, e.department`, now.Format("2006-01-02"))
}

func hasParquet(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
