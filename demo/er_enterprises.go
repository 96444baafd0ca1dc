package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// The enterprise-relief demo (伊政发〔2023〕28号): 30 large industrial
// enterprises with a story the "four kinds" count can follow, and the
// ledger of problems they raise. Each function draws from its own random
// source so that the data sets after it in All do not shift when this
// story changes.

var erIndustries = []string{"煤炭开采和洗选业", "电力、热力生产和供应业", "化学原料和化学制品制造业", "非金属矿物制品业", "石油、煤炭及其他燃料加工业"}

type erEnterprise struct {
	code, name, industry string
	base                 float64 // typical monthly output value, 万元
}

// erEnterpriseList: the same 30 enterprises every run. Enterprises 19 and
// 25 are the synthetic rows of seeds/er_enterprise_exclusions.csv.
func erEnterpriseList() []erEnterprise {
	r := rand.New(rand.NewPCG(28, 1))
	ents := make([]erEnterprise, 30)
	for i := range ents {
		ents[i] = erEnterprise{code: creditCode(fmt.Sprintf("91150627MA0P%05d", 1000+i*7)), name: fmt.Sprintf("伊金霍洛旗规上企业%02d有限公司", i+1),
			industry: erIndustries[i%len(erIndustries)], base: 800 + r.Float64()*9000}
	}
	return ents
}

// erState is how an enterprise fares in a month.
type erState struct {
	status          string // 正常生产, 半停产, 停产, 季节性停产
	lowCap, loss    bool
	down            bool // output below the same month a year earlier
	downFactor      float64
	seasonalStopped bool
}

// erFate: year y counts from the first demo year (0; -1 is the year
// back-filled before it). The count of four kinds falls by more than 10 %
// from the back-filled year to the first, and rises again in the middle of
// the second: new losses, a bankruptcy, a slump.
func erFate(i, y int, m time.Month) erState {
	s := erState{status: "正常生产"}
	switch {
	case (i == 8 || i == 23) && (m == time.December || m <= time.February):
		// building-materials plants stop every winter: seasonal, excluded
		return erState{status: "季节性停产", seasonalStopped: true}
	case i == 0 && (y == -1 || y == 0 && m <= time.May):
		s.status = "停产"
	case i == 0 && y == 0, i == 6 && y <= 0, i == 15 && y == -1, i == 29 && y == 1 && m >= time.April && m <= time.September:
		s.status, s.lowCap = "半停产", true
	case i == 24 && y == 1 && m >= time.May:
		s.status = "停产" // bankrupt from July (the exclusion register)
	}
	switch {
	case (i == 12 || i == 18) && y <= 0, i == 21 && y == -1, i == 27 && y >= 1:
		s.loss = true
	}
	switch {
	case i == 3 && y <= 0, i == 9 && y == -1:
		s.down, s.downFactor = true, 0.85
	case i == 2 && y == 1 && m >= time.June:
		s.down, s.downFactor = true, 0.7
	}
	return s
}

