package demo

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// erPlanIssued: 伊政发〔2023〕28号 was issued on 16 May 2023; the special
// actions report from that month on.
func erPlanIssued(loc *time.Location) time.Time { return time.Date(2023, time.May, 1, 0, 0, 0, 0, loc) }

// erServiceUnits are the ten units of the enterprise-service team (精准服务
// 专项行动), each seconding a deputy head and a staff member (er-19, er-20).
var erServiceUnits = []string{"旗发展和改革委员会", "旗科学技术局", "旗财政局", "旗人力资源和社会保障局", "旗自然资源局",
	"旗统计局", "旗能源局", "旗金融服务中心", "蒙苏经济开发区管委会", "供电公司"}

// erIndicatorReports: the 28号 departments' monthly figures in
// indicator_reports, from the month the plan was issued: the special
// actions' counted targets (per quarter, per month, per year), the service
// team's staffing (once), and the fewest visits any struggling enterprise
// had (er-21). The story: a quarter with too few policy visits, a second
// bank meeting in one quarter (the target reads "=1"), a list the energy
// bureau did not supply, a unit that seconded no staff member, a month an
// enterprise went unvisited; 旗财政局 reports late every fourth month,
// 旗税务局 corrects a month a week later (its first file counts for being on
// time), and 旗人力资源和社会保障局 misses a month.
func erIndicatorReports(in Input, sum Summary) error {
	r := rand.New(rand.NewPCG(28, 4))
	start := in.First
	if issued := erPlanIssued(in.Loc); start.Before(issued) {
		start = issued
	}
	inds := in.Refs["indicators.indicator_id"]
	for mi, m := 0, start; !m.After(in.Last); mi, m = mi+1, m.AddDate(0, 1, 0) {
		y, qEnd := m.Year(), m.Month()%3 == 0
		rows := map[string][]map[string]any{}
		add := func(dept, id string, v float64) {
			rows[dept] = append(rows[dept], map[string]any{"period": m.Format("2006-01"), "department": dept, "indicator_id": id,
				"indicator_name": inds[id]["name_zh"], "value": v, "unit": inds[id]["unit"]})
		}
		// er-05: every department meets the city's departments; most twice
		// a quarter, 旗统计局 once in the third quarter of 2023.
		for _, d := range []string{"旗发展和改革委员会", "旗财政局", "旗税务局", "旗金融服务中心", "旗工业和信息化局", "旗人力资源和社会保障局", "旗科学技术局", "旗统计局"} {
			v := float64((mi + len(d)) % 2)
			if qEnd {
				v = 1
			}
			if d == "旗统计局" && y == 2023 && m.Month() >= 7 && m.Month() <= 9 {
				v = float64(bool2int(m.Month() == 8))
			}
			add(d, "er-05", v)
		}
		// 惠企政策兑现: policy visits, 2 a quarter but 1 in the third of 2023.
		visits := []float64{1, 0, 1}[int(m.Month()-1)%3]
		if y == 2023 && m.Month() >= 7 && m.Month() <= 9 {
			visits = float64(bool2int(m.Month() == 8))
		}
		add("旗发展和改革委员会", "er-04", visits)
		// 手续办理: on-site approvals every month by the departments concerned.
		for _, d := range []string{"旗发展和改革委员会", "旗能源局", "旗自然资源局"} {
			v := 1.0
			if d == "旗自然资源局" && y == 2023 && m.Month() == time.August {
				v = 0
			}
			add(d, "er-06", v)
		}
		add("旗财政局", "er-07", 1)
		refund := 100.0
		if y == 2023 && m.Month() == time.November {
			refund = 96.5
		}
		add("旗税务局", "er-08", refund)
		if qEnd {
			add("旗工业和信息化局", "er-12", 1)
			add("旗能源局", "er-12", float64(bool2int(!(y == 2023 && m.Month() == time.December))))
			meetings := 1.0
			if y == 2023 && m.Month() == time.September {
				meetings = 2
			}
			add("旗金融服务中心", "er-13", meetings)
			add("旗金融服务中心", "er-14", 1)
		}
		// Yearly targets, reported as the month's amounts.
		add("旗工业和信息化局", "er-15", float64(bool2int(mi%3 != 1)))
		add("旗工业和信息化局", "er-16", round1(2.4+1.2*r.Float64()))
		add("旗科学技术局", "er-17", float64(6+r.IntN(2)))
		add("旗科学技术局", "er-18", float64(3+r.IntN(2)))
		// 精准服务: every struggling enterprise visited, but one in July 2023.
		add("旗工业和信息化局", "er-21", float64(bool2int(!(y == 2023 && m.Month() == time.July))))
		for _, d := range []string{"旗发展和改革委员会", "蒙苏经济开发区管委会", "旗工业和信息化局"} {
			add(d, "er-24", 1)
		}
		if mi == 1 { // the service team is formed the month after the plan
			for _, d := range erServiceUnits {
				add(d, "er-19", 1)
				add(d, "er-20", float64(bool2int(d != "供电公司")))
			}
		}
		for _, dept := range slices.Sorted(maps.Keys(rows)) {
			day, hour := 2+r.IntN(3), 9+r.IntN(8)
			switch {
			case dept == "旗财政局" && mi%4 == 2:
				day = 8 // late
			case dept == "旗人力资源和社会保障局" && y == 2023 && m.Month() == time.August:
				continue // never sent
			}
			sent := in.sentOn(m, day, hour)
			if dept == "旗税务局" && y == 2023 && m.Month() == time.November {
				// sent, then corrected a week later: the whole month again
				if err := writeIndicatorReport(in, dept, m, rows[dept], sent, "", sum); err != nil {
					return err
				}
				fixed := make([]map[string]any, len(rows[dept]))
				for i, row := range rows[dept] {
					fixed[i] = map[string]any{}
					for k, v := range row {
						fixed[i][k] = v
					}
					if row["indicator_id"] == "er-08" {
						fixed[i]["value"] = 100.0
					}
				}
				rows[dept], sent = fixed, in.sentOn(m, day+7, hour)
				if err := writeIndicatorReport(in, dept, m, rows[dept], sent, "_更正", sum); err != nil {
					return err
				}
				continue
			}
			if err := writeIndicatorReport(in, dept, m, rows[dept], sent, "", sum); err != nil {
				return err
			}
		}
	}
	return nil
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeIndicatorReport sends a department's indicator_reports rows for a
// month. indicator_reports supersedes by key, so where the department
// already sent its month's zero-waste figures, these come as a second file
// of their own (another office, another plan), as departments really send
// them; a suffix ("_更正") marks a correction.
func writeIndicatorReport(in Input, dept string, m time.Time, rows []map[string]any, sent time.Time, suffix string, sum Summary) error {
	ds := in.Datasets["indicator_reports"]
	name := fmt.Sprintf("%s_指标进展_%s%s.xlsx", dept, m.Format("2006-01"), suffix)
	if findIndicatorReport(in, dept, m) != "" {
		// Never the same name as the zero-waste file: it would replace it.
		name = fmt.Sprintf("%s_专项行动进展_%s%s.xlsx", dept, m.Format("2006-01"), suffix)
	}
	p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name,
		title: dept + " 指标进展月报 " + m.Format("2006年1月"), rows: rows, sent: sent}.write()
	if err != nil {
		return err
	}
	sum.add(ds.Name, p)
	return nil
}

// findIndicatorReport returns the department's file for month m already in
// the inbox (under any of its names), or "".
func findIndicatorReport(in Input, dept string, m time.Time) string {
	files, _ := filepath.Glob(filepath.Join(in.dir("indicator_reports"), "*_指标进展_"+m.Format("2006-01")+".*"))
	for _, f := range files {
		who, _, _ := strings.Cut(filepath.Base(f), "_指标进展_")
		if in.Refs.Canonical(who) == in.Refs.Canonical(dept) {
			return f
		}
	}
	return ""
}
