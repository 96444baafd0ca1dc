package main

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/testenv"
)

// copyDemo copies a demo data folder for one run: the lake by hard links
// (its files are never rewritten in place), the current warehouse version
// as a file, empty inboxes.
func copyDemo(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(filepath.Join(src, "lake"), func(p string, d fs.DirEntry, err error) error {
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
	cur, err := filepath.EvalSymlinks(filepath.Join(src, "warehouse", "current.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	wh := filepath.Join(dst, "warehouse")
	os.MkdirAll(wh, 0o755)
	b, err := os.ReadFile(cur)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wh, filepath.Base(cur)), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(cur), filepath.Join(wh, "current.duckdb")); err != nil {
		tb.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dst, "inbox", "indicator_reports"), 0o755)
}

// BenchmarkDropToPostgres measures issue 13's latency under `waymark
// serve`: a department's monthly indicator report dropped into the inbox,
// until the published PostgreSQL holds its rows (the data-health mart
// lists the file with every row accepted, which the build that read them
// writes). The demo data folder comes from WAYMARK_BENCH_DATA (`waymark
// demo` wrote it; scripts/bench.sh makes one); PostgreSQL is started by
// internal/testenv (skipped when it is not installed).
func BenchmarkDropToPostgres(b *testing.B) {
	src := os.Getenv("WAYMARK_BENCH_DATA")
	if src == "" {
		b.Skip("set WAYMARK_BENCH_DATA to a demo data folder (scripts/bench.sh does)")
	}
	pg := testenv.StartPostgres(b)
	var total, ingest time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		copyDemo(b, src, filepath.Join(dir, "data"))
		env := []string{"WAYMARK_PG_DSN=" + pg.DSN}
		// A version built by this binary (a new binary builds in full),
		// published: the dashboards are up to date before the drop.
		if r := run(b, dir, nil, "build", "--log-level", "warn"); r.code != 0 {
			b.Fatalf("build the demo warehouse: %s", r.stderr)
		}
		if r := run(b, dir, env, "publish"); r.code != 0 {
			b.Fatalf("publish the demo warehouse: %s", r.stderr)
		}
		// The report: the department whose last report is oldest sends the
		// next month, its figures of the month before.
		r := run(b, dir, nil, "sql", "--format", "csv", `WITH d AS (SELECT department, max(period) AS period FROM lake_indicator_reports
			GROUP BY department ORDER BY period, department LIMIT 1)
			SELECT strftime(r.period + INTERVAL 1 MONTH, '%Y-%m') AS period, r.department, r.indicator_id, r.indicator_name,
			       CAST(r.value AS VARCHAR) AS value, coalesce(r.unit, '') AS unit
			FROM lake_indicator_reports r JOIN d USING (department, period)
			QUALIFY row_number() OVER (PARTITION BY r.indicator_id ORDER BY r._submitted_at DESC, r._row DESC) = 1
			ORDER BY r.indicator_id`)
		if r.code != 0 {
			b.Fatalf("read the demo reports: %s", r.stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil || len(rows) < 2 {
			b.Fatalf("no report rows to send (%v): %q", err, r.stdout)
		}
		name := fmt.Sprintf("bench_%s_%d.csv", rows[1][0], i)
		var body strings.Builder
		w := csv.NewWriter(&body)
		w.Write([]string{"统计月份", "填报单位", "指标编号", "指标名称", "本期值", "单位"})
		w.WriteAll(rows[1:])

		cmd := exec.Command(bin, "serve", "--build-every", "1s", "--listen", "", "--log-level", "info", "--log-format", "json")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		logs := &syncBuffer{}
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		waitForTB(b, 60*time.Second, "serve to watch the inbox", func() bool { return strings.Contains(logs.String(), `"msg":"serving"`) })
		inbox := filepath.Join(dir, "data", "inbox", "indicator_reports")
		b.StartTimer()
		t0 := time.Now()
		// Dropped as a department's upload lands: written, then renamed.
		os.WriteFile(filepath.Join(inbox, name+".part"), []byte(body.String()), 0o644)
		os.Rename(filepath.Join(inbox, name+".part"), filepath.Join(inbox, name))
		q := fmt.Sprintf(`SELECT count(*) FROM waymark.mart_health_ingest WHERE file = '%s' AND rows_accepted = %d`, name, len(rows)-1)
		var built time.Duration
		waitForTB(b, 5*time.Minute, "the report in PostgreSQL", func() bool {
			// serve builds only after data arrived: its first build line
			// is the build of this report.
			if built == 0 && strings.Contains(logs.String(), `"msg":"build: `) {
				built = time.Since(t0)
			}
			return strings.TrimSpace(pg.Psql(b, q)) == "1"
		})
		total += time.Since(t0)
		ingest += built
		b.StopTimer()
		cmd.Process.Kill()
		cmd.Wait()
		if !strings.Contains(logs.String(), `"msg":"build: incremental"`) {
			b.Logf("serve's build was not incremental:\n%s", tail(logs.String(), 20))
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "drop_to_pg_s")
	b.ReportMetric(ingest.Seconds()/float64(b.N), "built_s")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// waitForTB polls ok every 100 ms until it holds or limit passes.
func waitForTB(tb testing.TB, limit time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
