package demo

import (
	"context"
	"database/sql"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Scorecard is the short report the demo ends with, read from a finished
// warehouse: indicators by status per plan and year, the share of
// trackable rows with a status per year (the measure of coverage), then in full the
// indicators computed from source records, so a newcomer sees figures flow
// from spreadsheets to statuses.
func Scorecard(ctx context.Context, db *sql.DB) ([]sqltext.Table, error) {
	sections := []struct{ title, q string }{
		{`scorecard: indicators by status (all of them: waymark sql "SELECT * FROM mart_scorecard")`, `
		SELECT plan_id AS plan, year, count(*) FILTER (WHERE actual IS NOT NULL) AS with_data,
		       count(*) FILTER (WHERE status = 'met') AS met, count(*) FILTER (WHERE status = 'not_met') AS not_met,
		       count(*) FILTER (WHERE status = 'not_evaluable') AS not_evaluable
		FROM mart_scorecard GROUP BY ALL HAVING count(*) FILTER (WHERE actual IS NOT NULL) > 0 ORDER BY ALL`},
		{"coverage: trackable rows (a path that yields a number or a state, a target printed for the year) with a status, per year; the rest: waymark scorecard --uncomputable", `
		SELECT year, count(*) FILTER (WHERE trackable) AS trackable,
		       count(*) FILTER (WHERE trackable AND status IN ('met', 'not_met')) AS with_status,
		       printf('%.0f%%', 100.0 * count(*) FILTER (WHERE trackable AND status IN ('met', 'not_met')) / nullif(count(*) FILTER (WHERE trackable), 0)) AS share,
		       count(*) FILTER (WHERE path = 'milestone') AS milestones,
		       count(*) FILTER (WHERE path = 'reference_fact') AS reference_facts,
		       count(*) FILTER (WHERE path = 'uncomputable') AS uncomputable
		FROM mart_scorecard
		WHERE year <= (SELECT max(year(as_of_period)) FROM mart_scorecard)
		GROUP BY year ORDER BY year`},
		{"computed from enterprise records:", `
		SELECT s.indicator_id AS id, s.name_zh AS indicator, s.unit, coalesce(s.baseline_text || ' (' || s.baseline_year || ')', '') AS baseline,
		       s.year, s.target_text AS target, coalesce(strftime(s.as_of_period, '%Y-%m'), '-') AS "as of",
		       coalesce(printf('%.2f', s.actual), '-') AS actual, coalesce(printf('%+.2f', s.gap), '-') AS gap, s.status
		FROM mart_scorecard s
		WHERE s.indicator_id IN (SELECT indicator_id FROM int_indicator_actuals WHERE source = 'records')
		ORDER BY s.plan_id, s.seq, s.year`},
	}
	var out []sqltext.Table
	for _, s := range sections {
		rows, err := db.QueryContext(ctx, s.q)
		if err != nil {
			return nil, err
		}
		t, err := sqltext.Collect(rows)
		if err != nil {
			return nil, err
		}
		t.Title = s.title
		out = append(out, t)
	}
	return out, nil
}
