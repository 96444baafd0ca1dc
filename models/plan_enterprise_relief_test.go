package models

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/waymark-data/waymark"
)

// Tests of the 28号 (enterprise relief) models: known submissions in,
// known actuals out. Departments are given by their canonical names
// (ingest stores those; given rows skip ingest).

const erMonthlyHeader = "period,department,enterprise_code,enterprise_name,industry,production_status,capacity_utilisation_pct,output_value_wan,output_value_prev_year_wan,profit_wan,_checksum,_submitted_at\n"

// erMonthlyRow writes one row of er_enterprise_monthly; code is the
// last six digits of a made-up credit code unless it is a whole code.
func erMonthlyRow(period, code, name, status, capUse, out, prev, profit, file, sent string) string {
	if len(code) < 18 {
		code = "91150627MA0T" + fmt.Sprintf("%06s", code)
	}
	return strings.Join([]string{period + "-01", "旗工业和信息化局", code, name, "煤炭开采和洗选业", status, capUse, out, prev, profit, file, sent}, ",") + "\n"
}

// The litigation and bankruptcy rows of seeds/er_enterprise_exclusions.csv.
const (
	erLitigationCode = "91150627MA0P011262" // 涉法涉诉 2023-03-01 … 2023-09-30
	erBankruptCode   = "91150627MA0P01168C" // 破产 from 2024-07-01
)

func erFourKindsGiven() string {
	var b strings.Builder
	b.WriteString(erMonthlyHeader)
	jan22, jan23, feb1, feb2, mar23 := "2023-02-04 10:00:00+08", "2023-02-04 10:00:00+08", "2023-03-03 10:00:00+08", "2023-03-10 09:00:00+08", "2023-04-04 10:00:00+08"
	// January 2022: A stopped, B at 50 % capacity, G stopped: 3.
	b.WriteString(erMonthlyRow("2022-01", "1", "甲", "停产", "0", "0", "120", "-5", "k22", jan22))
	b.WriteString(erMonthlyRow("2022-01", "2", "乙", "半停产", "50", "80", "85", "2", "k22", jan22))
	b.WriteString(erMonthlyRow("2022-01", "7", "庚", "停产", "0", "0", "0", "-3", "k22", jan22))
	b.WriteString(erMonthlyRow("2022-01", "8", "辛", "正常生产", "80", "200", "190", "5", "k22", jan22))
	// January 2023.
	b.WriteString(erMonthlyRow("2023-01", "1", "甲", "正常生产", "80", "100", "0", "10", "j23", jan23))   // recovered
	b.WriteString(erMonthlyRow("2023-01", "2", "乙", "半停产", "59.9", "90", "80", "1", "j23", jan23))   // low: below 60
	b.WriteString(erMonthlyRow("2023-01", "22", "乙二", "正常生产", "60", "90", "80", "1", "j23", jan23))  // 60 itself is not low
	b.WriteString(erMonthlyRow("2023-01", "3", "丙", "正常生产", "80", "100", "90", "-10", "j23", jan23)) // loss
	b.WriteString(erMonthlyRow("2023-01", "4", "丁", "正常生产", "80", "90", "100", "3", "j23", jan23))   // output down
	b.WriteString(erMonthlyRow("2023-01", "5", "戊", "季节性停产", "0", "0", "50", "-5", "j23", jan23))    // excluded
	b.WriteString(erMonthlyRow("2023-01", "7", "庚", "停产", "0", "0", "0", "-20", "j23", jan23))       // three kinds, once
	b.WriteString(erMonthlyRow("2023-01", "8", "辛", "正常生产", "80", "150", "", "4", "j23", jan23))     // no 上年同期: own 2022 row, 200
	// February 2023, sent twice: the correction replaces the whole file.
	for _, f := range []struct{ file, sent, iStatus, iCap string }{{"feb1", feb1, "停产", "0"}, {"feb2", feb2, "正常生产", "85"}} {
		b.WriteString(erMonthlyRow("2023-02", "3", "丙", "正常生产", "80", "100", "90", "15", f.file, f.sent)) // year to date +5
		b.WriteString(erMonthlyRow("2023-02", "4", "丁", "正常生产", "80", "120", "100", "3", f.file, f.sent)) // 210 vs 200
		b.WriteString(erMonthlyRow("2023-02", "9", "壬", f.iStatus, f.iCap, "50", "40", "3", f.file, f.sent))
	}
	// March 2023: the enterprise in litigation loses money but is excluded.
	b.WriteString(erMonthlyRow("2023-03", erLitigationCode, "伊金霍洛旗规上企业19有限公司", "正常生产", "80", "100", "90", "-10", "m23", mar23))
	b.WriteString(erMonthlyRow("2023-03", "2", "乙", "半停产", "59", "90", "80", "1", "m23", mar23))
	return b.String()
}

