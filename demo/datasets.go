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
	written = map[string]bool{}
	sum := Summary{}
	r := rand.New(rand.NewPCG(34, 31))
	steps := []func(Input, *rand.Rand, Summary) error{
		indicatorReports, enterpriseMonthly, problemLedger, activities, surveys, projectProgress, inspections, sensors,
		milestoneReports, priorYearReports,
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
	v, ok := planned(row, year)
	if !ok {
		return 0, false
	}
	dir := targets.Direction(row["direction"])
	// Most indicators land near their target, a few fall short.
	miss := (r.Float64() - 0.7) * 0.04 * math.Max(1, math.Abs(v))
	if dir == targets.Lower {
		miss = -miss
	}
	return math.Round((v+miss)*100) / 100, true
}

// planned is where an indicator's printed baseline and targets put it in a
// year: the figure printed for that year, else a straight line between
// the printed years around it, else the nearest printed figure.
func planned(row map[string]string, year int) (float64, bool) {
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
	return v, true
}

// indicatorReports: each department's monthly figures for its indicators,
// in the formats departments really use; one department is often late,
// one misses the last month, and one writes the wrong unit once. A count
// whose targets are totals to date (cumulative) is reported as the running
// total, growing month by month. Zero-waste indicators without a printed
// figure, and the units outside the data set's department list that lead
// one (旗无废办, 旗邮政公司, the third-party evaluator's yearly survey), get
// figures from zwDemoLevels.
func indicatorReports(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["indicator_reports"]
	// The zero-waste additions draw from their own stream, so the shared
	// one (r) reaches the data sets after this one as it did before.
	zr := rand.New(rand.NewPCG(31, 14))
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
				if row["frequency"] != "year" || !strings.HasPrefix(id, "zw-") {
					continue
				}
				if !answers(in.Refs, row["departments"], canon) {
					continue
				}
				v, ok := trajectory(row, m.Year(), r)
				switch {
				case !ok:
					// No printed figure to aim at (逐年提高 every year).
					if v, ok = zwDemoLevel(row, m, zr); !ok {
						continue
					}
				case row["cumulative"] == "true":
					v = runningTotal(row, m, v)
				}
				v = plausible(row, v)
				unit := reportedUnit(row)
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
	return zwOtherReporters(in, zr, sum)
}

// reportedUnit is what a clerk writes in the unit cell: the catalog's
// unit, or nothing where the catalog prints "—" (zw-11).
func reportedUnit(row map[string]string) any {
	if row["unit"] == "—" {
		return nil
	}
	return row["unit"]
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

// enterpriseMonthly: 30 large industrial enterprises, with the year before
// the demo back-filled, and the 28号 departments' indicator reports (see
// er_enterprises.go, er_reports.go).
func enterpriseMonthly(in Input, r *rand.Rand, sum Summary) error {
	return erEnterpriseMonthly(in, sum)
}

// problemLedger: the enterprise problem ledger, sent each quarter (see
// er_enterprises.go).
func problemLedger(in Input, r *rand.Rand, sum Summary) error { return erProblemLedger(in, sum) }

// activities: science-popularisation events as each department logs them
// (see sl_activities.go).
func activities(in Input, r *rand.Rand, sum Summary) error { return slActivities(in, sum) }

// surveys: the yearly citizen science-literacy sample survey, and the 34号
// lead units' indicator reports (see sl_activities.go).
func surveys(in Input, r *rand.Rand, sum Summary) error { return slSurveys(in, sum) }

// projectProgress: the 11 projects' monthly ledger, investment against
// their printed totals (see zwProjectSchedule): most keep to a straight
// line from their printed start to their deadline, one finishes early,
// one falls behind and misses its deadline, and one month's file is sent
// again to correct a typing slip.
func projectProgress(in Input, _ *rand.Rand, sum Summary) error {
	ds := in.Datasets["zw_project_progress"]
	// Its own stream: the ledger stays the same whatever the data sets
	// before it draw.
	r := rand.New(rand.NewPCG(31, 2))
	projects := in.Refs["zw_projects.project_id"]
	ids := make([]string, 0, len(projects))
	for id := range projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	schedules := map[string]*zwProjectSchedule{}
	for _, id := range ids {
		schedules[id] = newProjectSchedule(projects[id], in.First)
	}
	months := in.months()
	for mi, m := range months {
		var rows []map[string]any
		for _, id := range ids {
			month, cum, status := schedules[id].next(m, r)
			rows = append(rows, map[string]any{"period": m.Format("2006-01"), "department": "旗发展和改革委员会", "project_id": id,
				"project_name": projects[id]["name_zh"], "investment_month_wan": month, "investment_cumulative_wan": cum, "status": status})
		}
		name := "无废城市项目进展_" + m.Format("2006-01")
		if mi == 16 {
			// The clerk typed one cumulative figure without its decimal
			// point; the corrected file follows a week later and replaces
			// the first whole.
			slip := make([]map[string]any, len(rows))
			for i, row := range rows {
				slip[i] = row
				if row["project_id"] == "zwp-06" {
					c := map[string]any{}
					for k, v := range row {
						c[k] = v
					}
					c["investment_cumulative_wan"] = row["investment_cumulative_wan"].(float64) * 10
					slip[i] = c
				}
			}
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name + ".xlsx",
				title: "“无废城市”建设项目进展月报", rows: slip, sent: in.sentOn(m, 4, 8)}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
			name += "_更正"
		}
		sent := in.sentOn(m, 4, 9)
		if mi == 16 {
			sent = in.sentOn(m, 11, 15)
		}
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name + ".xlsx",
			title: "“无废城市”建设项目进展月报", rows: rows, sent: sent}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}

// inspections: every site is inspected monthly in the key prevention
// period (1 May – 30 September); heavy rain brings a few warnings, some
// reported in time and some late. The July storm (gh_weather.go) brings a
// red danger at its centre reported after 3.5 hours (the 2-hour rule for a
// major danger is broken) and a small collapse reported within 4 hours; an
// August collapse is reported after 5.5 hours (the 4-hour rule is broken).
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
		if m.Year() == in.First.Year() {
			rows = append(rows, emergencies(m, in.Loc)...)
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
