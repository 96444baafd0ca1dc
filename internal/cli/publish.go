package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/publish"
)

func publishCmd(a *app) *cobra.Command {
	var rollback, history bool
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Copy the current warehouse's marts into PostgreSQL for Grafana, swapping them in atomically",
		Long: `publish loads every mart_* table of the current warehouse into a staging
schema of the PostgreSQL named by WAYMARK_PG_DSN, then replaces the serving
schema (postgres.schema, default waymark) with it in one transaction:
dashboards see the old marts or the new ones, never a mix. With
postgres.reader set, that role is granted USAGE on the serving schema and
SELECT on its tables, nothing else (Grafana's login). The version replaced
is kept as <schema>_previous: --rollback swaps it back in (again: forward).
Every publish and rollback is recorded in <schema>_history.publishes and
served as mart_health_publishes; --history prints it.`,
		Example: `  WAYMARK_PG_DSN=postgres://waymark@127.0.0.1:5432/waymark waymark publish
  psql "$WAYMARK_PG_DSN" -c "SELECT * FROM waymark.mart_scorecard LIMIT 5"
  waymark publish --rollback
  waymark publish --history`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.cfg.Postgres.DSN == "" {
				// Nothing failed: the command was called without what it needs.
				return UsageError{publish.ErrNoDSN}
			}
			o := a.publishOptions()
			switch {
			case rollback && history:
				return UsageError{fmt.Errorf("--rollback and --history: choose one")}
			case rollback:
				v, err := publish.Rollback(cmd.Context(), o)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "rolled %s back to the previous version (history version %d)\n", o.Schema, v)
				return nil
			case history:
				lines, err := publish.History(cmd.Context(), o)
				if err != nil {
					return err
				}
				for _, l := range lines {
					fmt.Fprintln(a.out, l)
				}
				return nil
			}
			res, err := a.publish(cmd.Context())
			if err != nil {
				return err
			}
			for _, s := range res.Swept {
				fmt.Fprintf(a.out, "dropped %s, left by a publish that did not finish\n", s)
			}
			for _, t := range slices.Sorted(maps.Keys(res.Tables)) {
				fmt.Fprintf(a.out, "%s.%s: %d rows\n", res.Schema, t, res.Tables[t])
			}
			fmt.Fprintf(a.out, "published as version %d", res.Version)
			if len(res.Unchanged) > 0 {
				fmt.Fprintf(a.out, " (%d of %d tables unchanged: copied within PostgreSQL)", len(res.Unchanged), len(res.Tables))
			}
			fmt.Fprintln(a.out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&rollback, "rollback", false, "serve the previous published version again (recorded in the history)")
	cmd.Flags().BoolVar(&history, "history", false, "print the history of publishes and rollbacks")
	return cmd
}

func (a *app) publishOptions() publish.Options {
	return publish.Options{DSN: a.cfg.Postgres.DSN, Schema: a.cfg.Postgres.Schema, Reader: a.cfg.Postgres.Reader}
}

func (a *app) publish(ctx context.Context) (publish.Result, error) {
	db, _, err := a.store().OpenCurrent()
	if err != nil {
		return publish.Result{}, err
	}
	defer db.Close()
	return publish.Run(ctx, db, a.publishOptions())
}
