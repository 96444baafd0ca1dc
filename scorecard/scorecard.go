// Package scorecard reads the leaders' scorecard from a warehouse version:
// one row per catalog indicator and target year with its actual, status
// and 三色 light (mart_scorecard), filtered by plan, department, year and
// light, and the indicators that have no actual and why. The command line
// only formats what it returns.
package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/waymark-data/waymark/models"
)

// Lights a scorecard row can show (mart_scorecard.light, from the
// traffic_light macro); a row with nothing to judge has none.
var Lights = []string{"green", "yellow", "red"}

// Filter selects scorecard rows; zero values select everything.
type Filter struct {
	// Plan is a plan id, a document number or a unique suffix (31号).
	Plan string
	// Department is a responsible department under any of its names.
	Department string
	Year       int
	// Light is green, yellow or red.
	Light string
}

// Query is a built statement: its SQL and arguments.
type Query struct {
	SQL  string
	Args []any
}

// where turns the filter into a condition on mart_scorecard s.
func (f Filter) where(ctx context.Context, db *sql.DB) (string, []any, error) {
	conds := []string{"true"}
	var args []any
	if f.Plan != "" {
		id, err := models.ResolvePlan(ctx, db, f.Plan)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "s.plan_id = ?")
		args = append(args, id)
	}
	if f.Department != "" {
		// The department under any of its names: the bulletin writes 旗工信局
		// in one table and 旗工业和信息化局 in another.
		conds = append(conds, `EXISTS (
			SELECT 1 FROM unnest(string_split(coalesce(s.departments, ''), '、')) AS d(n)
			WHERE trim(d.n) IN (
				SELECT unnest(list_prepend(name_zh, aliases_zh)) FROM stg_departments
				WHERE name_zh = ? OR list_contains(aliases_zh, ?))
			   OR trim(d.n) = ?)`)
		args = append(args, f.Department, f.Department, f.Department)
	}
	if f.Year != 0 {
		conds = append(conds, "s.year = ?")
		args = append(args, f.Year)
	}
	if f.Light != "" {
		ok := false
		for _, l := range Lights {
			ok = ok || l == f.Light
		}
		if !ok {
			return "", nil, fmt.Errorf("light %q: want %s", f.Light, strings.Join(Lights, ", "))
		}
		conds = append(conds, "s.light = ?")
		args = append(args, f.Light)
	}
	return strings.Join(conds, " AND "), args, nil
}

// Full lists every column of mart_scorecard for the selected rows, one
// per indicator and target year, in plan and printed order.
func Full(ctx context.Context, db *sql.DB, f Filter) (Query, error) {
	w, args, err := f.where(ctx, db)
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: `SELECT s.* FROM mart_scorecard s WHERE ` + w + ` ORDER BY s.plan_id, s.seq, s.year`, Args: args}, nil
}

// Brief lists what a terminal shows: the indicator, the year's target and
// actual, progress against the planned line, the light and who leads.
// The light column is named light.
func Brief(ctx context.Context, db *sql.DB, f Filter) (Query, error) {
	w, args, err := f.where(ctx, db)
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: `SELECT s.indicator_id AS id, s.name_zh AS indicator, s.year,
		s.target_text AS target, coalesce(strftime(s.as_of_period, '%Y-%m'), '-') AS "as of",
		coalesce(printf('%.2f', s.actual) || IF(s.actual_unit = s.unit, '', s.actual_unit), '-') AS actual,
		s.unit,
		coalesce(printf('%.0f%%', s.progress_pct), '-') AS progress,
		coalesce(printf('%.0f%%', s.expected_pct), '-') AS expected,
		coalesce(s.light_zh || ' ' || s.light, '-') AS light,
		coalesce(s.lead_department, '') AS lead,
		coalesce(s.lead_leader, '') AS leader,
		coalesce(s.path, '') AS path
		FROM mart_scorecard s WHERE ` + w + ` ORDER BY s.plan_id, s.seq, s.year`, Args: args}, nil
}

// Uncomputable lists, one row per indicator, those whose path is
// uncomputable or that lack an actual for some target year, with the
// years and the reason (the latest year's).
func Uncomputable(ctx context.Context, db *sql.DB, f Filter) (Query, error) {
	if f.Light != "" {
		return Query{}, fmt.Errorf("a light filter selects indicators with an actual; it cannot list those without")
	}
	w, args, err := f.where(ctx, db)
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: `SELECT s.indicator_id, s.plan_id, s.name_zh, coalesce(s.path, '') AS path,
		string_agg(s.year::VARCHAR, '、' ORDER BY s.year) AS years,
		arg_max(coalesce(s.no_actual_reason, 'uncomputable'), s.year) AS reason
		FROM mart_scorecard s
		WHERE (s.actual IS NULL OR s.path = 'uncomputable') AND ` + w + `
		GROUP BY s.indicator_id, s.plan_id, s.seq, s.name_zh, s.path
		ORDER BY s.plan_id, s.seq`, Args: args}, nil
}
