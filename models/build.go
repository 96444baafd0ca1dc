// Package models builds a warehouse version from the lake and the seeds:
// seeds load as text tables, targets are parsed, each data set's lake files
// become a table, the SQL models run layer by layer and the data tests must
// all pass before the version is published.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/targets"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// Options says what to build from and where.
type Options struct {
	Store    *warehouse.Store
	Lake     lake.Lake
	Datasets map[string]*pipelines.Dataset
	Seeds    fs.FS
	SQL      fs.FS
	Log      *slog.Logger
	// Given adds rows to data sets as if they were in the lake: data set
	// name -> CSV text whose header names contract columns (lineage
	// columns may be given too; _checksum, _row and _submitted_at get
	// defaults). Tests use it to run the real models on known inputs.
	Given map[string]string
	// Now is the build's clock (build_context.today, what "overdue" and
	// "deadline passed" are judged against); zero means time.Now().
	Now time.Time
	// Select limits the models run to dbt-style selectors ("m", "+m",
	// "m+"): the others are copied from the previous version. With no
	// previous version everything is built.
	Select []string
	// Full builds everything from the lake even when the previous version
	// could be built on (waymark build --full).
	Full bool
	// Previous is the finished version to compare with and copy from,
	// attached read-only during the build; Run sets it to the current
	// version when there is one.
	Previous string
}

// Result describes a published version.
type Result struct {
	Path     string
	Models   int
	Tests    int
	Duration time.Duration
	// Mode is "full", "incremental" (built on a copy of the previous
	// version) or "select"; Reason says why a build was full when an
	// incremental one was asked for.
	Mode, Reason string
	// Built lists the models run when Select limited the build or the
	// build was incremental; the others were kept from the previous
	// version.
	Built []string
	// Changed lists the data sets an incremental build reloaded.
	Changed []string
	// TestsRun is how many data tests ran; an incremental build carries
	// the previous results of tests that read nothing rebuilt.
	TestsRun int
	// Warnings are the warn-severity tests that found rows.
	Warnings []TestResult
}

// Run builds and publishes a new warehouse version.
func Run(ctx context.Context, o Options) (Result, error) {
	start := time.Now()
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	if o.Previous == "" && o.Store != nil {
		if cur, err := o.Store.Current(); err == nil {
			if _, err := os.Stat(cur); err == nil {
				o.Previous = cur
			}
		}
	}
	var res Result
	if len(o.Select) == 0 && len(o.Given) == 0 {
		if p, r, err := runIncremental(ctx, o, log, start); err != nil || p != "" {
			return r, err
		} else {
			res.Reason = r.Reason
		}
	}
	p, err := o.Store.WithLog(log).Build(ctx, func(ctx context.Context, db *sql.DB) error {
		return Fill(ctx, db, o, &res, log)
	})
	if err != nil {
		return res, err
	}
	res.Path, res.Duration = p, time.Since(start)
	return res, nil
}

