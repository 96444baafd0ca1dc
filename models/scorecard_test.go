package models

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/waymark-data/waymark"
)

// The 三色 rule at its boundaries: status from target_status, progress
// and expected progress in % of the way from baseline to target.
func TestTrafficLight(t *testing.T) {
	db := memDB(t)
	if err := runSQLFiles(context.Background(), db, waymark.SQL(""), "macros/*.sql"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, status, progress, expected, passed, want string
	}{
		{"met", "'met'", "NULL", "NULL", "false", "green"},
		{"met after the deadline", "'met'", "10", "100", "true", "green"},
		{"not scored", "NULL", "50", "50", "false", ""},
		{"nothing to judge", "'not_evaluable'", "50", "50", "false", ""},
		{"deadline missed", "'not_met'", "99", "100", "true", "red"},
		{"no line to judge by", "'not_met'", "NULL", "NULL", "false", "yellow"},
		{"on the line", "'not_met'", "50", "50", "false", "green"},
		{"on the line but for float noise", "'not_met'", "49.9999999999", "50", "false", "green"},
		{"just behind the line", "'not_met'", "49.99", "50", "false", "yellow"},
		{"20 points behind", "'not_met'", "30", "50", "false", "yellow"},
		{"more than 20 points behind", "'not_met'", "29.99", "50", "false", "red"},
		{"at the baseline", "'not_met'", "0", "10", "false", "yellow"},
		{"worse than the baseline", "'not_met'", "-0.01", "10", "false", "red"},
		{"ahead of the line", "'not_met'", "80", "50", "false", "green"},
	}
	for _, c := range cases {
		q := fmt.Sprintf("SELECT traffic_light(%s, %s::DOUBLE, %s::DOUBLE, %s) AS tl", c.status, c.progress, c.expected, c.passed)
		got := one(t, db, "SELECT tl.light AS light, tl.reason AS reason FROM ("+q+")")
		if got["light"] != c.want || got["reason"] == "" {
			t.Errorf("%s: light %q (%s), want %q", c.name, got["light"], got["reason"], c.want)
		}
	}
}

// olsRef is an independent least-squares fit: slope, intercept, residual
// standard error, mean x and Sxx of (x, y).
func olsRef(xs, ys []float64) (b, a, s, mx, sxx float64) {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	b = sxy / sxx
	a = my - b*mx
	var sse float64
	for i := range xs {
		r := ys[i] - a - b*xs[i]
		sse += r * r
	}
	return b, a, math.Sqrt(sse / (n - 2)), mx, sxx
}

// reports writes indicator_reports rows, one per month from 2024-01.
func reports(dept, id, unit string, values ...float64) string {
	var b strings.Builder
	b.WriteString("period,department,indicator_id,value,unit\n")
	for i, v := range values {
		fmt.Fprintf(&b, "2024-%02d-01,%s,%s,%g,%s\n", i+1, dept, id, v, unit)
	}
	return b.String()
}

// A level's forecast is the least-squares line at each future month, with
// a 95 % prediction interval from the residual standard error and t with
// n-2 degrees of freedom.
func TestForecastLevel(t *testing.T) {
	// 绿色建筑占新建建筑的比例 (zw-12, %, targets 70/80/100 for 2023–2025):
	// a rising line with a zig-zag, January–October 2024.
	ys := []float64{40.5, 41.5, 42.5, 43.1, 44.9, 45.5, 46.5, 47.5, 48.1, 49.9}
	db := build{now: shanghai(t, "2024-11-20 10:00"), given: map[string]string{
		"indicator_reports": reports("旗住建局", "zw-12", "%", ys...),
	}}.db(t)
	xs := make([]float64, len(ys))
	for i := range xs {
		xs[i] = float64(12*2024 + i)
	}
	b, a, s, mx, sxx := olsRef(xs, ys)
	fit := one(t, db, `SELECT n, slope, intercept, residual_se, refused FROM int_indicator_forecast WHERE indicator_id = 'zw-12'`)
	if fit["n"] != "10" || !near(num(t, fit["slope"]), b) || !near(num(t, fit["intercept"]), a) || !near(num(t, fit["residual_se"]), s) || fit["refused"] != "" {
		t.Fatalf("fit %v, want n 10 slope %v intercept %v se %v", fit, b, a, s)
	}
	// December 2025, the last target year: 23 months after the last actual.
	x0 := float64(12*2025 + 11)
	want := a + b*x0
	half := 2.306 * s * math.Sqrt(1+1/10.0+(x0-mx)*(x0-mx)/sxx) // t(0.975, 8) = 2.306
	got := one(t, db, `SELECT forecast, forecast_low, forecast_high, forecast_method FROM mart_trajectory WHERE indicator_id = 'zw-12' AND period = '2025-12-01'`)
	if !near(num(t, got["forecast"]), want) || !near(num(t, got["forecast_low"]), want-half) || !near(num(t, got["forecast_high"]), want+half) || got["forecast_method"] == "" {
		t.Errorf("December 2025 %v, want %v ± %v", got, want, half)
	}
	sc := one(t, db, `SELECT forecast, forecast_status, forecast_reason FROM mart_scorecard WHERE indicator_id = 'zw-12' AND year = 2025`)
	wantStatus := "not_met"
	if want >= 100 {
		wantStatus = "met"
	}
	if !near(num(t, sc["forecast"]), want) || sc["forecast_status"] != wantStatus || sc["forecast_reason"] != "" {
		t.Errorf("scorecard 2025 forecast %v, want %v %s", sc, want, wantStatus)
	}
	// Months already reported carry no forecast, and say why.
	past := one(t, db, `SELECT forecast, forecast_reason FROM mart_trajectory WHERE indicator_id = 'zw-12' AND period = '2024-06-01'`)
	if past["forecast"] != "" || past["forecast_reason"] == "" {
		t.Errorf("a reported month: %v", past)
	}
}

