package dashboards

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Catalog is what the generator needs to know from a warehouse: the plans,
// the departments, and the periods the data covers. Everything a panel
// shows it reads from PostgreSQL at view time; the catalog only decides
// which dashboards exist and where their time pickers open.
type Catalog struct {
	Plans       []Plan
	Departments []string
	// Leads gives each department the target years in which it leads an
	// indicator (none: it only owes submissions).
	Leads map[string][]int
	// Reports: departments a data-set contract expects submissions from.
	Reports map[string]bool
	// Year is the target year dashboards open on: the latest year with an
	// actual.
	Year int
	// From, To bound the monthly data; HazardFrom, HazardTo the sensors.
	From, To             time.Time
	HazardFrom, HazardTo time.Time
}

// DepartmentUID is the dashboard uid of a department. Grafana uids are
// ASCII and at most 40 characters, so the Chinese name is hashed; panel
// SQL builds the same uid with PostgreSQL's md5 to link to it.
func DepartmentUID(dept string) string {
	h := md5.Sum([]byte(dept))
	return "waymark-dept-" + hex.EncodeToString(h[:])[:8]
}

// deptUIDSQL is DepartmentUID in PostgreSQL.
func deptUIDSQL(col string) string {
	return fmt.Sprintf("'waymark-dept-' || left(md5(%s), 8)", col)
}

// LoadCatalog reads the catalog from a warehouse. Every lead department
// and every department that owes submissions gets a dashboard; the plans'
// groups (各有关部门) too, so that a red indicator "owned" by a group shows
// as such rather than as a dead link.
func LoadCatalog(ctx context.Context, db *sql.DB) (Catalog, error) {
	var c Catalog
	plans, err := LoadPlans(ctx, db)
	if err != nil {
		return c, err
	}
	c.Plans = plans
	if c.Departments, err = sqltext.Strings(ctx, db, `
		SELECT DISTINCT d FROM (
			SELECT lead_department AS d FROM mart_scorecard
			UNION ALL SELECT department FROM mart_reporting_timeliness)
		WHERE d IS NOT NULL AND d <> '' ORDER BY 1`); err != nil {
		return c, fmt.Errorf("list departments: %w", err)
	}
	c.Leads = map[string][]int{}
	lrows, err := db.QueryContext(ctx, `SELECT DISTINCT lead_department, year FROM mart_scorecard WHERE lead_department IS NOT NULL ORDER BY 1, 2`)
	if err != nil {
		return c, fmt.Errorf("lead departments: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var d string
		var y int
		if err := lrows.Scan(&d, &y); err != nil {
			return c, fmt.Errorf("lead departments: %w", err)
		}
		c.Leads[d] = append(c.Leads[d], y)
	}
	if err := lrows.Err(); err != nil {
		return c, fmt.Errorf("lead departments: %w", err)
	}
	reporting, err := sqltext.Strings(ctx, db, `SELECT DISTINCT department FROM mart_reporting_timeliness WHERE department IS NOT NULL`)
	if err != nil {
		return c, fmt.Errorf("reporting departments: %w", err)
	}
	c.Reports = map[string]bool{}
	for _, d := range reporting {
		c.Reports[d] = true
	}
	var year sql.NullInt64
	var from, to sql.NullTime
	// The year dashboards open on: the latest target year with an actual
	// for at least half its indicators (a year just begun has few).
	if err := db.QueryRowContext(ctx, `SELECT (SELECT max(year) FROM (SELECT year FROM mart_scorecard GROUP BY year HAVING count(actual) * 2 >= count(*))),
		min(period)::TIMESTAMP, max(period)::TIMESTAMP FROM mart_indicator_monthly`).Scan(&year, &from, &to); err != nil {
		return c, fmt.Errorf("periods: %w", err)
	}
	c.Year = int(year.Int64)
	if !year.Valid {
		c.Year = 2023
	}
	c.From, c.To = monthRange(from, to)
	var hf, ht sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT min(hour)::TIMESTAMP, max(hour)::TIMESTAMP FROM mart_dash_gh_site_hourly`).Scan(&hf, &ht); err != nil {
		return c, fmt.Errorf("sensor hours: %w", err)
	}
	c.HazardFrom, c.HazardTo = c.From, c.To
	if hf.Valid && ht.Valid {
		c.HazardFrom = time.Date(hf.Time.Year(), hf.Time.Month(), hf.Time.Day(), 0, 0, 0, 0, time.UTC)
		c.HazardTo = time.Date(ht.Time.Year(), ht.Time.Month(), ht.Time.Day()+1, 0, 0, 0, 0, time.UTC)
	}
	return c, nil
}

func monthRange(from, to sql.NullTime) (time.Time, time.Time) {
	if !from.Valid || !to.Valid {
		return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	f := time.Date(from.Time.Year(), from.Time.Month(), 1, 0, 0, 0, 0, time.UTC)
	t := time.Date(to.Time.Year(), to.Time.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	return f, t
}