// runIncremental builds on the previous version when its recorded inputs
// allow; it returns no path (and the reason in Result.Reason) when a full
// build must be made instead.
//
// The previous version is copied first and planned from the copy: opening
// it a second time read-only cost as much as the plan itself, and the
// fingerprints are taken on the other core while the kernel copies.
func runIncremental(ctx context.Context, o Options, log *slog.Logger, start time.Time) (string, Result, error) {
	var res Result
	if o.Full {
		res.Reason = "--full"
		return "", res, nil
	}
	if o.Previous == "" {
		res.Reason = "no previous version"
		log.Info("build: full", "why", res.Reason)
		return "", res, nil
	}
	type collected struct {
		proj *Project
		in   buildInputs
		err  error
	}
	inputs := make(chan collected, 1)
	go func() {
		proj, err := loadProjectCached(o.SQL)
		if err != nil {
			inputs <- collected{err: err}
			return
		}
		go warmPlan(proj) // beside the fingerprints: the plan waits for those
		in, err := collectInputs(o, proj)
		inputs <- collected{proj, in, err}
	}()
	var why string
	opened := false
	p, err := o.Store.WithLog(log).BuildFrom(ctx, o.Previous, func(ctx context.Context, db *sql.DB) error {
		opened = true
		c := <-inputs
		if c.err != nil {
			return c.err
		}
		log.Debug("build phase", "phase", "inputs", "ms", time.Since(start).Milliseconds())
		pl, reason := planIncremental(ctx, db, o, c.in)
		if pl == nil {
			why = reason
			return errFullBuild
		}
		res.Mode = "incremental"
		return fillIncremental(ctx, db, o, c.proj, c.in, pl, &res, log)
	})
	switch {
	case errors.Is(err, warehouse.ErrBuildRunning):
		return "", res, err
	case !opened && err != nil:
		why = fmt.Sprintf("previous version unreadable: %v", err)
	case errors.Is(err, errFullBuild):
	case err != nil:
		return "", res, err
	}
	if why != "" {
		res = Result{Reason: why}
		log.Info("build: full", "why", why)
		return "", res, nil
	}
	res.Path, res.Duration = p, time.Since(start)
	log.Info("build: incremental", "datasets_changed", len(res.Changed), "models_rebuilt", len(res.Built), "models", res.Models,
		"tests_run", res.TestsRun, "duration", res.Duration)
	return p, res, nil
}

// warmPlan reads the words of every model and test and whether each
// model reads the clock: what the plan and the test schedule ask (~40 ms
// the first time in a process), asked on the other core while DuckDB
// opens the copy and the inputs are fingerprinted (a spare opened ahead
// leaves nothing to wait for but those). The caches are safe to fill
// from both sides.
func warmPlan(p *Project) {
	for _, m := range p.Models {
		sqlWords(m.SQL)
		volatile(m.SQL)
	}
	for _, t := range p.Tests {
		sqlWords(t.SQL)
	}
}

// errFullBuild ends an incremental build whose plan found that the
// previous version cannot be built on; its copy is discarded.
var errFullBuild = errors.New("the previous version cannot be built on")

