package pipelines

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// StatusInput says what a status report covers.
type StatusInput struct {
	Lake     lake.Lake
	Datasets map[string]*Dataset
	Refs     Refs
	TimeZone string
	// Period is the reporting month (first day, UTC); Now decides which
	// submissions are already overdue.
	Period, Now time.Time
}

// Status reads the lake directly (no build needed) and reports the last run
// of every job, the freshness of every data set, and per department the
// reporting period's submissions: on time, late, missing or not yet due. It
// sees exactly what a build would: committed inputs only.
func Status(ctx context.Context, in StatusInput) ([]sqltext.Table, error) {
	db, err := warehouse.Scratch(in.TimeZone)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []sqltext.Table
	section := func(title, q string, args ...any) error {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		t, err := sqltext.Collect(rows)
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		t.Title = title
		out = append(out, t)
		return nil
	}
	runs, err := in.Lake.RunFiles()
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		err := section("last run of each job", fmt.Sprintf(`
			SELECT job, dataset, strftime(finished_at, '%%Y-%%m-%%d %%H:%%M:%%S') AS finished, status,
			       items_new AS new_items, items_duplicate AS duplicates, rows_accepted AS accepted, rows_rejected AS rejected,
			       coalesce(error, '') AS error
			FROM read_parquet(%s)
			QUALIFY row_number() OVER (PARTITION BY job ORDER BY finished_at DESC) = 1
			ORDER BY job`, sqltext.List(runs)))
		if err != nil {
			return nil, err
		}
	}
	for _, q := range []string{
		`CREATE TABLE expected (dataset VARCHAR, department VARCHAR, due DATE)`,
		`CREATE TABLE received (dataset VARCHAR, department VARCHAR, first_submitted TIMESTAMPTZ, files BIGINT, rows BIGINT)`,
		// Lake rows name departments canonically, but files from before a
		// department's alias was known may not: map every name to one.
		`CREATE TABLE dept_names (name VARCHAR, canonical VARCHAR)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	for name, row := range in.Refs["departments.name_zh"] {
		if _, err := db.ExecContext(ctx, `INSERT INTO dept_names VALUES (?, ?)`, name, row["name_zh"]); err != nil {
			return nil, err
		}
	}
	var fresh []string
	for _, n := range slices.Sorted(maps.Keys(in.Datasets)) {
		d := in.Datasets[n]
		files, err := in.Lake.Committed(n)
		if err != nil {
			return nil, err
		}
		if len(files.Data) > 0 {
			newest := "NULL"
			if d.PartitionBy != "" {
				newest = fmt.Sprintf("max(%s)::VARCHAR", sqltext.Ident(d.PartitionBy))
			}
			fresh = append(fresh, fmt.Sprintf(`SELECT %s AS dataset, %s AS newest_data, strftime(max(_ingested_at), '%%Y-%%m-%%d %%H:%%M') AS last_arrival, count(*) AS rows FROM read_parquet(%s, union_by_name=true) WHERE %s`,
				sqltext.String(n), newest, sqltext.List(files.Data), sqltext.InputsFilter(files)))
		} else {
			fresh = append(fresh, fmt.Sprintf(`SELECT %s AS dataset, NULL AS newest_data, NULL AS last_arrival, 0 AS rows`, sqltext.String(n)))
		}
		if err := expectSubmissions(ctx, db, in, d, files); err != nil {
			return nil, err
		}
	}
	if err := section("freshness per data set", strings.Join(fresh, "\nUNION ALL\n")+"\nORDER BY dataset"); err != nil {
		return nil, err
	}
	// A report is on time when it arrived before the due day (Asia/Shanghai).
	err = section(fmt.Sprintf("submissions for %s (due on the data set's due day of the next month)", in.Period.Format("2006-01")), `
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
		ORDER BY state = 'on time', e.dataset, e.department`, in.Now.Format("2006-01-02"))
	return out, err
}

// expectSubmissions records who owes a monthly data set for the period and
// what they sent.
func expectSubmissions(ctx context.Context, db *sql.DB, in StatusInput, d *Dataset, files lake.Inputs) error {
	if d.Frequency != "monthly" || len(d.Departments) == 0 || d.DueDay == 0 {
		return nil
	}
	due := time.Date(in.Period.Year(), in.Period.Month()+1, d.DueDay, 0, 0, 0, 0, time.UTC)
	for _, dept := range d.Departments {
		if _, err := db.ExecContext(ctx, `INSERT INTO expected VALUES (?, ?, ?)`, d.Name, in.Refs.Canonical(dept), due); err != nil {
			return err
		}
	}
	if len(files.Data) == 0 {
		return nil
	}
	q := fmt.Sprintf(`INSERT INTO received SELECT %s, coalesce(n.canonical, l.department), min(_submitted_at), count(DISTINCT _checksum), count(*)
		FROM read_parquet(%s, union_by_name=true) l LEFT JOIN dept_names n ON n.name = l.department
		WHERE date_trunc('month', %s) = ? AND %s GROUP BY ALL`,
		sqltext.String(d.Name), sqltext.List(files.Data), sqltext.Ident(d.PartitionBy), sqltext.InputsFilter(files))
	if _, err := db.ExecContext(ctx, q, in.Period); err != nil {
		return fmt.Errorf("submissions of %s: %w", d.Name, err)
	}
	return nil
}

// PreviousEntities reads, from the lake's committed inputs, the
// enterprises a department reported in the latest period before p, so next
// month's template lists them already. Data sets without enterprise columns
// get none.
func PreviousEntities(ctx context.Context, l lake.Lake, ds *Dataset, dept string, p time.Time) ([]map[string]string, error) {
	for _, c := range []string{"enterprise_code", "enterprise_name"} {
		if _, _, ok := ds.Column(c); !ok {
			return nil, nil
		}
	}
	if ds.PartitionBy == "" {
		return nil, nil
	}
	files, err := l.Committed(ds.Name)
	if err != nil || len(files.Data) == 0 {
		return nil, err
	}
	keep := sqltext.InputsFilter(files)
	db, err := warehouse.Scratch("")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	period := sqltext.Ident(ds.PartitionBy)
	q := fmt.Sprintf(`WITH l AS (SELECT * FROM read_parquet(%s, union_by_name=true) WHERE department = ? AND %s < ? AND %s)
		SELECT DISTINCT enterprise_code, coalesce(enterprise_name, '') FROM l
		WHERE enterprise_code IS NOT NULL AND %s = (SELECT max(%s) FROM l) ORDER BY 1`,
		sqltext.List(files.Data), period, keep, period, period)
	rows, err := db.QueryContext(ctx, q, dept, p)
	if err != nil {
		return nil, fmt.Errorf("previous entities of %s: %w", ds.Name, err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out = append(out, map[string]string{"enterprise_code": code, "enterprise_name": name})
	}
	return out, rows.Err()
}

// LastSuccess reads from the run ledger when each job last finished
// without error: what a monitor knew before a restart, so that `serve`
// can say it again at once instead of only after each job's next run.
func LastSuccess(ctx context.Context, l lake.Lake) (map[string]time.Time, error) {
	runs, err := l.RunFiles()
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT job, max(finished_at) FROM read_parquet(%s, union_by_name=true)
		WHERE status = 'ok' AND finished_at IS NOT NULL GROUP BY job`, sqltext.List(runs)))
	if err != nil {
		return nil, fmt.Errorf("read the run ledger: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var at time.Time
		if err := rows.Scan(&job, &at); err != nil {
			return nil, fmt.Errorf("read the run ledger: %w", err)
		}
		out[job] = at
	}
	return out, rows.Err()
}
