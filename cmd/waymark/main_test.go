package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/waymark-data/waymark/dashboards"
	"github.com/waymark-data/waymark/internal/testenv"
)

// bin is the waymark binary built once for these end-to-end tests: they
// run what a user runs, as a separate process.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "waymark-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "waymark")
	out, err := exec.Command("go", "build", "-tags", "faults", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build waymark: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if demo2.dir != "" {
		os.RemoveAll(demo2.dir)
	}
	os.Exit(code)
}

// demo2 is a two-month demo made once per test binary: several tests need
// a small finished warehouse, and each makes its own in a minute or more.
var demo2 struct {
	once sync.Once
	dir  string
	r    result
	err  error
}

// demoCopy returns a new directory holding a copy of the two-month demo
// (its lake, warehouse, inbox and feedback; every path in it is relative).
func demoCopy(t *testing.T) string {
	t.Helper()
	demo2.once.Do(func() {
		if demo2.dir, demo2.err = os.MkdirTemp("", "waymark-demo2-"); demo2.err == nil {
			demo2.r = run(t, demo2.dir, nil, "demo", "--months", "2", "--log-level", "warn")
		}
	})
	if demo2.err != nil {
		t.Fatal(demo2.err)
	}
	if demo2.r.code != 0 {
		t.Fatalf("demo --months 2: exit %d\n%s", demo2.r.code, demo2.r.stderr)
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", demo2.dir+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy the demo: %v\n%s", err, out)
	}
	return dir
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t testing.TB, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"--version"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"ingest", "--help"}, 0},
		{[]string{"--no-such-flag"}, 2},
		{[]string{"no-such-command"}, 2},
		{[]string{"build", "extra-arg"}, 2},
		{[]string{"demo", "--months", "0"}, 2},
		{[]string{"ingest", "no-such-job"}, 2},
		{[]string{"sql", "SELECT 1"}, 1}, // no warehouse built yet
		{[]string{"--config", "missing.yaml", "build"}, 2},
		{[]string{"publish"}, 2}, // no WAYMARK_PG_DSN
		{[]string{"catalog", "--department", "旗不存在局"}, 2},
		{[]string{"templates", "--department", "旗不存在局"}, 2},
		{[]string{"scorecard", "--department", "旗不存在局"}, 2},
		{[]string{"serve", "--build-every", "0"}, 2},
		{[]string{"sql", "SELECT 1", "--out", "result.txt"}, 2},
		{[]string{"build", "--select", "+"}, 2},
		{[]string{"docs", "site"}, 1},                  // no warehouse built yet
		{[]string{"export", "zw-18", "--dir", "x"}, 1}, // no lake yet
	}
	for _, c := range cases {
		r := run(t, dir, nil, c.args...)
		if r.code != c.code {
			t.Errorf("waymark %s: exit %d, want %d\nstderr: %s", strings.Join(c.args, " "), r.code, c.code, r.stderr)
		}
	}
}

func TestDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	r := run(t, dir, nil, "demo", "--log-level", "warn")
	if r.code != 0 {
		t.Fatalf("demo failed (%d): %s\n%s", r.code, r.stdout, r.stderr)
	}
	// The scorecard shows the bulletin's figures exactly and an actual
	// computed from the submissions.
	for _, want := range []string{
		"一般工业固体废物综合利用率",
		"52.59 (2020)",
		"2023  55 ", "2024  56 ", "2025  60 ",
		"lake:", "warehouse:", "dashboards:",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	actual := run(t, dir, nil, "sql", "--format", "csv", `SELECT year, round(actual, 2), status FROM mart_scorecard WHERE indicator_id = 'zw-18' ORDER BY year`)
	// Recompute 2023 from the raw lake rows (lake_*, before staging), latest
	// revision per enterprise and month.
	check := run(t, dir, nil, "sql", "--format", "csv", `
		WITH l AS (SELECT * FROM lake_zw_industrial_solid_waste
		           QUALIFY row_number() OVER (PARTITION BY period, enterprise_code ORDER BY _submitted_at DESC) = 1)
		SELECT round(100 * sum(utilised_t) / sum(generated_t), 2) FROM l WHERE year(period) = 2023`)
	// waymark sql reads the warehouse and nothing else: files are refused.
	escape := run(t, dir, nil, "sql", fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s/data/lake/zw_industrial_solid_waste/*/*.parquet')`, dir))
	if escape.code != 1 || !strings.Contains(escape.stderr, "disabled") {
		t.Errorf("waymark sql read lake files directly: exit %d, %s", escape.code, escape.stderr)
	}
	lines := strings.Split(strings.TrimSpace(actual.stdout), "\n")
	want := strings.TrimSpace(strings.Split(strings.TrimSpace(check.stdout), "\n")[1])
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "2023,"+want+",") || !strings.HasSuffix(lines[3], ",,not_evaluable") {
		t.Errorf("scorecard %q, want 2023 actual %s", lines, want)
	}
	// The corrected January file supersedes the first one whole; the first
	// stays queryable as reported.
	rev := run(t, dir, nil, "sql", "--format", "csv", `SELECT revision, is_latest, count(*) AS n, count(DISTINCT _file) AS files
		FROM stg_zw_industrial_solid_waste WHERE period = DATE '2023-01-01' GROUP BY ALL ORDER BY revision`)
	if want := "revision,is_latest,n,files\n1,true,8,1\n2,false,8,1\n"; rev.stdout != want {
		t.Errorf("revisions of 2023-01:\n%s\nwant\n%s", rev.stdout, want)
	}
	dash, err := os.ReadFile(filepath.Join(dir, "data/dashboards/dashboards/waymark-zero_waste.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"grafana-postgresql-datasource"`, `"uid": "waymark-pg"`, "mart_scorecard", "一般工业固体废物综合利用率"} {
		if !bytes.Contains(dash, []byte(want)) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	// Status shows who reported on time, late, or not at all.
	st := run(t, dir, nil, "status", "--period", "2024-11", "--format", "csv")
	for _, want := range []string{
		"indicator_reports,旗住建局,2024-12-05,2024-12-08 ",
		",late\n",
		"zw_industrial_solid_waste,旗工业和信息化局,2024-12-05,2024-12-03 10:00,1,8,on time",
	} {
		if !strings.Contains(st.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, st.stdout)
		}
	}
	st = run(t, dir, nil, "status", "--period", "2024-12", "--format", "csv")
	if !strings.Contains(st.stdout, "indicator_reports,旗科协,2025-01-05,,0,0,missing") {
		t.Errorf("旗科协's missing December report is not shown:\n%s", st.stdout)
	}
	tpl := run(t, dir, nil, "templates", "--period", "2025-01", "--department", "旗住建局")
	if tpl.code != 0 || !strings.Contains(tpl.stdout, "indicator_reports_旗住建局_2025-01.xlsx") {
		t.Errorf("templates: %s %s", tpl.stdout, tpl.stderr)
	}
	// A second demo adds nothing: the same files are recognised.
	before := count(t, dir, "lake_zw_industrial_solid_waste")
	r2 := run(t, dir, nil, "demo", "--log-level", "warn")
	if r2.code != 0 || !strings.Contains(r2.stdout, "zw_industrial_solid_waste_inbox: 0 new files, 27 already in the lake") || strings.Contains(r2.stdout, " 1 new files") {
		t.Fatalf("second demo: %s %s", r2.stdout, r2.stderr)
	}
	if after := count(t, dir, "lake_zw_industrial_solid_waste"); after != before {
		t.Errorf("rows %s after second demo, %s before", after, before)
	}
	// The deliberate mistakes are all in the quarantine, each with its place and reason.
	q := run(t, dir, nil, "sql", "--format", "csv", `SELECT file, "row", "column", reason FROM lake_quarantine WHERE dataset = 'zw_industrial_solid_waste' ORDER BY file, "row"`)
	for _, want := range []string{
		`_2023-01_更正.xlsx,12,period+enterprise_code,"the same period and enterprise_code already appears`,
		"_传输中断.xlsx,0,,",
		`_补报_有误.xlsx,2,产生量 (generated_t),"expected a number, got ""约四万"""`,
		"_补报_有误.xlsx,3,产生量 (generated_t),-36500 吨 is below the minimum 0 吨",
		`_补报_有误.xlsx,4,填报单位 (department),"unknown value: expected one listed in the departments reference data`,
		"_补报_有误.xlsx,5,统一社会信用代码 (enterprise_code),expected an 18-character unified social credit code",
		"_补报_有误.xlsx,6,统计月份 (period),2099-01-01 is in the future",
	} {
		if !strings.Contains(q.stdout, want) {
			t.Errorf("quarantine lacks %q:\n%s", want, q.stdout)
		}
	}
	if n := strings.Count(strings.TrimSpace(q.stdout), "\n"); n != 7 {
		t.Errorf("quarantine has %d rows, want the 7 deliberate errors", n)
	}
	// The other data sets' deliberate mistakes: a wrong unit, a logger on
	// old firmware, a dump cut short in transfer.
	other := run(t, dir, nil, "sql", "--format", "csv", `SELECT dataset, file, "row", reason FROM lake_quarantine WHERE dataset <> 'zw_industrial_solid_waste' ORDER BY ALL`)
	for _, want := range []string{
		`indicator_reports,旗住建局_指标进展_2024-03.xlsx,5,"unit ""吨"" does not match 万吨`,
		"sensor_readings,GH-031_旧固件导出.csv,0,",
		"sensor_readings,GH-044_传输中断.csv,4,",
	} {
		if !strings.Contains(other.stdout, want) {
			t.Errorf("quarantine lacks %q:\n%s", want, other.stdout)
		}
	}
	// Every data set received its demo data.
	for _, table := range []string{"lake_indicator_reports", "lake_er_enterprise_monthly", "lake_er_problem_ledger", "lake_sl_activities",
		"lake_sl_survey_results", "lake_zw_project_progress", "lake_gh_inspections", "lake_sensor_readings"} {
		if c := count(t, dir, table); c == "count_star()\n0" {
			t.Errorf("%s is empty after the demo", table)
		}
	}
}

// lakeRows counts the rows of the lake files matching glob, read by a
// DuckDB of the test's own: waymark sql reads only the warehouse.
func lakeRows(t *testing.T, glob string) string {
	t.Helper()
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n string
	if err := db.QueryRow("SELECT count(*)::VARCHAR FROM read_parquet(?)", glob).Scan(&n); err != nil {
		t.Fatalf("read %s: %v", glob, err)
	}
	return n
}

func count(t *testing.T, dir, table string) string {
	t.Helper()
	r := run(t, dir, nil, "sql", "--format", "csv", "SELECT count(*) FROM "+table)
	if r.code != 0 {
		t.Fatalf("count %s: %s", table, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// globCount counts the rows of every Parquet file of a data set's
// partitions, as an outside reader globbing the lake sees them.
func globCount(t *testing.T, dir, dataset string) string {
	t.Helper()
	db, err := warehouse.Scratch("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, filepath.Join(dir, "data/lake", dataset, "*", "*.parquet"))).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(n)
}

// TestKilledMidWriteLeavesNoPartialFiles kills the demo at the worst
// moments (after a Parquet file is fully written but before it is renamed
// into place, at several points in the run), then runs it to completion
// and compares with an uninterrupted run.
func TestKilledMidWriteLeavesNoPartialFiles(t *testing.T) {
	demo := []string{"demo", "--months", "2", "--log-level", "warn"}
	clean := demoCopy(t)
	want := count(t, clean, "lake_zw_industrial_solid_waste") + "/" + count(t, clean, "lake_quarantine") + "/" + count(t, clean, "lake_sensor_readings")
	// count gives the CSV header, then the count.
	rowsIn := func(dir string) string {
		c := count(t, dir, "lake_sensor_readings")
		return c[strings.LastIndex(c, "\n")+1:]
	}
	if g := globCount(t, clean, "sensor_readings"); g != rowsIn(clean) {
		t.Fatalf("the lake's sensor files hold %s rows, the warehouse %s", g, rowsIn(clean))
	}
	for _, n := range []int{1, 9, 40, 300} {
		t.Run(fmt.Sprint("kill at rename ", n), func(t *testing.T) {
			dir := t.TempDir()
			r := run(t, dir, []string{fmt.Sprintf("WAYMARK_FAULTS=lake.before-rename:%d", n)}, demo...)
			if r.code != -1 {
				t.Fatalf("the fault did not kill the run (exit %d)", r.code)
			}
			// Whatever a reader globs now is whole Parquet.
			parts, _ := filepath.Glob(filepath.Join(dir, "data/lake/*/*/*.parquet"))
			for _, p := range parts {
				b, _ := os.ReadFile(p)
				if len(b) < 8 || string(b[:4]) != "PAR1" || string(b[len(b)-4:]) != "PAR1" {
					t.Errorf("%s is not a whole Parquet file", p)
				}
			}
			if r := run(t, dir, nil, demo...); r.code != 0 {
				t.Fatalf("rerun after kill: %s", r.stderr)
			}
			if got := count(t, dir, "lake_zw_industrial_solid_waste") + "/" + count(t, dir, "lake_quarantine") + "/" + count(t, dir, "lake_sensor_readings"); got != want {
				t.Errorf("rows/quarantined after kill and rerun %s, want %s as in an uninterrupted run", got, want)
			}
			// An outside reader globbing the files sees the same rows: no
			// round left rows of inputs it did not commit.
			if got := globCount(t, dir, "sensor_readings"); got != rowsIn(clean) {
				t.Errorf("after kill and rerun the lake's sensor files hold %s rows, want %s", got, rowsIn(clean))
			}
			tmp, _ := filepath.Glob(filepath.Join(dir, "data/lake/*/*/.tmp-*"))
			if len(tmp) != 0 {
				t.Errorf("temp files left after rerun: %v", tmp)
			}
		})
	}
}

