package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/models"
)

func testCmd(a *app) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Run every data test against the current warehouse, read-only",
		Long: `test runs the data tests of the SQL project against the current warehouse
version, opened read-only: the tests in the YAML beside each model (not_null,
unique, accepted_values, relationships, range, unique_combination, row_count)
and the singular tests in sql/tests/*.sql. It reports each as pass, warn (a
warn-severity test found rows), fail (an error-severity test found rows) or
error (it could not run), with the rows found and an example, then the counts.
It exits 1 when a blocking (error-severity) test fails: the build would not
publish such a version.`,
		Example: `  waymark test
  waymark test --all --format csv > tests.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(cmd, args); err != nil {
				return err
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := models.LoadProject(waymark.SQL(a.cfg.SQLDir))
			if err != nil {
				return err
			}
			db, path, err := a.store().OpenCurrent()
			if err != nil {
				return err
			}
			defer db.Close()
			results := models.RunTests(ctx, db, p.Tests)
			counts := map[string]int{}
			var data [][]any
			for _, r := range results {
				s := r.Status()
				counts[s]++
				if s == "pass" && !all && format == "table" {
					continue
				}
				var example, problem any
				if r.Rows > 0 {
					example = r.Example
				}
				if r.Err != nil {
					problem = r.Err.Error()
				}
				data = append(data, []any{s, r.Name, r.Severity, "sql/" + r.File, int64(r.Rows), example, problem})
			}
			cols := []string{"status", "test", "severity", "file", "rows", "example", "error"}
			if len(data) > 0 || format != "table" {
				if err := writeData(a.out, cols, data, format); err != nil {
					return err
				}
			}
			if format == "table" {
				fmt.Fprintf(a.out, "%s: %d tests: %d passed, %d warned, %d failed, %d could not run\n",
					path, len(results), counts["pass"], counts["warn"], counts["fail"], counts["error"])
			}
			if n := counts["fail"] + counts["error"]; n > 0 {
				return fmt.Errorf("%d blocking data tests failed", n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "list passing tests too (csv and json always do)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}