func TestEnterpriseReliefFourKinds(t *testing.T) {
	db := buildGiven(t, map[string]string{"er_enterprise_monthly": erFourKindsGiven()})

	t.Run("per enterprise and month", func(t *testing.T) {
		cases := []struct {
			period, name             string
			counts                   bool
			kinds, primary, excluded string
		}{
			{"2022-01", "甲", true, "停产、产能利用率低、亏损、产值下降", "停产", ""},
			{"2022-01", "辛", false, "", "", ""},
			{"2023-01", "甲", false, "", "", ""},
			{"2023-01", "乙", true, "产能利用率低", "产能利用率低", ""},
			{"2023-01", "乙二", false, "", "", ""},
			{"2023-01", "丙", true, "亏损", "亏损", ""},
			{"2023-01", "丁", true, "产值下降", "产值下降", ""},
			{"2023-01", "戊", false, "产能利用率低、亏损、产值下降", "", "季节性停产"},
			{"2023-01", "庚", true, "停产、产能利用率低、亏损", "停产", ""},
			{"2023-01", "辛", true, "产值下降", "产值下降", ""},
			{"2023-02", "丙", false, "", "", ""},
			{"2023-02", "丁", false, "", "", ""},
			{"2023-02", "壬", false, "", "", ""}, // the correction says 正常生产
			{"2023-03", "伊金霍洛旗规上企业19有限公司", false, "亏损", "", "涉法涉诉"},
		}
		for _, c := range cases {
			got := queryMaps(t, db, `SELECT is_four_kinds, kinds, primary_kind, excluded_reason FROM int_er_four_kinds
				WHERE strftime(period, '%Y-%m') = ? AND enterprise_name = ?`, c.period, c.name)
			if len(got) != 1 {
				t.Errorf("%s %s: %d rows, want 1", c.period, c.name, len(got))
				continue
			}
			g := got[0]
			if g["is_four_kinds"] != fmt.Sprint(c.counts) || g["kinds"] != c.kinds || g["primary_kind"] != c.primary || g["excluded_reason"] != c.excluded {
				t.Errorf("%s %s = %v, want counts %v kinds %q primary %q excluded %q", c.period, c.name, g, c.counts, c.kinds, c.primary, c.excluded)
			}
		}
	})

	t.Run("monthly count, year on year", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT strftime(period, '%Y-%m') AS m, actual, reporters FROM int_actuals_enterprise_relief
			WHERE indicator_id = 'er-01' ORDER BY period`)
		want := "2022-01=3/4 2023-01=5/8 2023-02=0/3 2023-03=1/2"
		if s := joinRows(got, " ", func(r map[string]string) string { return r["m"] + "=" + r["actual"] + "/" + r["reporters"] }); s != want {
			t.Errorf("er-01 actuals %s, want %s", s, want)
		}
		mart := queryMaps(t, db, `SELECT four_kinds, four_kinds_last_year, change_pct, status, stopped, low_capacity, loss_making, output_down,
			excluded_seasonal FROM mart_er_four_kinds WHERE period = DATE '2023-01-01'`)
		if len(mart) != 1 || mart[0]["four_kinds"] != "5" || mart[0]["four_kinds_last_year"] != "3" || mart[0]["change_pct"] != "66.7" ||
			mart[0]["status"] != "not_met" || mart[0]["stopped"] != "1" || mart[0]["low_capacity"] != "2" || mart[0]["loss_making"] != "2" ||
			mart[0]["output_down"] != "2" || mart[0]["excluded_seasonal"] != "1" {
			t.Errorf("mart_er_four_kinds 2023-01 = %v", mart)
		}
		// The scorecard compares the latest month of 2023 (March: 1) with the
		// latest of 2022 (January: 3): at least 10 % fewer.
		sc := queryMaps(t, db, `SELECT actual, prev_actual, status FROM mart_scorecard WHERE indicator_id = 'er-01' AND year = 2023`)
		if len(sc) != 1 || sc[0]["actual"] != "1" || sc[0]["prev_actual"] != "3" || sc[0]["status"] != "met" {
			t.Errorf("scorecard er-01 2023 = %v, want 1 vs 3 met", sc)
		}
	})
}

// joinRows renders rows as one string, each by f, separated by sep.
func joinRows(rows []map[string]string, sep string, f func(map[string]string) string) string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return strings.Join(out, sep)
}

// fields renders the named columns of a row, space separated.
func fields(names ...string) func(map[string]string) string {
	return func(r map[string]string) string {
		v := make([]string, len(names))
		for i, n := range names {
			v[i] = r[n]
		}
		return strings.Join(v, " ")
	}
}

func TestWorkingDays(t *testing.T) {
	db := buildGiven(t, nil)
	cases := []struct {
		from      string
		n         int
		want      string
		why       string
		wantCount int // working_days_between(from, want)
	}{
		{"2023-09-27", 5, "2023-10-10", "国庆 29 Sep – 6 Oct off, Sat 7 and Sun 8 Oct worked (调休)", 5},
		{"2023-09-28", 1, "2023-10-07", "the first working day after the holiday is a Saturday (调休)", 1},
		{"2024-02-08", 5, "2024-02-21", "春节 10–17 Feb off, Sun 18 Feb worked", 5},
		{"2023-12-28", 5, "2024-01-05", "元旦 1 Jan 2024", 5},
		{"2025-01-24", 1, "2025-01-26", "Sun 26 Jan 2025 worked before 春节", 1},
		{"2025-04-30", 1, "2025-05-06", "劳动节 1–5 May 2025", 1},
		{"2023-06-02", 5, "2023-06-09", "an ordinary week", 5},
		{"2026-03-06", 1, "2026-03-09", "outside the calendar: Monday to Friday", 1},
	}
	for _, c := range cases {
		var got string
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT strftime(d, '%%Y-%%m-%%d'), working_days_between(DATE '%s', d)
			FROM (SELECT add_working_days(DATE '%s', %d) AS d)`, c.from, c.from, c.n)).Scan(&got, &n); err != nil {
			t.Fatal(err)
		}
		if got != c.want || n != c.wantCount {
			t.Errorf("add_working_days(%s, %d) = %s (%d working days), want %s (%s)", c.from, c.n, got, n, c.want, c.why)
		}
	}
	var back int
	db.QueryRow(`SELECT working_days_between(DATE '2023-10-10', DATE '2023-09-27')`).Scan(&back)
	if back != -5 {
		t.Errorf("working_days_between backwards = %d, want -5", back)
	}
	for _, c := range []struct{ a, b, want string }{
		{"2023-01-31", "2023-02-28", "1.0000"}, // 31 Jan + 1 month = 28 Feb
		{"2023-01-15", "2023-02-16", "1.0357"}, // a day into the next month's 28
		{"2023-03-01", "2023-03-01", "0.0000"},
		{"2023-09-27", "2023-12-27", "3.0000"},
	} {
		var got string
		db.QueryRow(fmt.Sprintf(`SELECT printf('%%.4f', elapsed_months(DATE '%s', DATE '%s'))`, c.a, c.b)).Scan(&got)
		if got != c.want {
			t.Errorf("elapsed_months(%s, %s) = %s, want %s", c.a, c.b, got, c.want)
		}
	}
}

