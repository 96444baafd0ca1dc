package models

import (
	"fmt"
	"strings"
	"testing"
)

// Tests of the 34号 (science literacy) models: known submissions in, known
// actuals out.

func TestScienceLiteracySurvey(t *testing.T) {
	var b strings.Builder
	b.WriteString("survey_year,survey_date,department,group,sample_size,literate_count,literacy_rate_pct,_checksum,_submitted_at\n")
	add := func(year int, group string, n, lit int, rate, file, sent string) {
		fmt.Fprintf(&b, "%d,%d-11-20,旗科协,%s,%d,%d,%s,%s,%s\n", year, year, group, n, lit, rate, file, sent)
	}
	// 2023: two groups of different sizes; 农牧民 corrected from 70 to 80.
	add(2023, "农牧民", 1000, 70, "7", "s23a", "2023-12-01 10:00:00+08")
	add(2023, "产业工人", 500, 75, "15", "s23a", "2023-12-01 10:00:00+08")
	add(2023, "农牧民", 1000, 80, "8", "s23b", "2023-12-15 10:00:00+08")
	// 2024: a 全体公民 row that totals the groups is not counted twice.
	add(2024, "全体公民", 1500, 180, "12", "s24", "2024-12-01 10:00:00+08")
	add(2024, "农牧民", 1000, 100, "10", "s24", "2024-12-01 10:00:00+08")
	add(2024, "产业工人", 500, 80, "16", "s24", "2024-12-01 10:00:00+08")
	// 2025: a 全体公民 group of its own size beside 青少年 is a group.
	add(2025, "全体公民", 600, 90, "15", "s25", "2025-12-01 10:00:00+08")
	add(2025, "青少年", 400, 80, "20", "s25", "2025-12-01 10:00:00+08")
	db := buildGiven(t, map[string]string{"sl_survey_results": b.String()})

	got := queryMaps(t, db, `SELECT year, sample_size, literate_count, literacy_rate_pct, reported_rate_pct, gap_to_final, status, groups
		FROM mart_sl_literacy ORDER BY year`)
	want := "2023 1500 155 10.33  -3.67 not_evaluable 产业工人、农牧民|" +
		"2024 1500 180 12 12 -2 not_evaluable 产业工人、农牧民|" +
		"2025 1000 170 17 15 3 met 全体公民、青少年"
	if s := joinRows(got, "|", fields("year", "sample_size", "literate_count", "literacy_rate_pct", "reported_rate_pct", "gap_to_final", "status", "groups")); s != want {
		t.Errorf("mart_sl_literacy\n got %s\nwant %s", s, want)
	}
	act := queryMaps(t, db, `SELECT year, strftime(period, '%Y-%m') AS period, printf('%.4f', actual) AS actual, reporters, source
		FROM int_actuals_science_literacy WHERE indicator_id = 'sl-01' ORDER BY year`)
	if s := joinRows(act, "|", fields("year", "period", "actual", "reporters", "source")); s != "2023 2023-11 10.3333 1500 survey|2024 2024-11 12.0000 1500 survey|2025 2025-11 17.0000 1000 survey" {
		t.Errorf("sl-01 actuals %s", s)
	}
	sc := queryMaps(t, db, `SELECT actual, status FROM mart_scorecard WHERE indicator_id = 'sl-01' AND year = 2025`)
	if len(sc) != 1 || sc[0]["actual"] != "17" || sc[0]["status"] != "met" {
		t.Errorf("scorecard sl-01 2025 = %v, want 17 met (≥14)", sc)
	}
}