// Fill populates db; Run wraps it in a versioned build, tests call it on
// an in-memory database.
func Fill(ctx context.Context, db *sql.DB, o Options, res *Result, log *slog.Logger) error {
	t0 := time.Now()
	phase := func(name string) {
		log.Debug("build phase", "phase", name, "ms", time.Since(t0).Milliseconds())
		t0 = time.Now()
	}
	res.Mode = "full"
	if len(o.Select) > 0 {
		res.Mode = "select"
	}
	// What the build reads, fingerprinted before it is read (see
	// collectInputs); given rows are not in the lake, so such a build
	// records nothing to build on.
	var in buildInputs
	if len(o.Given) == 0 && o.Lake.Root != "" {
		proj, err := loadProjectCached(o.SQL)
		if err != nil {
			return err
		}
		if in, err = collectInputs(o, proj); err != nil {
			return err
		}
	}
	phase("inputs")
	if err := LoadReference(ctx, db, o.Seeds); err != nil {
		return err
	}
	phase("seeds")
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The build's clock, in the warehouse's time zone: models judge
	// deadlines against build_context.today, never against now() itself,
	// so a test can pin the date.
	if err := createBuildContext(ctx, db, now); err != nil {
		return err
	}
	if err := loadContracts(ctx, db, o.Datasets); err != nil {
		return err
	}
	phase("contracts")
	if err := loadLake(ctx, db, o.Lake, o.Datasets, o.Given, in); err != nil {
		return err
	}
	phase("lake")
	if err := loadSubmissions(ctx, db, o.Lake, o.Datasets, in); err != nil {
		return err
	}
	phase("submissions")
	attached := false
	if o.Previous != "" {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS previous (READ_ONLY)", sqltext.String(o.Previous))); err != nil {
			if len(o.Select) > 0 {
				return fmt.Errorf("open the current version to copy unselected models from: %w", err)
			}
			log.Warn("previous version not readable: no history or changes this build", "path", o.Previous, "err", err)
		} else {
			attached = true
			defer db.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE IF EXISTS previous")
		}
	}
	histFrom := ""
	if attached {
		histFrom = "previous"
	}
	if err := loadHistory(ctx, db, histFrom); err != nil {
		return err
	}
	if err := runSQLFiles(ctx, db, o.SQL, "macros/*.sql"); err != nil {
		return err
	}
	p, err := loadProjectCached(o.SQL)
	if err != nil {
		return err
	}
	if err := stagedDatasets(p.Models, o.Datasets); err != nil {
		return err
	}
	var selected map[string]bool
	if len(o.Select) > 0 {
		if selected, err = Select(p.Models, o.Select); err != nil {
			return err
		}
		if !attached {
			log.Info("no current version to copy from: building every model", "select", strings.Join(o.Select, " "))
			selected = nil
		}
	}
	phase("history, macros")
	have := map[string]bool{}
	if selected != nil {
		tables, err := db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' AND schema_name = 'main'`)
		if err != nil {
			return err
		}
		for tables.Next() {
			var t string
			tables.Scan(&t)
			have[t] = true
		}
		tables.Close()
	}
	var toRun []Model
	for _, m := range p.Models {
		if selected != nil && !selected[m.Name] {
			if have[m.Name] {
				stmt := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM previous.main.%s", sqltext.Ident(m.Name), sqltext.Ident(m.Name))
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("model sql/%s/%s.sql: copy from the current version: %w", m.Layer, m.Name, err)
				}
				continue
			}
			log.Info("model not in the current version: building it", "name", m.Name)
			selected[m.Name] = true
		}
		toRun = append(toRun, m)
	}
	if err := runModels(ctx, db, p.Models, toRun, log); err != nil {
		return err
	}
	res.Models = len(p.Models)
	if selected != nil {
		res.Built = sortedKeys(selected)
	}
	phase("models")
	if err := writeDocs(ctx, db, p); err != nil {
		return err
	}
	phase("docs")
	results := RunTests(ctx, db, p.Tests)
	res.TestsRun = len(results)
	phase("tests")
	if err := finishTests(ctx, db, results, res, log); err != nil {
		return err
	}
	if err := writeBuildRow(ctx, db, o, len(p.Models), len(results)); err != nil {
		return err
	}
	if in == nil {
		return nil
	}
	if err := in.addContext(ctx, db); err != nil {
		return err
	}
	return in.record(ctx, db, res.Mode)
}

// runModels materialises the models toRun (a subset of all, in build
// order), each once every model it names has been: models that do not
// depend on each other run at the same time on their own connections, one
// per core (DuckDB takes concurrent writers to different tables). The
// first failure in build order is returned, after the running ones end.
func runModels(ctx context.Context, db *sql.DB, all, toRun []Model, log *slog.Logger) error {
	_, _, err := scheduleModels(ctx, all, toRun, func(ctx context.Context, m Model, _ bool) (bool, bool, error) {
		return true, true, runModel(ctx, db, m, log)
	}, nil)
	return err
}

// modelStep runs one model of a schedule, or decides it need not run;
// parentsChanged says whether a model of the schedule that it reads ran
// and changed its table. It reports whether it ran the model and whether
// the model's table changed.
type modelStep func(ctx context.Context, m Model, parentsChanged bool) (ran, changed bool, err error)

