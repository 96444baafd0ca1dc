package dashboards

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Plan is what a plan's dashboard shows: its scorecard and a trend per
// indicator that has computed actuals.
type Plan struct {
	ID     string
	NameZh string
	NameEn string
	DocNo  string
	Years  []int
	Series []Series
}

// Series is one indicator's monthly actual, with its targets as lines.
type Series struct {
	IndicatorID string
	NameZh      string
	Unit        string
	Targets     map[int]float64
}

// LoadPlans reads from a warehouse what the dashboards must show, so the
// generator stays content-agnostic: a new plan in seeds/ gets a dashboard.
func LoadPlans(ctx context.Context, db *sql.DB) ([]Plan, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT p.plan_id, p.name_zh, coalesce(p.name_en, ''), p.doc_no,
		       list(DISTINCT s.year ORDER BY s.year)
		FROM seed_plans p JOIN mart_scorecard s USING (plan_id)
		GROUP BY ALL ORDER BY p.plan_id`)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	var plans []Plan
	for rows.Next() {
		var p Plan
		var years []any
		if err := rows.Scan(&p.ID, &p.NameZh, &p.NameEn, &p.DocNo, &years); err != nil {
			rows.Close()
			return nil, err
		}
		for _, y := range years {
			if n, ok := y.(int32); ok {
				p.Years = append(p.Years, int(n))
			}
		}
		plans = append(plans, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range plans {
		srows, err := db.QueryContext(ctx, `
			SELECT DISTINCT s.indicator_id, s.name_zh, s.unit, s.seq, s.year, s.target
			FROM mart_scorecard s
			WHERE s.plan_id = ? AND s.indicator_id IN (SELECT indicator_id FROM mart_indicator_monthly)
			ORDER BY s.seq, s.year`, plans[i].ID)
		if err != nil {
			return nil, err
		}
		idx := map[string]int{}
		for srows.Next() {
			var id, name, unit string
			var seq, year int
			var target sql.NullFloat64
			if err := srows.Scan(&id, &name, &unit, &seq, &year, &target); err != nil {
				srows.Close()
				return nil, err
			}
			k, ok := idx[id]
			if !ok {
				k = len(plans[i].Series)
				idx[id] = k
				plans[i].Series = append(plans[i].Series, Series{IndicatorID: id, NameZh: name, Unit: unit, Targets: map[int]float64{}})
			}
			if target.Valid {
				plans[i].Series[k].Targets[year] = target.Float64
			}
		}
		srows.Close()
	}
	return plans, nil
}

func grafanaUnit(u string) string {
	if u == "%" {
		return "percent"
	}
	return "suffix:" + u
}

func fixedColor(c string) cog.Builder[dashboard.ThresholdsConfig] {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{{Color: c}})
}

// targetSteps draws the nearest year's target as a dashed line.
func targetSteps(s Series) cog.Builder[dashboard.ThresholdsConfig] {
	steps := []dashboard.Threshold{{Color: "red"}}
	years := make([]int, 0, len(s.Targets))
	for y := range s.Targets {
		years = append(years, y)
	}
	sort.Ints(years)
	if len(years) > 0 {
		v := s.Targets[years[0]]
		steps = append(steps, dashboard.Threshold{Value: &v, Color: "green"})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

func targetsText(s Series) string {
	years := make([]int, 0, len(s.Targets))
	for y := range s.Targets {
		years = append(years, y)
	}
	sort.Ints(years)
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = fmt.Sprintf("%d: %g%s", y, s.Targets[y], s.Unit)
	}
	return "Targets " + strings.Join(parts, ", ") + "; dashed line: the first year's target"
}