// TestCatalogReproducesZeroWasteTable checks the catalog's zero-waste rows
// against testdata/zero_waste_table.csv, the 指标体系 table transcribed
// cell by cell (baseline and targets as printed, and the unit).
func TestCatalogReproducesZeroWasteTable(t *testing.T) {
	dir := t.TempDir()
	want, err := readCSV(filepath.Join("testdata", "zero_waste_table.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, plan := range []string{"zero_waste", "伊政办发〔2023〕31号", "31号"} {
		r := run(t, dir, nil, "catalog", "--plan", plan, "--format", "csv")
		if r.code != 0 {
			t.Fatalf("catalog --plan %s: %s", plan, r.stderr)
		}
		got, err := readCSVString(r.stdout)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("--plan %s: %d rows, want %d", plan, len(got), len(want))
		}
		for i, w := range want {
			for col, v := range w {
				if got[i][col] != v {
					t.Errorf("--plan %s row %s column %s = %q, the table prints %q", plan, w["seq"], col, got[i][col], v)
				}
			}
			for _, col := range []string{"doc_no", "baseline_year", "departments"} {
				if got[i][col] == "" {
					t.Errorf("row %s has no %s", w["seq"], col)
				}
			}
		}
	}
	all := run(t, dir, nil, "catalog", "--format", "csv")
	rows, _ := readCSVString(all.stdout)
	plans := map[string]int{}
	for _, r := range rows {
		plans[r["plan_id"]]++
	}
	for _, p := range []string{"zero_waste", "enterprise_relief", "science_literacy", "geohazard_2023"} {
		if plans[p] == 0 {
			t.Errorf("catalog lists no indicator of plan %s", p)
		}
	}
	if r := run(t, dir, nil, "catalog", "--plan", "99号"); r.code != 2 {
		t.Errorf("unknown plan: exit %d, want 2", r.code)
	}
	// A department found under its alias and its full name alike.
	short := run(t, dir, nil, "catalog", "--department", "旗工信局", "--format", "csv")
	long := run(t, dir, nil, "catalog", "--department", "旗工业和信息化局", "--format", "csv")
	if short.stdout != long.stdout || !strings.Contains(short.stdout, "一般工业固体废物综合利用率") || !strings.Contains(short.stdout, "订单金额") {
		t.Errorf("department filter differs by alias or misses rows:\n%s", short.stdout)
	}
	targets := run(t, dir, nil, "catalog", "targets", "--plan", "zero_waste", "--format", "csv")
	for _, want := range []string{"zw-18,zero_waste,伊政办发〔2023〕31号,一般工业固体废物综合利用率,target,2025,60,>=,60", "zw-01,", ",<6,<,6", ",逐年降低,decrease_yoy,", ",使用量负增长,negative_growth,"} {
		if !strings.Contains(targets.stdout, want) {
			t.Errorf("catalog targets lacks %q", want)
		}
	}
}

