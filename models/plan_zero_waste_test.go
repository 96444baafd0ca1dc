package models

import (
	"strings"
	"testing"
)

// Zero-waste plan (31号): known ledger and milestone rows in, known
// actuals out. Every case runs the real seeds and models (buildGiven).

// ledger builds zw_project_progress rows: one "file" per line group, as
// the 旗发改委 would send them (a corrected file for a month has a later
// _submitted_at and replaces its earlier file whole).
const ledgerHeader = "period,department,project_id,investment_month_wan,investment_cumulative_wan,status,_checksum,_submitted_at\n"

func ledgerRow(period, project, month, cum, status, file, sent string) string {
	return strings.Join([]string{period, "旗发展和改革委员会", project, month, cum, status, file, sent}, ",") + "\n"
}

// checkRows compares query results with wanted rows, column by column.
func checkRows(t *testing.T, what string, got []map[string]string, want []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i, w := range want {
		for k, v := range w {
			if got[i][k] != v {
				t.Errorf("%s row %d: %s = %q, want %q (row %v)", what, i, k, got[i][k], v, got[i])
			}
		}
	}
}

func TestZeroWasteKeyProjectsAreARunningTotal(t *testing.T) {
	// zw-19 counts the 附件2 projects meeting a threshold (zwp-01, 02, 04,
	// 08) once built. zwp-06 is built too but is not a key project.
	rows := ledgerHeader +
		ledgerRow("2023-06-01", "zwp-02", "3000", "3000", "在建", "f2306", "2023-07-03 10:00:00+08") +
		ledgerRow("2023-06-01", "zwp-06", "500", "3500", "在建", "f2306", "2023-07-03 10:00:00+08") +
		ledgerRow("2023-10-01", "zwp-02", "2000", "5000", "已完工", "f2310", "2023-11-03 10:00:00+08") +
		ledgerRow("2023-10-01", "zwp-06", "600", "4100", "已完工", "f2310", "2023-11-03 10:00:00+08") +
		ledgerRow("2023-12-01", "zwp-02", "0", "5000", "已投运", "f2312", "2024-01-03 10:00:00+08") +
		ledgerRow("2023-12-01", "zwp-01", "9000", "9000", "在建", "f2312", "2024-01-03 10:00:00+08") +
		// 2024: zwp-02 is no longer reported; it stays built.
		ledgerRow("2024-06-01", "zwp-04", "2000", "2000", "已完工", "f2406", "2024-07-03 10:00:00+08") +
		// The first November file says zwp-01 is finished; the corrected
		// file a week later says it is still being built.
		ledgerRow("2024-11-01", "zwp-01", "80000", "89000", "已完工", "f2411", "2024-12-03 10:00:00+08") +
		ledgerRow("2024-11-01", "zwp-01", "80000", "89000", "在建", "f2411b", "2024-12-10 10:00:00+08") +
		ledgerRow("2024-12-01", "zwp-01", "8000", "97000", "已完工", "f2412", "2025-01-03 10:00:00+08")
	db := buildGiven(t, map[string]string{"zw_project_progress": rows})
	got := queryMaps(t, db, `SELECT strftime(period, '%Y-%m') AS month, actual, actual_month, reporters, source
		FROM int_actuals_zero_waste WHERE indicator_id = 'zw-19' ORDER BY period`)
	checkRows(t, "zw-19 by month", got, []map[string]string{
		{"month": "2023-06", "actual": "0", "actual_month": "0", "reporters": "1", "source": "records"},
		{"month": "2023-10", "actual": "1", "actual_month": "1", "reporters": "1"},
		{"month": "2023-12", "actual": "1", "actual_month": "0", "reporters": "2"},
		{"month": "2024-06", "actual": "2", "actual_month": "1", "reporters": "1"},
		{"month": "2024-11", "actual": "2", "actual_month": "0"}, // the correction wins
		// The year's additions are 2 (zwp-04, zwp-01); the target is a
		// total to that year, so the actual is 3.
		{"month": "2024-12", "actual": "3", "actual_month": "1"},
	})
	got = queryMaps(t, db, `SELECT year, target, actual, status FROM mart_scorecard WHERE indicator_id = 'zw-19' ORDER BY year`)
	checkRows(t, "zw-19 scorecard", got, []map[string]string{
		{"year": "2023", "target": "1", "actual": "1", "status": "met"},
		{"year": "2024", "target": "3", "actual": "3", "status": "met"},
		{"year": "2025", "target": "4", "actual": "", "status": "not_evaluable"},
	})
}

