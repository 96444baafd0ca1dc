package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func sqlCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "sql [query]",
		Short: "Run a read-only SQL query on the latest finished warehouse version",
		Long: `sql runs one DuckDB query against the current warehouse version, opened
read-only, so it never blocks or sees a build in progress. Without an
argument the query is read from standard input.`,
		Example: `  waymark sql "SELECT indicator_id, name_zh, year, target_text, actual, status FROM mart_scorecard WHERE actual IS NOT NULL"
  echo "SELECT count(*) FROM seed_hazard_sites" | waymark sql --format csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return UsageError{fmt.Errorf("sql takes one query; quote it")}
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			q := ""
			if len(args) == 1 {
				q = args[0]
			} else {
				b, err := io.ReadAll(os.Stdin)
				if err != nil {
					return err
				}
				q = string(b)
			}
			if strings.TrimSpace(q) == "" {
				return UsageError{fmt.Errorf("no query given")}
			}
			db, _, err := a.store().OpenCurrent()
			if err != nil {
				return err
			}
			defer db.Close()
			rows, err := db.QueryContext(cmd.Context(), q)
			if err != nil {
				return err
			}
			defer rows.Close()
			return writeRows(a.out, rows, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}
