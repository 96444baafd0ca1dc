package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/textdist"
	"github.com/waymark-data/waymark/models"
)

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
				if !slices.Contains(models.CatalogListings, args[0]) {
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
			if err := a.checkDepartment(dept); err != nil {
				return err
			}
			t, err := models.Catalog(cmd.Context(), waymark.Seeds(a.cfg.SeedsDir), a.cfg.TimeZone,
				models.CatalogQuery{What: what, Plan: plan, Department: dept, Brief: format == "table"})
			var bad models.BadQueryError
			if errors.As(err, &bad) || errors.Is(err, models.ErrPlan) {
				return UsageError{err}
			}
			if err != nil {
				return err
			}
			return writeData(a.out, t.Columns, t.Rows, format)
		},
	}
	cmd.Flags().StringVarP(&plan, "plan", "p", "", "plan id or document number")
	cmd.Flags().StringVarP(&dept, "department", "d", "", "responsible department (name or alias)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}

// checkDepartment refuses a --department no reference data knows: an empty
// listing would look like "this department answers for nothing".
func (a *app) checkDepartment(dept string) error {
	if dept == "" {
		return nil
	}
	_, refs, err := a.contracts()
	if err != nil {
		return err
	}
	if _, ok := refs.Department(dept); !ok {
		hint := ""
		if near := textdist.Nearest(strings.TrimSpace(dept), refs.DepartmentNames()); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return UsageError{fmt.Errorf("--department %q: no such department in the reference data%s; seeds/departments.csv lists every department and its other names", dept, hint)}
	}
	return nil
}
