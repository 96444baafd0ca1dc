package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/explain"
)

func explainCmd(a *app) *cobra.Command {
	var year int
	var period, format string
	cmd := &cobra.Command{
		Use:   "explain INDICATOR [--year Y] [--period YYYY-MM] [--format text|json]",
		Short: "From an indicator's value back to the files and rows behind it",
		Long: `explain shows where a scorecard value comes from: the target and the
value, how it is computed (the paths seed), the chain of models from the
scorecard down to the lake (found in the SQL), the staging rows that fed
it with their file, sheet and row (or sensor, topic and message), who
submitted each and when, their earlier revisions, and rows of those
periods left in quarantine. It reads the current warehouse version.`,
		Example: `  waymark explain zw-18
  waymark explain zw-18 --year 2023 --period 2023-01
  waymark explain zw-02 --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageError{fmt.Errorf("explain takes one indicator id (waymark catalog indicators lists them)")}
			}
			if format != "text" && format != "json" {
				return UsageError{fmt.Errorf("--format %q: want text or json", format)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ds, err := a.datasets()
			if err != nil {
				return err
			}
			db, _, err := a.store().OpenCurrent()
			if err != nil {
				return err
			}
			defer db.Close()
			loc, err := time.LoadLocation(a.cfg.TimeZone)
			if err != nil {
				return err
			}
			e, err := explain.Explain(cmd.Context(), explain.Options{DB: db, SQL: waymark.SQL(a.cfg.SQLDir), Datasets: ds,
				Indicator: args[0], Year: year, Period: period, Location: loc})
			var bad explain.BadRequestError
			if errors.As(err, &bad) {
				return UsageError{err}
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return e.JSON(a.out)
			}
			return e.Text(a.out)
		},
	}
	cmd.Flags().IntVar(&year, "year", 0, "target year (default: the latest with a value)")
	cmd.Flags().StringVar(&period, "period", "", "the month the value is as of, YYYY-MM (default: the scorecard's)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}