// scheduleModels calls step for each model of toRun (a subset of all, in
// build order) once every model of toRun it names has finished, up to one
// per core at a time (see runModels). It returns the models step ran and
// those whose table changed; done, when set, is told of each model as it
// finishes without error (from one goroutine).
func scheduleModels(ctx context.Context, all, toRun []Model, step modelStep, done func(name string, changed bool)) (ran, changed map[string]bool, err error) {
	up := parents(all)
	pending, inRun := map[string]bool{}, map[string]bool{}
	for _, m := range toRun {
		pending[m.Name], inRun[m.Name] = true, true
	}
	finished := map[string]bool{}
	ran, changed = map[string]bool{}, map[string]bool{}
	errs := map[string]error{}
	type result struct {
		name         string
		ran, changed bool
		err          error
	}
	results := make(chan result)
	running, failed := 0, false
	workers := max(1, runtime.GOMAXPROCS(0))
	order := criticalFirst(up, toRun)
	for len(pending) > 0 || running > 0 {
		// Start every ready model, longest chain first, while a worker
		// is free.
		for _, m := range order {
			if failed || running >= workers {
				break
			}
			if !pending[m.Name] {
				continue
			}
			ready, parentsChanged := true, false
			for _, u := range up[m.Name] {
				if inRun[u] && !finished[u] {
					ready = false
					break
				}
				parentsChanged = parentsChanged || changed[u]
			}
			if !ready {
				continue
			}
			delete(pending, m.Name)
			running++
			go func(m Model) {
				r, c, err := step(ctx, m, parentsChanged)
				results <- result{m.Name, r, c, err}
			}(m)
		}
		if running == 0 {
			break // failed, nothing left running
		}
		r := <-results
		running--
		finished[r.name] = true
		if r.ran {
			ran[r.name] = true
		}
		if r.changed {
			changed[r.name] = true
		}
		if r.err != nil {
			errs[r.name] = r.err
			failed = true
		} else if done != nil {
			done(r.name, r.changed)
		}
	}
	for _, m := range toRun {
		if errs[m.Name] != nil {
			return ran, changed, errs[m.Name]
		}
	}
	return ran, changed, nil
}

// criticalFirst orders toRun (in build order; up maps each model to those
// it reads) for scheduleModels: a model
// with a longer chain of models of toRun after it first (build order among
// equals). With one worker per core, starting the ready model that heads
// the longest chain keeps the chain, which bounds the build, moving: in
// build order a model that ends nothing (an incremental build's models
// that come out unchanged) took the core while the scorecard chain waited.
func criticalFirst(up map[string][]string, toRun []Model) []Model {
	in := map[string]bool{}
	for _, m := range toRun {
		in[m.Name] = true
	}
	chain := map[string]int{} // models of toRun on the longest path from m, m included
	for i := len(toRun) - 1; i >= 0; i-- {
		m := toRun[i]
		chain[m.Name] = max(chain[m.Name], 1)
		for _, u := range up[m.Name] {
			if in[u] {
				chain[u] = max(chain[u], chain[m.Name]+1)
			}
		}
	}
	order := slices.Clone(toRun)
	slices.SortStableFunc(order, func(a, b Model) int { return chain[b.Name] - chain[a.Name] })
	return order
}

// runModel materialises one model as its table.
func runModel(ctx context.Context, db *sql.DB, m Model, log *slog.Logger) error {
	t0 := time.Now()
	stmt := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS\n%s", sqltext.Ident(m.Name), strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("model sql/%s/%s.sql: %w", m.Layer, m.Name, err)
	}
	log.Debug("model", "name", m.Name, "ms", time.Since(t0).Milliseconds())
	return nil
}

// finishTests reports warnings, keeps the results in the version
// (waymark_test_results, which an incremental build carries forward) and
// fails on a blocking one.
func finishTests(ctx context.Context, db *sql.DB, results []TestResult, res *Result, log *slog.Logger) error {
	return finishTestsKeeping(ctx, db, results, nil, res, log)
}

// finishTestsKeeping is finishTests for a build that carried the results
// of some tests from the previous version: those rows of
// waymark_test_results are kept, the others rewritten.
func finishTestsKeeping(ctx context.Context, db *sql.DB, results []TestResult, carried map[string]bool, res *Result, log *slog.Logger) error {
	res.Tests = len(results)
	for _, r := range results {
		if r.Status() == "warn" {
			res.Warnings = append(res.Warnings, r)
			log.Warn("data test", "result", r.String())
		}
	}
	if err := failures(results); err != nil {
		return err
	}
	if carried == nil {
		if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE waymark_test_results (key VARCHAR, file VARCHAR, name VARCHAR, model VARCHAR,
			severity VARCHAR, status VARCHAR, rows BIGINT, example VARCHAR)`); err != nil {
			return fmt.Errorf("record test results: %w", err)
		}
	} else {
		if _, err := db.ExecContext(ctx, `DELETE FROM waymark_test_results WHERE NOT list_contains(?::VARCHAR[], key)`, sortedKeys(carried)); err != nil {
			return fmt.Errorf("record test results: %w", err)
		}
	}
	// One list parameter per column, not eight per test: binding each
	// value cost more than the insert.
	var keys, files, names, models, severities, statuses, examples []string
	var rows []int64
	for _, r := range results {
		k := testKey(r.DataTest)
		if carried[k] {
			continue
		}
		keys, files, names, models = append(keys, k), append(files, r.File), append(names, r.Name), append(models, r.Model)
		severities, statuses, rows, examples = append(severities, r.Severity), append(statuses, r.Status()), append(rows, int64(r.Rows)), append(examples, r.Example)
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO waymark_test_results SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
		unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])`,
		keys, files, names, models, severities, statuses, rows, examples); err != nil {
		return fmt.Errorf("record test results: %w", err)
	}
	return nil
}

