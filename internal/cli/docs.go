package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/config"
	"github.com/waymark-data/waymark/pipelines"
	"github.com/waymark-data/waymark/web"
)

// webOptions wires the web face to this deployment's content, lake,
// warehouse, limits and portal tokens.
func (a *app) webOptions(onRun func(pipelines.RunResult)) (web.Options, error) {
	ds, refs, err := a.contracts()
	if err != nil {
		return web.Options{}, err
	}
	tokens, err := config.PortalTokens()
	if err != nil {
		// A token set wrong is how waymark was configured, as a wrong
		// waymark.yaml is: exit 2.
		return web.Options{}, UsageError{err}
	}
	return web.Options{
		Lake: a.lake(), Store: a.store(), Datasets: ds, Refs: refs,
		Seeds: waymark.Seeds(a.cfg.SeedsDir), SQL: waymark.SQL(a.cfg.SQLDir),
		Location: a.cfg.Location(), TimeZone: a.cfg.TimeZone,
		Limits:      connectors.Limits{MaxBytes: a.cfg.Limits.MaxFileBytes, MaxUnzippedBytes: a.cfg.Limits.MaxUnzippedBytes, MaxRows: a.cfg.Limits.MaxRows},
		FeedbackDir: a.cfg.FeedbackDir, StagingDir: filepath.Join(a.cfg.DataDir, "portal", "staging"),
		Tokens: tokens, GrafanaURL: a.cfg.Sources["grafana_url"],
		OnRun: onRun, Log: a.log,
	}, nil
}

// webHandler is the portal and docs that `waymark serve` mounts beside
// /metrics; onRun is told of every upload's ingest run.
func (a *app) webHandler(onRun func(pipelines.RunResult)) (*web.Server, error) {
	o, err := a.webOptions(onRun)
	if err != nil {
		return nil, err
	}
	return web.New(o)
}

func docsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "docs DIR",
		Short: "Write the catalog and docs site (plans, indicators, data sets, models, lineage) as static files",
		Long: `docs writes the site that "waymark serve" shows under /docs/ as plain files
into DIR: plans; indicators with their definition, formula, unit, owner,
baseline, targets, current value and light (from the current warehouse when
one is built), source text and lineage; data sets with their contract, due
rule, reporters and freshness; models with SQL, description, columns, tests
and lineage graphs; dashboards (linked into Grafana when sources.grafana_url
is set); and a search box. Every link is relative and nothing is fetched
from the network: open DIR/index.html from the file system. It needs a
built warehouse (waymark build, or waymark demo).`,
		Example: `  waymark docs site && xdg-open site/index.html
  waymark docs /srv/www/waymark`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.ExactArgs(1)(cmd, args); err != nil {
				return UsageError{err}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// serve's /docs/ shows the catalog before the first build; a
			// site written to files is a deliverable and needs the values.
			if err := a.needWarehouse(); err != nil {
				return err
			}
			o, err := a.webOptions(nil)
			if err != nil {
				return err
			}
			n, err := web.WriteSite(cmd.Context(), o, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%d files written to %s (open %s)\n", n, args[0], filepath.Join(args[0], "index.html"))
			return nil
		},
	}
}
