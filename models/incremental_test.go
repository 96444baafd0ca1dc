package models

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// commitInput writes rows of a data set into the lake as one finished
// input (data files, then the manifest), as the runner does.
func commitInput(t testing.TB, l lake.Lake, d *pipelines.Dataset, id string, submitted time.Time, rows []map[string]string) {
	t.Helper()
	for _, m := range writeInputs(t, l, d, id, submitted, []string{id}, [][]map[string]string{rows}) {
		if err := l.WriteManifest(m); err != nil {
			t.Fatal(err)
		}
	}
}

// writeInputs writes the rows of the inputs ids into one data file named
// after file, as the small inputs of a commit round share one, and returns
// their manifests (Shared when there are several), not yet written.
func writeInputs(t testing.TB, l lake.Lake, d *pipelines.Dataset, file string, submitted time.Time, ids []string, inputs [][]map[string]string) []*lake.Manifest {
	t.Helper()
	cols := d.LakeColumns()
	w := l.NewPartitionedWriter(d.Name, "month", file, cols)
	for k, id := range ids {
		sum := id + strings.Repeat("0", 64-len(id))
		for i, r := range inputs[k] {
			row := make([]lake.Value, len(cols))
			for j, c := range cols {
				v, ok := r[c.Name]
				switch c.Name {
				case "_checksum":
					v, ok = sum, true
				case "_file":
					v, ok = id+".csv", true
				case "_source":
					v, ok = "test", true
				case "_row":
					v, ok = strconv.Itoa(i+2), true
				case "_submitted_at", "_ingested_at":
					v, ok = submitted.Format(time.RFC3339), true
				}
				if !ok || v == "" {
					row[j] = lake.Null()
					continue
				}
				switch c.Type {
				case lake.String:
					row[j] = lake.Str(v)
				case lake.Int64:
					n, _ := strconv.ParseInt(v, 10, 64)
					row[j] = lake.Int(n)
				case lake.Float64:
					f, _ := strconv.ParseFloat(v, 64)
					row[j] = lake.Float(f)
				case lake.Date:
					tm, err := time.Parse("2006-01-02", v)
					if err != nil {
						t.Fatal(err)
					}
					row[j] = lake.Day(tm)
				case lake.Timestamp:
					tm, err := time.Parse(time.RFC3339, v)
					if err != nil {
						t.Fatal(err)
					}
					row[j] = lake.Micros(tm)
				default:
					t.Fatalf("column %s: type %v not handled", c.Name, c.Type)
				}
			}
			if err := w.Write("2023-01", row); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	rel := make([]string, len(files))
	for i, f := range files {
		rel[i], _ = filepath.Rel(l.Root, f)
	}
	var out []*lake.Manifest
	for k, id := range ids {
		out = append(out, &lake.Manifest{Checksum: id + strings.Repeat("0", 64-len(id)), Dataset: d.Name, Name: id + ".csv", Files: rel,
			SubmittedAt: submitted.Format(time.RFC3339), IngestedAt: submitted.Format(time.RFC3339),
			RowsRead: int64(len(inputs[k])), Accepted: int64(len(inputs[k])), Status: "ok", Shared: len(ids) > 1})
	}
	return out
}

// reports are indicator_reports rows for one department and month.
func monthReports(period, dept string, vals map[string]string) []map[string]string {
	var out []map[string]string
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for k := range vals {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, map[string]string{"period": period, "department": dept, "indicator_id": id, "value": vals[id], "unit": "%"})
	}
	return out
}

func rainReadings(day string, n int) []map[string]string {
	var out []map[string]string
	for h := 0; h < n; h++ {
		out = append(out, map[string]string{"station_id": "GH-001", "sensor_id": "GH-001-RG", "channel": "rainfall_mm",
			"ts": fmt.Sprintf("%sT%02d:00:00Z", day, h), "value": fmt.Sprintf("%d.5", h%3)})
	}
	return out
}

// sameTables compares every table of two versions (models, lake tables,
// reference tables): equal rows, counted with duplicates, both ways.
func sameTables(t *testing.T, a, b string, skip ...string) {
	t.Helper()
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for n, p := range map[string]string{"a": a, "b": b} {
		if _, err := db.Exec(fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", sqltext.String(p), n)); err != nil {
			t.Fatal(err)
		}
	}
	tables := func(cat string) []string {
		rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1`, cat)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			if !slices.Contains(skip, s) {
				out = append(out, s)
			}
		}
		return out
	}
	ta, tb := tables("a"), tables("b")
	if len(ta) < 80 {
		t.Fatalf("only %d tables to compare: %v", len(ta), ta)
	}
	if !slices.Equal(ta, tb) {
		t.Fatalf("tables differ:\n%v\n%v", ta, tb)
	}
	for _, tbl := range ta {
		var na, nb, diff int
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM a.%[1]s), (SELECT count(*) FROM b.%[1]s),
			(SELECT count(*) FROM (SELECT * FROM a.%[1]s EXCEPT ALL SELECT * FROM b.%[1]s))
			+ (SELECT count(*) FROM (SELECT * FROM b.%[1]s EXCEPT ALL SELECT * FROM a.%[1]s))`, sqltext.Ident(tbl))
		if err := db.QueryRow(q).Scan(&na, &nb, &diff); err != nil {
			t.Errorf("%s: %v", tbl, err)
			continue
		}
		if na != nb || diff != 0 {
			t.Errorf("%s: %d rows incremental, %d rows full, %d rows differ", tbl, na, nb, diff)
		}
	}
}