// A flow's forecast is the year's total: what is reported so far plus the
// line's amounts for the months to come, its interval widening with each.
func TestForecastFlow(t *testing.T) {
	// 生活垃圾清运量 (zw-14, 万吨, summed by month; 2024 target 9.9).
	ys := []float64{0.70, 0.74, 0.72, 0.76, 0.74, 0.78, 0.76, 0.80}
	db := build{now: shanghai(t, "2024-09-20 10:00"), given: map[string]string{
		"indicator_reports": reports("旗住建局", "zw-14", "万吨", ys...),
	}}.db(t)
	xs := make([]float64, len(ys))
	soFar := 0.0
	for i := range xs {
		xs[i] = float64(12*2024 + i)
		soFar += ys[i]
	}
	b, a, s, mx, sxx := olsRef(xs, ys)
	// September–December 2024: four months to come.
	sum, dx := 0.0, 0.0
	for m := 8; m < 12; m++ {
		x := float64(12*2024 + m)
		sum += a + b*x
		dx += x - mx
	}
	want := soFar + sum
	k, n := 4.0, 8.0
	half := 2.447 * s * math.Sqrt(k+k*k/n+dx*dx/sxx) // t(0.975, 6) = 2.447
	got := one(t, db, `SELECT forecast, forecast_low, forecast_high, forecast_status FROM mart_scorecard WHERE indicator_id = 'zw-14' AND year = 2024`)
	if !near(num(t, got["forecast"]), want) || !near(num(t, got["forecast_high"]), want+half) || !near(num(t, got["forecast_low"]), want-half) {
		t.Errorf("2024 total %v, want %v ± %v", got, want, half)
	}
	// January 2025 starts from nothing: one month of the line.
	jan := one(t, db, `SELECT forecast FROM mart_trajectory WHERE indicator_id = 'zw-14' AND period = '2025-01-01'`)
	if x := float64(12 * 2025); !near(num(t, jan["forecast"]), a+b*x) {
		t.Errorf("January 2025 %v, want %v", jan, a+b*x)
	}
	// The planned path of a flow spreads the year's target evenly.
	plan := one(t, db, `SELECT planned FROM mart_trajectory WHERE indicator_id = 'zw-14' AND period = '2024-06-01'`)
	if !near(num(t, plan["planned"]), 9.9/2) {
		t.Errorf("planned June 2024 %v, want 4.95", plan)
	}
}

