package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// zwDemo is a zero-waste indicator's demo figure where the bulletin
// prints none to aim at, and how its reporter sends it.
type zwDemo struct {
	levels map[int]float64 // the year's figure (December's, for a running total)
	yearly bool            // a survey: one report a year, for December
}

// zwDemoLevels: zero-waste indicators whose targets print no figure for
// the demo years (逐年提高, a sentence), or whose lead unit is outside
// indicator_reports' department list. Later years continue the last
// year's change.
var zwDemoLevels = map[string]zwDemo{
	"zw-11": {levels: map[int]float64{2023: 41.6, 2024: 39.8}},               // pesticide use (t), negative growth; the catalog prints no unit
	"zw-17": {levels: map[int]float64{2023: 87.5, 2024: 91.2}},               // standard packaging share, toward 98 in 2025
	"zw-20": {levels: map[int]float64{2023: 58.4, 2024: 61.9}},               // industrial hazardous waste utilised
	"zw-40": {levels: map[int]float64{2023: 13, 2024: 22}},                   // zero-waste cells, a running total
	"zw-48": {levels: map[int]float64{2023: 64.0, 2024: 70.5}, yearly: true}, // publicity reach, third-party survey
	"zw-50": {levels: map[int]float64{2023: 72.6, 2024: 77.1}, yearly: true}, // public satisfaction, third-party survey
}

// level is the figure for a year, continuing the trend past the table.
func (d zwDemo) level(year int) (float64, bool) {
	if v, ok := d.levels[year]; ok {
		return v, true
	}
	years := make([]int, 0, len(d.levels))
	for y := range d.levels {
		years = append(years, y)
	}
	sort.Ints(years)
	if len(years) < 2 || year < years[0] {
		return 0, false
	}
	a, b := years[len(years)-2], years[len(years)-1]
	step := d.levels[b] - d.levels[a]
	return d.levels[b] + step*float64(year-b)/float64(b-a), true
}

// zwDemoLevel is the demo figure of a month for an indicator listed in
// zwDemoLevels: a running total grows toward December's, a rate wavers a
// little around the year's level.
func zwDemoLevel(row map[string]string, m time.Time, r *rand.Rand) (float64, bool) {
	d, ok := zwDemoLevels[row["indicator_id"]]
	if !ok {
		return 0, false
	}
	v, ok := d.level(m.Year())
	if !ok {
		return 0, false
	}
	if row["cumulative"] == "true" {
		prev, ok := d.level(m.Year() - 1)
		if !ok {
			prev = 0
		}
		return prev + (v-prev)*float64(m.Month())/12, true
	}
	return math.Round((v+0.6*(r.Float64()-0.5))*100) / 100, true
}

// runningTotal turns a count's year-end level into the month's running
// total: the total at the end of the previous year plus the year's growth
// so far. The targets are totals to date (the 31号 table's footnote), so
// December's report, not the year's additions, is the year's actual.
func runningTotal(row map[string]string, m time.Time, v float64) float64 {
	prev, ok := planned(row, m.Year()-1)
	if !ok || prev > v {
		return v
	}
	return prev + (v-prev)*float64(m.Month())/12
}

// zwOtherReporters writes the indicator reports of units that lead a
// zero-waste indicator but are not in indicator_reports' department list
// (so waymark status expects nothing of them): 旗无废办 and 旗邮政公司
// monthly, the third-party evaluator once a year for December.
func zwOtherReporters(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["indicator_reports"]
	inds := in.Refs["indicators.indicator_id"]
	byDept := zwOtherUnits(in)
	depts := make([]string, 0, len(byDept))
	for d := range byDept {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	for _, dept := range depts {
		for _, m := range in.months() {
			var rows []map[string]any
			for _, id := range byDept[dept] {
				if zwDemoLevels[id].yearly && m.Month() != time.December {
					continue
				}
				row := inds[id]
				v, ok := zwDemoLevel(row, m, r)
				if !ok {
					continue
				}
				rows = append(rows, map[string]any{"period": m.Format("2006-01"), "department": dept, "indicator_id": id,
					"indicator_name": row["name_zh"], "value": plausible(row, v), "unit": reportedUnit(row)})
			}
			if len(rows) == 0 {
				continue
			}
			sent := in.sentOn(m, 2+r.IntN(3), 9+r.IntN(8))
			if zwDemoLevels[byDept[dept][0]].yearly {
				sent = in.sentOn(m, 12, 10) // the survey report takes longer
			}
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: fmt.Sprintf("%s_指标进展_%s.xlsx", dept, m.Format("2006-01")),
				title: dept + " 指标进展月报 " + m.Format("2006年1月"), rows: rows, sent: sent}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	return nil
}

// zwOtherUnits lists, by unit, the zwDemoLevels indicators led by a unit
// outside indicator_reports' department list: the first unit printed
// leads.
func zwOtherUnits(in Input) map[string][]string {
	inds := in.Refs["indicators.indicator_id"]
	listed := map[string]bool{}
	for _, d := range in.Datasets["indicator_reports"].Departments {
		listed[in.Refs.Canonical(d)] = true
	}
	byDept := map[string][]string{}
	for id := range zwDemoLevels {
		row, ok := inds[id]
		if !ok {
			continue
		}
		lead := firstUnit(row["departments"])
		if listed[in.Refs.Canonical(lead)] {
			continue // reported with its department's other figures
		}
		byDept[lead] = append(byDept[lead], id)
	}
	for _, ids := range byDept {
		sort.Strings(ids)
	}
	return byDept
}

// firstUnit is the first of the 、-separated units.
func firstUnit(units string) string {
	for i, c := range units {
		if c == '、' {
			return units[:i]
		}
	}
	return units
}
