package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/pipelines"
)

func statusCmd(a *app) *cobra.Command {
	var period, format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show last runs, freshness per data set, and late or missing submissions",
		Long: `status reads the lake directly (no build needed) and shows:
  - the last run of every job, with what it read, accepted and rejected;
  - per data set, the newest period with data and when data last arrived;
  - per department, the monthly submissions of the reporting period: on
    time, late, missing (overdue) or not yet due. The reporting period is
    last month (reports are due by the data set's due day of this month).`,
		Example: `  waymark status
  waymark status --period 2024-05 --format csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(cmd, args); err != nil {
				return err
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			loc := a.cfg.Location()
			now := time.Now().In(loc)
			p := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
			if period != "" {
				t, err := time.Parse("2006-01", period)
				if err != nil {
					return UsageError{fmt.Errorf("--period %q: want YYYY-MM", period)}
				}
				p = t
			}
			return a.status(cmd.Context(), p, now, format)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "reporting period YYYY-MM (default: last month)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}

func (a *app) status(ctx context.Context, period, now time.Time, format string) error {
	ds, refs, err := a.contracts()
	if err != nil {
		return err
	}
	tables, err := pipelines.Status(ctx, pipelines.StatusInput{
		Lake: a.lake(), Datasets: ds, Refs: refs, TimeZone: a.cfg.TimeZone, Period: period, Now: now,
	})
	if err != nil {
		return err
	}
	if format == "table" && (len(tables) == 0 || tables[0].Title != "last run of each job") {
		fmt.Fprintln(a.out, "no ingest has run yet: try `waymark ingest`")
	}
	for _, t := range tables {
		if format == "table" {
			fmt.Fprintf(a.out, "\n%s\n", t.Title)
		}
		if err := writeData(a.out, t.Columns, t.Rows, format); err != nil {
			return err
		}
	}
	return nil
}