// The macros load on their own (other macro tests run them without seeds).
func TestCalendarMacrosLoadWithoutSeeds(t *testing.T) {
	db := memDB(t)
	if err := runSQLFiles(context.Background(), db, waymark.SQL(""), "macros/*.sql"); err != nil {
		t.Fatal(err)
	}
	var d string
	if err := db.QueryRow(`SELECT strftime(add_working_days(DATE '2023-09-27', 5), '%Y-%m-%d')`).Scan(&d); err != nil || d != "2023-10-04" {
		t.Errorf("without the calendar seed, weekdays only: got %s %v, want 2023-10-04", d, err)
	}
}

const erLedgerHeader = "problem_id,department,enterprise_code,enterprise_name,received_date,description,complexity,assigned_unit,plan_date,resolved_date,status,_checksum,_submitted_at\n"

func TestEnterpriseReliefTickets(t *testing.T) {
	final, earlier := "2024-01-04 10:00:00+08", "2023-07-04 10:00:00+08"
	row := func(id, code, name, received, complexity, plan, resolved, status, file, sent string) string {
		return strings.Join([]string{id, "旗工业和信息化局", code, name, received, "用电价格偏高", complexity, "旗能源局", plan, resolved, status, file, sent}, ",") + "\n"
	}
	seasonal := "91150627MA0T000005"
	ledger := erLedgerHeader +
		row("T1", "", "甲", "2023-01-31", "一般性问题", "", "2023-02-28", "已办结", "L2", final) + // on the last day
		row("T2", "", "乙", "2023-01-15", "一般性问题", "", "2023-02-16", "已办结", "L2", final) + // a day late
		row("T3", "", "丙", "2023-12-01", "一般性问题", "", "", "办理中", "L2", final) + // due 1 Jan: overdue
		row("T4", "", "丁", "2023-12-20", "一般性问题", "", "", "办理中", "L2", final) + // due 20 Jan: open
		row("T5", "", "甲", "2023-09-27", "复杂性问题", "2023-10-10", "2023-12-27", "已办结", "L2", final) +
		row("T6", "", "乙", "2023-09-27", "复杂性问题", "2023-10-11", "", "办理中", "L2", final) +
		row("T7", "", "丙", "2023-12-28", "复杂性问题", "", "", "办理中", "L2", final) + // plan due 5 Jan 2024
		row("T8", "", "丁", "2023-12-20", "复杂性问题", "", "", "办理中", "L2", final) + // plan due 27 Dec: late
		row("T9", "", "甲", "2023-05-01", "特殊性问题", "", "", "办理中", "L2", final) +
		row("T10", seasonal, "戊", "2023-01-10", "一般性问题", "", "2023-03-30", "已办结", "L2", final) +
		row("T11", "", "乙", "2023-06-01", "一般性问题", "", "", "办理中", "L1", earlier) +
		row("T11", "", "乙", "2023-06-01", "一般性问题", "", "2023-06-20", "已办结", "L2", final) +
		row("T12", "", "丙", "2023-11-01", "一般性问题", "", "", "无法办结", "L2", final)
	monthly := erMonthlyHeader + erMonthlyRow("2023-01", "5", "戊", "季节性停产", "0", "0", "50", "-5", "j23", "2023-02-04 10:00:00+08")
	db := buildGiven(t, map[string]string{"er_problem_ledger": ledger, "er_enterprise_monthly": monthly})

	cases := []struct {
		id, due, planDue                  string
		open, overdue, breached, planLate bool
		days, excluded                    string
		updates                           string
	}{
		{"T1", "2023-02-28", "", false, false, false, false, "28", "", "1"},
		{"T2", "2023-02-15", "", false, false, true, false, "32", "", "1"},
		{"T3", "2024-01-01", "", true, true, true, false, "", "", "1"},
		{"T4", "2024-01-20", "", true, false, false, false, "", "", "1"},
		{"T5", "2023-12-27", "2023-10-10", false, false, false, false, "91", "", "1"},
		{"T6", "2023-12-27", "2023-10-10", true, true, true, true, "", "", "1"},
		{"T7", "2024-03-28", "2024-01-05", true, false, false, false, "", "", "1"},
		{"T8", "2024-03-20", "2023-12-27", true, false, false, true, "", "", "1"},
		{"T9", "", "", true, false, false, false, "", "", "1"},
		{"T10", "2023-02-10", "", false, false, true, false, "79", "季节性停产", "1"},
		{"T11", "2023-07-01", "", false, false, false, false, "19", "", "2"},
		{"T12", "2023-12-01", "", false, false, true, false, "", "", "1"},
	}
	for _, c := range cases {
		got := queryMaps(t, db, `SELECT strftime(due_date, '%Y-%m-%d') AS due, strftime(plan_due_date, '%Y-%m-%d') AS plan_due,
			is_open, is_overdue, is_breached, is_plan_late, days_to_resolve, excluded_reason, updates, as_of_date
			FROM mart_er_tickets WHERE problem_id = ?`, c.id)
		if len(got) != 1 {
			t.Fatalf("%s: %d rows", c.id, len(got))
		}
		g := got[0]
		if g["due"] != c.due || g["plan_due"] != c.planDue || g["is_open"] != fmt.Sprint(c.open) || g["is_overdue"] != fmt.Sprint(c.overdue) ||
			g["is_breached"] != fmt.Sprint(c.breached) || g["is_plan_late"] != fmt.Sprint(c.planLate) || g["days_to_resolve"] != c.days ||
			g["excluded_reason"] != c.excluded || g["updates"] != c.updates {
			t.Errorf("%s = %v, want due %s plan due %s open %v overdue %v breached %v plan late %v days %s excluded %q updates %s",
				c.id, g, c.due, c.planDue, c.open, c.overdue, c.breached, c.planLate, c.days, c.excluded, c.updates)
		}
	}

	// Per case: months taken (≤1, ≤3) and working days to the plan (≤5).
	grain := queryMaps(t, db, `SELECT indicator_id, period_key, year, printf('%.4f', actual) AS actual,
		strftime(period, '%Y-%m') AS period FROM int_grain_enterprise_relief
		WHERE indicator_id IN ('er-02', 'er-03', 'er-23') ORDER BY indicator_id, period_key`)
	want := "er-02 T1 2023 1.0000 2023-02; er-02 T11 2023 0.6333 2023-06; er-02 T12 2023 2.0968 2023-12; " +
		"er-02 T2 2023 1.0357 2023-02; er-02 T3 2023 1.0968 2024-01; er-02 T4 2023  2024-01; " +
		"er-03 T5 2023 3.0000 2023-12; er-03 T6 2023 3.2581 2023-12; er-03 T7 2023  2024-03; er-03 T8 2023  2024-03; " +
		"er-23 T5 2023 5.0000 2023-10; er-23 T6 2023 6.0000 2023-10; er-23 T7 2023  2024-01; er-23 T8 2023 10.0000 2023-12"
	if s := joinRows(grain, "; ", fields("indicator_id", "period_key", "year", "actual", "period")); s != want {
		t.Errorf("grain rows\n got %s\nwant %s", s, want)
	}
}

