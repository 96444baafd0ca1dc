package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/waymark-data/waymark"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/dashboards"
	"github.com/waymark-data/waymark/internal/config"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// ingest runs the named jobs (all when names is empty).
func (a *app) ingest(ctx context.Context, names []string) ([]pipelines.RunResult, error) {
	ds, refs, err := a.contracts()
	if err != nil {
		return nil, err
	}
	jobs, err := pipelines.LoadJobs(waymark.Pipelines(a.cfg.PipelinesDir), ds)
	if err != nil {
		return nil, err
	}
	var chosen []pipelines.Job
	for _, n := range names {
		i := slices.IndexFunc(jobs, func(j pipelines.Job) bool { return j.Name == n })
		if i < 0 {
			known := make([]string, len(jobs))
			for k, j := range jobs {
				known[k] = j.Name
			}
			return nil, UsageError{fmt.Errorf("unknown job %q (jobs: %s)", n, strings.Join(known, ", "))}
		}
		chosen = append(chosen, jobs[i])
	}
	if len(names) == 0 {
		chosen = jobs
	}
	r := a.runner(ds, refs)
	if isTerminal(a.out) {
		r.Progress = progressLine(a.out)
	}
	// A job that fails does not stop the jobs after it: each is a separate
	// source, and each run is in the ledger with its status.
	var out []pipelines.RunResult
	var errs []error
	for _, j := range chosen {
		r.Vars = a.jobVars(j)
		if missing := j.Missing(r.Vars); len(missing) > 0 {
			res, err := r.Skip(j, "needs sources."+strings.Join(missing, ", sources.")+": set it in waymark.yaml or as WAYMARK_SOURCE_"+strings.ToUpper(missing[0]))
			out = append(out, res)
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		res, err := r.RunJob(ctx, j)
		out = append(out, res)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

// runner is the ingest runner the configuration describes.
func (a *app) runner(ds map[string]*pipelines.Dataset, refs pipelines.Refs) *pipelines.Runner {
	return &pipelines.Runner{
		Lake: a.lake(), Datasets: ds, Refs: refs, Loc: a.cfg.Location(), Log: a.log, FeedbackDir: a.cfg.FeedbackDir, Secret: config.Secret,
		Limits:   connectors.Limits{MaxBytes: a.cfg.Limits.MaxFileBytes, MaxUnzippedBytes: a.cfg.Limits.MaxUnzippedBytes, MaxRows: a.cfg.Limits.MaxRows},
		LockWait: a.lockWait,
	}
}

// jobVars are the placeholders a job's settings may use: the configured
// sources, {inbox}, {data} and {job}.
func (a *app) jobVars(j pipelines.Job) map[string]string {
	vars := map[string]string{
		"inbox": a.cfg.InboxDir, "data": a.cfg.DataDir, "job": j.Name,
	}
	for k, v := range a.cfg.Sources {
		vars[k] = v
	}
	return vars
}

// build builds a new warehouse version: incrementally on the current one
// when its recorded inputs allow (models.Run decides and says why not).
func (a *app) build(ctx context.Context) (models.Result, error) {
	return a.buildWith(ctx, false)
}

// buildWith is build, in full when full is set.
func (a *app) buildWith(ctx context.Context, full bool) (models.Result, error) {
	ds, err := a.datasets()
	if err != nil {
		return models.Result{}, err
	}
	store := a.store()
	if a.spare {
		store = store.WithSpare()
	}
	return models.Run(ctx, models.Options{
		Store: store, Lake: a.lake(), Datasets: ds,
		Seeds: waymark.Seeds(a.cfg.SeedsDir), SQL: waymark.SQL(a.cfg.SQLDir), Log: a.log, Full: full,
	})
}

// buildSummary is what waymark build prints: what kind of build it was,
// what it did and how long it took.
func buildSummary(res models.Result) string {
	d := res.Duration.Round(10 * time.Millisecond)
	passed := fmt.Sprintf("%d data tests passed", res.Tests-len(res.Warnings))
	if len(res.Warnings) > 0 {
		passed += fmt.Sprintf(", %d warned", len(res.Warnings))
	}
	if res.Mode == "incremental" {
		sets := "data sets"
		if len(res.Changed) == 1 {
			sets = "data set"
		}
		changed := fmt.Sprintf("%d %s changed", len(res.Changed), sets)
		if len(res.Changed) > 0 {
			changed += " (" + strings.Join(res.Changed, ", ") + ")"
		}
		return fmt.Sprintf("incremental: %s, %d of %d models rebuilt, %d of %d data tests run, %s; %s\nwarehouse %s",
			changed, len(res.Built), res.Models, res.TestsRun, res.Tests, d, passed, res.Path)
	}
	why := ""
	if res.Reason != "" {
		why = " (" + res.Reason + ")"
	}
	return fmt.Sprintf("full%s: %d models, %s, %s\nwarehouse %s", why, res.Models, passed, d, res.Path)
}

func (a *app) dashboards(ctx context.Context) ([]string, error) {
	return a.dashboardsTo(ctx, "")
}

// dashboardsTo generates the dashboards with the provider path given
// (empty: WAYMARK_GRAFANA_PROVIDER_PATH, else the generated folder).
func (a *app) dashboardsTo(ctx context.Context, providerPath string) ([]string, error) {
	if providerPath == "" {
		providerPath = a.cfg.Grafana.ProviderPath
	}
	db, _, err := a.store().OpenCurrent()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cat, err := dashboards.LoadCatalog(ctx, db)
	if err != nil {
		return nil, err
	}
	return dashboards.Generate(a.cfg.DashboardsDir, cat, dashboards.Options{Schema: a.cfg.Postgres.Schema, ProviderPath: providerPath})
}

func ingestCmd(a *app) *cobra.Command {
	var lockWait time.Duration
	cmd := &cobra.Command{
		Use:   "ingest [job...]",
		Short: "Run ingest jobs now (all jobs when none is named)",
		Long: `ingest runs the named jobs now, one after the other (all jobs when none is
named). A job whose data set another ingest is writing waits for it, up to
--lock-wait. A job that fails does not stop the others; the exit code is 1
when any failed. For every file rejected whole the reason is printed, with
the feedback workbook that tells the department what to fix.`,
		Example: `  waymark ingest
  waymark ingest zw_industrial_solid_waste_inbox`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.lockWait = lockWait
			results, err := a.ingest(cmd.Context(), args)
			for _, r := range results {
				printRun(a.out, r)
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&lockWait, "lock-wait", pipelines.DefaultLockWait, "how long a job waits for another ingest of the same data set")
	return cmd
}

// printRun prints one run: its counts, and for each file rejected whole
// its reason and where the department's feedback is.
func printRun(w io.Writer, r pipelines.RunResult) {
	if r.Status == "skipped" {
		fmt.Fprintf(w, "%-40s skipped: %s\n", r.Job, r.Error)
		return
	}
	fmt.Fprintf(w, "%-40s %-8s items %d new, %d duplicate, %d rejected; rows %d accepted, %d rejected (%s)\n",
		r.Job, r.Status, r.ItemsNew, r.ItemsDuplicate, r.ItemsRejected, r.RowsAccepted, r.RowsRejected,
		max(r.FinishedAt.Sub(r.StartedAt), 0).Round(time.Millisecond))
	for _, it := range r.Rejected {
		fmt.Fprintf(w, "  rejected whole: %s: %s\n", it.Name, strings.TrimPrefix(it.Reason, it.Name+": "))
	}
	if len(r.Rejected) > 0 || r.RowsRejected > 0 {
		for _, f := range r.Feedback {
			fmt.Fprintf(w, "  feedback for the department: %s\n", f)
		}
	}
	if r.Status == "failed" && r.Error != "" {
		fmt.Fprintf(w, "  failed: %s\n", r.Error)
	}
}

func buildCmd(a *app) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Rebuild the DuckDB warehouse from the lake and seeds, and publish it atomically",
		Example: `  waymark build
  duckdb -readonly data/warehouse/current.duckdb "SELECT * FROM mart_scorecard LIMIT 5"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := a.buildWith(cmd.Context(), full)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, buildSummary(res))
			return nil
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "build everything from the lake even when the current version could be built on")
	return cmd
}

func dashboardsCmd(a *app) *cobra.Command {
	var providerPath string
	cmd := &cobra.Command{
		Use:   "dashboards",
		Short: "Generate Grafana dashboards and provisioning files from the current warehouse",
		Long: `dashboards writes the leaders' Grafana dashboards (overview, one per plan,
indicator detail, one per department, hazard monitoring, data health) and
Grafana's provisioning files into dashboards_dir: files 0644, folders 0755.
The provider file names the dashboards folder as Grafana sees it:
--provider-path (or WAYMARK_GRAFANA_PROVIDER_PATH) when Grafana runs
elsewhere or in a container, else this machine's absolute path.`,
		Example: `  waymark dashboards && ls data/dashboards/dashboards
  waymark dashboards --provider-path /var/lib/grafana/dashboards/waymark
  GRAFANA_URL=http://127.0.0.1:3000 GRAFANA_TOKEN=glsa_... waymark dashboards push`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := a.dashboardsTo(cmd.Context(), providerPath)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(a.out, f)
			}
			return nil
		},
	}
	cmd.PersistentFlags().StringVar(&providerPath, "provider-path", "", "the dashboards folder as Grafana sees it, written into the provider file (default the generated folder; env WAYMARK_GRAFANA_PROVIDER_PATH)")
	var folder string
	push := &cobra.Command{
		Use:   "push",
		Short: "Generate the dashboards and upload them to a running Grafana over its HTTP API",
		Long: `push generates the dashboards, then uploads each to the Grafana at
GRAFANA_URL with the service-account token GRAFANA_TOKEN (Authorization:
Bearer): it creates the folder when missing (POST /api/folders) and posts
every dashboard to POST /api/dashboards/db with overwrite. A dashboard
Grafana refuses is named with Grafana's message; the others still go.`,
		Example: `  GRAFANA_URL=http://127.0.0.1:3000 GRAFANA_TOKEN=glsa_... waymark dashboards push --folder waymark`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			url, token := a.cfg.Grafana.URL, a.cfg.Grafana.Token
			if url == "" || token == "" {
				return UsageError{errors.New("set GRAFANA_URL (e.g. http://127.0.0.1:3000) and GRAFANA_TOKEN (a service-account token with the Editor role)")}
			}
			files, err := a.dashboardsTo(cmd.Context(), providerPath)
			if err != nil {
				return err
			}
			res, err := dashboards.Push(cmd.Context(), dashboards.PushOptions{URL: url, Token: token, FolderUID: folder, FolderTitle: "Waymark"}, files)
			for _, r := range res {
				fmt.Fprintf(a.out, "pushed %s: %s\n", r.UID, r.URL)
			}
			return err
		},
	}
	push.Flags().StringVar(&folder, "folder", "waymark", "uid of the Grafana folder the dashboards go into (created when missing)")
	cmd.AddCommand(push)
	return cmd
}

// isTerminal reports whether w is a terminal: progress lines are for
// people; pipes and log collectors get the structured log only.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one line: job, files done, rows read, rate.
func progressLine(w io.Writer) func(pipelines.Progress) {
	var start time.Time
	job := ""
	last := time.Time{}
	return func(p pipelines.Progress) {
		now := time.Now()
		if p.Job != job {
			job, start = p.Job, now
		}
		if !p.Done && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		rate := float64(p.Rows) / max(now.Sub(start).Seconds(), 0.001)
		line := fmt.Sprintf("\r\x1b[K%-34s %6d files %12d rows %10.0f rows/s  %s", p.Job, p.Items, p.Rows, rate, clip(p.Item))
		if p.Done {
			line = "\r\x1b[K"
		}
		io.WriteString(w, line)
	}
}
