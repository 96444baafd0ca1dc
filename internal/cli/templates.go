package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

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
			if err := a.checkDepartment(dept); err != nil {
				return err
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
					prev, err := pipelines.PreviousEntities(cmd.Context(), a.lake(), ds, refs.Canonical(d), p)
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
