package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/analyst"
	"github.com/waymark-data/waymark/models"
)

func sqlCmd(a *app) *cobra.Command {
	var format, file, out string
	cmd := &cobra.Command{
		Use:   "sql [query]",
		Short: "Query the latest finished warehouse version (read-only): one-shot or an interactive prompt",
		Long: `sql runs DuckDB SQL against the current warehouse version, opened
read-only and hardened (no file or network access), so it never blocks or
sees a build in progress.

With no query and a terminal it starts a prompt: line editing, history kept
in ~/.waymark_history (or $XDG_STATE_HOME/waymark/history), statements
ended by ";" over several lines, Tab completion of tables and columns, \d
to list tables and models, \d NAME for columns with types, units and
descriptions, \timing, \x for wide rows, and a pager ($PAGER, else
less -FRX) for long results. Between statements it moves to the newest
version a build has finished.

Otherwise the statements come from the argument, -f FILE or standard input;
--out writes the (last) result to a .parquet, .csv or .xlsx file.`,
		Example: `  waymark sql
  waymark sql "SELECT indicator_id, name_zh, year, target_text, actual, status FROM mart_scorecard WHERE actual IS NOT NULL"
  waymark sql -f report.sql --format csv
  waymark sql "SELECT * FROM mart_indicator_monthly" --out monthly.parquet
  echo "SELECT count(*) FROM seed_hazard_sites" | waymark sql --format csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return UsageError{fmt.Errorf("sql takes one query; quote it")}
			}
			if len(args) == 1 && file != "" {
				return UsageError{fmt.Errorf("give a query or -f FILE, not both")}
			}
			// The extension says the format: checked before any query runs.
			if out != "" && !slices.Contains(analyst.OutFormats, strings.ToLower(filepath.Ext(out))) {
				return UsageError{fmt.Errorf("--out %s: want a file ending in %s", out, strings.Join(analyst.OutFormats, ", "))}
			}
			return checkFormat(format)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			interactive := len(args) == 0 && file == "" && analyst.IsTerminal(os.Stdin) && analyst.IsTerminal(os.Stdout)
			if interactive && out != "" {
				return UsageError{fmt.Errorf("--out needs a query (argument, -f FILE or standard input)")}
			}
			s, err := analyst.Open(a.store(), a.out)
			if err != nil {
				return err
			}
			defer s.Close()
			if interactive {
				s.Pager = analyst.DefaultPager()
				if g, err := models.Lineage(waymark.SQL(a.cfg.SQLDir), nil); err == nil {
					s.Docs = map[string]string{}
					for _, n := range g.Nodes {
						s.Docs[n.Name] = n.Doc
					}
				}
				return s.Prompt(cmd.Context())
			}
			text := ""
			switch {
			case len(args) == 1:
				text = args[0]
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return UsageError{err}
				}
				text = string(b)
			default:
				b, err := io.ReadAll(os.Stdin)
				if err != nil {
					return err
				}
				text = string(b)
			}
			stmts, rest := analyst.Split(text)
			if r := strings.TrimSpace(rest); r != "" && !strings.HasPrefix(r, "--") {
				stmts = append(stmts, r) // the last statement needs no ";"
			}
			if len(stmts) == 0 {
				return UsageError{fmt.Errorf("no query given")}
			}
			for i, q := range stmts {
				last := i == len(stmts)-1
				if last && out != "" {
					n, err := s.WriteResult(cmd.Context(), q, out)
					if err != nil {
						return err
					}
					a.log.Info("wrote query result", "file", out, "rows", n)
					return nil
				}
				rows, err := s.DB().QueryContext(cmd.Context(), q)
				if err != nil {
					if len(stmts) > 1 {
						return fmt.Errorf("statement %d: %w", i+1, err)
					}
					return err
				}
				if err := writeRows(a.out, rows, format); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	cmd.Flags().StringVarP(&file, "file", "f", "", "read the statements from `FILE`")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the result to `FILE` (.parquet, .csv or .xlsx) instead of printing it")
	return cmd
}
