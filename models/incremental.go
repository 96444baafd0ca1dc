package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/pipelines"
)

// An incremental build starts from a copy of the previous finished version
// and changes only what its inputs say must change. Every version records
// what it was built from in waymark_build_inputs (key, fingerprint):
//
//	format, binary, duckdb, lake_root   anything else here → full build
//	seeds, contracts, macros             a change → full build
//	time_zone                            a change → full build
//	mode                                 full | incremental | select (a
//	                                     --select build copied unselected
//	                                     models unchecked → next is full)
//	today                                build_context.today
//	docs                                 the YAML beside the models and sql/tests
//	model:<name>                         the model's SQL text
//	dataset:<name>                       the data set's committed manifests
//	manifest:<name>/<checksum>           one manifest's size and mtime
//	runs, run:<file>                     the run ledger's files
//
// A build loads exactly the manifests and run files it records. A data
// set whose inputs were only added to gets the new inputs' rows appended
// (its lake table, lake_inputs, lake_submissions, lake_quarantine); one
// whose inputs changed or went is reloaded whole (lake_quarantine with it);
// the models that read a changed table, whose SQL changed, that read the
// clock (build_context.built_at, now()) or the previous history, or that
// read build_context when the day changed, are run again; a model
// downstream of them runs when a model it reads came out with other rows
// (runModelCompared), and only the data tests that read a table that
// changed run, beside the models. A full build of the same inputs gives
// the same tables and test results (tested).
const buildFormat = "2"

// buildInputs maps an input key to its fingerprint.
type buildInputs map[string]string

func fingerprint(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fsFingerprint hashes the names and bytes of every file matching the
// patterns.
func fsFingerprint(fsys fs.FS, patterns ...string) (string, error) {
	var files []string
	for _, p := range patterns {
		m, err := fs.Glob(fsys, p)
		if err != nil {
			return "", err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	var parts [][]byte
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		parts = append(parts, []byte(f), b)
	}
	return fingerprint(parts...), nil
}

// projectCache keeps the last project a build parsed, under the bytes of
// every file of its SQL tree: a process that builds again (serve after
// each run, the benchmark) parses the YAML beside the models (~45 ms of
// an incremental build's CPU) only when a file changed. Builds only read
// the project.
var projectCache struct {
	sync.Mutex
	key string
	p   *Project
}

// loadProjectCached is LoadProject for a build, through projectCache.
func loadProjectCached(fsys fs.FS) (*Project, error) {
	var parts [][]byte
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		parts = append(parts, []byte(p), b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the SQL tree: %w", err)
	}
	key := fingerprint(parts...)
	projectCache.Lock()
	defer projectCache.Unlock()
	if projectCache.key == key {
		return projectCache.p, nil
	}
	p, err := LoadProject(fsys)
	if err != nil {
		return nil, err
	}
	projectCache.key, projectCache.p = key, p
	return p, nil
}

// collectInputs fingerprints what a build reads, before it reads it: a
// manifest committed meanwhile is then loaded but not recorded, and the
// next build loads its data set again (never the other way round).
func collectInputs(o Options, p *Project) (buildInputs, error) {
	in := buildInputs{"format": buildFormat, "lake_root": o.Lake.Root}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			// The Go code (target parsing, lake loading) shapes the tables
			// too: a new binary builds in full.
			in["binary"] = fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	var err error
	if in["seeds"], err = fsFingerprint(o.Seeds, "*.csv"); err != nil {
		return nil, fmt.Errorf("fingerprint the seeds: %w", err)
	}
	if in["macros"], err = fsFingerprint(o.SQL, "macros/*.sql"); err != nil {
		return nil, fmt.Errorf("fingerprint the macros: %w", err)
	}
	if in["docs"], err = fsFingerprint(o.SQL, "*/*.yaml", "*/*.yml", "tests/*.sql"); err != nil {
		return nil, fmt.Errorf("fingerprint the model docs and tests: %w", err)
	}
	contracts, err := json.Marshal(o.Datasets)
	if err != nil {
		return nil, fmt.Errorf("fingerprint the contracts: %w", err)
	}
	in["contracts"] = fingerprint(contracts)
	for _, m := range p.Models {
		in["model:"+m.Name] = fingerprint([]byte(m.Layer), []byte(m.SQL))
	}
	for _, n := range slices.Sorted(maps.Keys(o.Datasets)) {
		// A data set is its manifests (lake.Committed lists the files
		// through them): each is written whole and renamed into place, so
		// its name, size and modification time say whether it is new or
		// was written again, without reading a thousand JSON files.
		dir := filepath.Dir(o.Lake.ManifestPath(n, "x"))
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("fingerprint data set %s: %w", n, err)
		}
		var b strings.Builder
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			st, err := e.Info()
			if err != nil {
				return nil, fmt.Errorf("fingerprint data set %s: %w", n, err)
			}
			stamp := fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
			fmt.Fprintf(&b, "%s %s\n", e.Name(), stamp)
			in["manifest:"+n+"/"+strings.TrimSuffix(e.Name(), ".json")] = stamp
		}
		in["dataset:"+n] = fingerprint([]byte(b.String()))
	}
	runs, err := o.Lake.RunFiles()
	if err != nil {
		return nil, fmt.Errorf("fingerprint the run ledger: %w", err)
	}
	in["runs"] = fingerprint([]byte(strings.Join(runs, "\n")))
	for _, r := range runs {
		in["run:"+r] = "" // written whole, never again
	}
	return in, nil
}

