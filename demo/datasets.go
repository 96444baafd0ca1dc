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
