package cli

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

func templatesCmd(a *app) *cobra.Command {
	var datasets []string
	var dept, period, out string
	cmd := &cobra.Command{
		Use:   "templates",
		Short: "Write an .xlsx submission template per data set, department and period",
		Long: `templates writes the workbook each department fills in: the period and the
department pre-filled, one row per indicator the department answers for (or
per project, or per enterprise it reported last period), units in the
headers, the year's targets for reference, and Excel data validation on
every cell the ingest reads. The ingest accepts exactly what the template
produces.`,
		Example: `  waymark templates --period 2024-05
  waymark templates --dataset indicator_reports --department 旗住建局 --out /srv/share/templates`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			loc := a.cfg.Location()
			p := time.Now().In(loc).AddDate(0, -1, 0)
			if period != "" {
				var err error
				if p, err = time.ParseInLocation("2006-01", period, loc); err != nil {
					return UsageError{fmt.Errorf("--period %q: want YYYY-MM", period)}
				}
			}
			p = time.Date(p.Year(), p.Month(), 1, 0, 0, 0, 0, time.UTC)
			if out == "" {
				out = a.cfg.TemplatesDir
			}
			all, refs, err := a.contracts()
			if err != nil {
				return err
			}
			names := datasets
			if len(names) == 0 {
				names = slices.Sorted(maps.Keys(all))
			}
			written := 0
			for _, n := range names {
				ds, ok := all[n]
				if !ok {
					return UsageError{fmt.Errorf("--dataset %q: no such data set", n)}
				}
				if len(ds.Departments) == 0 {
					continue // machine-fed (sensors): no form to fill in
				}
				for _, d := range ds.Departments {
					if dept != "" && refs.Canonical(dept) != refs.Canonical(d) {
						continue
					}
					prev, err := a.previousEntities(cmd.Context(), ds, refs.Canonical(d), p)
					if err != nil {
						return err
					}
					t := pipelines.PlanTemplate(ds, refs, refs.Canonical(d), p, loc, prev)
					cd := refs.Canonical(d)
					path := filepath.Join(out, p.Format("2006-01"), cd, fmt.Sprintf("%s_%s_%s.xlsx", ds.Name, cd, p.Format("2006-01")))
					if err := pipelines.WriteTemplate(path, t, refs); err != nil {
						return fmt.Errorf("template %s for %s: %w", ds.Name, d, err)
					}
					fmt.Fprintln(a.out, path)
					written++
				}
			}
			if written == 0 {
				return UsageError{fmt.Errorf("no template matches (department %q)", dept)}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&datasets, "dataset", nil, "data set(s) to write templates for (default: all that departments fill in)")
	cmd.Flags().StringVar(&dept, "department", "", "only this department (any of its names)")
	cmd.Flags().StringVar(&period, "period", "", "period YYYY-MM (default: last month)")
	cmd.Flags().StringVar(&out, "out", "", "output directory (default: templates_dir)")
	return cmd
}

// previousEntities reads, from the lake, the enterprises a department
// reported in the latest period before p, so next month's template lists
// them already. Data sets without enterprise columns get none.
func (a *app) previousEntities(ctx context.Context, ds *pipelines.Dataset, dept string, p time.Time) ([]map[string]string, error) {
	cols := []string{}
	for _, c := range []string{"enterprise_code", "enterprise_name"} {
		if _, _, ok := ds.Column(c); ok {
			cols = append(cols, c)
		}
	}
	if len(cols) != 2 || ds.PartitionBy == "" {
		return nil, nil
	}
	files, _ := filepath.Glob(filepath.Join(a.lake().DataDir(ds.Name), "*", "*.parquet"))
	if len(files) == 0 {
		return nil, nil
	}
	db, err := warehouse.Scratch("")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	q := fmt.Sprintf(`WITH l AS (SELECT * FROM read_parquet('%s', union_by_name=true) WHERE department = ? AND %s < ?)
		SELECT DISTINCT enterprise_code, enterprise_name FROM l WHERE %s = (SELECT max(%s) FROM l) ORDER BY 1`,
		strings.ReplaceAll(a.lake().Glob(ds.Name), "'", "''"), ds.PartitionBy, ds.PartitionBy, ds.PartitionBy)
	rows, err := db.QueryContext(ctx, q, dept, p)
	if err != nil {
		return nil, fmt.Errorf("previous entities of %s: %w", ds.Name, err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out = append(out, map[string]string{"enterprise_code": code, "enterprise_name": name})
	}
	return out, rows.Err()
}
