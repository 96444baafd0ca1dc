package models

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// catalogQueries are the listings; each filters on $plan and $dept.
var catalogQueries = map[string]struct{ csv, table string }{
	"indicators": {
		csv: `SELECT indicator_id, plan_id, doc_no, CAST(seq AS INTEGER) AS seq, level1_zh, level2_zh, name_zh, name_en,
		        coalesce(mark, '') AS mark, unit, direction, cumulative, frequency, aggregation, baseline_year, baseline,
		        target_2023, target_2024, target_2025, departments, lead_unit, lead_leader, notes
		      FROM seed_indicators i WHERE %s ORDER BY plan_id, CAST(seq AS INTEGER)`,
		table: `SELECT indicator_id AS id, name_zh, coalesce(mark, '') AS mark, unit,
		        coalesce(baseline, '') AS baseline, coalesce(target_2023, '') AS "2023", coalesce(target_2024, '') AS "2024",
		        coalesce(target_2025, '') AS "2025", departments
		      FROM seed_indicators i WHERE %s ORDER BY plan_id, CAST(seq AS INTEGER)`,
	},
	"targets": {
		csv: `SELECT t.indicator_id, i.plan_id, i.doc_no, i.name_zh, t.kind, t.year, t.text, t.comparator, t.value, t.value_date, i.unit, i.direction
		      FROM targets t JOIN seed_indicators i USING (indicator_id) WHERE %s
		      ORDER BY i.plan_id, CAST(i.seq AS INTEGER), t.kind, t.year`,
	},
	"plans": {
		csv: `SELECT p.plan_id, p.doc_no, p.name_zh, p.name_en, p.period_start, p.period_end, d.issued_date, d.issuer_zh,
		        (SELECT count(*) FROM seed_indicators i WHERE i.plan_id = p.plan_id AND %s) AS indicators
		      FROM seed_plans p LEFT JOIN seed_documents d USING (doc_no) ORDER BY p.plan_id`,
	},
}

// CatalogListings are the listings Catalog knows.
var CatalogListings = []string{"indicators", "targets", "plans"}

// CatalogQuery says which listing to make and how to filter it.
type CatalogQuery struct {
	// What is one of CatalogListings.
	What string
	// Plan is a plan id, a document number or a unique suffix of one (31号).
	Plan string
	// Department is a department's name or any of its aliases.
	Department string
	// Brief chooses the short columns a terminal table shows.
	Brief bool
}

// BadQueryError is a catalog query that names nothing or something
// ambiguous: the user's mistake, not a failure.
type BadQueryError struct{ Msg string }

func (e BadQueryError) Error() string { return e.Msg }

// Catalog lists what the bulletin asks to be tracked, straight from the
// seeds (no warehouse needed): indicators with baselines and targets as
// printed, targets with their parsed form, or the plans.
func Catalog(ctx context.Context, seeds fs.FS, timeZone string, q CatalogQuery) (sqltext.Table, error) {
	listing, ok := catalogQueries[q.What]
	if !ok {
		return sqltext.Table{}, BadQueryError{fmt.Sprintf("unknown listing %q: want %s", q.What, strings.Join(CatalogListings, ", "))}
	}
	db, err := warehouse.Scratch(timeZone)
	if err != nil {
		return sqltext.Table{}, err
	}
	defer db.Close()
	if err := LoadReference(ctx, db, seeds); err != nil {
		return sqltext.Table{}, err
	}
	var conds []string
	var params []any
	if q.Plan != "" {
		id, err := ResolvePlan(ctx, db, q.Plan)
		if err != nil {
			return sqltext.Table{}, fmt.Errorf("--plan %w", err)
		}
		conds = append(conds, "i.plan_id = ?")
		params = append(params, id)
	}
	if q.Department != "" {
		// Match the department under any of its names: the bulletin
		// writes 旗工信局 in one table and 旗工业和信息化局 in another.
		d := q.Department
		conds = append(conds, `EXISTS (
			SELECT 1 FROM unnest(string_split(coalesce(i.departments, ''), '、')) AS d(n)
			WHERE trim(d.n) = ? OR trim(d.n) IN (
				SELECT name_zh FROM seed_departments s WHERE s.name_zh = ? OR list_contains(string_split(coalesce(s.aliases_zh, ''), '、'), ?)
				UNION SELECT unnest(string_split(coalesce(aliases_zh, ''), '、')) FROM seed_departments s
				WHERE s.name_zh = ? OR list_contains(string_split(coalesce(s.aliases_zh, ''), '、'), ?)))`)
		params = append(params, d, d, d, d, d)
	}
	where := "true"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	text := listing.csv
	if q.Brief && listing.table != "" {
		text = listing.table
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(text, where), params...)
	if err != nil {
		return sqltext.Table{}, err
	}
	return sqltext.Collect(rows)
}
