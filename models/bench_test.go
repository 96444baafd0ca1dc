package models

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// linkTree copies a lake by hard links: its files are never rewritten in
// place (a commit renames a new file over), so the copy is independent.
func linkTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		return os.Link(p, to)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// directBuild runs the statements of a full build that make the tables
// (seeds, targets, the lake tables read_parquet'd from the same files,
// the macros and every model in order) in one plain DuckDB connection on a
// new database file, with no fingerprints, docs, data tests, fsync or
// version switch: what the same SQL costs in DuckDB itself.
func directBuild(tb testing.TB, dir string, o Options, now time.Time) time.Duration {
	tb.Helper()
	ctx := context.Background()
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	path := filepath.Join(dir, "direct.duckdb")
	for _, s := range []string{"ATTACH " + sqltext.String(path) + " AS direct", "USE direct"} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(LoadReference(ctx, db, o.Seeds))
	must(createBuildContext(ctx, db, now))
	must(loadContracts(ctx, db, o.Datasets))
	// The lake tables as one CREATE TABLE AS read_parquet each.
	var quarantined []string
	create := func(table string, files []string, cols []lake.Column, where string) {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", sqltext.Ident(c.Name), c.Type.SQL(), sqltext.Ident(c.Name))
		}
		if len(files) == 0 {
			defs := make([]string, len(cols))
			for i, c := range cols {
				defs[i] = sqltext.Ident(c.Name) + " " + c.Type.SQL()
			}
			must(exec(ctx, db, fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(defs, ", "))))
			return
		}
		list := make([]string, len(files))
		for i, f := range files {
			list[i] = sqltext.String(f)
		}
		if where != "" {
			where = " WHERE " + where
		}
		must(exec(ctx, db, fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM read_parquet([%s], union_by_name=true, hive_partitioning=false)%s",
			table, strings.Join(names, ", "), strings.Join(list, ", "), where)))
	}
	for _, n := range slices.Sorted(maps.Keys(o.Datasets)) {
		files, err := o.Lake.Committed(n)
		must(err)
		quarantined = append(quarantined, files.Quarantine...)
		create("lake_"+n, files.Data, o.Datasets[n].LakeColumns(), sqltext.InputsFilter(files))
	}
	create("lake_quarantine", quarantined, pipelines.QuarantineColumns, "")
	runs, err := o.Lake.RunFiles()
	must(err)
	create("lake_runs", runs, pipelines.RunColumns, "")
	must(exec(ctx, db, `CREATE TABLE lake_unreadable (lake_table VARCHAR, file VARCHAR, reason VARCHAR)`))
	must(loadSubmissions(ctx, db, o.Lake, o.Datasets, nil))
	must(loadHistory(ctx, db, ""))
	must(runSQLFiles(ctx, db, o.SQL, "macros/*.sql"))
	p, err := LoadProject(o.SQL)
	must(err)
	for _, m := range p.Models {
		must(exec(ctx, db, fmt.Sprintf("CREATE TABLE %s AS\n%s", sqltext.Ident(m.Name), strings.TrimRight(strings.TrimSpace(m.SQL), ";"))))
	}
	must(exec(ctx, db, "CHECKPOINT"))
	return time.Since(start)
}

func exec(ctx context.Context, db *sql.DB, q string) error {
	_, err := db.ExecContext(ctx, q)
	return err
}

