package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/models"
)

// withSelect gives the build command --select: dbt's selection, so a
// changed model is rebuilt without rebuilding everything. The other
// models' tables are copied from the current version (everything is built
// when there is none); every data test still runs.
func withSelect(a *app, build *cobra.Command) *cobra.Command {
	var sel []string
	full := build.RunE
	build.Long = `build rebuilds the DuckDB warehouse from the lake and the seeds into a new
version, runs every data test (the YAML beside each model and sql/tests), and
switches current.duckdb to it atomically; a failing error-severity test keeps
the previous version current, a failing warn-severity test is reported.

When a current version exists and records what it was built from (per data
set the committed inputs, each model's SQL, the macros, seeds, contracts, the
day, the binary), the build is incremental: it starts from a copy of the
current version, reloads only the data sets whose inputs changed and runs
only the models downstream of what changed (and their data tests); the
result is the same as a full build's. --full builds everything; a build
that cannot be incremental is full and says why.

--select limits the models run, dbt-style: "model" the model alone, "+model"
with every model it reads from, "model+" with every model that reads it,
"+model+" both (several: repeat the flag or separate with commas). The other
models' tables are copied from the current version.`
	build.Example += `
  waymark build --full
  waymark build --select mart_scorecard
  waymark build --select +mart_trajectory --select int_grain_rollup+`
	build.RunE = func(cmd *cobra.Command, args []string) error {
		if len(sel) == 0 {
			return full(cmd, args)
		}
		// A selector naming no model is how build was called: said before
		// a build starts, with the model probably meant.
		p, err := models.LoadProject(waymark.SQL(a.cfg.SQLDir))
		if err != nil {
			return err
		}
		if _, err := models.Select(p.Models, sel); err != nil {
			return UsageError{err}
		}
		ds, err := a.datasets()
		if err != nil {
			return err
		}
		res, err := models.Run(cmd.Context(), models.Options{
			Store: a.store(), Lake: a.lake(), Datasets: ds,
			Seeds: waymark.Seeds(a.cfg.SeedsDir), SQL: waymark.SQL(a.cfg.SQLDir), Log: a.log, Select: sel,
		})
		if err != nil {
			if strings.Contains(err.Error(), "--select") {
				return UsageError{err}
			}
			return err
		}
		built := "every model (no current version to copy from)"
		if res.Built != nil {
			built = fmt.Sprintf("%d of %d models built (%s), the rest copied from the previous version", len(res.Built), res.Models, strings.Join(res.Built, ", "))
		}
		fmt.Fprintf(a.out, "warehouse %s: %s; %d data tests passed, %d warned (%s)\n",
			res.Path, built, res.Tests-len(res.Warnings), len(res.Warnings), res.Duration.Round(time.Millisecond))
		return nil
	}
	build.Flags().StringSliceVarP(&sel, "select", "s", nil, "models to build: model, +model (with ancestors), model+ (with descendants)")
	return build
}
