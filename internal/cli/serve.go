package cli

import (
	"context"
	"fmt"
	"github.com/waymark-data/waymark"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/pipelines"
)

func serveCmd(a *app) *cobra.Command {
	var buildEvery, lockWait, publishTimeout time.Duration
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the ingest jobs on their schedules, rebuilding the warehouse after new data",
		Long: `serve runs every job on its cron schedule (in the configured time zone; a
job's schedule can be overridden in waymark.yaml under schedules:), never two
runs of the same job at once; jobs feeding the same data set wait for each
other (up to --lock-wait). MQTT jobs run instead as continuous
subscriptions that commit a micro-batch every batch_size messages or
batch_wait. When new rows arrive the warehouse is rebuilt, the dashboards
regenerated and, when WAYMARK_PG_DSN is set, the marts published to
PostgreSQL, at most once per --build-every; a failed build is retried at
the next tick, and publishing never holds up a rebuild (each publish is
limited to --publish-timeout).

SIGTERM or Ctrl-C stops it gracefully: no new run starts, and a file being
ingested is rolled back (nothing of it reaches the lake, and it stays in the
inbox for the next run), then serve exits 0.`,
		Example: `  waymark serve
  waymark serve --build-every 5m --log-format json --listen :9464
  curl -s localhost:9464/metrics | grep waymark_ingest_rows_total`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// --build-every feeds a ticker, which panics on a non-positive
			// interval, and a publish given no time always fails.
			if err := positiveDurations(cmd, "build-every", "publish-timeout"); err != nil {
				return err
			}
			a.lockWait = lockWait
			a.spare = true
			return a.serve(cmd.Context(), buildEvery, publishTimeout, listen)
		},
	}
	cmd.Flags().DurationVar(&buildEvery, "build-every", time.Minute, "at most one warehouse rebuild per this interval")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:9464", "address for /metrics (Prometheus), /healthz, the department portal (/portal/) and the docs (/docs/); empty to disable")
	cmd.Flags().DurationVar(&lockWait, "lock-wait", pipelines.DefaultLockWait, "how long a job waits for another ingest of the same data set")
	cmd.Flags().DurationVar(&publishTimeout, "publish-timeout", 5*time.Minute, "the longest one publish to PostgreSQL may take")
	return cmd
}