func readCSV(path string) ([]map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readCSVString(string(b))
}

func readCSVString(s string) ([]map[string]string, error) {
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out, nil
}

// writeSolidWasteCSV writes n monthly rows for distinct enterprises.
func writeSolidWasteCSV(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）,处置量（吨）,贮存量（吨）,备注")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "2023-06,旗工信局,%s,企业%d,%d.5,%d,0,0,\n", pipelines.WithUSCCCheck(fmt.Sprintf("91150627MA%07d", i)), i, 1000+i%500, 500+i%300)
	}
	w.Flush()
	f.Close()
}

// TestServeSchedulesAndStopsGracefully runs `waymark serve` as a user
// would: a scheduled job picks a file up and the warehouse is rebuilt;
// SIGTERM in the middle of a file rolls that file back (nothing of
// it in the lake, still in the inbox) and serve exits 0; the next ingest
// takes the whole file.
func TestServeSchedulesAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "waymark.yaml"), []byte(`
schedules:
  zw_industrial_solid_waste_inbox: "@every 1s"
limits:
  max_file_bytes: 1073741824
`), 0o644)
	inbox := filepath.Join(dir, "data/inbox/zw_industrial_solid_waste")
	os.MkdirAll(inbox, 0o755)
	writeSolidWasteCSV(t, filepath.Join(inbox, "small.csv"), 10)

	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "serve", "--build-every", "1s", "--log-level", "debug", "--log-format", "json", "--listen", metricsAddr)
	cmd.Dir = dir
	// Slow the ingest down (50 ms per 4096 rows) so SIGTERM lands mid-file.
	cmd.Env = append(os.Environ(), "WAYMARK_FAULTS=ingest.rows:delay=50ms")
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, 30*time.Second, "the warehouse to be built by serve", func() bool {
		_, err := os.Stat(filepath.Join(dir, "data/warehouse/current.duckdb"))
		return err == nil
	})
	// Monitoring sees the run: rows accepted and the job's last success.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`waymark_ingest_rows_total{dataset="zw_industrial_solid_waste",outcome="accepted"} 10`,
		`waymark_ingest_last_success_timestamp_seconds{job="zw_industrial_solid_waste_inbox"}`, `waymark_builds_total{status="ok"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	big := filepath.Join(inbox, "big.csv")
	writeSolidWasteCSV(t, big+".part", 200000)
	os.Rename(big+".part", big)
	waitFor(t, 30*time.Second, "serve to start on big.csv", func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"msg":"ingesting"`) && strings.Contains(line, `"name":"big.csv"`) {
				return true
			}
		}
		return false
	})
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not exit cleanly: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of SIGTERM")
	}
	if _, err := os.Stat(big); err != nil {
		t.Fatalf("the interrupted file left the inbox: %v", err)
	}
	if !strings.Contains(logs.String(), `"status":"cancelled"`) {
		t.Errorf("the run was not recorded as cancelled:\n%s", logs.String())
	}
	if got := lakeRows(t, filepath.Join(dir, "data/lake/zw_industrial_solid_waste/*/*.parquet")); got != "10" {
		t.Errorf("lake holds %s rows after the rollback, want only the 10 of small.csv", got)
	}
	tmp, _ := filepath.Glob(filepath.Join(dir, "data/lake/*/*/.tmp-*"))
	if len(tmp) != 0 {
		t.Errorf("temp files left: %v", tmp)
	}
	r := run(t, dir, nil, "ingest", "zw_industrial_solid_waste_inbox", "--log-level", "warn")
	if r.code != 0 || !strings.Contains(r.stdout, "rows 200000 accepted, 0 rejected") {
		t.Errorf("re-ingest after rollback: %s %s", r.stdout, r.stderr)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPublishToPostgres publishes the demo's marts to a real PostgreSQL
// and reads them back with psql, as Grafana's data source would.
func TestPublishToPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	dir := demoCopy(t)
	if r := run(t, dir, nil, "publish"); r.code != 2 || !strings.Contains(r.stderr, "WAYMARK_PG_DSN") {
		t.Errorf("publish without a DSN: exit %d, %s", r.code, r.stderr)
	}
	r := run(t, dir, []string{"WAYMARK_PG_DSN=" + pg.DSN}, "publish")
	if r.code != 0 || !strings.Contains(r.stdout, "waymark.mart_scorecard:") || !strings.Contains(r.stdout, "waymark.mart_indicator_monthly:") {
		t.Fatalf("publish: %s %s", r.stdout, r.stderr)
	}
	got := pg.Psql(t, `SELECT baseline_text || ' ' || string_agg(year || ':' || target_text, ' ' ORDER BY year) FROM waymark.mart_scorecard WHERE indicator_id = 'zw-18' GROUP BY baseline_text`)
	if strings.TrimSpace(got) != "52.59 2023:55 2024:56 2025:60" {
		t.Errorf("psql reads %q", got)
	}
	// Every query of every generated dashboard runs in PostgreSQL as Grafana
	// would send it, with its variable and time macro filled in.
	dash, _ := filepath.Glob(filepath.Join(dir, "data/dashboards/dashboards/*.json"))
	if len(dash) == 0 {
		t.Fatal("no dashboards generated")
	}
	// Macros and variables are expanded as Grafana expands them
	// (dashboards.Expand); the dashboards package's own test runs them all
	// as the reader role, with multi-value variables too.
	queries, depts := 0, 0
	for _, p := range dash {
		// One department dashboard stands for all (they differ only in the
		// department): a psql process per query is slow on a loaded machine.
		if strings.HasPrefix(filepath.Base(p), "waymark-dept-") {
			if depts++; depts > 1 {
				continue
			}
		}
		b, _ := os.ReadFile(p)
		_, panels, vars, err := dashboards.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		env := dashboards.Env{From: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Interval: 24 * time.Hour, Vars: map[string]dashboards.Var{}}
		for _, v := range vars {
			if v.Type == "custom" {
				env.Vars[v.Name] = dashboards.Var{Values: v.Current}
				continue
			}
			q, err := dashboards.Expand(v.Query, env)
			if err != nil {
				t.Fatal(err)
			}
			first := strings.SplitN(strings.TrimSpace(pg.Psql(t, q)), "|", 2)[0]
			env.Vars[v.Name] = dashboards.Var{Values: []string{first}, Multi: v.Multi, IncludeAll: v.IncludeAll}
		}
		for _, panel := range panels {
			for _, q := range panel.Queries {
				sql, err := dashboards.Expand(q.RawSQL, env)
				if err != nil {
					t.Fatalf("%s: %v", panel.Title, err)
				}
				out := pg.Psql(t, sql)
				if panel.Title == "一般工业固体废物综合利用率" && strings.Count(strings.TrimSpace(out), "\n")+1 != 2 {
					t.Errorf("the zw-18 time series returns %q, want the 2 demo months", out)
				}
				queries++
			}
		}
	}
	if queries < 10 {
		t.Errorf("only %d dashboard queries checked", queries)
	}
}

