package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/targets"
)

// priorYearReports: when a plan starts, each department reports the
// year-end figure of the year before for the indicators whose targets are
// year on year (逐年提高, 逐年降低, 负增长), so the first plan year can be
// judged against it. The figure sits a few per cent on the far side of
// the first year's level, as a department improving year on year would
// report it.
func priorYearReports(in Input, _ *rand.Rand, sum Summary) error {
	ds := in.Datasets["indicator_reports"]
	r := rand.New(rand.NewPCG(20, 22))
	first := in.months()[0]
	year := first.Year()
	prior := time.Date(year-1, time.December, 1, 0, 0, 0, 0, time.UTC)
	inds := in.Refs["indicators.indicator_id"]
	ids := make([]string, 0, len(inds))
	for id, row := range inds {
		if id == row["indicator_id"] && row["frequency"] == "year" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	// The listed departments, and the units outside the list that lead a
	// zero-waste indicator (the third-party evaluator's surveys).
	units := append([]string(nil), ds.Departments...)
	others := zwOtherUnits(in)
	for u := range others {
		units = append(units, u)
	}
	sort.Strings(units[len(ds.Departments):])
	for _, dept := range units {
		canon := in.Refs.Canonical(dept)
		var rows []map[string]any
		for _, id := range ids {
			row := inds[id]
			if !answers(in.Refs, row["departments"], canon) {
				continue
			}
			t := targets.Parse(row[fmt.Sprintf("target_%d", year)], targets.Direction(row["direction"]))
			var factor float64
			switch t.Comparator {
			case targets.IncreaseYoY:
				factor = 0.97
			case targets.DecreaseYoY, targets.NegativeGrowth:
				factor = 1.04
			default:
				continue
			}
			v, ok := trajectory(row, year, r)
			if !ok {
				if v, ok = zwDemoLevel(row, time.Date(year, time.December, 1, 0, 0, 0, 0, time.UTC), r); !ok {
					continue
				}
			}
			v = plausible(row, v*factor)
			rows = append(rows, map[string]any{"period": prior.Format("2006-01"), "department": dept, "indicator_id": id,
				"indicator_name": row["name_zh"], "value": v, "unit": reportedUnit(row), "remarks": "上年度数值（计划基数）"})
		}
		if len(rows) == 0 {
			continue
		}
		name := fmt.Sprintf("%s_上年度数值_%d.xlsx", strings.TrimSpace(dept), year-1)
		p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name, title: dept + " 上年度指标数值 " + fmt.Sprint(year-1),
			rows: rows, sent: in.sentOn(prior, 4, 10)}.write()
		if err != nil {
			return err
		}
		sum.add(ds.Name, p)
	}
	return nil
}
