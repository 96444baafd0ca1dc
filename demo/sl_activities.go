package demo

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// The science-literacy demo (伊政发〔2023〕34号): activities as the
// departments log them, the yearly literacy survey, and the figures the lead
// units report. Each function draws from its own random source.

type slActivity struct {
	id, dept, kind, title, place string
	date                         time.Time
	participants                 int
}

var slSchools = []struct {
	name     string
	lectures int // 科普讲座 a school year (the target: at least 5)
}{
	{"伊金霍洛旗第一中学", 6}, {"伊金霍洛旗第二中学", 5}, {"阿勒腾席热镇第一小学", 4},
	{"阿勒腾席热镇实验小学", 5}, {"札萨克镇九年制学校", 7}, {"纳林陶亥镇中心小学", 3},
}

var slTowns = []string{"阿勒腾席热镇", "札萨克镇", "纳林陶亥镇", "乌兰木伦镇", "伊金霍洛镇", "红庆河镇", "苏布尔嘎镇"}

// slActivities: lectures at six schools (some short of five a school year),
// volunteer services for young people (12 in the first year, 8 in the
// second), farmer trainings (5 sessions and exactly 1000 person-times in the
// first year, 6 sessions in the second), professional trainings, monthly
// exhibitions and a community lecture each quarter; a department with
// nothing else that month logs an "其他" activity. The first farmer
// training is logged with 18 participants and corrected to 180 in the next
// month's file.
func slActivities(in Input, sum Summary) error {
	ds := in.Datasets["sl_activities"]
	r := rand.New(rand.NewPCG(34, 1))
	end := in.Last.AddDate(0, 1, 0)
	var acts []slActivity
	add := func(dept, kind, place string, d time.Time, n int) {
		if d.Before(in.First) || !d.Before(end) {
			return
		}
		acts = append(acts, slActivity{dept: dept, kind: kind, title: kind + "（" + place + "）", place: place, date: d, participants: n})
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, in.Loc) }
	teaching := []time.Month{time.September, time.October, time.November, time.December, time.March, time.April, time.May, time.June}
	for sy := in.First.Year() - 1; sy <= in.Last.Year(); sy++ {
		for si, s := range slSchools {
			n := s.lectures
			if si == 1 && sy%2 == 1 {
				n-- // the second middle school falls one short every other year
			}
			for k := 0; k < n; k++ {
				mo := teaching[(k*len(teaching)/n+si)%len(teaching)]
				y := sy
				if mo < time.September {
					y++
				}
				add("旗教体局", "科普讲座", s.name, day(y, mo, 8+(3*k+si)%15), 80+r.IntN(300))
			}
		}
	}
	farmer := map[int][]int{0: {180, 220, 200, 160, 240}, 1: {210, 190, 230, 170, 180, 140}}
	pro := map[int][]int{0: {45, 60, 52}, 1: {48, 55, 62, 40}}
	for y := in.First.Year(); y <= in.Last.Year(); y++ {
		yi := y - in.First.Year()
		youth := map[int]int{0: 12, 1: 8}[yi]
		if youth == 0 {
			youth = 10
		}
		for k := 0; k < youth; k++ {
			dept := []string{"旗科协", "旗教体局"}[k%2]
			add(dept, "青少年科技志愿服务", "伊金霍洛旗青少年活动中心", day(y, time.Month(1+k*12/youth), 15+k%5), 40+r.IntN(120))
		}
		sessions := farmer[yi]
		if sessions == nil {
			sessions = []int{200, 200, 200, 200, 200}
		}
		for k, n := range sessions {
			add("旗农牧局", "农牧民技术培训", slTowns[(k+yi)%len(slTowns)], day(y, time.Month(3+k*9/len(sessions)), 10+k), n)
		}
		trainings := pro[yi]
		if trainings == nil {
			trainings = []int{50, 50, 50}
		}
		for k, n := range trainings {
			add("旗总工会", "专业技术人才培训", "蒙苏经济开发区", day(y, time.Month(3+k*9/len(trainings)), 20), n)
		}
		for mo := time.January; mo <= time.December; mo++ {
			add("旗科协", "科普展览", slTowns[int(mo)%len(slTowns)], day(y, mo, 18), 150+r.IntN(500))
			if mo%3 == 1 {
				add("旗科协", "科普讲座", "阿勒腾席热镇社区", day(y, mo, 25), 60+r.IntN(60))
			}
		}
	}
	// Every department logs something each month.
	busy := map[string]bool{}
	for _, a := range acts {
		busy[a.dept+a.date.Format("2006-01")] = true
	}
	other := map[string]string{"旗教体局": "校园科技节", "旗农牧局": "农牧业科技咨询服务", "旗总工会": "职工科普读书活动", "旗科协": "科普宣传资料发放"}
	for _, m := range in.months() {
		for _, dept := range ds.Departments {
			if !busy[dept+m.Format("2006-01")] {
				place := slTowns[int(m.Month())%len(slTowns)]
				acts = append(acts, slActivity{dept: dept, kind: "其他", title: other[dept] + "（" + place + "）", place: place,
					date: day(m.Year(), m.Month(), 12), participants: 30 + r.IntN(100)})
			}
		}
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].date.Before(acts[j].date) })
	seq := map[int]int{}
	for i := range acts {
		y := acts[i].date.Year()
		seq[y]++
		acts[i].id = fmt.Sprintf("KP-%d-%04d", y, seq[y])
	}
	// Files per department and month; the first farmer training's typo.
	files := map[string][]map[string]any{}
	row := func(a slActivity, n int) map[string]any {
		return map[string]any{"activity_id": a.id, "department": a.dept, "activity_date": a.date.Format("2006-01-02"),
			"activity_type": a.kind, "title": a.title, "place": a.place, "participants": n}
	}
	fixed := false
	for _, a := range acts {
		k := a.dept + "|" + a.date.Format("2006-01")
		if a.kind == "农牧民技术培训" && !fixed && a.date.AddDate(0, 1, 0).Before(end) {
			fixed = true
			files[k] = append(files[k], row(a, a.participants/10))
			next := a.dept + "|" + a.date.AddDate(0, 1, 0).Format("2006-01")
			files[next] = append(files[next], row(a, a.participants))
			continue
		}
		files[k] = append(files[k], row(a, a.participants))
	}
	for _, k := range slices.Sorted(maps.Keys(files)) {
		dept, month := k[:len(k)-8], k[len(k)-7:]
		m, _ := time.ParseInLocation("2006-01", month, in.Loc)
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("%s_科普活动_%s.xlsx", dept, month),
			title: dept + " 科普活动登记", rows: files[k], sent: in.sentOn(m, 3, 11)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}

