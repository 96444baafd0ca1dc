package cli

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/scorecard"
)

func scorecardCmd(a *app) *cobra.Command {
	var f scorecard.Filter
	var format string
	var uncomputable bool
	cmd := &cobra.Command{
		Use:   "scorecard",
		Short: "Show every indicator's actual, status and 三色 light per target year",
		Long: `scorecard prints the current warehouse's scorecard (mart_scorecard): one row
per catalog indicator and target year with the target as printed, the latest
actual of that year and the month it is as of, progress from the baseline
toward the target beside the progress the planned line expects by then, the
三色 light (green on track, yellow behind, red off track or deadline missed),
the lead department and leader, and how the number is got (its path).

On a terminal the table is coloured by light; --format csv and json carry
every column of mart_scorecard. --uncomputable lists instead the indicators
that have no actual (or whose path is uncomputable) and why.

--plan takes a plan id (zero_waste), a document number (伊政办发〔2023〕31号) or
a unique suffix (31号), as catalog does; --department a department's name or
any alias (旗工信局).`,
		Example: `  waymark scorecard --plan 31号 --year 2024
  waymark scorecard --status red --format csv > red.csv
  waymark scorecard --department 旗住建局 --format json
  waymark scorecard --uncomputable --plan zero_waste`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(cmd, args); err != nil {
				return err
			}
			if f.Light != "" && !slices.Contains(scorecard.Lights, f.Light) {
				return UsageError{fmt.Errorf("--status %q: want red, yellow or green", f.Light)}
			}
			if uncomputable && f.Light != "" {
				return UsageError{fmt.Errorf("--uncomputable lists indicators without an actual: it takes no --status")}
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// As catalog and templates do: an unknown department would
			// print an empty scorecard that reads "it answers for nothing".
			if err := a.checkDepartment(f.Department); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, _, err := a.store().OpenCurrent()
			if err != nil {
				return err
			}
			defer db.Close()
			var q scorecard.Query
			switch {
			case uncomputable:
				q, err = scorecard.Uncomputable(ctx, db, f)
			case format == "table":
				q, err = scorecard.Brief(ctx, db, f)
			default:
				q, err = scorecard.Full(ctx, db, f)
			}
			if errors.Is(err, models.ErrPlan) {
				return UsageError{fmt.Errorf("--plan %w", err)}
			}
			if err != nil {
				return err
			}
			rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			if format != "table" || uncomputable {
				return writeRows(a.out, rows, format)
			}
			return writeLit(a.out, rows, isTerminal(a.out))
		},
	}
	cmd.Flags().StringVarP(&f.Plan, "plan", "p", "", "plan id, document number or its unique suffix (31号)")
	cmd.Flags().StringVarP(&f.Department, "department", "d", "", "responsible department (name or alias)")
	cmd.Flags().IntVarP(&f.Year, "year", "y", 0, "target year")
	cmd.Flags().StringVar(&f.Light, "status", "", "only rows with this light: red, yellow or green")
	cmd.Flags().BoolVar(&uncomputable, "uncomputable", false, "list the indicators without an actual (or uncomputable) and why")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	return cmd
}

// ansi colours of the three lights.
var lightColour = map[string]string{"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m"}

// writeLit prints the scorecard as an aligned table, each row in the
// colour of its light when colour is set (a terminal; never in a pipe).
func writeLit(out io.Writer, rows *sql.Rows, colour bool) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	li := slices.Index(cols, "light")
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !colour || li < 0 {
		return writeData(out, cols, data, "table")
	}
	var buf bytes.Buffer
	if err := writeTable(&buf, cells(cols, data)); err != nil {
		return err
	}
	return colourLines(out, strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), data, li)
}

// colourLines prints a table's lines (a header, then one per row of data),
// each row in the colour its light cell (column li, e.g. "绿 green") names.
func colourLines(out io.Writer, lines []string, data [][]any, li int) error {
	for i, line := range lines {
		if i > 0 && i <= len(data) {
			f := strings.Fields(text(data[i-1][li]))
			if len(f) > 0 && lightColour[f[len(f)-1]] != "" {
				line = lightColour[f[len(f)-1]] + line + "\x1b[0m"
			}
		}
		if _, err := fmt.Fprintln(out, line); err != nil {
			return err
		}
	}
	return nil
}