// The forecast refuses, saying why, where a line means nothing.
func TestForecastRefuses(t *testing.T) {
	db := build{now: shanghai(t, "2024-11-20 10:00"), given: map[string]string{
		"indicator_reports": reports("旗住建局", "zw-13", "%", 10, 11, 12, 13, 14) + // five months only
			strings.TrimPrefix(reports("旗无废办", "zw-38", "—", 0, 0, 0, 0, 1, 1, 1, 1), "period,department,indicator_id,value,unit\n") + // a milestone
			strings.TrimPrefix(reports("旗生态环境局", "zw-20", "%", 60, 61, 62, 63, 64, 65, 66), "period,department,indicator_id,value,unit\n"), // 逐年提高 only
	}}.db(t)
	for id, want := range map[string]string{
		"zw-13": "fewer than 6 monthly values (5)",
		"zw-38": "milestone",
		"zw-20": "no numeric target",
		"zw-11": "no actuals",
	} {
		got := one(t, db, `SELECT refused FROM int_indicator_forecast WHERE indicator_id = ?`, id)
		if !strings.Contains(got["refused"], want) {
			t.Errorf("%s refused %q, want %q", id, got["refused"], want)
		}
		n := one(t, db, `SELECT count(*) AS n, count(*) FILTER (WHERE forecast_reason LIKE ?) AS said FROM mart_trajectory WHERE indicator_id = ? AND forecast IS NULL`, "%"+want+"%", id)
		if n["n"] == "0" || n["said"] == "0" {
			t.Errorf("%s: trajectory rows without forecast %v, want the reason %q", id, n, want)
		}
	}
	if got := one(t, db, `SELECT count(*) AS n FROM int_forecast_monthly WHERE indicator_id IN ('zw-13', 'zw-38', 'zw-20')`); got["n"] != "0" {
		t.Errorf("refused indicators got %s forecast months", got["n"])
	}
}

// Progress along the planned line, expected progress and the light before
// the deadline; the light turns red once the deadline has passed.
func TestScorecardProgressAndLight(t *testing.T) {
	// zw-12: baseline 29 (2020), 2024 target 80. As of June 2024 the line
	// expects (2024-06-30 − 2020-12-31) / (2024-12-31 − 2020-12-31) of the way.
	given := map[string]string{"indicator_reports": reports("旗住建局", "zw-12", "%", 60, 62, 64, 66, 68, 70)}
	expected := 100 * 1277.0 / 1461.0
	progress := 100 * (70 - 29) / (80 - 29.0)
	cases := []struct {
		now, light string
		passed     bool
	}{
		{"2024-07-10 09:00", "yellow", false}, // 80.4 % of the way, 87.4 % expected: behind by less than 20
		{"2025-01-10 09:00", "red", true},     // the year is over and 70 < 80
	}
	for _, c := range cases {
		db := build{now: shanghai(t, c.now), given: given}.db(t)
		got := one(t, db, `SELECT actual, status, progress_pct, expected_pct, deadline, deadline_passed, light, light_zh, light_reason, as_of_period
			FROM mart_scorecard WHERE indicator_id = 'zw-12' AND year = 2024`)
		if got["status"] != "not_met" || !near(num(t, got["progress_pct"]), progress) || !near(num(t, got["expected_pct"]), expected) {
			t.Errorf("%s: %v, want progress %v expected %v", c.now, got, progress, expected)
		}
		if got["light"] != c.light || got["deadline_passed"] != fmt.Sprint(c.passed) || got["light_reason"] == "" {
			t.Errorf("%s: light %s (%s), deadline passed %s; want %s", c.now, got["light"], got["light_reason"], got["deadline_passed"], c.light)
		}
	}
	// A flow is measured from zero each year: 6 months of 0.8 万吨 is 4.8 of
	// 2024's 9.9, with half the year gone.
	db := build{now: shanghai(t, "2024-07-10 09:00"), given: map[string]string{
		"indicator_reports": reports("旗住建局", "zw-14", "万吨", 0.8, 0.8, 0.8, 0.8, 0.8, 0.8)}}.db(t)
	got := one(t, db, `SELECT actual, progress_pct, expected_pct, light FROM mart_scorecard WHERE indicator_id = 'zw-14' AND year = 2024`)
	if !near(num(t, got["progress_pct"]), 100*4.8/9.9) || !near(num(t, got["expected_pct"]), 50) || got["light"] != "yellow" {
		t.Errorf("flow %v, want progress %v expected 50 yellow", got, 100*4.8/9.9)
	}
}

// The lead leader follows effective-dated responsibilities: 38号 moves
// energy work (旗能源局) from 孟都巴雅尔 to 李贵 on 2023-05-31.
func TestScorecardLeadLeaderIsEffectiveDated(t *testing.T) {
	before := build{now: shanghai(t, "2023-05-20 09:00")}.db(t)
	got := one(t, before, `SELECT lead_department, lead_leader FROM mart_scorecard WHERE indicator_id = 'zw-07' AND year = 2023`)
	if got["lead_department"] != "旗能源局" || got["lead_leader"] != "孟都巴雅尔" {
		t.Errorf("before 2023-05-31: %v, want 旗能源局 孟都巴雅尔", got)
	}
	after := build{now: shanghai(t, "2023-07-20 09:00"), given: map[string]string{
		"indicator_reports": "period,department,indicator_id,value,unit\n2023-05-01,旗能源局,zw-07,50,%\n"}}.db(t)
	got = one(t, after, `SELECT lead_leader, as_of_period FROM mart_scorecard WHERE indicator_id = 'zw-07' AND year = 2023`)
	if got["lead_leader"] != "李贵" {
		t.Errorf("as of May 2023 (judged 2023-05-31): %v, want 李贵", got)
	}
	// A duty from another plan (28号's special actions led by 李贵 through
	// 旗工业和信息化局) does not make him the leader of a zero-waste indicator.
	got = one(t, after, `SELECT lead_department, lead_leader FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2023`)
	if got["lead_department"] != "旗工业和信息化局" || got["lead_leader"] != "" {
		t.Errorf("zw-18: %v, want 旗工业和信息化局 and no leader", got)
	}
}