func TestZeroWasteProjectsAgainstPlanAndDeadline(t *testing.T) {
	rows := ledgerHeader +
		// zwp-05 (30000 万元, 2022年6月—2024年6月): 30 % invested when 76 %
		// of its span has gone, then still building after its deadline.
		ledgerRow("2023-12-01", "zwp-05", "1000", "9000", "在建", "a", "2024-01-03 10:00:00+08") +
		ledgerRow("2024-07-01", "zwp-05", "11000", "20000", "在建", "b", "2024-08-03 10:00:00+08") +
		// zwp-06 (4100, 2020年—2024年): 73 % invested at 80 % of its span:
		// within 10 points, on schedule.
		ledgerRow("2023-12-01", "zwp-06", "100", "3000", "在建", "a", "2024-01-03 10:00:00+08") +
		// zwp-07 (25353.29, due 2023年底) finished in November 2023.
		ledgerRow("2023-11-01", "zwp-07", "2353.29", "25353.29", "已完工", "c", "2023-12-03 10:00:00+08") +
		ledgerRow("2023-12-01", "zwp-07", "0", "25353.29", "已投运", "a", "2024-01-03 10:00:00+08") +
		// zwp-03 (1800, due 2024年底) finished in January 2025; its January
		// cumulative is 100 more than December's plus January's.
		ledgerRow("2024-12-01", "zwp-03", "300", "1500", "在建", "d", "2025-01-03 10:00:00+08") +
		ledgerRow("2025-01-01", "zwp-03", "200", "1800", "已完工", "e", "2025-02-03 10:00:00+08") +
		// zwp-02 halted.
		ledgerRow("2024-07-01", "zwp-02", "0", "2500", "停建", "b", "2024-08-03 10:00:00+08")
	db := buildGiven(t, map[string]string{"zw_project_progress": rows})
	got := queryMaps(t, db, `SELECT project_id, strftime(as_of_period, '%Y-%m') AS as_of, status, planned_wan,
		investment_cumulative_wan AS cum, round(pct_of_plan, 2) AS pct, round(elapsed_pct, 2) AS elapsed,
		round(schedule_gap_pts, 2) AS gap, strftime(completed_period, '%Y-%m') AS completed, schedule_status, ledger_gap_wan
		FROM mart_zw_projects ORDER BY project_id`)
	want := []map[string]string{
		{"project_id": "zwp-01", "schedule_status": "no_report", "cum": "", "planned_wan": "97000"},
		{"project_id": "zwp-02", "status": "停建", "schedule_status": "halted"},
		{"project_id": "zwp-03", "as_of": "2025-01", "pct": "100", "completed": "2025-01", "schedule_status": "completed_late", "ledger_gap_wan": "100"},
		{"project_id": "zwp-04", "schedule_status": "no_report"},
		{"project_id": "zwp-05", "as_of": "2024-07", "cum": "20000", "pct": "66.67", "elapsed": "100", "schedule_status": "overdue", "ledger_gap_wan": "0"},
		{"project_id": "zwp-06", "as_of": "2023-12", "pct": "73.17", "elapsed": "79.97", "gap": "-6.8", "schedule_status": "on_schedule"},
		{"project_id": "zwp-07", "as_of": "2023-12", "pct": "100", "completed": "2023-11", "schedule_status": "completed_on_time"},
	}
	for _, id := range []string{"zwp-08", "zwp-09", "zwp-10", "zwp-11"} {
		want = append(want, map[string]string{"project_id": id, "schedule_status": "no_report"})
	}
	checkRows(t, "mart_zw_projects", got, want)
	// December 2023: zwp-05 is behind (30 % invested, 579 of 761 days gone).
	got = queryMaps(t, db, `SELECT round(pct_of_plan, 2) AS pct, round(elapsed_pct, 2) AS elapsed, schedule_status
		FROM int_zw_projects WHERE project_id = 'zwp-05' AND period = DATE '2023-12-01'`)
	checkRows(t, "zwp-05 in 2023-12", got, []map[string]string{{"pct": "30", "elapsed": "76.08", "schedule_status": "behind_schedule"}})
	// zw-41: the year's investment of all 附件2 projects, in 亿元.
	got = queryMaps(t, db, `SELECT year, round(actual, 6) AS actual FROM int_actuals_zero_waste
		WHERE indicator_id = 'zw-41' QUALIFY row_number() OVER (PARTITION BY year ORDER BY period DESC) = 1 ORDER BY year`)
	checkRows(t, "zw-41", got, []map[string]string{
		{"year": "2023", "actual": "0.345329"}, // 1000 + 100 + 2353.29 + 0 万元
		{"year": "2024", "actual": "1.13"},     // 11000 + 300 + 0
		{"year": "2025", "actual": "0.02"},
	})
}