// enterpriseMonthlyRows writes the statistics month by month, with the
// year before the demo back-filled (so year-on-year counts can be made
// from the first month), a clerk's slip corrected in the sixth month, and
// the enterprise-relief departments' indicator reports.
func erEnterpriseMonthly(in Input, sum Summary) error {
	ds := in.Datasets["er_enterprise_monthly"]
	r := rand.New(rand.NewPCG(28, 2))
	ents := erEnterpriseList()
	first := in.First.AddDate(-1, 0, 0)
	type key struct {
		i int
		m time.Time
	}
	output := map[key]float64{}
	// expected output of a month with no story: slow growth, a dip at the
	// Spring Festival
	normal := func(e erEnterprise, m time.Time) float64 {
		season := 1.0
		if m.Month() == time.February {
			season = 0.85
		}
		return e.base * math.Pow(1.05, float64(m.Year()-in.First.Year())) * season
	}
	for mi, m := 0, first; !m.After(in.Last); mi, m = mi+1, m.AddDate(0, 1, 0) {
		y := m.Year() - in.First.Year()
		var rows []map[string]any
		for i, e := range ents {
			s := erFate(i, y, m.Month())
			prevKey := key{i, m.AddDate(-1, 0, 0)}
			prev, known := output[prevKey]
			if ps := erFate(i, y-1, m.Month()); !known && ps.status != "停产" && !ps.seasonalStopped {
				prev = normal(e, prevKey.m) // the year before the back-fill, as it went
			}
			out := normal(e, m) * (1 + 0.03*(r.Float64()-0.5))
			if s.down {
				out = prev * s.downFactor
			}
			capUse := 70 + 25*r.Float64()
			profit := out * (0.08 + 0.06*r.Float64())
			switch {
			case s.status == "停产" || s.seasonalStopped:
				out, capUse, profit = 0, 0, -(10 + 20*r.Float64()) // fixed costs go on
			case s.lowCap:
				capUse = 35 + 20*r.Float64()
			}
			if s.loss {
				profit = -(out*0.05 + 20 + 30*r.Float64())
			}
			output[key{i, m}] = out
			row := map[string]any{"period": m.Format("2006-01"), "department": "旗工业和信息化局", "enterprise_code": e.code,
				"enterprise_name": e.name, "industry": e.industry, "production_status": s.status,
				"capacity_utilisation_pct": round1(capUse), "output_value_wan": round1(out), "output_value_prev_year_wan": round1(prev),
				"profit_wan": round1(profit)}
			if i == 11 && y == 0 {
				delete(row, "output_value_prev_year_wan") // left blank: last year's own figure stands in
			}
			rows = append(rows, row)
		}
		name := "规上企业月度统计_" + m.Format("2006-01") + ".xlsx"
		title := "规上工业企业生产经营月度统计 " + m.Format("2006年1月")
		sent := in.sentOn(m, 4, 15)
		if y < 0 {
			sent = time.Date(in.First.Year(), in.First.Month(), 20, 10, 0, 0, 0, in.Loc) // back-filled at the start
		}
		if y == 0 && mi-12 == 5 {
			// The sixth month is sent with enterprise 30 typed as stopped;
			// the whole month is sent again a week later, corrected.
			slip := make([]map[string]any, len(rows))
			copy(slip, rows)
			wrong := map[string]any{}
			for k, v := range rows[29] {
				wrong[k] = v
			}
			wrong["production_status"] = "停产"
			slip[29] = wrong
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: "规上企业月度统计_" + m.Format("2006-01") + "_初报.xlsx",
				title: title, rows: slip, sent: sent}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
			sent = in.sentOn(m, 12, 9)
			name = "规上企业月度统计_" + m.Format("2006-01") + "_更正.xlsx"
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name, title: title, rows: rows, sent: sent}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return erIndicatorReports(in, sum)
}

var erProblems = []string{"用电价格偏高", "煤炭运输车辆排队", "流动资金紧张", "环评审批进度慢", "用地手续不全", "技术工人招聘难", "天然气供应不足", "应收账款拖欠"}

type erProblem struct {
	id, complexity, unit, text, status string
	ent                                int
	withCode                           bool
	received, plan, closed             time.Time
}