func TestScienceLiteracyActivities(t *testing.T) {
	var b strings.Builder
	b.WriteString("activity_id,department,activity_date,activity_type,title,place,participants,_checksum,_submitted_at\n")
	add := func(id, dept, date, kind, place string, n int, file, sent string) {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s（%s）,%s,%d,%s,%s\n", id, dept, date, kind, kind, place, place, n, file, sent)
	}
	const sent, later = "2024-10-03 10:00:00+08", "2024-10-20 10:00:00+08"
	school, primary := "伊金霍洛旗第一中学", "阿勒腾席热镇实验小学"
	// Lectures: five at the middle school in the 2023-2024 school year (the
	// last on 31 August), one on 1 September 2024 (the next school year).
	for i, d := range []string{"2023-09-05", "2023-12-01", "2024-03-01", "2024-06-30", "2024-08-31", "2024-09-01"} {
		add(fmt.Sprintf("L%d", i+1), "旗教体局", d, "科普讲座", school, 100, "a", sent)
	}
	// Two at the primary school; the second first logged at the wrong place.
	add("L7", "旗教体局", "2023-10-10", "科普讲座", primary, 80, "a", sent)
	add("L8", "旗教体局", "2024-05-10", "科普讲座", "社区活动中心", 60, "a", sent)
	add("L8", "旗教体局", "2024-05-10", "科普讲座", primary, 60, "b", later)
	// A lecture in a community is not a school's.
	add("L9", "旗科协", "2024-04-01", "科普讲座", "阿勒腾席热镇社区", 50, "a", sent)
	// Volunteer services for young people: 2 in 2023, 3 in 2024.
	for i, d := range []string{"2023-09-15", "2023-11-20", "2024-02-01", "2024-07-01", "2024-07-20"} {
		add(fmt.Sprintf("V%d", i+1), "旗科协", d, "青少年科技志愿服务", "伊金霍洛旗青少年活动中心", 40, "a", sent)
	}
	// Farmer and herder trainings; professional trainings (a running total).
	add("F1", "旗农牧局", "2023-10-01", "农牧民技术培训", "札萨克镇", 200, "a", sent)
	add("F2", "旗农牧局", "2023-11-01", "农牧民技术培训", "札萨克镇", 300, "a", sent)
	add("F3", "旗农牧局", "2024-03-01", "农牧民技术培训", "札萨克镇", 250, "a", sent)
	add("P1", "旗总工会", "2023-12-01", "专业技术人才培训", "蒙苏经济开发区", 120, "a", sent)
	add("P2", "旗总工会", "2024-06-01", "专业技术人才培训", "蒙苏经济开发区", 200, "a", sent)

	reports := "period,department,indicator_id,value,unit,_checksum,_submitted_at\n" +
		"2024-06-01,旗科协,sl-10,20000,人,r1,2024-07-03 10:00:00+08\n" +
		"2024-09-01,旗科协,sl-10,25000,人,r2,2024-10-03 10:00:00+08\n" +
		"2024-09-01,旗统计局,sl-10,99999,人,r3,2024-10-03 10:00:00+08\n" + // 各成员单位 lets it report, after the lead
		"2024-09-01,旗教体局,sl-02,1,所,r4,2024-10-03 10:00:00+08\n"
	db := buildGiven(t, map[string]string{"sl_activities": b.String(), "indicator_reports": reports})

	t.Run("lectures per school and school year", func(t *testing.T) {
		// Only 2023-2024 is covered whole by the log (September 2023 to
		// September 2024).
		got := queryMaps(t, db, `SELECT period_key, year, actual, strftime(period, '%Y-%m') AS period FROM int_grain_science_literacy ORDER BY period_key`)
		want := "2023-2024 伊金霍洛旗第一中学 2024 5 2024-08|2023-2024 阿勒腾席热镇实验小学 2024 2 2024-08"
		if s := joinRows(got, "|", fields("period_key", "year", "actual", "period")); s != want {
			t.Errorf("sl-03 rows\n got %s\nwant %s", s, want)
		}
	})

	t.Run("yearly counts and person-times", func(t *testing.T) {
		cases := []struct{ id, period, actual, month string }{
			{"sl-05", "2023-10", "1", "0"},
			{"sl-05", "2023-12", "2", "0"},
			{"sl-05", "2024-02", "1", "1"},
			{"sl-05", "2024-09", "3", "0"},
			{"sl-06", "2023-12", "2", "0"},
			{"sl-06", "2024-09", "1", "0"},
			{"sl-07", "2023-11", "500", "300"},
			{"sl-07", "2024-09", "250", "0"},
			{"sl-09", "2023-12", "120", "120"},
			{"sl-09", "2024-09", "320", "0"}, // running total across years
			{"sl-10", "2024-06", "20000", "20000"},
			{"sl-10", "2024-09", "25000", "25000"}, // the lead unit's, not 旗统计局's
			{"sl-02", "2024-09", "1", "1"},
		}
		for _, c := range cases {
			got := queryMaps(t, db, `SELECT actual, actual_month, source FROM int_actuals_science_literacy
				WHERE indicator_id = ? AND strftime(period, '%Y-%m') = ?`, c.id, c.period)
			if len(got) != 1 || got[0]["actual"] != c.actual || got[0]["actual_month"] != c.month {
				t.Errorf("%s %s = %v, want actual %s (month %s)", c.id, c.period, got, c.actual, c.month)
			}
		}
		sc := queryMaps(t, db, `SELECT actual, status FROM mart_scorecard WHERE indicator_id = 'sl-05' AND year = 2024`)
		if len(sc) != 1 || sc[0]["actual"] != "3" || sc[0]["status"] != "not_met" {
			t.Errorf("scorecard sl-05 2024 = %v, want 3 not_met (≥10)", sc)
		}
	})

	t.Run("by type, department and school year", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT activities, participants, schools, indicator_ids, target_text, is_lead_department FROM mart_sl_activities
			WHERE period_kind = 'school_year' AND activity_type = '科普讲座' AND department = '旗教体局' ORDER BY period_label`)
		want := "7 640 2 sl-03  true|1 100 1 sl-03 sl-03 ≥5 true"
		if s := joinRows(got, "|", fields("activities", "participants", "schools", "indicator_ids", "target_text", "is_lead_department")); s != want {
			t.Errorf("mart_sl_activities lectures\n got %s\nwant %s", s, want)
		}
	})
}