const milestoneHeader = "period,department,indicator_id,target_year,task_id,state,state_date,evidence,_checksum,_submitted_at\n"

func TestMilestonesOnTimeLateOpenOverdue(t *testing.T) {
	m := func(period, dept, ind, year, task, state, date, evidence, file, sent string) string {
		return strings.Join([]string{period, dept, ind, year, task, state, date, evidence, file, sent}, ",") + "\n"
	}
	rows := milestoneHeader +
		// zw-38 (2023: 成立工作领导小组，制定工作机制): done in May. The first
		// May file gives no date; the corrected file adds it.
		m("2023-05-01", "旗无废办", "zw-38", "", "", "已完成", "", "", "w1", "2023-06-02 10:00:00+08") +
		m("2023-05-01", "旗无废办", "zw-38", "", "", "已完成", "2023-05-20", "伊政办发〔2023〕20号", "w2", "2023-06-09 10:00:00+08") +
		m("2023-05-01", "旗无废办", "", "", "zwt-01", "已完成", "2023-03-01", "领导小组成立通知", "w2", "2023-06-09 10:00:00+08") +
		// zw-37: the 2023 milestone still in progress in December, done in
		// March 2024 (named by target_year); 2024's in progress.
		m("2023-12-01", "旗无废办", "zw-37", "", "", "推进中", "2023-04-01", "", "w3", "2024-01-03 10:00:00+08") +
		m("2024-03-01", "旗无废办", "zw-37", "2023", "", "已完成", "2024-03-12", "市级规划已印发", "w4", "2024-04-03 10:00:00+08") +
		m("2024-03-01", "旗无废办", "zw-37", "", "", "推进中", "2024-01-10", "", "w4", "2024-04-03 10:00:00+08") +
		// zw-38 again in 2024 (it has only a 2023 target): the same deed.
		m("2024-03-01", "旗无废办", "zw-38", "", "", "已完成", "2023-05-20", "伊政办发〔2023〕20号", "w4", "2024-04-03 10:00:00+08") +
		// zw-39's only target is 2025: a 2023 report is progress toward it.
		m("2023-12-01", "旗无废办", "zw-39", "", "", "未启动", "", "", "w3", "2024-01-03 10:00:00+08") +
		// zwt-13 (旗发改委, due 2023年): still in progress in March 2024.
		m("2024-03-01", "旗发展和改革委员会", "", "", "zwt-13", "推进中", "2023-02-01", "", "f1", "2024-04-03 10:00:00+08") +
		// zwt-10 (长期坚持): ongoing, never late.
		m("2024-03-01", "旗发展和改革委员会", "", "", "zwt-10", "推进中", "2023-01-01", "", "f1", "2024-04-03 10:00:00+08") +
		// zwt-17 (lead 旗生态环境局): a partner says done, the lead says in
		// progress; the lead counts.
		m("2024-02-01", "旗自然资源局", "", "", "zwt-17", "已完成", "2024-02-10", "清单", "z1", "2024-03-03 10:00:00+08") +
		m("2024-01-01", "旗生态环境局", "", "", "zwt-17", "推进中", "2023-09-01", "", "s1", "2024-02-03 10:00:00+08") +
		// zwt-18 (lead 旗生态环境局) only a partner reports: it counts.
		m("2024-02-01", "旗工业和信息化局", "", "", "zwt-18", "已完成", "2024-01-15", "整治台账", "g1", "2024-03-03 10:00:00+08")
	db := buildGiven(t, map[string]string{"milestone_reports": rows})
	got := queryMaps(t, db, `SELECT item_id, lead_unit, strftime(deadline, '%Y-%m-%d') AS deadline, state, strftime(done_date, '%Y-%m-%d') AS done,
		evidence, reported_by, reports, strftime(as_of_date, '%Y-%m-%d') AS as_of, result, days_late, actual, strftime(result_period, '%Y-%m') AS settled
		FROM int_milestones
		WHERE item_id IN ('zw-37/2023', 'zw-37/2024', 'zw-38/2023', 'zw-39/2025', 'zwt-01', 'zwt-10', 'zwt-13', 'zwt-17', 'zwt-18', 'zwt-19')
		ORDER BY item_id`)
	checkRows(t, "int_milestones", got, []map[string]string{
		{"item_id": "zw-37/2023", "deadline": "2023-12-31", "state": "done", "done": "2024-03-12", "result": "late", "days_late": "72", "actual": "0", "settled": "2024-03", "reports": "2"},
		{"item_id": "zw-37/2024", "state": "in_progress", "result": "open", "actual": "", "days_late": ""},
		{"item_id": "zw-38/2023", "lead_unit": "旗无废办", "state": "done", "done": "2023-05-20", "evidence": "伊政办发〔2023〕20号", "result": "on_time", "actual": "1", "settled": "2023-05", "reports": "2"},
		{"item_id": "zw-39/2025", "deadline": "2025-12-31", "state": "not_started", "result": "open"},
		{"item_id": "zwt-01", "lead_unit": "旗无废办", "state": "done", "done": "2023-03-01", "result": "on_time", "actual": "1"},
		{"item_id": "zwt-10", "deadline": "", "state": "in_progress", "result": "open"},
		{"item_id": "zwt-13", "lead_unit": "旗发展和改革委员会", "state": "in_progress", "as_of": "2024-03-31", "result": "overdue", "days_late": "91", "actual": "0", "settled": "2023-12"},
		{"item_id": "zwt-17", "lead_unit": "旗生态环境局", "state": "in_progress", "reported_by": "旗生态环境局", "result": "open"},
		{"item_id": "zwt-18", "state": "done", "reported_by": "旗工业和信息化局", "result": "on_time"},
		// Nobody reported zwt-19 (due 2025年底): open as of March 2024.
		{"item_id": "zwt-19", "state": "", "reports": "0", "result": "open"},
	})
	// The milestone indicators' yearly actuals reach the scorecard.
	got = queryMaps(t, db, `SELECT indicator_id, year, actual, source FROM int_indicator_actuals
		WHERE indicator_id IN ('zw-37', 'zw-38', 'zw-39') ORDER BY ALL`)
	checkRows(t, "milestone actuals", got, []map[string]string{
		{"indicator_id": "zw-37", "year": "2023", "actual": "0", "source": "milestone_reports"},
		{"indicator_id": "zw-38", "year": "2023", "actual": "1", "source": "milestone_reports"},
	})
	got = queryMaps(t, db, `SELECT indicator_id, year, actual, strftime(as_of_period, '%Y-%m') AS as_of FROM mart_scorecard
		WHERE indicator_id = 'zw-38' AND year = 2023`)
	checkRows(t, "zw-38 scorecard", got, []map[string]string{{"actual": "1", "as_of": "2023-05"}})
	// A year whose cell prints "—" sets no target: said so, not "not reported".
	got = queryMaps(t, db, `SELECT status, no_actual_reason FROM mart_scorecard WHERE indicator_id = 'zw-38' AND year = 2024`)
	checkRows(t, "zw-38 2024", got, []map[string]string{{"status": "not_evaluable", "no_actual_reason": "no target printed for 2024 (—)"}})
	// Every task has its row in the mart, with its lead unit.
	got = queryMaps(t, db, `SELECT count(*) AS tasks, count(lead_unit) AS with_lead, count(*) FILTER (WHERE result = 'overdue') AS overdue FROM mart_zw_tasks`)
	checkRows(t, "mart_zw_tasks", got, []map[string]string{{"tasks": "83", "with_lead": "83", "overdue": "1"}})
}