// addContext adds what only the database knows: the build's day and time
// zone (from build_context) and DuckDB's version.
func (in buildInputs) addContext(ctx context.Context, db *sql.DB) error {
	var today, tz, version string
	if err := db.QueryRowContext(ctx, `SELECT CAST(today AS VARCHAR), time_zone, (SELECT library_version FROM pragma_version()) FROM build_context`).
		Scan(&today, &tz, &version); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	in["today"], in["time_zone"], in["duckdb"] = today, tz, version
	return nil
}

// record writes the inputs into the version.
func (in buildInputs) record(ctx context.Context, db *sql.DB, mode string) error {
	in["mode"] = mode
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE waymark_build_inputs (key VARCHAR, fingerprint VARCHAR)`); err != nil {
		return fmt.Errorf("record build inputs: %w", err)
	}
	// Two list parameters, not two thousand: binding one parameter per
	// value cost 40 ms on the demo lake's manifests.
	keys := slices.Sorted(maps.Keys(in))
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = in[k]
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO waymark_build_inputs SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])`, keys, vals); err != nil {
		return fmt.Errorf("record build inputs: %w", err)
	}
	return nil
}

func readInputs(ctx context.Context, db *sql.DB) (buildInputs, error) {
	rows, err := db.QueryContext(ctx, `SELECT key, fingerprint FROM waymark_build_inputs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	in := buildInputs{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		in[k] = v
	}
	return in, rows.Err()
}

// mustMatch are the inputs whose change makes a full build.
var mustMatch = []string{"format", "binary", "duckdb", "lake_root", "time_zone", "seeds", "contracts", "macros"}

// plan is what an incremental build must redo.
type plan struct {
	prev     buildInputs
	datasets []string // data sets whose committed inputs changed
	runs     bool     // the run ledger changed
}

// manifestsOf lists data set n's finished inputs: those in recorded
// inputs when there are some (a build loads exactly what it records: an
// input committed after collectInputs is left to the next build, never
// loaded unrecorded and appended a second time), else the lake's.
func manifestsOf(l lake.Lake, n string, in buildInputs) ([]*lake.Manifest, error) {
	if in == nil {
		return l.Manifests(n)
	}
	prefix := "manifest:" + n + "/"
	var out []*lake.Manifest
	for _, k := range slices.Sorted(maps.Keys(in)) {
		sum, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		m, err := l.ReadManifest(n, sum)
		if err != nil {
			return nil, err
		}
		if m != nil { // gone since: recorded, not loaded, reloaded next time
			out = append(out, m)
		}
	}
	return out, nil
}

// runsOf lists the run ledger's files, as recorded when in has them.
func runsOf(l lake.Lake, in buildInputs) ([]string, error) {
	if in == nil {
		return l.RunFiles()
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if r, ok := strings.CutPrefix(k, "run:"); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// added lists the entries under prefix (names after it) that the current
// inputs have and the previous ones had not; ok is false when an entry
// changed or went, so that appending the new ones is not enough.
func (pl *plan) added(in buildInputs, prefix string) (names []string, ok bool) {
	for k, v := range pl.prev {
		if strings.HasPrefix(k, prefix) {
			if cur, has := in[k]; !has || cur != v {
				return nil, false
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if strings.HasPrefix(k, prefix) {
			if _, had := pl.prev[k]; !had {
				names = append(names, strings.TrimPrefix(k, prefix))
			}
		}
	}
	return names, true
}

// planIncremental decides whether the previous version, whose copy db
// is, can be built on; reason says why not when it cannot.
func planIncremental(ctx context.Context, db *sql.DB, o Options, in buildInputs) (*plan, string) {
	prev, err := readInputs(ctx, db)
	if err != nil {
		return nil, "the previous version does not record its inputs (built before incremental builds)"
	}
	// The day and DuckDB's version as this build will see them.
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	var today, tz, version string
	if err := db.QueryRowContext(ctx, `SELECT CAST(CAST(CAST(? AS TIMESTAMPTZ) AS DATE) AS VARCHAR), current_setting('TimeZone'), (SELECT library_version FROM pragma_version())`,
		now.UTC().Format(time.RFC3339Nano)).Scan(&today, &tz, &version); err != nil {
		return nil, fmt.Sprintf("previous version unreadable: %v", err)
	}
	cur := maps.Clone(in)
	cur["today"], cur["time_zone"], cur["duckdb"] = today, tz, version
	if prev["mode"] == "select" {
		return nil, "the previous version was a --select build"
	}
	for _, k := range mustMatch {
		if prev[k] != cur[k] {
			what := k
			switch k {
			case "binary":
				what = "the waymark binary"
			case "duckdb":
				what = "DuckDB's version"
			case "format":
				what = "the build format"
			}
			return nil, what + " changed"
		}
	}
	pl := &plan{prev: prev, runs: prev["runs"] != in["runs"]}
	for _, n := range slices.Sorted(maps.Keys(o.Datasets)) {
		if prev["dataset:"+n] != in["dataset:"+n] {
			pl.datasets = append(pl.datasets, n)
		}
	}
	return pl, ""
}

var (
	// reVolatile finds SQL that reads the wall clock or chance: such a
	// model gives another answer at every build.
	reVolatile = regexp.MustCompile(`(?i)\b(now|current_timestamp|current_time|get_current_time|get_current_timestamp|random|gen_random_uuid|uuid)\s*\(|\bcurrent_(date|timestamp|time)\b`)
)

// volatileSQL caches volatile's answers: a build asks for every model,
// and the regular expressions over all the SQL cost more than the plan.
var volatileSQL sync.Map // SQL text -> bool

// volatile reports whether SQL (comments aside) reads the wall clock or
// chance.
func volatile(text string) bool {
	if v, ok := volatileSQL.Load(text); ok {
		return v.(bool)
	}
	v := reVolatile.MatchString(reComment.ReplaceAllString(text, ""))
	volatileSQL.Store(text, v)
	return v
}

// rerunModels lists the models an incremental build may have to run:
// those it must run (forcedModels) and every model downstream of them,
// which runs when a model it reads changed its table.
func rerunModels(p *Project, forced map[string]bool) map[string]bool {
	up := parents(p.Models)
	run := maps.Clone(forced)
	for _, m := range p.Models { // build order: parents come first
		for _, u := range up[m.Name] {
			if run[u] {
				run[m.Name] = true
			}
		}
	}
	return run
}

// forcedModels lists the models an incremental build must run whatever
// the models they read give: those whose SQL changed or that are new,
// those reading a changed source table, and those reading the clock or
// the previous history.
func forcedModels(p *Project, prev, in buildInputs, dirty []string) map[string]bool {
	run := map[string]bool{}
	for _, m := range p.Models {
		k := "model:" + m.Name
		switch {
		case prev[k] != in[k]:
			run[m.Name] = true
		case mentions(m, "previous_scorecard_history"):
			run[m.Name] = true // the history moves on at every build
		case mentions(m, "build_context") && mentions(m, "built_at"):
			run[m.Name] = true // the build's instant
		case volatile(m.SQL):
			run[m.Name] = true
		}
		for _, d := range dirty {
			if !run[m.Name] && mentions(m, d) {
				run[m.Name] = true
			}
		}
	}
	return run
}

// compareRows is the largest previous table (in rows) whose model an
// incremental build compares with its new result: comparing a million
// sensor readings would cost more than rebuilding what reads them.
const compareRows = 200_000

// tableSizes maps each table of db to its estimated number of rows: the
// tables a compared model run may keep (see runModelCompared). One query
// per build; asking per model cost 5 ms each.
func tableSizes(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name, estimated_size FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main'`)
	if err != nil {
		return nil, fmt.Errorf("the previous version's tables: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var n string
		var size int64
		if err := rows.Scan(&n, &size); err != nil {
			return nil, fmt.Errorf("the previous version's tables: %w", err)
		}
		out[n] = size
	}
	return out, rows.Err()
}

// runModelCompared runs m into a new table and keeps the previous table
// when the new one holds the same rows (same columns and types, same rows
// as a multiset, in any order), so that what reads m need not run again.
// It reports whether the table changed. A model with no previous table,
// or a large one (sizes, see tableSizes), is simply run and counts as
// changed.
//
// A sum of row hashes tells most changed tables apart in a millisecond;
// equal sums are confirmed row for row (EXCEPT ALL, which takes NULL for
// NULL and NaN for NaN), so a kept table is never a hash collision.
func runModelCompared(ctx context.Context, db *sql.DB, m Model, sizes map[string]int64, log *slog.Logger) (bool, error) {
	if size, ok := sizes[m.Name]; !ok || size > compareRows {
		return true, runModel(ctx, db, m, log)
	}
	t0 := time.Now()
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	next := m.Name + "__waymark_next"
	stmt := fmt.Sprintf("CREATE TABLE %s AS\n%s", sqltext.Ident(next), strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return false, fmt.Errorf("model sql/%s/%s.sql: %w", m.Layer, m.Name, err)
	}
	made := time.Now()
	same, err := sameRows(ctx, tx, m.Name, next)
	if err != nil {
		// Columns that cannot be compared (a type hash or EXCEPT does not
		// take): the new table it is.
		log.Debug("model not compared", "name", m.Name, "err", err)
		tx.Rollback()
		conn.Close() // the pool may hold one connection (an in-memory database)
		return true, runModel(ctx, db, m, log)
	}
	if same {
		log.Debug("model", "name", m.Name, "ms", time.Since(t0).Milliseconds(), "compare_ms", time.Since(made).Milliseconds(), "changed", false)
		return false, nil // rolled back: the previous table stays, untouched
	}
	for _, s := range []string{"DROP TABLE " + sqltext.Ident(m.Name), fmt.Sprintf("ALTER TABLE %s RENAME TO %s", sqltext.Ident(next), sqltext.Ident(m.Name))} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return false, fmt.Errorf("model sql/%s/%s.sql: replace the previous table: %w", m.Layer, m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("model sql/%s/%s.sql: %w", m.Layer, m.Name, err)
	}
	log.Debug("model", "name", m.Name, "ms", time.Since(t0).Milliseconds(), "compare_ms", time.Since(made).Milliseconds(), "changed", true)
	return true, nil
}

// sameRows reports whether tables a and b have the same columns (names
// and types, in order) and the same rows, duplicates counted.
func sameRows(ctx context.Context, tx *sql.Tx, a, b string) (bool, error) {
	columns := func(t string) (string, error) {
		rows, err := tx.QueryContext(ctx, "DESCRIBE "+sqltext.Ident(t))
		if err != nil {
			return "", err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return "", err
		}
		var out strings.Builder
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return "", err
			}
			// column_name, column_type
			fmt.Fprintf(&out, "%v %v\n", *vals[0].(*any), *vals[1].(*any))
		}
		return out.String(), rows.Err()
	}
	// Most rebuilt tables changed: the sums tell them apart first.
	var same bool
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s) = (SELECT count(*) FROM %[2]s)
		AND (SELECT sum(hash(t)::HUGEINT) FROM %[1]s AS t) IS NOT DISTINCT FROM (SELECT sum(hash(t)::HUGEINT) FROM %[2]s AS t)`,
		sqltext.Ident(a), sqltext.Ident(b))
	if err := tx.QueryRowContext(ctx, q).Scan(&same); err != nil || !same {
		return false, err
	}
	ca, err := columns(a)
	if err != nil {
		return false, err
	}
	cb, err := columns(b)
	if err != nil {
		return false, err
	}
	if ca != cb {
		return false, nil
	}
	q = fmt.Sprintf(`SELECT NOT EXISTS (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)`, sqltext.Ident(b), sqltext.Ident(a))
	err = tx.QueryRowContext(ctx, q).Scan(&same)
	return same, err
}

// fillIncremental brings a copy of the previous version up to date.
func fillIncremental(ctx context.Context, db *sql.DB, o Options, p *Project, in buildInputs, pl *plan, res *Result, log *slog.Logger) error {
	t0 := time.Now()
	phase := func(name string) {
		log.Debug("build phase", "phase", name, "ms", time.Since(t0).Milliseconds())
		t0 = time.Now()
	}
	phase("copied")
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if _, err := db.ExecContext(ctx, `DROP TABLE build_context`); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	if err := createBuildContext(ctx, db, now); err != nil {
		return err
	}
	if err := in.addContext(ctx, db); err != nil {
		return err
	}
	phase("context")
	var dirty []string
	if pl.prev["today"] != in["today"] {
		dirty = append(dirty, "build_context")
	}
	// The previous version's history is this copy's own.
	var catalog string
	if err := db.QueryRowContext(ctx, `SELECT current_database()`).Scan(&catalog); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `DROP TABLE previous_scorecard_history`); err != nil {
		return fmt.Errorf("carry the scorecard history: %w", err)
	}
	if err := loadHistory(ctx, db, catalog); err != nil {
		return fmt.Errorf("carry the scorecard history: %w", err)
	}
	phase("history")
	// Reload the changed data sets, then what is derived from all of them.
	reload := func(table string, files []string, cols []lake.Column, where string) error {
		for _, s := range []string{"DROP TABLE IF EXISTS " + sqltext.Ident(table), "DELETE FROM lake_unreadable WHERE lake_table = " + sqltext.String(table)} {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("reload %s: %w", table, err)
			}
		}
		dirty = append(dirty, table)
		t := time.Now()
		err := LoadLakeTable(ctx, db, table, files, cols, where)
		log.Debug("reloaded", "table", table, "files", len(files), "ms", time.Since(t).Milliseconds())
		return err
	}
	// A data set whose inputs were only added to (the common case: a new
	// submission) gets their rows appended; one whose inputs changed or
	// went is reloaded whole, and lake_quarantine with it.
	reloadQuarantine := false
	var newQuarantine []string
	for _, n := range pl.datasets {
		added, ok := pl.added(in, "manifest:"+n+"/")
		var ms []*lake.Manifest
		for _, sum := range added {
			m, err := o.Lake.ReadManifest(n, sum)
			if err != nil {
				return err
			}
			if m == nil { // gone since it was listed
				ok = false
				break
			}
			ms = append(ms, m)
		}
		if !ok {
			reloadQuarantine = true
			all, err := manifestsOf(o.Lake, n, in)
			if err != nil {
				return err
			}
			files := o.Lake.Of(n, all)
			if err := reload("lake_"+n, files.Data, o.Datasets[n].LakeColumns(), sqltext.InputsFilter(files)); err != nil {
				return err
			}
			for _, t := range []string{"lake_inputs", "lake_submissions"} {
				if _, err := db.ExecContext(ctx, "DELETE FROM "+t+" WHERE dataset = ?", n); err != nil {
					return fmt.Errorf("reload %s of %s: %w", t, n, err)
				}
			}
			if err := insertInputs(ctx, db, n, o.Datasets[n], all, false); err != nil {
				return err
			}
			continue
		}
		files := o.Lake.Of(n, ms)
		newQuarantine = append(newQuarantine, files.Quarantine...)
		t := time.Now()
		if err := appendLake(ctx, db, "lake_"+n, files.Data, o.Datasets[n].LakeColumns(), sqltext.InputsFilter(files)); err != nil {
			return fmt.Errorf("append to lake_%s: %w", n, err)
		}
		dirty = append(dirty, "lake_"+n)
		if err := insertInputs(ctx, db, n, o.Datasets[n], ms, true); err != nil {
			return err
		}
		log.Debug("appended", "table", "lake_"+n, "inputs", len(ms), "files", len(files.Data), "ms", time.Since(t).Milliseconds())
	}
	if len(pl.datasets) > 0 {
		dirty = append(dirty, "lake_inputs", "lake_submissions", "lake_unreadable")
	}
	if reloadQuarantine {
		var quarantined []string
		for _, n := range slices.Sorted(maps.Keys(o.Datasets)) {
			all, err := manifestsOf(o.Lake, n, in)
			if err != nil {
				return err
			}
			quarantined = append(quarantined, o.Lake.Of(n, all).Quarantine...)
		}
		if err := reload("lake_quarantine", quarantined, pipelines.QuarantineColumns, ""); err != nil {
			return err
		}
	} else if len(newQuarantine) > 0 {
		if err := appendLake(ctx, db, "lake_quarantine", newQuarantine, pipelines.QuarantineColumns, ""); err != nil {
			return fmt.Errorf("append to lake_quarantine: %w", err)
		}
		dirty = append(dirty, "lake_quarantine")
	}
	if pl.runs {
		added, ok := pl.added(in, "run:")
		if ok {
			if err := appendLake(ctx, db, "lake_runs", added, pipelines.RunColumns, ""); err != nil {
				return fmt.Errorf("append to lake_runs: %w", err)
			}
			dirty = append(dirty, "lake_runs", "lake_unreadable")
		} else {
			runs, err := runsOf(o.Lake, in)
			if err != nil {
				return err
			}
			if err := reload("lake_runs", runs, pipelines.RunColumns, ""); err != nil {
				return err
			}
		}
	}
	// The macros are the copy's own: they are unchanged (a change builds
	// in full).
	// Models that are gone leave with their tables.
	current := map[string]bool{}
	for _, m := range p.Models {
		current[m.Name] = true
	}
	removed := false
	for _, k := range slices.Sorted(maps.Keys(pl.prev)) {
		if name, ok := strings.CutPrefix(k, "model:"); ok && !current[name] {
			removed = true
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+sqltext.Ident(name)); err != nil {
				return fmt.Errorf("drop removed model %s: %w", name, err)
			}
		}
	}
	phase("lake")
	// Every model that may have to run is scheduled; one whose inputs
	// all came out unchanged is skipped, and so on down the graph.
	forced := forcedModels(p, pl.prev, in, dirty)
	candidates := rerunModels(p, forced)
	sqlChanged := removed
	var toRun []Model
	for _, m := range p.Models {
		if !candidates[m.Name] {
			continue
		}
		if pl.prev["model:"+m.Name] != in["model:"+m.Name] {
			sqlChanged = true
		}
		toRun = append(toRun, m)
	}
	sizes, err := tableSizes(ctx, db)
	if err != nil {
		return err
	}
	phase("plan")
	// Only the tests that read a table that changed (a model rebuilt into
	// other rows, a reloaded lake table) run again; the others' results
	// are the previous version's. Unless the docs are rewritten first, a
	// test runs as soon as what it reads is final, beside the models
	// still running (the scorecard chain leaves a core idle).
	docs := sqlChanged || pl.prev["docs"] != in["docs"]
	var ts *testSchedule
	var done func(string, bool)
	if !docs {
		ts = startTests(ctx, db, p.Tests, toRun, dirty)
		done = ts.modelDone
	}
	// What the version is built from is known now: it is written beside
	// the models (a core the scorecard chain leaves idle at times), not
	// after the tests. Nothing else touches in until it is written.
	recorded := make(chan error, 1)
	go func() {
		if err := writeBuildRow(ctx, db, o, len(p.Models), len(p.Tests)); err != nil {
			recorded <- fmt.Errorf("record the build: %w", err)
			return
		}
		recorded <- in.record(ctx, db, "incremental")
	}()
	ran, changed, err := scheduleModels(ctx, p.Models, toRun, func(ctx context.Context, m Model, parentsChanged bool) (bool, bool, error) {
		if !forced[m.Name] && !parentsChanged {
			return false, false, nil
		}
		c, err := runModelCompared(ctx, db, m, sizes, log)
		return true, c, err
	}, done)
	// Before the checkpoint, which waits for no other writer.
	if rerr := <-recorded; err == nil {
		err = rerr
	}
	// The models' tables are final: DuckDB writes them out (compressed,
	// ~5 ms a table) while the last tests read them, and the checkpoint
	// before publishing finds only the results left to write. DuckDB
	// declines while a test that began before the last model's commit
	// still runs (that commit is not cleaned up yet): a few milliseconds,
	// so it is asked again until the tests end; then the checkpoint
	// before publishing does the work.
	testsDone := make(chan struct{})
	checkpointed := make(chan error, 1)
	if err == nil {
		go func() {
			for {
				_, err := db.ExecContext(ctx, "CHECKPOINT")
				if err == nil || !strings.Contains(err.Error(), "other write transactions") {
					checkpointed <- err
					return
				}
				select {
				case <-testsDone:
					checkpointed <- err
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
	} else {
		checkpointed <- nil
	}
	var tests []DataTest
	var results []TestResult
	if ts != nil {
		tests, results = ts.wait()
		log.Debug("tests beside the models", "ran", len(tests), "busy_ms", ts.busy.Load()/1e6)
	}
	close(testsDone)
	if err := <-checkpointed; err != nil {
		log.Debug("checkpoint beside the tests declined", "err", err)
	}
	if err != nil {
		return err
	}
	phase("models and tests")
	res.Models = len(p.Models)
	res.Built = sortedKeys(ran)
	res.Changed = pl.datasets
	if docs {
		if err := writeDocs(ctx, db, p); err != nil {
			return err
		}
		changedModels := sortedKeys(changed)
		for _, t := range p.Tests {
			if pl.prev["docs"] != in["docs"] || changed[t.Model] || readsAny(t.SQL, changedModels) || readsAny(t.SQL, dirty) {
				tests = append(tests, t)
			}
		}
		phase("docs")
		results = RunTests(ctx, db, tests)
		phase("tests")
	}
	carried, err := carriedResults(ctx, db, p.Tests, tests)
	if err != nil {
		return err
	}
	res.TestsRun = len(results)
	phase("carried")
	keep := map[string]bool{}
	for _, r := range carried {
		keep[testKey(r.DataTest)] = true
	}
	if err := finishTestsKeeping(ctx, db, append(carried, results...), keep, res, log); err != nil {
		return err
	}
	phase("test results")
	return nil
}

// testSchedule runs an incremental build's data tests while its models
// run (see fillIncremental): a test is decided once every model it reads
// that the build may rerun has finished, and runs when one of the tables
// it reads changed; the others keep their previous result.
type testSchedule struct {
	tests   []DataTest
	deps    [][]string       // per test: the scheduled models it reads
	left    []int            // per test: those not finished yet
	waiting map[string][]int // model -> the tests reading it
	dirty   []bool           // per test: it reads a reloaded lake table
	changed map[string]bool
	run     []bool
	results []TestResult
	ready   []int      // decided to run, not yet handed to a worker
	work    chan []int // batches of tests (see runTestBatch)
	wg      sync.WaitGroup
	busy    atomic.Int64 // nanoseconds the tests ran, summed (debug timings)
}

// startTests starts the workers (one per core) and the tests that read
// no scheduled model.
func startTests(ctx context.Context, db *sql.DB, tests []DataTest, toRun []Model, dirty []string) *testSchedule {
	n := len(tests)
	ts := &testSchedule{tests: tests, deps: make([][]string, n), left: make([]int, n), waiting: map[string][]int{},
		dirty: make([]bool, n), changed: map[string]bool{}, run: make([]bool, n), results: make([]TestResult, n),
		work: make(chan []int, n)}
	for range max(1, runtime.GOMAXPROCS(0)) {
		ts.wg.Add(1)
		go func() {
			defer ts.wg.Done()
			for batch := range ts.work {
				t := time.Now()
				tests := make([]DataTest, len(batch))
				for j, i := range batch {
					tests[j] = ts.tests[i]
				}
				for j, r := range runTestBatch(ctx, db, tests) {
					ts.results[batch[j]] = r
				}
				ts.busy.Add(int64(time.Since(t)))
			}
		}()
	}
	for i, t := range tests {
		ts.dirty[i] = readsAny(t.SQL, dirty)
		for _, m := range toRun {
			if t.Model == m.Name || readsAny(t.SQL, []string{m.Name}) {
				ts.deps[i] = append(ts.deps[i], m.Name)
				ts.waiting[m.Name] = append(ts.waiting[m.Name], i)
				ts.left[i]++
			}
		}
		if ts.left[i] == 0 {
			ts.decide(i)
		}
	}
	ts.flush()
	return ts
}

func (ts *testSchedule) decide(i int) {
	run := ts.dirty[i]
	for _, d := range ts.deps[i] {
		run = run || ts.changed[d]
	}
	if run {
		ts.run[i] = true
		ts.ready = append(ts.ready, i)
	}
}

// testBatch is the most tests one statement counts (runTestBatch): the
// tests that are decided together (those that read the model that just
// finished) are split so that both cores take a share of a large group.
const testBatch = 24

// flush hands the tests decided so far to the workers, in batches.
func (ts *testSchedule) flush() {
	for len(ts.ready) > 0 {
		n := min(len(ts.ready), testBatch)
		ts.work <- ts.ready[:n:n]
		ts.ready = ts.ready[n:]
	}
	ts.ready = nil
}

// modelDone is told of each scheduled model as it finishes.
func (ts *testSchedule) modelDone(name string, changed bool) {
	if changed {
		ts.changed[name] = true
	}
	for _, i := range ts.waiting[name] {
		if ts.left[i]--; ts.left[i] == 0 {
			ts.decide(i)
		}
	}
	ts.flush()
}

// wait lets the started tests finish and returns those that ran, with
// their results, in the project's order.
func (ts *testSchedule) wait() ([]DataTest, []TestResult) {
	close(ts.work)
	ts.wg.Wait()
	var tests []DataTest
	var results []TestResult
	for i, t := range ts.tests {
		if ts.run[i] {
			tests = append(tests, t)
			results = append(results, ts.results[i])
		}
	}
	return tests, results
}

// readsAny reports whether SQL names any of the tables.
func readsAny(sqlText string, tables []string) bool {
	m := Model{SQL: sqlText}
	for _, t := range tables {
		if mentions(m, t) {
			return true
		}
	}
	return false
}

// carriedResults are the previous version's results of the tests not run
// again (warnings are reported again; a previous version passed every
// blocking test).
func carriedResults(ctx context.Context, db *sql.DB, all, rerun []DataTest) ([]TestResult, error) {
	again := map[string]bool{}
	for _, t := range rerun {
		again[testKey(t)] = true
	}
	prev := map[string]TestResult{}
	rows, err := db.QueryContext(ctx, `SELECT key, rows, coalesce(example, '') FROM waymark_test_results`)
	if err != nil {
		return nil, fmt.Errorf("previous test results: %w", err)
	}
	for rows.Next() {
		var k string
		var r TestResult
		if err := rows.Scan(&k, &r.Rows, &r.Example); err != nil {
			rows.Close()
			return nil, err
		}
		prev[k] = r
	}
	rows.Close()
	var out []TestResult
	for _, t := range all {
		k := testKey(t)
		if again[k] {
			continue
		}
		r, ok := prev[k]
		if !ok {
			return nil, fmt.Errorf("test %s (sql/%s) has no previous result", t.Name, t.File)
		}
		r.DataTest = t
		out = append(out, r)
	}
	return out, nil
}
