package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/targets"
	"github.com/waymark-data/waymark/pipelines"
)

// Input is what the demo needs to know: the contracts, the reference data,
// where the inboxes are, the months to cover and the zone.
type Input struct {
	Datasets map[string]*pipelines.Dataset
	Refs     pipelines.Refs
	Inbox    string
	First    time.Time
	Last     time.Time
	Loc      *time.Location
}

// Summary counts what the demo wrote per data set.
type Summary map[string]int

func (in Input) months() []time.Time {
	var out []time.Time
	for m := in.First; !m.After(in.Last); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func (in Input) dir(ds string) string { return filepath.Join(in.Inbox, ds) }

// sentOn is a report's arrival: the due day minus a few days, at office
// hours; late departments send after the due day.
func (in Input) sentOn(m time.Time, day int, hour int) time.Time {
	return time.Date(m.Year(), m.Month()+1, day, hour, 17, 0, 0, in.Loc)
}

// All writes demo submissions for every data set except the industrial
// solid-waste reports (Generate writes those) and returns what it wrote.
func All(in Input) (Summary, error) {
	sum := Summary{}
	r := rand.New(rand.NewPCG(34, 31))
	steps := []func(Input, *rand.Rand, Summary) error{
		indicatorReports, enterpriseMonthly, problemLedger, activities, surveys, projectProgress, inspections, sensors,
	}
	for _, step := range steps {
		if err := step(in, r, sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (sum Summary) add(ds string, paths ...string) { sum[ds] += len(paths) }

// trajectory gives an indicator's plausible value in a year: from its
// printed baseline toward its printed targets, with a slight miss on some.
func trajectory(row map[string]string, year int, r *rand.Rand) (float64, bool) {
	pts := map[int]float64{}
	dir := targets.Direction(row["direction"])
	if t := targets.Parse(row["baseline"], targets.Neutral); t.Value != nil {
		if y, err := strconv.Atoi(row["baseline_year"]); err == nil {
			pts[y] = *t.Value
		}
	}
	for _, y := range []int{2023, 2024, 2025} {
		if t := targets.Parse(row["target_"+strconv.Itoa(y)], dir); t.Value != nil {
			pts[y] = *t.Value
		}
	}
	if len(pts) == 0 {
		return 0, false
	}
	years := make([]int, 0, len(pts))
	for y := range pts {
		years = append(years, y)
	}
	sort.Ints(years)
	v := pts[years[0]]
	for i, y := range years {
		if y == year {
			v = pts[y]
			break
		}
		if y > year && i > 0 {
			a, b := years[i-1], y
			v = pts[a] + (pts[b]-pts[a])*float64(year-a)/float64(b-a)
			break
		}
		v = pts[y]
	}
	// Most indicators land near their target, a few fall short.
	miss := (r.Float64() - 0.7) * 0.04 * math.Max(1, math.Abs(v))
	if dir == targets.Lower {
		miss = -miss
	}
	return math.Round((v+miss)*100) / 100, true
}

// indicatorReports: each department's monthly figures for its indicators,
// in the formats departments really use; one department is often late,
// one misses the last month, and one writes the wrong unit once.
func indicatorReports(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["indicator_reports"]
	inds := in.Refs["indicators.indicator_id"]
	ids := make([]string, 0, len(inds))
	for id := range inds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	formats := map[string]string{"旗农牧局": "csv-gbk", "旗卫健委": "json"}
	for _, dept := range ds.Departments {
		canon := in.Refs.Canonical(dept)
		for mi, m := range in.months() {
			if canon == in.Refs.Canonical("旗科协") && mi == len(in.months())-1 {
				continue // the last report never came
			}
			var rows []map[string]any
			for _, id := range ids {
				row := inds[id]
				if row["frequency"] != "year" || !strings.HasPrefix(id, "zw-") || row["unit"] == "—" {
					continue
				}
				if !answers(in.Refs, row["departments"], canon) {
					continue
				}
				v, ok := trajectory(row, m.Year(), r)
				if !ok {
					continue
				}
				v = plausible(row, v)
				unit := row["unit"]
				if id == "zw-14" && m.Month() == time.March && m.Year() == in.Last.Year() {
					unit = "吨" // the clerk's slip: the indicator is in 万吨
				}
				rows = append(rows, map[string]any{"period": m.Format("2006-01"), "department": dept, "indicator_id": id,
					"indicator_name": row["name_zh"], "value": v, "unit": unit})
			}
			if len(rows) == 0 {
				continue
			}
			day, hour := 2+r.IntN(3), 9+r.IntN(8)
			if canon == in.Refs.Canonical("旗住建局") && mi%3 == 1 {
				day = 8 // habitually late
			}
			format := formats[dept]
			ext := map[string]string{"csv-gbk": ".csv", "json": ".json"}[format]
			if ext == "" {
				ext = ".xlsx"
			}
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("%s_指标进展_%s%s", dept, m.Format("2006-01"), ext),
				title: dept + " 指标进展月报 " + m.Format("2006年1月"), rows: rows, sent: in.sentOn(m, day, hour), format: format}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	return nil
}

// wholeUnits are counted in whole things: no department reports 0.99 parks.
var wholeUnits = map[string]bool{"个": true, "家": true, "所": true, "项": true, "名": true, "次": true, "场": true, "场次": true, "人次": true, "人": true}

// plausible turns a year's level into what a department writes for a
// month: a flow (aggregation sum) is a twelfth of the year, a percentage
// stays within 0–100, a count is whole and not negative.
func plausible(row map[string]string, v float64) float64 {
	if row["aggregation"] == "sum" {
		v /= 12
	}
	switch {
	case row["unit"] == "%":
		v = math.Min(100, math.Max(0, v))
	case wholeUnits[row["unit"]]:
		v = math.Max(0, math.Round(v))
	}
	return math.Round(v*100) / 100
}

func answers(refs pipelines.Refs, departments, canon string) bool {
	for _, d := range strings.Split(departments, "、") {
		if refs.Canonical(strings.TrimSpace(d)) == canon {
			return true
		}
	}
	return false
}

var industries = []string{"煤炭开采和洗选业", "电力、热力生产和供应业", "化学原料和化学制品制造业", "非金属矿物制品业", "石油、煤炭及其他燃料加工业"}

// enterpriseMonthly: 30 large industrial enterprises; a few stop, run at
// low capacity, make losses or produce less than a year before.
func enterpriseMonthly(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["er_enterprise_monthly"]
	type ent struct {
		code, name, industry string
		base                 float64
		weak                 bool
	}
	var ents []ent
	for i := 0; i < 30; i++ {
		ents = append(ents, ent{code: creditCode(fmt.Sprintf("91150627MA0P%05d", 1000+i*7)), name: fmt.Sprintf("伊金霍洛旗规上企业%02d有限公司", i+1),
			industry: industries[i%len(industries)], base: 800 + r.Float64()*9000, weak: i%6 == 0})
	}
	for _, m := range in.months() {
		var rows []map[string]any
		for i, e := range ents {
			growth := 1 + 0.05*float64(m.Year()-2023) + 0.04*(r.Float64()-0.5)
			if e.weak {
				growth -= 0.15 + 0.1*r.Float64()
			}
			status, capUse := "正常生产", 70+25*r.Float64()
			if e.weak && (m.Month() == time.February || i == 0 && m.Year() == 2023 && m.Month() < 6) {
				status, capUse = "停产", 0
			} else if e.weak {
				status, capUse = "半停产", 35+20*r.Float64()
			}
			out := e.base * growth
			prev := e.base * (1 + 0.05*float64(m.Year()-2024))
			if status == "停产" {
				out = 0
			}
			profit := out * (0.08 + 0.06*r.Float64())
			if e.weak {
				profit = -out*0.05 - 30*r.Float64()
			}
			rows = append(rows, map[string]any{"period": m.Format("2006-01"), "department": "旗工业和信息化局", "enterprise_code": e.code,
				"enterprise_name": e.name, "industry": e.industry, "production_status": status,
				"capacity_utilisation_pct": round1(capUse), "output_value_wan": round1(out), "output_value_prev_year_wan": round1(prev),
				"profit_wan": round1(profit)})
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: "规上企业月度统计_" + m.Format("2006-01") + ".xlsx",
			title: "规上工业企业生产经营月度统计 " + m.Format("2006年1月"), rows: rows, sent: in.sentOn(m, 4, 15)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}

var problems = []string{"用电价格偏高", "煤炭运输车辆排队", "流动资金紧张", "环评审批进度慢", "用地手续不全", "技术工人招聘难", "天然气供应不足", "应收账款拖欠"}

// problemLedger: the ledger is sent each quarter with every open and
// newly closed problem; a later row for the same problem is its update.
func problemLedger(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["er_problem_ledger"]
	type prob struct {
		id, ent, text, complexity, unit string
		received, plan, resolved        time.Time
	}
	var all []prob
	for i := 0; i < 60; i++ {
		rec := in.First.AddDate(0, 0, r.IntN(int(in.Last.Sub(in.First).Hours()/24)))
		c := "一般性问题"
		days := 5 + r.IntN(35) // most general problems close within a month
		if i%4 == 0 {
			c = "复杂性问题"
			days = 30 + r.IntN(90)
		}
		p := prob{id: fmt.Sprintf("QY-%d-%03d", rec.Year(), i+1), ent: fmt.Sprintf("伊金霍洛旗规上企业%02d有限公司", i%30+1),
			text: problems[i%len(problems)], complexity: c, unit: []string{"旗能源局", "旗工业和信息化局", "旗自然资源局", "旗发展和改革委员会"}[i%4],
			received: rec, resolved: rec.AddDate(0, 0, days)}
		if c == "复杂性问题" {
			p.plan = rec.AddDate(0, 0, 3+r.IntN(6)) // the 5-working-day rule, sometimes missed
		}
		all = append(all, p)
	}
	for q := in.First; !q.After(in.Last); q = q.AddDate(0, 3, 0) {
		end := q.AddDate(0, 3, 0)
		var rows []map[string]any
		for _, p := range all {
			if !p.received.Before(end) {
				continue
			}
			if p.resolved.Before(q) {
				continue // closed before this quarter: reported already
			}
			row := map[string]any{"problem_id": p.id, "department": "旗工业和信息化局", "enterprise_name": p.ent,
				"received_date": p.received.Format("2006-01-02"), "description": p.text, "complexity": p.complexity,
				"assigned_unit": p.unit, "status": "办理中"}
			if !p.plan.IsZero() && p.plan.Before(end) {
				row["plan_date"] = p.plan.Format("2006-01-02")
			}
			if p.resolved.Before(end) {
				row["resolved_date"], row["status"] = p.resolved.Format("2006-01-02"), "已办结"
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

// activities: science-popularisation events as each department logs them.
func activities(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["sl_activities"]
	kinds := map[string][]string{
		"旗科协": {"科普展览", "青少年科技志愿服务"}, "旗教体局": {"科普讲座", "青少年科技志愿服务"},
		"旗农牧局": {"农牧民技术培训"}, "旗总工会": {"专业技术人才培训"},
	}
	places := []string{"阿勒腾席热镇", "札萨克镇", "纳林陶亥镇", "乌兰木伦镇", "伊金霍洛镇", "红庆河镇", "苏布尔嘎镇"}
	n := 0
	for _, dept := range ds.Departments {
		for _, m := range in.months() {
			var rows []map[string]any
			for k := 0; k < 1+r.IntN(3); k++ {
				n++
				kind := kinds[dept][r.IntN(len(kinds[dept]))]
				day := time.Date(m.Year(), m.Month(), 1+r.IntN(27), 0, 0, 0, 0, time.UTC)
				rows = append(rows, map[string]any{"activity_id": fmt.Sprintf("KP-%s-%04d", m.Format("2006"), n), "department": dept,
					"activity_date": day.Format("2006-01-02"), "activity_type": kind, "title": kind + "（" + places[n%len(places)] + "）",
					"place": places[n%len(places)], "participants": 30 + r.IntN(400)})
			}
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("%s_科普活动_%s.xlsx", dept, m.Format("2006-01")),
				title: dept + " 科普活动登记", rows: rows, sent: in.sentOn(m, 3, 11)}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	return nil
}

// surveys: the yearly citizen science-literacy sample survey.
func surveys(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["sl_survey_results"]
	rates := map[int]float64{2023: 11.8, 2024: 12.9, 2025: 14.1}
	for y := in.First.Year(); y <= in.Last.Year(); y++ {
		var rows []map[string]any
		for gi, g := range []string{"全体公民", "青少年", "农牧民", "产业工人"} {
			n := 1200 + 300*gi
			rate := rates[y] + []float64{0, 6, -4, 1}[gi]
			lit := int(math.Round(float64(n) * rate / 100))
			rows = append(rows, map[string]any{"survey_year": y, "survey_date": fmt.Sprintf("%d-11-20", y), "department": "旗科协",
				"group": g, "sample_size": n, "literate_count": lit, "literacy_rate_pct": round1(100 * float64(lit) / float64(n))})
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("公民科学素质调查_%d.xlsx", y), title: "公民科学素质抽样调查结果",
			rows: rows, sent: time.Date(y, 12, 10, 10, 0, 0, 0, in.Loc)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}

// projectProgress: the 11 projects' monthly investment against their totals.
func projectProgress(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["zw_project_progress"]
	projects := in.Refs["zw_projects.project_id"]
	ids := make([]string, 0, len(projects))
	for id := range projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	cum := map[string]float64{}
	months := in.months()
	for mi, m := range months {
		var rows []map[string]any
		for _, id := range ids {
			total, _ := strconv.ParseFloat(projects[id]["investment_wan"], 64)
			deadline, _ := time.Parse("2006-01-02", projects[id]["deadline_date"])
			span := math.Max(1, deadline.Sub(in.First).Hours()/24/30)
			month := 0.0
			status := "在建"
			if cum[id] >= total {
				status = "已投运"
			} else {
				month = math.Min(total-cum[id], total/span*(0.6+0.8*r.Float64()))
				cum[id] += month
				if cum[id] >= total {
					status = "已完工"
				}
			}
			if mi < 2 && total > 20000 {
				status, month = "前期工作", 0
				cum[id] = 0
			}
			rows = append(rows, map[string]any{"period": m.Format("2006-01"), "department": "旗发展和改革委员会", "project_id": id,
				"project_name": projects[id]["name_zh"], "investment_month_wan": round1(month), "investment_cumulative_wan": round1(cum[id]), "status": status})
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: "无废城市项目进展_" + m.Format("2006-01") + ".xlsx",
			title: "“无废城市”建设项目进展月报", rows: rows, sent: in.sentOn(m, 5, 9)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}

// inspections: every site is inspected monthly in the key prevention
// period (1 May – 30 September); heavy rain brings a few warnings, and one
// danger is reported later than the 4-hour rule allows.
func inspections(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["gh_inspections"]
	sites := in.Refs["hazard_sites.site_id"]
	ids := make([]string, 0, len(sites))
	for id := range sites {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, m := range in.months() {
		if m.Month() < time.May || m.Month() > time.September {
			continue
		}
		var rows []map[string]any
		for i, id := range ids {
			day := time.Date(m.Year(), m.Month(), 3+i%20, 0, 0, 0, 0, time.UTC)
			row := map[string]any{"site_id": id, "department": "旗自然资源局", "inspection_date": day.Format("2006-01-02"),
				"inspector": fmt.Sprintf("巡查员%02d", i%12+1), "finding": "无异常", "warning_level": "无"}
			if (m.Month() == time.July || m.Month() == time.August) && r.IntN(20) == 0 {
				obs := time.Date(day.Year(), day.Month(), day.Day(), 7+r.IntN(10), r.IntN(60), 0, 0, in.Loc)
				delay := time.Duration(30+r.IntN(150)) * time.Minute
				if r.IntN(4) == 0 {
					delay = 6 * time.Hour
				}
				row["finding"], row["warning_level"] = "发现险情", []string{"黄色", "橙色"}[r.IntN(2)]
				row["observed_at"] = obs.Format("2006-01-02 15:04:05")
				row["reported_at"] = obs.Add(delay).Format("2006-01-02 15:04:05")
			}
			rows = append(rows, row)
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: "隐患点巡查记录_" + m.Format("2006-01") + ".xlsx",
			title: "地质灾害隐患点巡查与预警记录", rows: rows, sent: in.sentOn(m, 2, 16)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}