// Milestones of the other plans reach the scorecard the same way: 28号's
// policy windows print a date (er-10 "=2023-03-31", er-09 "≤2023-12-31"),
// 33号's duty rota a figure (gh-24 "=24" hours), and each is scored on its
// 1/0 result against ≥ 1, not on the date or figure it prints.
func TestMilestonesOfEveryPlanAreScored(t *testing.T) {
	m := func(period, dept, ind, state, date, file, sent string) string {
		return strings.Join([]string{period, dept, ind, "", "", state, date, "证明材料", file, sent}, ",") + "\n"
	}
	rows := milestoneHeader +
		m("2023-04-01", "旗税务局", "er-10", "已完成", "2023-03-31", "s1", "2023-05-03 10:00:00+08") +
		m("2023-12-01", "旗税务局", "er-09", "推进中", "", "s2", "2024-01-03 10:00:00+08") +
		m("2024-03-01", "旗税务局", "er-09", "已完成", "2024-03-12", "s3", "2024-04-03 10:00:00+08") +
		m("2023-06-01", "旗应急管理局", "gh-24", "已完成", "2023-05-30", "y1", "2023-07-03 10:00:00+08")
	db := buildGiven(t, map[string]string{"milestone_reports": rows})
	got := queryMaps(t, db, `SELECT indicator_id, target_text, actual, status, light, strftime(as_of_period, '%Y-%m') AS as_of, source
		FROM mart_scorecard WHERE indicator_id IN ('er-09', 'er-10', 'er-11', 'gh-24') ORDER BY indicator_id`)
	checkRows(t, "milestone scorecard", got, []map[string]string{
		{"indicator_id": "er-09", "target_text": "≤2023-12-31", "actual": "0", "status": "not_met", "light": "red", "as_of": "2024-03", "source": "milestone_reports"},
		{"indicator_id": "er-10", "target_text": "=2023-03-31", "actual": "1", "status": "met", "light": "green", "as_of": "2023-03"},
		// Nobody reported er-11 (window to 30 April 2023): overdue as of
		// March 2024, the latest month anyone reported.
		{"indicator_id": "er-11", "actual": "0", "status": "not_met", "light": "red", "as_of": "2023-04"},
		{"indicator_id": "gh-24", "target_text": "=24", "actual": "1", "status": "met", "light": "green"},
	})
}