// slSurveys: the yearly citizen science-literacy sample survey, in four
// groups with a 全体公民 row that totals them; the first year's file is sent
// again ten days later with the elderly group's count corrected.
func slSurveys(in Input, sum Summary) error {
	ds := in.Datasets["sl_survey_results"]
	rates := map[int]float64{2023: 11.8, 2024: 12.9, 2025: 14.1}
	groups := []struct {
		name   string
		sample int
		offset float64 // the group's rate against the whole
	}{{"农牧民", 1500, -3.5}, {"产业工人", 1200, 1.5}, {"老年人", 900, -4}, {"领导干部和公务员", 400, 12}}
	for y := in.First.Year(); y <= in.Last.Year(); y++ {
		date := time.Date(y, time.November, 20, 0, 0, 0, 0, in.Loc)
		if date.After(in.Last.AddDate(0, 1, -1)) {
			continue // not surveyed yet
		}
		rate, ok := rates[y]
		if !ok {
			rate = 14.5
		}
		mk := func(fix int) []map[string]any {
			var rows []map[string]any
			n, lit := 0, 0
			for _, g := range groups {
				l := int(math.Round(float64(g.sample) * (rate + g.offset) / 100))
				if g.name == "老年人" {
					l += fix
				}
				n, lit = n+g.sample, lit+l
				rows = append(rows, slSurveyRow(y, g.name, g.sample, l))
			}
			return append([]map[string]any{slSurveyRow(y, "全体公民", n, lit)}, rows...)
		}
		sent := time.Date(y, 12, 10, 10, 0, 0, 0, in.Loc)
		first := mk(0)
		if y == in.First.Year() {
			first = mk(-6) // six literate elderly respondents left out at first
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("公民科学素质调查_%d.xlsx", y), title: "公民科学素质抽样调查结果",
			rows: first, sent: sent}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
		if y == in.First.Year() {
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("公民科学素质调查_%d_更正.xlsx", y), title: "公民科学素质抽样调查结果（更正）",
				rows: mk(0), sent: sent.AddDate(0, 0, 10)}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	return slIndicatorReports(in, sum)
}

func slSurveyRow(y int, group string, n, lit int) map[string]any {
	return map[string]any{"survey_year": y, "survey_date": fmt.Sprintf("%d-11-20", y), "department": "旗科协",
		"group": group, "sample_size": n, "literate_count": lit, "literacy_rate_pct": round1(100 * float64(lit) / float64(n))}
}

// slIndicatorReports: what the 34号 lead units report in indicator_reports:
// 旗教体局 the demonstration schools named (sl-02) and the share of
// students taking part (sl-04) every month; 旗科协 the app's registered
// information officers (sl-10) and, once built, the venue's floor area
// (sl-11), but not in the last month (its last report never came, as for
// its other figures); 旗农牧局 the practical techniques per rural worker
// (sl-08) each June and December, in the file it sends anyway.
func slIndicatorReports(in Input, sum Summary) error {
	inds := in.Refs["indicators.indicator_id"]
	months := in.months()
	for mi, m := range months {
		rows := map[string][]map[string]any{}
		add := func(dept, id string, v float64) {
			rows[dept] = append(rows[dept], map[string]any{"period": m.Format("2006-01"), "department": dept, "indicator_id": id,
				"indicator_name": inds[id]["name_zh"], "value": v, "unit": inds[id]["unit"]})
		}
		named := 0.0
		for y := in.First.Year(); y <= m.Year(); y++ {
			if !m.Before(time.Date(y, time.September, 1, 0, 0, 0, 0, in.Loc)) {
				named++ // one school named each September
			}
		}
		add("旗教体局", "sl-02", named)
		add("旗教体局", "sl-04", round1(70+8*float64(m.Year()-in.First.Year())+0.8*float64(m.Month())))
		if mi < len(months)-1 {
			add("旗科协", "sl-10", float64(12000+550*mi))
			if !m.Before(time.Date(2024, time.October, 1, 0, 0, 0, 0, in.Loc)) {
				add("旗科协", "sl-11", 1200)
			}
		}
		if m.Month() == time.June || m.Month() == time.December {
			add("旗农牧局", "sl-08", round1(0.8+0.1*float64(mi/6)))
		}
		for _, dept := range slices.Sorted(maps.Keys(rows)) {
			if err := writeIndicatorReport(in, dept, m, rows[dept], in.sentOn(m, 3, 10), "", sum); err != nil {
				return err
			}
		}
	}
	return nil
}
