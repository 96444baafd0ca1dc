package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/internal/demo"
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
			fmt.Fprintf(a.out, "quarantine: %s\nfeedback:   %s (a workbook per department listing what to fix)\n", filepath.Join(a.cfg.LakeDir, "_quarantine"), a.cfg.FeedbackDir)
			return nil
		},
	}
	cmd.Flags().IntVar(&months, "months", 24, "months of submissions to generate, from 2023-01")
	return cmd
}

// printScorecard shows the indicators that have actuals: the proof that
// figures flowed from a spreadsheet to a status.
func (a *app) printScorecard(cmd *cobra.Command) error {
	db, _, err := a.store().OpenCurrent()
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(cmd.Context(), `
		SELECT indicator_id, name_zh, unit, coalesce(baseline_year::VARCHAR, ''), coalesce(baseline_text, ''), year, target_text,
		       coalesce(strftime(as_of_period, '%Y-%m'), '-'),
		       coalesce(printf('%.2f', actual), '-'), coalesce(printf('%+.2f', gap), '-'), status
		FROM mart_scorecard
		WHERE indicator_id IN (SELECT indicator_id FROM int_indicator_actuals)
		ORDER BY plan_id, seq, year`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintln(a.out, "\nscorecard (indicators with reported data):")
	tw := tabwriter.NewWriter(a.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tindicator\tunit\tbaseline\tyear\ttarget\tas of\tactual\tgap\tstatus")
	for rows.Next() {
		var id, name, unit, by, bt, tt, asof, act, gap, st string
		var year int
		if err := rows.Scan(&id, &name, &unit, &by, &bt, &year, &tt, &asof, &act, &gap, &st); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\t%d\t%s\t%s\t%s\t%s\t%s\n", id, name, unit, bt, by, year, tt, asof, act, gap, st)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tw.Flush()
}