// BenchmarkBuild measures, on a demo lake (WAYMARK_BENCH_LAKE: the lake
// folder `waymark demo` wrote; scripts/bench.sh makes one), a full build
// against the same SQL run directly in DuckDB, then an incremental build
// after one new monthly indicator_reports submission (the department
// whose last report never came sends it), as seconds and as a share of
// the full build. The incremental build starts, as under serve, from the
// spare copy the full build left (warehouse.Store.WithSpare);
// WAYMARK_BENCH_NOSPARE=1 measures it copying the file itself, as a
// one-shot `waymark build` does. WAYMARK_BENCH_DEBUG=1 logs the phases
// of each build.
func BenchmarkBuild(b *testing.B) {
	src := os.Getenv("WAYMARK_BENCH_LAKE")
	if src == "" {
		b.Skip("set WAYMARK_BENCH_LAKE to a demo lake (scripts/bench.sh does)")
	}
	ctx := context.Background()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		b.Fatal(err)
	}
	level := slog.LevelWarn
	if os.Getenv("WAYMARK_BENCH_DEBUG") != "" {
		level = slog.LevelDebug // the build phases' timings
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	var full, direct, incr time.Duration
	var rebuilt, models, testsRun, tests int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tmp := b.TempDir()
		l := lake.Lake{Root: filepath.Join(tmp, "lake")}
		linkTree(b, src, l.Root)
		// As serve builds: each published version leaves a synced spare
		// copy for the next build (WAYMARK_BENCH_NOSPARE=1: as a one-shot
		// `waymark build`, which copies the file itself).
		store := warehouse.New(filepath.Join(tmp, "warehouse"), 3, "Asia/Shanghai")
		if os.Getenv("WAYMARK_BENCH_NOSPARE") == "" {
			store = store.WithSpare()
		}
		o := Options{Store: store, Lake: l, Datasets: ds,
			Seeds: waymark.Seeds(""), SQL: waymark.SQL(""), Log: log, Full: true}
		now := time.Now()
		b.StartTimer()
		res, err := Run(ctx, o)
		if err != nil {
			b.Fatal(err)
		}
		full += res.Duration
		direct += directBuild(b, tmp, o, now)

		// One new monthly submission: the department whose last month's
		// report never came sends it, the figures of its month before.
		db, err := o.Store.OpenVersion(res.Path)
		if err != nil {
			b.Fatal(err)
		}
		var dept, last string
		if err := db.QueryRow(`SELECT department, CAST(max(period) AS VARCHAR) FROM lake_indicator_reports
			GROUP BY department ORDER BY max(period), department LIMIT 1`).Scan(&dept, &last); err != nil {
			b.Fatal(err)
		}
		rows, err := db.Query(`SELECT indicator_id, CAST(value AS VARCHAR), coalesce(unit, '') FROM lake_indicator_reports
			WHERE department = ? AND period = CAST(? AS DATE)
			QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY _submitted_at DESC, _row DESC) = 1
			ORDER BY indicator_id`, dept, last)
		if err != nil {
			b.Fatal(err)
		}
		lastMonth, _ := time.Parse("2006-01-02", last)
		next := lastMonth.AddDate(0, 1, 0).Format("2006-01-02")
		var sub []map[string]string
		for rows.Next() {
			var id, v, u string
			rows.Scan(&id, &v, &u)
			sub = append(sub, map[string]string{"period": next, "department": dept, "indicator_id": id, "value": v, "unit": u})
		}
		rows.Close()
		db.Close()
		if len(sub) == 0 {
			b.Fatalf("no reports of %s for %s to send again", dept, last)
		}
		commitInput(b, l, ds["indicator_reports"], fmt.Sprintf("benchsub%02d", i), time.Now(), sub)
		o.Full = false
		res, err = Run(ctx, o)
		if err != nil {
			b.Fatal(err)
		}
		if res.Mode != "incremental" {
			b.Fatalf("the build after one submission was %s (%s)", res.Mode, res.Reason)
		}
		incr += res.Duration
		rebuilt, models, testsRun, tests = len(res.Built), res.Models, res.TestsRun, res.Tests
		warehouse.WaitSpares() // before the temporary directory goes
	}
	n := float64(b.N)
	b.ReportMetric(full.Seconds()/n, "full_s")
	b.ReportMetric(direct.Seconds()/n, "direct_s")
	b.ReportMetric(full.Seconds()/direct.Seconds(), "full_ratio")
	b.ReportMetric(incr.Seconds()/n, "incr_s")
	b.ReportMetric(100*incr.Seconds()/full.Seconds(), "incr_pct")
	b.ReportMetric(float64(rebuilt), "models_rebuilt")
	b.ReportMetric(float64(models), "models")
	b.ReportMetric(float64(testsRun), "tests_run")
	b.ReportMetric(float64(tests), "tests")
}