func TestEnterpriseReliefReports(t *testing.T) {
	// indicator_reports: value, the month it is for, when it arrived.
	var b strings.Builder
	b.WriteString("period,department,indicator_id,value,unit,remarks,_checksum,_submitted_at\n")
	add := func(period, dept, id, value, unit, file, sent string) {
		fmt.Fprintf(&b, "%s-01,%s,%s,%s,%s,,%s,%s\n", period, dept, id, value, unit, file, sent)
	}
	// 旗发展和改革委员会: policy visits (er-04) 1 + 0 + 1 in Q2, July only of Q3.
	add("2023-04", "旗发展和改革委员会", "er-04", "1", "次", "fgw04", "2023-05-04 09:00:00+08")
	add("2023-05", "旗发展和改革委员会", "er-04", "0", "次", "fgw05", "2023-06-03 09:00:00+08")
	add("2023-06", "旗发展和改革委员会", "er-04", "1", "次", "fgw06", "2023-07-04 09:00:00+08")
	add("2023-07", "旗发展和改革委员会", "er-04", "3", "次", "fgw07", "2023-08-04 09:00:00+08")
	// 旗财政局: liaison (er-05, 各部门) and monthly budget reports (er-07);
	// May's report arrives on the 5th at 23:30 Beijing time (on time), June's
	// on the 8th.
	add("2023-05", "旗财政局", "er-05", "1", "次", "czj05", "2023-06-05 23:30:00+08")
	add("2023-05", "旗财政局", "er-07", "1", "次", "czj05", "2023-06-05 23:30:00+08")
	add("2023-06", "旗财政局", "er-05", "1", "次", "czj06", "2023-07-08 10:00:00+08")
	add("2023-06", "旗财政局", "er-07", "0", "次", "czj06", "2023-07-08 10:00:00+08")
	// 旗统计局 is not a lead unit, but 各部门 covers it for er-05.
	add("2023-04", "旗统计局", "er-05", "2", "次", "tjj04", "2023-05-04 09:00:00+08")
	// 旗税务局: May on the 2nd, corrected on the 9th (the first file counts
	// for timeliness); June arrives at 16:30 UTC on the 5th, 00:30 on the
	// 6th in Beijing: late.
	add("2023-05", "旗税务局", "er-08", "97", "%", "swj05a", "2023-06-02 10:00:00+08")
	add("2023-05", "旗税务局", "er-08", "100", "%", "swj05b", "2023-06-09 10:00:00+08")
	add("2023-06", "旗税务局", "er-08", "100", "%", "swj06", "2023-07-05 16:30:00+00")
	// 旗科学技术局 does not answer for er-13 (旗金融服务中心's): ignored.
	add("2023-05", "旗科学技术局", "er-13", "1", "次", "kjj05", "2023-06-04 09:00:00+08")
	// A unit of the service team reports its seconded deputy head once.
	add("2023-06", "旗统计局", "er-19", "1", "名", "tjj06", "2023-07-04 09:00:00+08")
	// The latest report anyone sent arrived on 4 August 2023 (as_of_date).
	db := buildGiven(t, map[string]string{"indicator_reports": b.String()})

	got := queryMaps(t, db, `SELECT indicator_id, period_key, year, actual, strftime(period, '%Y-%m') AS period
		FROM int_grain_enterprise_relief WHERE indicator_id <> 'er-22' ORDER BY indicator_id, period_key`)
	want := "er-04 2023-Q2 旗发展和改革委员会 2023 2 2023-06|" +
		"er-05 2023-Q2 旗统计局 2023 2 2023-06|er-05 2023-Q2 旗财政局 2023 2 2023-06|" +
		"er-07 2023-05 旗财政局 2023 1 2023-05|er-07 2023-06 旗财政局 2023 0 2023-06|" +
		"er-08 2023-05 旗税务局 2023 100 2023-05|er-08 2023-06 旗税务局 2023 100 2023-06|" +
		"er-19 once 旗统计局 2023 1 2023-06"
	if s := joinRows(got, "|", fields("indicator_id", "period_key", "year", "actual", "period")); s != want {
		t.Errorf("reported grain rows\n got %s\nwant %s", s, want)
	}

	// er-22: the lead units' monthly reports, from May 2023 (the plan was
	// issued on 16 May) to June, whose reports were due by 5 July; July's
	// are not due until 5 August, so only the one that arrived counts.
	prog := queryMaps(t, db, `SELECT period_key, actual FROM int_grain_enterprise_relief WHERE indicator_id = 'er-22' ORDER BY period_key`)
	wantProg := map[string]string{
		"2023-05 旗财政局": "5", "2023-06 旗财政局": "8",
		"2023-05 旗税务局": "2", "2023-06 旗税务局": "6",
		"2023-05 旗发展和改革委员会": "3", "2023-06 旗发展和改革委员会": "4", "2023-07 旗发展和改革委员会": "4",
		"2023-05 旗人力资源和社会保障局": "65", "2023-06 旗人力资源和社会保障局": "35", // missing as of 4 August
		"2023-05 旗科学技术局": "4", "2023-06 旗科学技术局": "35",
	}
	if len(prog) != 15 { // seven lead units, two months, and one July report
		t.Errorf("er-22 rows: %d, want 15: %v", len(prog), prog)
	}
	for _, r := range prog {
		if w, ok := wantProg[r["period_key"]]; ok && r["actual"] != w {
			t.Errorf("er-22 %s = %s, want %s", r["period_key"], r["actual"], w)
		}
	}
	status := queryMaps(t, db, `SELECT count(*) FILTER (WHERE on_time) AS on_time, count(*) AS due FROM int_er_progress_reports`)
	if status[0]["on_time"] != "6" || status[0]["due"] != "15" {
		t.Errorf("progress reports on time %v, want 6 of 15", status)
	}
}