// Per-period and per-case rows are judged against the year's target with
// target_status and rolled up: the share met is the yearly actual.
func TestGrainEvaluationAndRollup(t *testing.T) {
	grain := func(rows string) string {
		return "SELECT indicator_id, CAST(year AS INTEGER) AS year, grain, period_key, CAST(period AS DATE) AS period, CAST(actual AS DOUBLE) AS actual, detail\n" +
			"FROM (VALUES " + rows + ") t(indicator_id, year, grain, period_key, period, actual, detail)\n"
	}
	fsys := sqlWith(t, map[string]string{
		// er-04 进企业送政策活动次数: ≥2 per quarter in 2023.
		"intermediate/int_grain_enterprise_relief.sql": grain(`
			('er-04', 2023, 'quarter', '2023-Q1', '2023-03-01', 3, '旗发改委'),
			('er-04', 2023, 'quarter', '2023-Q2', '2023-06-01', 1, '旗发改委'),
			('er-04', 2023, 'quarter', '2023-Q3', '2023-09-01', 2, '旗发改委'),
			('er-04', 2023, 'quarter', '2023-Q4', '2023-12-01', NULL, '旗发改委'),
			('er-04', 2024, 'quarter', '2024-Q1', '2024-03-01', 5, 'no 2024 target')`),
		// zw-38 协调机制: a milestone, done (1) by its deadline.
		"intermediate/int_grain_zero_waste.sql": grain(`('zw-38', 2023, 'once', 'zw-38', '2023-08-01', 1, '领导小组成立')`),
	})
	db := build{now: shanghai(t, "2023-11-10 09:00"), sql: fsys}.db(t)
	ev := queryMaps(t, db, `SELECT period_key, status, gap, not_evaluable_reason FROM int_grain_evaluations WHERE indicator_id = 'er-04' ORDER BY period_key`)
	want := []string{"met", "not_met", "met", "not_evaluable", "not_evaluable"}
	for i, r := range ev {
		if r["status"] != want[i] {
			t.Errorf("%s: %s, want %s", r["period_key"], r["status"], want[i])
		}
	}
	if ev[4]["not_evaluable_reason"] != "no target printed for 2024" || ev[2]["gap"] != "0" {
		t.Errorf("evaluations %v", ev)
	}
	r := one(t, db, `SELECT periods, met, not_met, not_evaluable, share_met, failed FROM int_grain_rollup WHERE indicator_id = 'er-04' AND year = 2023`)
	if r["periods"] != "4" || r["met"] != "2" || r["not_met"] != "1" || r["not_evaluable"] != "1" ||
		!near(num(t, r["share_met"]), 200.0/3) || r["failed"] != "2023-Q2 (旗发改委)" {
		t.Errorf("roll-up %v", r)
	}
	sc := one(t, db, `SELECT actual, actual_unit, evaluated_as, status, gap, light, grain, grain_failed, as_of_period
		FROM mart_scorecard WHERE indicator_id = 'er-04' AND year = 2023`)
	if !near(num(t, sc["actual"]), 200.0/3) || sc["actual_unit"] != "%" || sc["evaluated_as"] != "share_of_periods" ||
		sc["status"] != "not_met" || sc["light"] != "red" || sc["grain"] != "quarter" || !strings.HasPrefix(sc["as_of_period"], "2023-12-01") {
		t.Errorf("scorecard er-04 %v, want 66.7 %% not_met red (33 points behind the 100 %% expected)", sc)
	}
	ms := one(t, db, `SELECT actual, status, light FROM mart_scorecard WHERE indicator_id = 'zw-38' AND year = 2023`)
	if ms["status"] != "met" || ms["light"] != "green" {
		t.Errorf("milestone done: %v, want met green", ms)
	}
}