func TestZeroWastePathsCoverEveryIndicator(t *testing.T) {
	db := buildGiven(t, nil)
	got := queryMaps(t, db, `SELECT path, count(*) AS n FROM stg_indicator_paths WHERE plan_id = 'zero_waste' GROUP BY ALL ORDER BY path`)
	checkRows(t, "zero-waste paths", got, []map[string]string{
		{"path": "computed", "n": "3"}, {"path": "milestone", "n": "7"}, {"path": "reported", "n": "40"},
	})
	// Milestone items: the zero-waste sentences that are deeds (zw-41's
	// "按实际建设项目需求确定投资额" is answered by its computed figure).
	got = queryMaps(t, db, `SELECT string_agg(item_id, ' ' ORDER BY item_id) AS items FROM int_milestones
		WHERE item_kind = 'indicator' AND plan_id = 'zero_waste'`)
	want := "zw-37/2023 zw-37/2024 zw-37/2025 zw-38/2023 zw-39/2025 zw-40/2024 zw-40/2025 zw-43/2023 zw-43/2024 zw-43/2025 " +
		"zw-44/2023 zw-44/2024 zw-44/2025 zw-45/2023 zw-45/2024 zw-45/2025 zw-49/2023 zw-49/2024 zw-49/2025"
	checkRows(t, "milestone items", got, []map[string]string{{"items": want}})
}

func TestReportedCountIsTheRunningTotal(t *testing.T) {
	// zw-09 (mines backfilling gangue, cumulative): 旗能源局 reports the
	// total to date each month. The 2024 actual is December's total (8),
	// not 2024's additions (2) nor a sum of the months.
	rows := "period,department,indicator_id,value,unit\n"
	for m, v := range []string{"4", "5", "6", "6"} {
		rows += "2023-" + []string{"03", "06", "09", "12"}[m] + "-01,旗能源局,zw-09," + v + ",个\n"
	}
	for m, v := range []string{"6", "7", "8"} {
		rows += "2024-" + []string{"04", "08", "12"}[m] + "-01,旗能源局,zw-09," + v + ",个\n"
	}
	db := buildGiven(t, map[string]string{"indicator_reports": rows})
	got := queryMaps(t, db, `SELECT year, actual, status, no_actual_reason FROM mart_scorecard WHERE indicator_id = 'zw-09' ORDER BY year`)
	checkRows(t, "zw-09", got, []map[string]string{
		{"year": "2023", "actual": "6", "status": "met"},
		{"year": "2024", "actual": "8", "status": "met"},
		// 2025 has not begun in the data: not a missing report.
		{"year": "2025", "actual": "", "status": "not_evaluable", "no_actual_reason": "reported by 旗能源局: no report for 2025 yet (the data so far ends in 2024-12)"},
	})
}
