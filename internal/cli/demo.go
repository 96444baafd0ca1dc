package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/demo"
)

func demoCmd(a *app) *cobra.Command {
	var months int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate demo submissions, then ingest, build and generate dashboards",
		Long: `demo writes realistic monthly .xlsx submissions of the banner's industry
bureau (with a corrected re-submission and deliberately bad files) into the
inbox, then runs every ingest job, builds the warehouse, generates the
Grafana dashboards and prints the scorecard. Running it again adds nothing:
the same files are recognised by checksum.`,
		Example: `  waymark demo
  WAYMARK_DATA_DIR=/tmp/wm waymark demo --months 12`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if months < 1 || months > 120 {
				return UsageError{fmt.Errorf("--months %d: want 1 to 120", months)}
			}
			ctx := cmd.Context()
			loc := a.cfg.Location()
			first := time.Date(2023, 1, 1, 0, 0, 0, 0, loc)
			last := first.AddDate(0, months-1, 0)
			inbox := filepath.Join(a.cfg.InboxDir, "zw_industrial_solid_waste")
			files, err := demo.Generate(inbox, first, last, loc)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "demo input: %d monthly submissions, %d correction, %d bad files in %s\n",
				len(files.Good), len(files.Corrections), len(files.Bad), inbox)
			ds, refs, err := a.contracts()
			if err != nil {
				return err
			}
			sum, err := demo.All(demo.Input{Datasets: ds, Refs: refs, Inbox: a.cfg.InboxDir, First: first, Last: last, Loc: loc})
			if err != nil {
				return err
			}
			for _, n := range slices.Sorted(maps.Keys(sum)) {
				fmt.Fprintf(a.out, "demo input: %5d files for %s\n", sum[n], n)
			}
			results, err := a.ingest(ctx, nil)
			if err != nil {
				return err
			}
			for _, r := range results {
				if r.Status == "skipped" {
					fmt.Fprintf(a.out, "ingest %s: skipped (%s)\n", r.Job, r.Error)
					continue
				}
				fmt.Fprintf(a.out, "ingest %s: %d new files, %d already in the lake, %d rejected whole; %d rows accepted, %d rejected\n",
					r.Job, r.ItemsNew, r.ItemsDuplicate, r.ItemsRejected, r.RowsAccepted, r.RowsRejected)
			}
			res, err := a.build(ctx)
			if err != nil {
				return err
			}
			dash, err := a.dashboards(ctx)
			if err != nil {
				return err
			}
			if err := a.printScorecard(cmd); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "\nlake:       %s\nwarehouse:  %s (%d models, %d data tests passed)\ndashboards: %s (%d files)\n",
				a.cfg.LakeDir, filepath.Join(a.cfg.WarehouseDir, "current.duckdb"), res.Models, res.Tests, a.cfg.DashboardsDir, len(dash))
			fmt.Fprintf(a.out, "quarantine: %s\nfeedback:   %s (a workbook per department listing what to fix)\n", a.lake().QuarantineDir(), a.cfg.FeedbackDir)
			return nil
		},
	}
	cmd.Flags().IntVar(&months, "months", 24, "months of submissions to generate, from 2023-01")
	return cmd
}

// printScorecard shows, briefly, that figures flowed from spreadsheets to
// statuses: the count of indicators met per plan and year, and in full the
// indicators computed from source records.
func (a *app) printScorecard(cmd *cobra.Command) error {
	db, _, err := a.store().OpenCurrent()
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := demo.Scorecard(cmd.Context(), db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		fmt.Fprintf(a.out, "\n%s\n", t.Title)
		if err := writeData(a.out, t.Columns, t.Rows, "table"); err != nil {
			return err
		}
	}
	return nil
}