func (a *app) serve(ctx context.Context, buildEvery, publishTimeout time.Duration, listen string) error {
	ds, refs, err := a.contracts()
	if err != nil {
		return err
	}
	jobs, err := pipelines.LoadJobs(waymark.Pipelines(a.cfg.PipelinesDir), ds)
	if err != nil {
		return err
	}
	metrics := newServeMetrics()
	var publish func(context.Context) error
	if a.cfg.Postgres.DSN != "" {
		publish = func(ctx context.Context) error {
			t0 := time.Now()
			pub, err := a.publish(ctx)
			metrics.publish(time.Since(t0), err)
			if err == nil {
				a.log.Info("published", "schema", pub.Schema, "tables", len(pub.Tables), "unchanged", len(pub.Unchanged), "ms", time.Since(t0).Milliseconds())
			}
			return err
		}
	}
	loop := newBuildLoop(func(ctx context.Context) error {
		t0 := time.Now()
		res, err := a.build(ctx)
		metrics.build(time.Since(t0), err)
		if err != nil {
			return err
		}
		a.log.Info("warehouse built", "path", res.Path, "models", res.Models, "tests", res.Tests)
		if _, err := a.dashboards(ctx); err != nil {
			a.log.Error("dashboards failed", "err", err)
		}
		return nil
	}, publish, publishTimeout, a.log)
	var running sync.WaitGroup
	running.Add(1)
	go func() {
		defer running.Done()
		loop.publisher(ctx)
	}()
	// kick asks for a build as soon as data arrived, rather than at the
	// next tick, when the last build is at least --build-every old: a file
	// dropped into a quiet inbox reaches the dashboards in seconds.
	kick := make(chan struct{}, 1)
	ran := func(r pipelines.RunResult) {
		metrics.run(r)
		if r.RowsAccepted > 0 || r.ItemsNew > 0 {
			loop.markDirty()
			select {
			case kick <- struct{}{}:
			default:
			}
		}
	}
	// The portal's uploads are runs like the scheduled ones: counted, and
	// a rebuild follows when they brought data.
	if metrics.web, err = a.webHandler(ran); err != nil {
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
	scheduled, streams := 0, 0
	var monitored []string
	for _, j := range jobs {
		if missing := j.Missing(a.jobVars(j)); len(missing) > 0 {
			a.log.Info("job not scheduled: source not configured", "job", j.Name, "needs", missing)
			continue
		}
		r := a.runner(ds, refs)
		r.Vars = a.jobVars(j)
		if r.Streams(j) {
			// A continuous subscription instead of a pull on a schedule.
			streams++
			monitored = append(monitored, j.Name)
			running.Add(1)
			go func() {
				defer running.Done()
				// A stream's progress is closed as a run (a ledger row, the
				// metrics, a rebuild when it brought data) once per build
				// interval: new readings wait for no more than one rebuild.
				a.stream(ctx, r, j, max(buildEvery, time.Second), ran)
			}()
			continue
		}
		spec := j.Schedule
		if s, ok := a.cfg.Schedules[j.Name]; ok {
			spec = s
		}
		if spec == "" {
			continue
		}
		name := j.Name
		runJob := func() {
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
				ran(r)
			}
		}
		// A drop folder is also watched: a dropped file starts its job
		// when it settles, not at the next tick of the schedule (the run
		// waits on the data set's lock if the scheduled one is busy).
		if dir := j.Expand(r.Vars)["path"]; j.Connector == "dropfolder" && dir != "" {
			if watchInbox(ctx, a.log, dir, runJob) {
				a.log.Info("watching inbox", "job", name, "path", dir)
			}
		}
		_, err := c.AddFunc(spec, runJob)
		if err != nil {
			return fmt.Errorf("job %s: schedule %q: %w", j.Name, spec, err)
		}
		scheduled++
		monitored = append(monitored, j.Name)
	}
	a.log.Info("serving", "jobs", scheduled, "streams", streams, "build_every", buildEvery.String())
	// Each job's last success as the run ledger knows it, for the monitor:
	// read beside the first runs (a ledger of a year of runs takes a moment).
	go func() {
		last, err := pipelines.LastSuccess(ctx, a.lake())
		if err != nil {
			a.log.Warn("metrics: the run ledger could not be read; each job's last success appears after its next run", "err", err)
		}
		metrics.seedLastSuccess(last, monitored)
	}()
	c.Start()
	tick := time.NewTicker(buildEvery)
	defer tick.Stop()
	var lastBuild time.Time
	for {
		select {
		case <-ctx.Done():
			a.log.Info("stopping: waiting for running jobs")
			stop := c.Stop()
			<-stop.Done()
			running.Wait()
			a.log.Info("stopped")
			return nil
		case <-kick:
			if time.Since(lastBuild) >= buildEvery {
				lastBuild = time.Now()
				loop.tick(ctx)
				tick.Reset(buildEvery)
			}
		case <-tick.C:
			lastBuild = time.Now()
			loop.tick(ctx)
		}
	}
}

// stream keeps a streaming job running until ctx ends: when its source
// fails (the broker is down) the failure is recorded as a run and the
// stream starts again after a pause that grows up to five minutes.
func (a *app) stream(ctx context.Context, r *pipelines.Runner, j pipelines.Job, window time.Duration, ran func(pipelines.RunResult)) {
	pause := time.Second
	for ctx.Err() == nil {
		t0 := time.Now()
		err := r.RunStream(ctx, j, window, ran)
		if ctx.Err() != nil {
			return
		}
		if time.Since(t0) > 5*time.Minute {
			pause = time.Second // it ran for a while: start over quickly
		}
		a.log.Error("stream stopped; restarting", "job", j.Name, "err", err, "in", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Minute)
	}
}

// positiveDurations refuses a non-positive value of the named duration
// flags as misuse (exit 2), naming the flag and the value given.
func positiveDurations(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		f := cmd.Flags().Lookup(n)
		if d, err := cmd.Flags().GetDuration(n); err != nil || d <= 0 {
			return UsageError{fmt.Errorf("--%s %s: want a positive duration (e.g. --%s %s)", n, f.Value, n, f.DefValue)}
		}
	}
	return nil
}