// TestKilledBuildLeavesTheWarehouseAsItWas kills a build after the new
// version is written but before it is published: readers keep the previous
// version, and the next build cleans up and publishes.
func TestKilledBuildLeavesTheWarehouseAsItWas(t *testing.T) {
	dir := demoCopy(t)
	before, _ := os.Readlink(filepath.Join(dir, "data/warehouse/current.duckdb"))
	if r := run(t, dir, []string{"WAYMARK_FAULTS=warehouse.before-publish:1"}, "build"); r.code != -1 {
		t.Fatalf("the fault did not kill the build (exit %d)", r.code)
	}
	after, _ := os.Readlink(filepath.Join(dir, "data/warehouse/current.duckdb"))
	if after != before {
		t.Errorf("current moved from %s to %s during a killed build", before, after)
	}
	if r := run(t, dir, nil, "sql", "SELECT count(*) FROM mart_scorecard"); r.code != 0 {
		t.Errorf("the previous version is unreadable after a killed build: %s", r.stderr)
	}
	if r := run(t, dir, nil, "build"); r.code != 0 {
		t.Fatalf("build after a killed build: %s", r.stderr)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "data/warehouse/*.building*"))
	if len(left) != 0 {
		t.Errorf("unpublished builds left behind: %v", left)
	}
}