// testKey names a test across builds: where it is written and its query.
func testKey(t DataTest) string { return fingerprint([]byte(t.File), []byte(t.Name), []byte(t.SQL)) }

// writeBuildRow records the build in waymark_build.
func writeBuildRow(ctx context.Context, db *sql.DB, o Options, models, tests int) error {
	_, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE waymark_build AS SELECT (SELECT built_at FROM build_context) AS built_at, ? AS lake_root, ? AS models, ? AS tests`,
		o.Lake.Root, models, tests)
	return err
}

// LoadReference loads the seeds and parses their targets: everything the
// catalog needs, without the lake or the models.
func LoadReference(ctx context.Context, db *sql.DB, seeds fs.FS) error {
	if err := loadSeeds(ctx, db, seeds); err != nil {
		return err
	}
	return loadTargets(ctx, db)
}

// seedGroups are seed files kept one per plan that load into one table:
// indicators_<plan>.csv into seed_indicators, paths_<plan>.csv (how each
// indicator's number is computed) into seed_indicator_paths.
var seedGroups = map[string]string{
	"indicators_": "seed_indicators",
	"paths_":      "seed_indicator_paths",
}

// seedGroupColumns are the headers of grouped seeds that may have no file
// yet (a plan without its paths_<plan>.csv): the table still exists, empty
// and all text, so models can read it before every plan has written one.
var seedGroupColumns = map[string][]string{
	"seed_indicator_paths": {"indicator_id", "path", "datasets", "formula", "grain", "year_aggregation", "model", "notes"},
}

// seedTable maps a seed file to its table: grouped files share one table,
// everything else gets seed_<file>.
func seedTable(file string) string {
	base := strings.TrimSuffix(path.Base(file), ".csv")
	for prefix, table := range seedGroups {
		if strings.HasPrefix(base, prefix) && len(base) > len(prefix) {
			return table
		}
	}
	return "seed_" + base
}

// loadSeeds loads every CSV as all-text columns: the seeds keep figures as
// printed ("≥90", "—"), and staging models do the typing.
func loadSeeds(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "*.csv")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no seed files found")
	}
	tmp, err := os.MkdirTemp("", "waymark-seeds-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	groups := map[string][]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("read seed %s: %w", f, err)
		}
		p := filepath.Join(tmp, f)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		t := seedTable(f)
		groups[t] = append(groups[t], p)
	}
	names := make([]string, 0, len(groups))
	for t := range groups {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range slices.Sorted(maps.Keys(seedGroupColumns)) {
		if groups[t] != nil {
			continue
		}
		defs := make([]string, len(seedGroupColumns[t]))
		for i, c := range seedGroupColumns[t] {
			defs[i] = sqltext.Ident(c) + " VARCHAR"
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", t, strings.Join(defs, ", "))); err != nil {
			return err
		}
	}
	for _, t := range names {
		list := make([]string, len(groups[t]))
		for i, p := range groups[t] {
			list[i] = sqltext.String(p)
		}
		q := fmt.Sprintf(`CREATE TABLE %s AS SELECT * FROM read_csv([%s], header=true, all_varchar=true, delim=',', quote='"', escape='"', union_by_name=true, strict_mode=true)`,
			t, strings.Join(list, ", "))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("load seeds %s: %w", strings.Join(groups[t], ", "), err)
		}
	}
	return nil
}

var reTargetCol = regexp.MustCompile(`^target_(\d{4})$`)

// loadTargets parses every baseline and target_YYYY cell of
// seed_indicators into the typed targets table.
func loadTargets(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE targets (
		indicator_id VARCHAR, kind VARCHAR, year INTEGER, text VARCHAR,
		comparator VARCHAR, value DOUBLE, value_date DATE)`); err != nil {
		return err
	}
	cols, err := columnsOf(ctx, db, "seed_indicators")
	if err != nil {
		return err
	}
	var years []string
	for _, c := range cols {
		if m := reTargetCol.FindStringSubmatch(c); m != nil {
			years = append(years, m[1])
		}
	}
	sel := "indicator_id, coalesce(direction, 'none'), baseline_year, baseline"
	for _, y := range years {
		sel += ", target_" + y
	}
	rows, err := db.QueryContext(ctx, "SELECT "+sel+" FROM seed_indicators")
	if err != nil {
		return err
	}
	type rec struct {
		id, kind, text, cmp string
		year                any
		val                 *float64
		date                any
	}
	var out []rec
	for rows.Next() {
		vals := make([]sql.NullString, 4+len(years))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return err
		}
		id, dir := vals[0].String, targets.Direction(vals[1].String)
		if vals[3].Valid {
			// A baseline is a figure, not a goal: read it without a direction.
			t := targets.Parse(vals[3].String, targets.Neutral)
			var year any
			if vals[2].Valid {
				year = vals[2].String
			}
			out = append(out, rec{id: id, kind: "baseline", year: year, text: t.Text, cmp: string(t.Comparator), val: t.Value})
		}
		for i, y := range years {
			v := vals[4+i]
			if !v.Valid {
				continue
			}
			t := targets.Parse(v.String, dir)
			var date any
			if t.Date != "" {
				date = t.Date
			}
			out = append(out, rec{id: id, kind: "target", year: y, text: t.Text, cmp: string(t.Comparator), val: t.Value, date: date})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO targets VALUES (?, ?, CAST(? AS INTEGER), ?, ?, ?, CAST(? AS DATE))`)
	if err != nil {
		tx.Rollback()
		return err
	}
	for _, r := range out {
		var val any
		if r.val != nil {
			val = *r.val
		}
		if _, err := stmt.ExecContext(ctx, r.id, r.kind, r.year, r.text, r.cmp, val, r.date); err != nil {
			tx.Rollback()
			return fmt.Errorf("target %s %v: %w", r.id, r.year, err)
		}
	}
	stmt.Close()
	return tx.Commit()
}

func columnsOf(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// loadLake copies each data set's lake files into lake_<name>. An empty
// data set still gets its table, typed from the contract, so models never
// depend on what has arrived so far.
//
// With recorded inputs (in), exactly the inputs recorded are loaded (see
// manifestsOf); without, what lake.Committed lists.
func loadLake(ctx context.Context, db *sql.DB, l lake.Lake, datasets map[string]*pipelines.Dataset, given map[string]string, in buildInputs) error {
	var quarantined []string
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		ms, err := manifestsOf(l, n, in)
		if err != nil {
			return err
		}
		files := l.Of(n, ms)
		quarantined = append(quarantined, files.Quarantine...)
		if err := LoadLakeTable(ctx, db, "lake_"+n, files.Data, datasets[n].LakeColumns(), sqltext.InputsFilter(files)); err != nil {
			return err
		}
		if csv, ok := given[n]; ok {
			if err := insertGiven(ctx, db, "lake_"+n, csv); err != nil {
				return fmt.Errorf("given rows of %s: %w", n, err)
			}
		}
	}
	if err := lakeTable(ctx, db, "lake_quarantine", quarantined, pipelines.QuarantineColumns); err != nil {
		return err
	}
	runs, err := runsOf(l, in)
	if err != nil {
		return err
	}
	return lakeTable(ctx, db, "lake_runs", runs, pipelines.RunColumns)
}

func lakeTable(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column) error {
	return LoadLakeTable(ctx, db, table, files, cols, "")
}

// LoadLakeTable creates table with the lake columns cols (a contract's,
// the quarantine's, the run ledger's) and loads the rows of files that
// where keeps (SQL over those columns; empty keeps all). Files written
// under an older contract load with NULLs for the columns they lack. A
// file DuckDB cannot read is set aside and listed in lake_unreadable
// (table, file, reason), the rest load: the build goes on without it, and
// a caller that must not (an export) looks there.
func LoadLakeTable(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column, where string) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = sqltext.Ident(c.Name) + " " + c.Type.SQL()
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", table, strings.Join(defs, ", "))); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	return appendLake(ctx, db, table, files, cols, where)
}

// appendLake loads the rows of files that where keeps (empty: all) into an
// existing lake table (see loadReadable).
func appendLake(ctx context.Context, db *sql.DB, table string, files []string, cols []lake.Column, where string) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqltext.Ident(c.Name)
	}
	if where != "" {
		where = " WHERE " + where
	}
	load := func(files []string) error {
		// Columns are named explicitly so files written under an older
		// contract (fewer columns) still load: union_by_name fills NULLs.
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM read_parquet(%s, union_by_name=true, hive_partitioning=false)%s",
			table, strings.Join(names, ", "), strings.Join(names, ", "), sqltext.List(files), where)
		_, err := db.ExecContext(ctx, q)
		return err
	}
	if err := loadReadable(ctx, db, table, files, cols, load); err != nil {
		return fmt.Errorf("load %s from %d files: %w", table, len(files), err)
	}
	return nil
}

// insertGiven appends CSV rows to a lake table; columns the CSV does not
// name are NULL except the lineage that staging needs to rank revisions.
func insertGiven(ctx context.Context, db *sql.DB, table, csv string) error {
	f, err := os.CreateTemp("", "waymark-given-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(csv); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	src := fmt.Sprintf("read_csv(%s, header=true, auto_detect=true)", sqltext.String(f.Name()))
	given, err := db.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+src+")")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for given.Next() {
		var c string
		if err := given.Scan(&c); err != nil {
			given.Close()
			return err
		}
		have[c] = true
	}
	given.Close()
	defaults := map[string]string{
		"_checksum":     "'given'",
		"_row":          "CAST(row_number() OVER () AS BIGINT)",
		"_submitted_at": "TIMESTAMPTZ '2000-01-01 00:00:00+00'",
		"_ingested_at":  "TIMESTAMPTZ '2000-01-01 00:00:00+00'",
	}
	cols, err := columnsOf(ctx, db, table)
	if err != nil {
		return err
	}
	var names, exprs []string
	for _, c := range cols {
		switch {
		case have[c]:
			names, exprs = append(names, sqltext.Ident(c)), append(exprs, sqltext.Ident(c))
		case defaults[c] != "":
			names, exprs = append(names, sqltext.Ident(c)), append(exprs, defaults[c])
		}
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s",
		table, strings.Join(names, ", "), strings.Join(exprs, ", "), src))
	return err
}

// stagedDatasets checks that every lake data set has its staging model,
// sql/staging/stg_<dataset>.sql: the supersede rule a reader of sql/ sees
// is the one the build applies.
func stagedDatasets(models []Model, datasets map[string]*pipelines.Dataset) error {
	have := map[string]bool{}
	for _, m := range models {
		if m.Layer == "staging" {
			have[m.Name] = true
		}
	}
	var missing []string
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		if !have["stg_"+n] {
			missing = append(missing, "sql/staging/stg_"+n+".sql")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("data sets without a staging model (write one with supersede_by_key or supersede_by_submission, see sql/macros/supersede.sql): %s", strings.Join(missing, ", "))
	}
	return nil
}

// createBuildContext records the build's clock: models judge deadlines
// against build_context.today, never against now() itself, so a test or an
// as-of export can pin the date.
func createBuildContext(ctx context.Context, db *sql.DB, now time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE build_context AS
		SELECT CAST(? AS TIMESTAMPTZ) AS built_at, CAST(CAST(? AS TIMESTAMPTZ) AS DATE) AS today,
		       current_setting('TimeZone') AS time_zone`, now.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	return nil
}