// overlay is fsys with some files replaced.
func overlay(t *testing.T, fsys fs.FS, edits map[string]func(string) string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if f := edits[p]; f != nil {
			b = []byte(f(string(b)))
		}
		out[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIncrementalBuildEqualsFull: a build after one new submission
// reloads only its data set, reruns only what reads it, and gives the
// tables a full build of the same lake, clock and previous version gives;
// a new day reruns the models that judge by it, a changed model reruns it
// and its descendants, changed seeds build in full.
func TestIncrementalBuildEqualsFull(t *testing.T) {
	base := buildFixture(t)
	ds, l, store := base.Datasets, base.Lake, base.Store
	jan := time.Date(2023, 2, 3, 2, 0, 0, 0, time.UTC)
	commitInput(t, l, ds["indicator_reports"], "reports01", jan, monthReports("2023-01-01", "旗生态环境局", map[string]string{"zw-01": "50", "zw-02": "60"}))
	commitInput(t, l, ds["sensor_readings"], "sensors01", jan, rainReadings("2023-01-15", 24))
	now := time.Date(2023, 3, 10, 2, 0, 0, 0, time.UTC)
	if res := buildAt(t, base, now); res.Mode != "full" || res.Reason != "no previous version" {
		t.Fatalf("first build: %s (%s), want full (no previous version)", res.Mode, res.Reason)
	}
	// Nothing changed: only what reads the clock or the history reruns.
	res := buildAt(t, base, now.Add(time.Hour))
	if res.Mode != "incremental" || len(res.Changed) != 0 {
		t.Fatalf("second build: %s (%s), changed %v; want incremental, nothing changed", res.Mode, res.Reason, res.Changed)
	}
	for _, m := range []string{"stg_sensor_readings", "stg_indicator_reports", "mart_reporting_timeliness"} {
		if slices.Contains(res.Built, m) {
			t.Errorf("nothing changed, yet %s was rebuilt", m)
		}
	}
	if !slices.Contains(res.Built, "mart_scorecard_history") || !slices.Contains(res.Built, "int_gh_reports") {
		t.Errorf("mart_scorecard_history must record every build, int_gh_reports reads the clock; rebuilt: %v", res.Built)
	}
	// int_gh_reports read the clock but, with no danger unreported, gave
	// the same rows: the scorecard below it is not rebuilt.
	for _, m := range []string{"int_grain_geohazard", "mart_scorecard", "mart_trajectory"} {
		if slices.Contains(res.Built, m) {
			t.Errorf("nothing changed but the clock, yet %s was rebuilt (rebuilt: %v)", m, res.Built)
		}
	}
	before, err := store.Current()
	if err != nil {
		t.Fatal(err)
	}

	// One new monthly submission.
	feb := time.Date(2023, 3, 4, 2, 0, 0, 0, time.UTC)
	commitInput(t, l, ds["indicator_reports"], "reports02", feb, monthReports("2023-02-01", "旗生态环境局", map[string]string{"zw-01": "55", "zw-02": "61"}))
	now3 := now.Add(2 * time.Hour)
	res = buildAt(t, base, now3)
	if res.Mode != "incremental" || !slices.Equal(res.Changed, []string{"indicator_reports"}) {
		t.Fatalf("after a submission: %s (%s), changed %v; want incremental, indicator_reports", res.Mode, res.Reason, res.Changed)
	}
	if !slices.Contains(res.Built, "stg_indicator_reports") || !slices.Contains(res.Built, "mart_scorecard") || slices.Contains(res.Built, "stg_sensor_readings") {
		t.Errorf("after an indicator report: rebuilt %v; want stg_indicator_reports and mart_scorecard, not stg_sensor_readings", res.Built)
	}
	if res.TestsRun >= res.Tests {
		t.Errorf("%d of %d data tests ran; want only those reading what changed", res.TestsRun, res.Tests)
	}
	// The same lake, clock and previous version, built in full elsewhere.
	full := base
	full.Store, full.Previous, full.Full = warehouse.New(t.TempDir(), 10, "Asia/Shanghai"), before, true
	if r := buildAt(t, full, now3); r.Mode != "full" {
		t.Fatalf("--full built %s", r.Mode)
	}
	inc, _ := store.Current()
	ref, _ := full.Store.Current()
	sameTables(t, inc, ref, "waymark_build_inputs", "waymark_test_results")
	sameTestResults(t, inc, ref)
	var n int
	db, err := store.OpenVersion(inc)
	if err != nil {
		t.Fatal(err)
	}
	db.QueryRow(`SELECT count(*) FROM stg_indicator_reports WHERE period = DATE '2023-02-01'`).Scan(&n)
	db.Close()
	if n != 2 {
		t.Errorf("the new submission's rows in stg_indicator_reports: %d, want 2", n)
	}

	// An input written again (re-ingested with other rows): its data set
	// is reloaded whole, not appended to.
	commitInput(t, l, ds["indicator_reports"], "reports02", feb.Add(time.Minute), monthReports("2023-02-01", "旗生态环境局", map[string]string{"zw-01": "57"}))
	res = buildAt(t, base, now.Add(3*time.Hour))
	if res.Mode != "incremental" || !slices.Equal(res.Changed, []string{"indicator_reports"}) {
		t.Fatalf("after an input written again: %s (%s), changed %v", res.Mode, res.Reason, res.Changed)
	}
	cur, _ := store.Current()
	db, err = store.OpenVersion(cur)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	db.QueryRow(`SELECT string_agg(indicator_id || '=' || CAST(value AS INTEGER), ' ' ORDER BY indicator_id) FROM lake_indicator_reports WHERE period = DATE '2023-02-01'`).Scan(&got)
	db.Close()
	if got != "zw-01=57" {
		t.Errorf("after the input was written again, its rows are %q, want zw-01=57 alone", got)
	}

	// A new day: what judges deadlines by build_context.today reruns.
	res = buildAt(t, base, now.Add(24*time.Hour))
	if res.Mode != "incremental" || !slices.Contains(res.Built, "mart_reporting_timeliness") || slices.Contains(res.Built, "stg_sensor_readings") {
		t.Errorf("a new day: %s, rebuilt %v; want mart_reporting_timeliness, not stg_sensor_readings", res.Mode, res.Built)
	}
	// A model whose SQL changed but not its rows (a comment): it reruns,
	// what reads it does not.
	commented := base
	commented.SQL = overlay(t, waymark.SQL(""), map[string]func(string) string{
		"intermediate/int_gh_readings_clean.sql": func(s string) string { return s + "\n-- edited\n" },
	})
	res = buildAt(t, commented, now.Add(25*time.Hour))
	if res.Mode != "incremental" || !slices.Contains(res.Built, "int_gh_readings_clean") || slices.Contains(res.Built, "int_gh_site_hourly") ||
		slices.Contains(res.Built, "stg_sensor_readings") {
		t.Errorf("a model changed in a comment: %s, rebuilt %v; want int_gh_readings_clean, not int_gh_site_hourly", res.Mode, res.Built)
	}
	// A changed model giving other rows: it and its descendants rerun,
	// nothing else, and the tables are a full build's.
	changed := base
	changed.SQL = overlay(t, waymark.SQL(""), map[string]func(string) string{
		"intermediate/int_gh_readings_clean.sql": func(s string) string {
			// before the model's closing ORDER BY
			i := strings.LastIndex(s, "\nORDER BY ")
			return s[:i] + "\nWHERE c.value > 1" + s[i:]
		},
	})
	before, _ = store.Current()
	now4 := now.Add(25*time.Hour + time.Minute)
	res = buildAt(t, changed, now4)
	if res.Mode != "incremental" || !slices.Contains(res.Built, "int_gh_readings_clean") || !slices.Contains(res.Built, "int_gh_site_hourly") ||
		slices.Contains(res.Built, "stg_sensor_readings") || slices.Contains(res.Built, "stg_indicator_reports") {
		t.Errorf("a changed model: %s, rebuilt %v; want int_gh_readings_clean and its descendants only", res.Mode, res.Built)
	}
	full = changed
	full.Store, full.Previous, full.Full = warehouse.New(t.TempDir(), 10, "Asia/Shanghai"), before, true
	buildAt(t, full, now4)
	inc, _ = store.Current()
	ref, _ = full.Store.Current()
	sameTables(t, inc, ref, "waymark_build_inputs", "waymark_test_results")
	// Changed seeds: everything, in full.
	seeds := base
	seeds.SQL = changed.SQL
	more := overlay(t, waymark.Seeds(""), nil).(fstest.MapFS)
	more["zz_note.csv"] = &fstest.MapFile{Data: []byte("note\nan extra seed\n")}
	seeds.Seeds = more
	if res = buildAt(t, seeds, now.Add(26*time.Hour)); res.Mode != "full" || res.Reason != "seeds changed" {
		t.Errorf("changed seeds: %s (%s), want full (seeds changed)", res.Mode, res.Reason)
	}
	// A version that cannot be read: full, and why.
	for what, content := range map[string]string{"missing": "", "not a DuckDB file": "garbage"} {
		bad := base
		bad.Store = warehouse.New(t.TempDir(), 10, "Asia/Shanghai")
		bad.Previous = filepath.Join(t.TempDir(), "bad.duckdb")
		if content != "" {
			if err := os.WriteFile(bad.Previous, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if res := buildAt(t, bad, now.Add(27*time.Hour)); res.Mode != "full" || !strings.Contains(res.Reason, "unreadable") {
			t.Errorf("a previous version %s: %s (%s), want full (unreadable)", what, res.Mode, res.Reason)
		}
	}
}

// TestIncrementalClockChain: a danger not yet reported counts its hours
// to the build (int_gh_reports reads build_context.built_at), so an hour
// later its rows differ and what reads them reruns, with the tables a
// full build gives; a model reading the clock whose rows did not change
// stops there (TestIncrementalBuildEqualsFull).
func TestIncrementalClockChain(t *testing.T) {
	ctx := context.Background()
	o := buildFixture(t)
	ds, l, store := o.Datasets, o.Lake, o.Store
	feb := time.Date(2023, 2, 3, 2, 0, 0, 0, time.UTC)
	commitInput(t, l, ds["gh_inspections"], "gh01", feb, []map[string]string{{"site_id": "GH-001", "department": "旗自然资源局",
		"inspection_date": "2023-02-01", "inspector": "张三", "finding": "发生灾情", "warning_level": "红色", "observed_at": "2023-02-01T08:00:00Z"}})
	now := time.Date(2023, 2, 3, 10, 0, 0, 0, time.UTC)
	buildAt(t, o, now)
	before, _ := store.Current()
	later := now.Add(time.Hour)
	res := buildAt(t, o, later)
	if res.Mode != "incremental" || !slices.Contains(res.Built, "int_gh_reports") || !slices.Contains(res.Built, "mart_gh_alerts") {
		t.Errorf("an hour later, a danger unreported: %s (%s), rebuilt %v; want int_gh_reports and mart_gh_alerts", res.Mode, res.Reason, res.Built)
	}
	db, err := store.OpenVersion(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	var hours float64
	if err := db.QueryRow(`SELECT hours_to_report FROM int_gh_reports`).Scan(&hours); err != nil || hours != 51 {
		t.Errorf("hours to report counted to the build: %v, %v; want 51", hours, err)
	}
	db.Close()
	full := o
	full.Store, full.Previous, full.Full = warehouse.New(t.TempDir(), 10, "Asia/Shanghai"), before, true
	buildAt(t, full, later)
	ref, _ := full.Store.Current()
	sameTables(t, res.Path, ref, "waymark_build_inputs", "waymark_test_results")
	sameTestResults(t, res.Path, ref)

	// Another build holding the lock: this one says so, and does not
	// fall back to a full build.
	lock, err := os.OpenFile(filepath.Join(store.Dir(), ".build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	o.Now = later.Add(time.Hour)
	if res, err := Run(ctx, o); !errors.Is(err, warehouse.ErrBuildRunning) || res.Reason != "" {
		t.Errorf("a build while another runs: %v (reason %q), want %v", err, res.Reason, warehouse.ErrBuildRunning)
	}
}

// sameTestResults compares the data test results two versions record:
// the results an incremental build carried and those it ran again must
// be those a full build finds.
func sameTestResults(t *testing.T, a, b string) {
	t.Helper()
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for n, p := range map[string]string{"a": a, "b": b} {
		if _, err := db.Exec(fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", sqltext.String(p), n)); err != nil {
			t.Fatal(err)
		}
	}
	var na, diff int
	cols := "key, file, name, model, severity, status, rows, example"
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM a.waymark_test_results),
		(SELECT count(*) FROM (SELECT %[1]s FROM a.waymark_test_results EXCEPT ALL SELECT %[1]s FROM b.waymark_test_results))
		+ (SELECT count(*) FROM (SELECT %[1]s FROM b.waymark_test_results EXCEPT ALL SELECT %[1]s FROM a.waymark_test_results))`, cols)
	if err := db.QueryRow(q).Scan(&na, &diff); err != nil {
		t.Fatal(err)
	}
	if na < 600 || diff != 0 {
		t.Errorf("waymark_test_results: %d results, %d differ from a full build's", na, diff)
	}
}

// buildFixture is what a build test starts from: the contracts, an empty
// lake and an empty warehouse, with the embedded seeds and models.
func buildFixture(t *testing.T) Options {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	return Options{Store: warehouse.New(t.TempDir(), 10, "Asia/Shanghai"), Lake: lake.Lake{Root: t.TempDir()}, Datasets: ds,
		Seeds: waymark.Seeds(""), SQL: waymark.SQL(""), Log: slog.Default()}
}

// buildAt runs a build of o as if at now.
func buildAt(t *testing.T, o Options, now time.Time) Result {
	t.Helper()
	o.Now = now
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSharedFileReadThroughItsManifests: small inputs of one commit round
// share a data file. A build that sees only some of their manifests (a
// round being renamed, or a build between two) loads only those inputs'
// rows; the next build appends the others' once, and equals a full build.
func TestSharedFileReadThroughItsManifests(t *testing.T) {
	o := buildFixture(t)
	ds, l, store := o.Datasets, o.Lake, o.Store
	at := time.Date(2023, 2, 3, 2, 0, 0, 0, time.UTC)
	ms := writeInputs(t, l, ds["sensor_readings"], "round-1", at, []string{"dumpa", "dumpb", "dumpc"},
		[][]map[string]string{rainReadings("2023-01-15", 24), rainReadings("2023-01-16", 24), rainReadings("2023-01-17", 12)})
	for _, m := range ms[:2] {
		if err := l.WriteManifest(m); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2023, 3, 10, 2, 0, 0, 0, time.UTC)
	rows := func(s *warehouse.Store) string {
		t.Helper()
		db, _, err := s.OpenCurrent()
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var got string
		if err := db.QueryRow(`SELECT count(*) || '/' || count(DISTINCT (_checksum, _row)) || '/' || string_agg(DISTINCT _file, ',' ORDER BY _file) FROM lake_sensor_readings`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	buildAt(t, o, now)
	if got := rows(store); got != "48/48/dumpa.csv,dumpb.csv" {
		t.Fatalf("two of three manifests visible: lake_sensor_readings %s, want 48/48/dumpa.csv,dumpb.csv", got)
	}
	if err := l.WriteManifest(ms[2]); err != nil {
		t.Fatal(err)
	}
	if res := buildAt(t, o, now.Add(time.Hour)); res.Mode != "incremental" {
		t.Fatalf("after the third manifest: %s (%s), want incremental", res.Mode, res.Reason)
	}
	if got := rows(store); got != "60/60/dumpa.csv,dumpb.csv,dumpc.csv" {
		t.Errorf("after the third manifest: lake_sensor_readings %s, want 60/60/dumpa.csv,dumpb.csv,dumpc.csv", got)
	}
	full := o
	full.Store, full.Full = warehouse.New(t.TempDir(), 10, "Asia/Shanghai"), true
	buildAt(t, full, now.Add(time.Hour))
	if got, want := rows(store), rows(full.Store); got != want {
		t.Errorf("incremental %s, full %s", got, want)
	}
}
