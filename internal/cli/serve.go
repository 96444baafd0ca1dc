package cli

import (
	"context"
	"fmt"
	"github.com/waymark-data/waymark"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/pipelines"
)

func serveCmd(a *app) *cobra.Command {
	var buildEvery time.Duration
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the ingest jobs on their schedules, rebuilding the warehouse after new data",
		Long: `serve runs every job on its cron schedule (in the configured time zone; a
job's schedule can be overridden in waymark.yaml under schedules:), never two
runs of the same job at once. When a run brings new rows the warehouse is
rebuilt, the dashboards regenerated and, when WAYMARK_PG_DSN is set, the
marts published to PostgreSQL, at most once per --build-every.

SIGTERM or Ctrl-C stops it gracefully: no new run starts, and a file being
ingested is rolled back (nothing of it reaches the lake, and it stays in the
inbox for the next run), then serve exits 0.`,
		Example: `  waymark serve
  waymark serve --build-every 5m --log-format json --listen :9464
  curl -s localhost:9464/metrics | grep waymark_ingest_rows_total`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.serve(cmd.Context(), buildEvery, listen)
		},
	}
	cmd.Flags().DurationVar(&buildEvery, "build-every", time.Minute, "at most one warehouse rebuild per this interval")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:9464", "address for /metrics (Prometheus), /healthz, the department portal (/portal/) and the docs (/docs/); empty to disable")
	return cmd
}

func (a *app) serve(ctx context.Context, buildEvery time.Duration, listen string) error {
	ds, err := a.datasets()
	if err != nil {
		return err
	}
	jobs, err := pipelines.LoadJobs(waymark.Pipelines(a.cfg.PipelinesDir), ds)
	if err != nil {
		return err
	}
	metrics := newServeMetrics()
	var dirty atomic.Bool
	if metrics.web, err = a.webHandler(func(r pipelines.RunResult) { metrics.run(r); dirty.Store(true) }); err != nil {
		return err
	}
	if listen != "" {
		addr, err := metrics.listen(ctx, listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %w", listen, err)
		}
		a.log.Info("metrics", "url", "http://"+addr+"/metrics")
	}
	c := cron.New(cron.WithLocation(a.cfg.Location()), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	var running sync.WaitGroup
	scheduled := 0
	for _, j := range jobs {
		spec := j.Schedule
		if s, ok := a.cfg.Schedules[j.Name]; ok {
			spec = s
		}
		if spec == "" {
			continue
		}
		if missing := j.Missing(a.jobVars(j)); len(missing) > 0 {
			a.log.Info("job not scheduled: source not configured", "job", j.Name, "needs", missing)
			continue
		}
		name := j.Name
		_, err := c.AddFunc(spec, func() {
			if ctx.Err() != nil {
				return
			}
			running.Add(1)
			defer running.Done()
			res, err := a.ingest(ctx, []string{name})
			if err != nil {
				a.log.Error("job failed", "job", name, "err", err)
			}
			for _, r := range res {
				metrics.run(r)
				if r.RowsAccepted > 0 || r.ItemsNew > 0 {
					dirty.Store(true)
				}
			}
		})
		if err != nil {
			return fmt.Errorf("job %s: schedule %q: %w", j.Name, spec, err)
		}
		scheduled++
	}
	a.log.Info("serving", "jobs", scheduled, "build_every", buildEvery.String())
	c.Start()
	tick := time.NewTicker(buildEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.log.Info("stopping: waiting for running jobs")
			stop := c.Stop()
			<-stop.Done()
			running.Wait()
			a.log.Info("stopped")
			return nil
		case <-tick.C:
			if !dirty.Swap(false) {
				continue
			}
			t0 := time.Now()
			res, err := a.build(ctx)
			metrics.build(time.Since(t0), err)
			if err != nil {
				a.log.Error("build failed; the previous warehouse stays current", "err", err)
				continue
			}
			a.log.Info("warehouse built", "path", res.Path, "models", res.Models, "tests", res.Tests)
			if _, err := a.dashboards(ctx); err != nil {
				a.log.Error("dashboards failed", "err", err)
			}
			if a.cfg.Postgres.DSN != "" {
				if pub, err := a.publish(ctx); err != nil {
					a.log.Error("publish to PostgreSQL failed; dashboards keep the previous marts", "err", err)
				} else {
					a.log.Info("published", "schema", pub.Schema, "tables", len(pub.Tables))
				}
			}
		}
	}
}
