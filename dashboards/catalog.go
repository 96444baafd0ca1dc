package dashboards

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// Catalog is what the generator needs to know from a warehouse: the plans,
// the departments, and the periods the data covers. Everything a panel
// shows it reads from PostgreSQL at view time; the catalog only decides
// which dashboards exist and where their time pickers open.
type Catalog struct {
	Plans       []Plan
	Departments []string
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

// LoadCatalog reads the catalog from a warehouse.
func LoadCatalog(ctx context.Context, db *sql.DB) (Catalog, error) {
	var c Catalog
	plans, err := LoadPlans(ctx, db)
	if err != nil {
		return c, err
	}
	c.Plans = plans
	rows, err := db.QueryContext(ctx, `
		SELECT DISTINCT d FROM (
			SELECT lead_department AS d FROM mart_scorecard
			UNION ALL SELECT department FROM mart_reporting_timeliness)
		WHERE d IS NOT NULL AND d <> '' ORDER BY 1`)
	if err != nil {
		return c, fmt.Errorf("list departments: %w", err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return c, err
		}
		c.Departments = append(c.Departments, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	var year sql.NullInt64
	var from, to sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT max(year) FILTER (WHERE actual IS NOT NULL), min(period)::TIMESTAMP, max(period)::TIMESTAMP
		FROM mart_indicator_monthly`).Scan(&year, &from, &to); err != nil {
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
