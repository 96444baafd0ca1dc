package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/export"
	"github.com/waymark-data/waymark/models"
)

func exportCmd(a *app) *cobra.Command {
	var o export.Options
	cmd := &cobra.Command{
		Use:   "export WHAT --dir FOLDER [--from YYYY-MM] [--to YYYY-MM] [--as-of YYYY-MM-DD]",
		Short: "Export a plan, an indicator, a model or a data set as documented Parquet, optionally as of a past date",
		Long: `export writes a folder: Parquet files (zstd; data sets partitioned
month=YYYY-MM), dictionary.json and README.md (columns, types, units,
definitions and formulas, source documents, the contract of each source
data set), key-value metadata in every Parquet file, and manifest.json with
row counts and SHA-256 checksums.

WHAT is a data set (zw_industrial_solid_waste), a model (mart_scorecard),
an indicator id (zw-18) or a plan (zero_waste, or its document number).
The export is computed from the lake, not from a warehouse version. With
--as-of, rows submitted after the end of that day (in the configured time
zone) are ignored and the supersede rules decide which revision counted
then: a period exported as of a date before its correction shows the
first-reported value. The same lake and as-of date give the same bytes.`,
		Example: `  waymark export zw-18 --dir exports/zw-18
  waymark export zw_industrial_solid_waste --as-of 2023-02-05 --from 2023-01 --to 2023-01 --dir exports/first-report
  waymark export zero_waste --from 2024-01 --to 2024-12 --dir exports/zero_waste_2024
  waymark export mart_scorecard --dir exports/scorecard`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageError{fmt.Errorf("export takes one thing to export: a plan, an indicator id, a model or a data set")}
			}
			if o.Dir == "" {
				return UsageError{fmt.Errorf("--dir FOLDER is required")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ds, err := a.datasets()
			if err != nil {
				return err
			}
			if err := a.needLake(ds); err != nil {
				return err
			}
			o.What, o.Lake, o.Datasets = args[0], a.lake(), ds
			o.Seeds, o.SQL, o.TimeZone, o.Version = waymark.Seeds(a.cfg.SeedsDir), waymark.SQL(a.cfg.SQLDir), a.cfg.TimeZone, Version
			m, err := export.Run(cmd.Context(), o)
			var bad export.BadRequestError
			var badPlan models.BadQueryError
			if errors.As(err, &bad) || errors.As(err, &badPlan) {
				return UsageError{err}
			}
			if err != nil {
				return err
			}
			asOf := "latest"
			if m.Export.AsOf != "" {
				asOf = m.Export.AsOf
			}
			fmt.Fprintf(a.out, "exported %s %s as of %s (build %s) to %s\n", m.Export.Kind, m.Export.Name, asOf, m.Export.BuildID, o.Dir)
			for _, t := range m.Tables {
				fmt.Fprintf(a.out, "  %-28s %8d rows  %d files\n", t.Name, t.Rows, len(t.Files))
			}
			fmt.Fprintf(a.out, "  README.md, dictionary.json, manifest.json\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Dir, "dir", "", "folder to write (new or empty)")
	cmd.Flags().StringVar(&o.From, "from", "", "first period, YYYY-MM or YYYY")
	cmd.Flags().StringVar(&o.To, "to", "", "last period, YYYY-MM or YYYY")
	cmd.Flags().StringVar(&o.AsOf, "as-of", "", "the values as known at the end of this day, YYYY-MM-DD")
	return cmd
}