// erProblemLedger: the ledger is sent each quarter with every open and
// newly closed problem; a later row for the same problem is its update.
// Besides problems closed within their limits or late, the story has a
// complex problem whose plan came a day late across the National Day
// holiday and its make-up working days, one planned on its last day across
// the Spring Festival, problems of a seasonal-stoppage plant and of an
// enterprise in litigation (excluded), a special problem (一企一策), one
// that could not be solved, and problems still open at the end.
func erProblemLedger(in Input, sum Summary) error {
	ds := in.Datasets["er_problem_ledger"]
	r := rand.New(rand.NewPCG(28, 3))
	ents := erEnterpriseList()
	day := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02", s, in.Loc); return t }
	units := []string{"旗能源局", "旗工业和信息化局", "旗自然资源局", "旗发展和改革委员会"}
	span := int(in.Last.AddDate(0, 1, 0).Sub(in.First).Hours() / 24)
	var all []erProblem
	for i := 0; len(all) < 56; i++ {
		ent := (i * 7) % 30
		if ent == 8 || ent == 23 || ent == 18 {
			continue // their problems are the story's own, below
		}
		rec := in.First.AddDate(0, 0, r.IntN(span))
		p := erProblem{id: fmt.Sprintf("QY-%d-%03d", rec.Year(), len(all)+1), complexity: "一般性问题", ent: ent, withCode: i%7 != 3,
			unit: units[i%4], text: erProblems[i%len(erProblems)], received: rec, status: "已办结"}
		days := 5 + r.IntN(35) // most general problems close within a month
		if i%4 == 0 {
			p.complexity = "复杂性问题"
			days = 30 + r.IntN(90)
			p.plan = rec.AddDate(0, 0, 2+r.IntN(7)) // the 5-working-day rule, sometimes missed
		}
		p.closed = rec.AddDate(0, 0, days)
		all = append(all, p)
	}
	story := []erProblem{
		{id: "QY-2023-901", complexity: "复杂性问题", ent: 5, received: day("2023-09-27"), plan: day("2023-10-11"), closed: day("2023-12-20"), text: "天然气供应不足"},
		{id: "QY-2024-902", complexity: "复杂性问题", ent: 7, received: day("2024-02-07"), plan: day("2024-02-20"), closed: day("2024-04-30"), text: "用地手续不全"},
		{id: "QY-2024-903", complexity: "一般性问题", ent: 8, received: day("2024-01-15"), closed: day("2024-03-01"), text: "流动资金紧张"},
		{id: "QY-2023-904", complexity: "一般性问题", ent: 18, received: day("2023-06-12"), closed: day("2023-08-30"), text: "应收账款拖欠"},
		{id: "QY-2023-905", complexity: "特殊性问题", ent: 0, received: day("2023-08-01"), text: "历史遗留用地问题"},
		{id: "QY-2024-906", complexity: "一般性问题", ent: 12, received: day("2024-05-06"), closed: day("2024-07-01"), status: "无法办结", text: "用电价格偏高"},
		{id: "QY-2024-907", complexity: "一般性问题", ent: 27, received: day("2024-11-20"), text: "技术工人招聘难"},
		{id: "QY-2024-908", complexity: "复杂性问题", ent: 29, received: day("2024-12-20"), text: "煤炭运输车辆排队"},
	}
	for i, p := range story {
		if p.received.Before(in.First) || !p.received.Before(in.Last.AddDate(0, 1, 0)) {
			continue
		}
		p.unit, p.withCode = units[i%4], true
		if p.status == "" {
			p.status = "已办结"
		}
		all = append(all, p)
	}
	for q := in.First; !q.After(in.Last); q = q.AddDate(0, 3, 0) {
		end := q.AddDate(0, 3, 0)
		var rows []map[string]any
		for _, p := range all {
			if !p.received.Before(end) || !p.closed.IsZero() && p.closed.Before(q) {
				continue // not yet received, or closed before this quarter: reported already
			}
			e := ents[p.ent]
			row := map[string]any{"problem_id": p.id, "department": "旗工业和信息化局", "enterprise_name": e.name,
				"received_date": p.received.Format("2006-01-02"), "description": p.text, "complexity": p.complexity,
				"assigned_unit": p.unit, "status": "办理中"}
			if p.withCode {
				row["enterprise_code"] = e.code
			}
			if !p.plan.IsZero() && p.plan.Before(end) {
				row["plan_date"] = p.plan.Format("2006-01-02")
			}
			if !p.closed.IsZero() && p.closed.Before(end) {
				row["status"] = p.status
				if p.status == "已办结" {
					row["resolved_date"] = p.closed.Format("2006-01-02")
				}
			}
			rows = append(rows, row)
		}
		if len(rows) == 0 {
			continue
		}
		sent := time.Date(end.Year(), end.Month(), 4, 10, 0, 0, 0, in.Loc)
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: "企业诉求问题台账_" + q.Format("2006-01") + ".xlsx",
			title: "企业诉求问题台账", rows: rows, sent: sent}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}
