package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// Reports for a month are due before the contract's due day (5) of the
// next month on the Asia/Shanghai calendar: 23:59 on the 4th is on time,
// 00:01 on the 5th is late (both are the 4th in UTC).
func TestReportingTimeliness(t *testing.T) {
	l := lake.Lake{Root: t.TempDir()}
	// A header-only file: the manifest says it held no rows.
	if err := l.WriteManifest(&lake.Manifest{Checksum: strings.Repeat("e", 64), Dataset: "indicator_reports",
		Name: "indicator_reports_旗农牧局_2024-02.xlsx", SubmittedAt: "2024-03-01T02:00:00Z", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	given := "period,department,indicator_id,value,unit,_checksum,_submitted_at\n" +
		"2024-01-01,旗住建局,zw-12,60,%,a," + shanghai(t, "2024-02-04 23:59").Format(time.RFC3339) + "\n" +
		"2024-01-01,旗农牧局,zw-21,86,%,b," + shanghai(t, "2024-02-05 00:01").Format(time.RFC3339) + "\n" +
		// a correction a month later does not make the on-time report late
		"2024-01-01,旗住建局,zw-12,61,%,c," + shanghai(t, "2024-03-01 10:00").Format(time.RFC3339) + "\n" +
		"2024-02-01,旗住建局,zw-12,62,%,d," + shanghai(t, "2024-03-01 10:00").Format(time.RFC3339) + "\n" +
		// 旗工信局 is 旗工业和信息化局: one department under either name
		"2024-01-01,旗工业和信息化局,zw-18,55,%,f," + shanghai(t, "2024-02-12 10:00").Format(time.RFC3339) + "\n"
	db := build{now: shanghai(t, "2024-03-03 12:00"), lake: l.Root, given: map[string]string{"indicator_reports": given}}.db(t)
	cases := []struct {
		dept, period, status, daysLate string
		expected, received, onTime     string
	}{
		{"旗住建局", "2024-01-01", "on_time", "", "1", "1", "1"},
		{"旗农牧局", "2024-01-01", "late", "1", "1", "1", "0"},
		{"旗工业和信息化局", "2024-01-01", "late", "8", "1", "1", "0"},
		{"旗卫健委", "2024-01-01", "missing", "", "1", "0", "0"},
		{"旗住建局", "2024-02-01", "on_time", "", "1", "1", "1"}, // arrived before it was due
		{"旗农牧局", "2024-02-01", "empty", "", "1", "0", "0"},
		{"旗卫健委", "2024-02-01", "not_due", "", "0", "0", "0"}, // due 2024-03-05, today is the 3rd
	}
	for _, c := range cases {
		rows := queryMaps(t, db, `SELECT status, days_late, expected, received, on_time, files, corrected FROM mart_reporting_timeliness
			WHERE dataset = 'indicator_reports' AND department = ? AND period = ?`, c.dept, c.period)
		if len(rows) != 1 {
			t.Errorf("%s %s: %d rows", c.dept, c.period, len(rows))
			continue
		}
		r := rows[0]
		if r["status"] != c.status || r["days_late"] != c.daysLate || r["expected"] != c.expected || r["received"] != c.received || r["on_time"] != c.onTime {
			t.Errorf("%s %s: %v, want %s (days late %q)", c.dept, c.period, r, c.status, c.daysLate)
		}
	}
	if r := one(t, db, `SELECT files, corrected FROM mart_reporting_timeliness WHERE department = '旗住建局' AND period = '2024-01-01'`); r["files"] != "2" || r["corrected"] != "true" {
		t.Errorf("corrected report %v", r)
	}
	// Every department the contract lists owes indicator_reports: January's
	// rates are 3 received and 1 on time of the departments expected.
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	owed := len(ds["indicator_reports"].Departments)
	r := one(t, db, `SELECT expected, received, on_time, late, missing, reporting_rate, on_time_rate FROM mart_reporting_rates
		WHERE level = 'dataset_month' AND dataset = 'indicator_reports' AND period = '2024-01-01'`)
	if r["expected"] != fmt.Sprint(owed) || r["received"] != "3" || r["on_time"] != "1" || r["late"] != "2" || r["missing"] != fmt.Sprint(owed-3) ||
		!near(num(t, r["reporting_rate"]), 300/float64(owed)) || !near(num(t, r["on_time_rate"]), 100/float64(owed)) {
		t.Errorf("January rates %v", r)
	}
}

// Every reported value as first reported and as last revised.
func TestRevisions(t *testing.T) {
	given := "enterprise_code,enterprise_name,department,period,generated_t,utilised_t,_checksum,_submitted_at\n" +
		"E1,甲,旗工信局,2024-01-01,100,60,first,2024-02-03T10:00:00+08:00\n" +
		"E2,乙,旗工信局,2024-01-01,100,50,first,2024-02-03T10:00:00+08:00\n" +
		"E1,甲,旗工信局,2024-01-01,100,70,second,2024-02-20T10:00:00+08:00\n" +
		"E3,丙,旗工信局,2024-01-01,80,40,second,2024-02-20T10:00:00+08:00\n"
	db := build{now: shanghai(t, "2024-03-03 12:00"), given: map[string]string{"zw_industrial_solid_waste": given}}.db(t)
	cases := []struct{ key, measure, first, last, state string }{
		{"E1", "utilised_t", "60", "70", "revised"},
		{"E1", "generated_t", "100", "100", "unchanged"},
		{"E2", "utilised_t", "50", "", "withdrawn"},
		{"E3", "utilised_t", "40", "40", "added"},
	}
	for _, c := range cases {
		r := one(t, db, `SELECT first_value, last_value, state, files_for_month FROM mart_revisions
			WHERE dataset = 'zw_industrial_solid_waste' AND key = ? AND measure = ?`, c.key, c.measure)
		if r["first_value"] != c.first || r["last_value"] != c.last || r["state"] != c.state || r["files_for_month"] != "2" {
			t.Errorf("%s %s: %v, want %s -> %s %s", c.key, c.measure, r, c.first, c.last, c.state)
		}
	}
	// The actual uses the revised file only: (70 + 40) / (100 + 80).
	r := one(t, db, `SELECT actual FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2024`)
	if !near(num(t, r["actual"]), 100*110/180.0) {
		t.Errorf("zw-18 from the revised file: %v", r)
	}
}

// runVersion builds and publishes a version in store.
func runVersion(t *testing.T, store *warehouse.Store, now time.Time, given map[string]string, sel ...string) Result {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Store: store, Lake: lake.Lake{Root: filepath.Join(store.Dir(), "lake")}, Datasets: ds,
		Seeds: waymark.Seeds(""), SQL: waymark.SQL(""), Given: given, Now: now, Select: sel, Log: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// openVersion opens the version just built, which is the current one, the
// way readers do.
func openVersion(t *testing.T, store *warehouse.Store, path string) *sql.DB {
	t.Helper()
	db, cur, err := store.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	if cur != path {
		t.Fatalf("current version %s, want the one just built %s", cur, path)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each build keeps the scorecard as it stood and says what changed since
// the previous build.
func TestBuildHistoryAndChanges(t *testing.T) {
	store := warehouse.New(t.TempDir(), 5, "Asia/Shanghai")
	sw := func(utilised string) map[string]string {
		return map[string]string{"zw_industrial_solid_waste": "enterprise_code,enterprise_name,department,period,generated_t,utilised_t\n" +
			"E1,甲,旗工信局,2024-01-01,100," + utilised + "\n"}
	}
	first := runVersion(t, store, shanghai(t, "2024-03-01 09:00"), sw("50"))
	db := openVersion(t, store, first.Path)
	if r := one(t, db, `SELECT count(*) AS n FROM mart_build_changes`); r["n"] != "0" {
		t.Errorf("a first build reports %s changes", r["n"])
	}
	second := runVersion(t, store, shanghai(t, "2024-03-02 09:00"), sw("60"))
	db = openVersion(t, store, second.Path)
	r := one(t, db, `SELECT change, changed, previous_actual, actual, previous_status, status FROM mart_build_changes WHERE indicator_id = 'zw-18' AND year = 2024`)
	if r["change"] != "changed" || r["previous_actual"] != "50" || r["actual"] != "60" || !strings.Contains(r["changed"], "actual") || !strings.Contains(r["changed"], "status") {
		t.Errorf("changes %v, want zw-18 50 -> 60 (not met -> met)", r)
	}
	if r := one(t, db, `SELECT count(DISTINCT built_at) AS builds, count(*) FILTER (WHERE indicator_id = 'zw-18' AND year = 2024) AS rows FROM mart_scorecard_history`); r["builds"] != "2" || r["rows"] != "2" {
		t.Errorf("history %v, want 2 builds", r)
	}
	if n := one(t, db, `SELECT count(*) AS n FROM mart_build_changes`)["n"]; n != "1" {
		t.Errorf("%s changes, want only zw-18 2024", n)
	}
}

// build --select runs the selected models and copies the others from the
// current version; with no current version it builds everything.
func TestBuildSelect(t *testing.T) {
	store := warehouse.New(t.TempDir(), 5, "Asia/Shanghai")
	sw := func(utilised string) map[string]string {
		return map[string]string{"zw_industrial_solid_waste": "enterprise_code,enterprise_name,department,period,generated_t,utilised_t\n" +
			"E1,甲,旗工信局,2024-01-01,100," + utilised + "\n"}
	}
	now := shanghai(t, "2024-03-01 09:00")
	first := runVersion(t, store, now, sw("50"), "mart_trajectory")
	if first.Built != nil {
		t.Errorf("with no current version every model is built, got only %v", first.Built)
	}
	// Only the mart: its inputs are the current version's, so the new
	// tonnage does not reach it.
	only := runVersion(t, store, now, sw("60"), "mart_scorecard")
	if strings.Join(only.Built, ",") != "mart_scorecard" {
		t.Errorf("built %v", only.Built)
	}
	db := openVersion(t, store, only.Path)
	if r := one(t, db, `SELECT actual FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2024`); r["actual"] != "50" {
		t.Errorf("unselected ancestors copied: actual %v, want the current version's 50", r)
	}
	if r := one(t, db, `SELECT max(utilised_t) AS u FROM lake_zw_industrial_solid_waste`); r["u"] != "60" {
		t.Errorf("the lake is always read fresh: %v", r)
	}
	// With its ancestors: the new tonnage flows through.
	up := runVersion(t, store, now, sw("60"), "+mart_scorecard")
	for _, m := range []string{"stg_zw_industrial_solid_waste", "int_actuals_zero_waste", "int_indicator_actuals", "mart_scorecard"} {
		if !strings.Contains(","+strings.Join(up.Built, ",")+",", ","+m+",") {
			t.Errorf("+mart_scorecard did not build %s: %v", m, up.Built)
		}
	}
	if strings.Contains(strings.Join(up.Built, ","), "mart_trajectory") {
		t.Errorf("+mart_scorecard built a descendant-only model: %v", up.Built)
	}
	db = openVersion(t, store, up.Path)
	if r := one(t, db, `SELECT actual FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2024`); r["actual"] != "60" {
		t.Errorf("+mart_scorecard: actual %v, want 60", r)
	}
	// Descendants: everything that reads the model.
	p, err := LoadProject(waymark.SQL(""))
	if err != nil {
		t.Fatal(err)
	}
	down, err := Select(p.Models, []string{"int_indicator_actuals+"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"int_indicator_actuals", "mart_scorecard", "mart_trajectory", "mart_indicator_monthly", "int_indicator_forecast", "mart_build_changes"} {
		if !down[m] {
			t.Errorf("int_indicator_actuals+ lacks %s", m)
		}
	}
	if down["int_actuals_zero_waste"] || down["stg_indicators"] {
		t.Errorf("int_indicator_actuals+ selected an ancestor: %v", sortedKeys(down))
	}
	if _, err := Select(p.Models, []string{"no_such_model+"}); err == nil {
		t.Error("an unknown model selects nothing and must say so")
	}
}