// TestServeMetricsRememberLastSuccess restarts monitoring as a restart of
// `serve` would: the last success of a job that ran before comes from the
// run ledger at once, and a scheduled job that never succeeded shows 0, so
// a staleness alert fires for both without waiting for their next runs.
func TestServeMetricsRememberLastSuccess(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "waymark.yaml"), []byte(`
schedules:
  zw_industrial_solid_waste_inbox: "@every 1h"
  sensor_loggers: "@every 1h"
`), 0o644)
	inbox := filepath.Join(dir, "data/inbox/zw_industrial_solid_waste")
	os.MkdirAll(inbox, 0o755)
	writeSolidWasteCSV(t, filepath.Join(inbox, "small.csv"), 10)
	before := time.Now().Add(-time.Second)
	if r := run(t, dir, nil, "ingest", "zw_industrial_solid_waste_inbox", "--log-level", "warn"); r.code != 0 {
		t.Fatalf("ingest: %s", r.stderr)
	}
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "serve", "--log-level", "warn", "--listen", metricsAddr)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	gauge := func(body, job string) (float64, bool) {
		prefix := `waymark_ingest_last_success_timestamp_seconds{job="` + job + `"} `
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				f, err := strconv.ParseFloat(v, 64)
				return f, err == nil
			}
		}
		return 0, false
	}
	var body string
	waitFor(t, 30*time.Second, "both jobs' last success on /metrics", func() bool {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		_, zw := gauge(body, "zw_industrial_solid_waste_inbox")
		_, sl := gauge(body, "sensor_loggers")
		return zw && sl
	})
	if v, _ := gauge(body, "zw_industrial_solid_waste_inbox"); v < float64(before.Unix()) || v > float64(time.Now().Unix()) {
		t.Errorf("zw_industrial_solid_waste_inbox last success %v, want the ingest's finish (after %d)", v, before.Unix())
	}
	if v, _ := gauge(body, "sensor_loggers"); v != 0 {
		t.Errorf("sensor_loggers never ran, last success %v; want 0", v)
	}
}
