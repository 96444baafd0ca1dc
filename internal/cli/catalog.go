package cli

import (
	"fmt"
	"github.com/waymark-data/waymark"
	"strings"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/models"
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

func catalogCmd(a *app) *cobra.Command {
	var plan, dept, format string
	cmd := &cobra.Command{
		Use:   "catalog [indicators|targets|plans]",
		Short: "List plans, indicators and targets from the seeds",
		Long: `catalog lists what the bulletin asks to be tracked: every indicator of every
plan with its baseline and targets exactly as printed, its unit and the
departments responsible. "targets" shows each target's parsed form
(comparator, value) beside its text; "plans" lists the plans.

--plan takes a plan id (zero_waste) or a document number (伊政办发〔2023〕31号,
or just 31号); --department takes a department's name or any alias (旗工信局).`,
		Example: `  waymark catalog --plan zero_waste
  waymark catalog --plan 伊政办发〔2023〕31号 --format csv > zero_waste.csv
  waymark catalog --department 旗工信局
  waymark catalog targets --plan 28号 --format json
  waymark catalog plans`,
		ValidArgs: []string{"indicators", "targets", "plans"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return UsageError{fmt.Errorf("catalog takes at most one of: indicators, targets, plans")}
			}
			if len(args) == 1 {
				if _, ok := catalogQueries[args[0]]; !ok {
					return UsageError{fmt.Errorf("unknown listing %q: want indicators, targets or plans", args[0])}
				}
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "indicators"
			if len(args) == 1 {
				what = args[0]
			}
			ctx := cmd.Context()
			db, err := warehouse.Scratch(a.cfg.TimeZone)
			if err != nil {
				return err
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if err := models.LoadReference(ctx, db, waymark.Seeds(a.cfg.SeedsDir)); err != nil {
				return err
			}
			var conds []string
			var params []any
			if plan != "" {
				var ids []string
				prow, err := db.QueryContext(ctx, `SELECT plan_id FROM seed_plans WHERE plan_id = $1 OR doc_no = $1
					OR (length($1) >= 3 AND suffix(doc_no, $1)) ORDER BY plan_id`, plan)
				if err != nil {
					return err
				}
				for prow.Next() {
					var id string
					if err := prow.Scan(&id); err != nil {
						prow.Close()
						return err
					}
					ids = append(ids, id)
				}
				prow.Close()
				if len(ids) != 1 {
					what := "matches no plan id or document number"
					if len(ids) > 1 {
						what = "matches several plans (" + strings.Join(ids, ", ") + "): give more of the document number"
					}
					return UsageError{fmt.Errorf("--plan %q %s (see `waymark catalog plans`)", plan, what)}
				}
				id := ids[0]
				conds = append(conds, "i.plan_id = ?")
				params = append(params, id)
			}
			if dept != "" {
				// Match the department under any of its names: the bulletin
				// writes 旗工信局 in one table and 旗工业和信息化局 in another.
				conds = append(conds, `EXISTS (
					SELECT 1 FROM unnest(string_split(coalesce(i.departments, ''), '、')) AS d(n)
					WHERE trim(d.n) = ? OR trim(d.n) IN (
						SELECT name_zh FROM seed_departments s WHERE s.name_zh = ? OR list_contains(string_split(coalesce(s.aliases_zh, ''), '、'), ?)
						UNION SELECT unnest(string_split(coalesce(aliases_zh, ''), '、')) FROM seed_departments s
						WHERE s.name_zh = ? OR list_contains(string_split(coalesce(s.aliases_zh, ''), '、'), ?)))`)
				params = append(params, dept, dept, dept, dept, dept)
			}
			where := "true"
			if len(conds) > 0 {
				where = strings.Join(conds, " AND ")
			}
			q := catalogQueries[what]
			sqlText := q.csv
			if format == "table" && q.table != "" {
				sqlText = q.table
			}
			rows, err := db.QueryContext(ctx, fmt.Sprintf(sqlText, where), params...)
			if err != nil {
				return err
			}
			defer rows.Close()
			return writeRows(a.out, rows, format)
		},
	}
	cmd.Flags().StringVarP(&plan, "plan", "p", "", "plan id or document number")
	cmd.Flags().StringVarP(&dept, "department", "d", "", "responsible department (name or alias)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}
