// Package export writes what statisticians take away: a plan, an
// indicator, a model or a data set as a folder of Parquet files (zstd,
// Hive-partitioned by month where a data set is monthly, row groups sized
// for readers, key-value metadata in every file), a dictionary.json, a
// README.md and a manifest with row counts and SHA-256 checksums.
//
// An export is computed from the lake, not from a warehouse version: the
// committed lake files are read into a scratch DuckDB, every row submitted
// after the as-of date is left out, the supersede rules of
// sql/macros/supersede.sql decide which revision counts, and the models the
// export needs run on that. So an export as of a date before a correction
// shows the first-reported value, and the same lake and as-of date always
// give the same bytes.
package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// Options say what to export, as of when, and where to.
type Options struct {
	Lake     lake.Lake
	Datasets map[string]*pipelines.Dataset
	Seeds    fs.FS
	SQL      fs.FS
	TimeZone string
	// What is a plan (id or document number), an indicator id, a model
	// name or a data set name.
	What string
	// From and To bound the periods exported (YYYY-MM or YYYY, inclusive).
	From, To string
	// AsOf (YYYY-MM-DD) exports the values as they were known at the end
	// of that day in TimeZone: later submissions and revisions are ignored.
	AsOf string
	// Dir is the folder written; it must not exist or be empty.
	Dir string
	// Version is the waymark version recorded in the manifest.
	Version string
}

// BadRequestError is a selection that names nothing, or bad dates: the
// user's mistake.
type BadRequestError struct{ Msg string }

func (e BadRequestError) Error() string { return e.Msg }

// Manifest lists what an export holds.
type Manifest struct {
	Export    Selection       `json:"export"`
	Tables    []TableManifest `json:"tables"`
	Files     []FileManifest  `json:"files"`
	Inputs    int             `json:"lake_inputs"`
	Waymark   string          `json:"waymark_version"`
	Generated []string        `json:"documents"`
}

// Selection is what was asked for, resolved.
type Selection struct {
	Kind     string `json:"kind"` // plan, indicator, model, dataset
	Name     string `json:"name"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	AsOf     string `json:"as_of,omitempty"`
	Cutoff   string `json:"submitted_before,omitempty"`
	TimeZone string `json:"time_zone"`
	BuildID  string `json:"build_id"`
}

// TableManifest is one exported table.
type TableManifest struct {
	Name  string   `json:"name"`
	Rows  int64    `json:"rows"`
	Files []string `json:"files"`
}

// FileManifest is one written file.
type FileManifest struct {
	Path   string `json:"path"`
	Rows   int64  `json:"rows,omitempty"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// table is one exported table: a query over the scratch warehouse.
type table struct {
	name        string
	description string
	source      string // "model NAME" or "data set NAME"
	query       string // SELECT … FROM … WHERE … (ordered by Run)
	model       string // model whose docs describe the columns
	dataset     string // data set whose contract describes the columns
	partition   string // column whose month partitions the files, or ""
}

// Run writes the export and returns its manifest.
func Run(ctx context.Context, o Options) (*Manifest, error) {
	if entries, err := os.ReadDir(o.Dir); err == nil && len(entries) > 0 {
		return nil, BadRequestError{fmt.Sprintf("%s is not empty: export into a new folder", o.Dir)}
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return nil, err
	}
	sel := Selection{TimeZone: o.TimeZone, AsOf: o.AsOf}
	var cutoff *time.Time
	if o.AsOf != "" {
		d, err := time.ParseInLocation("2006-01-02", o.AsOf, loc)
		if err != nil {
			return nil, BadRequestError{fmt.Sprintf("--as-of %q: want a date YYYY-MM-DD", o.AsOf)}
		}
		c := d.AddDate(0, 0, 1)
		cutoff = &c
		sel.Cutoff = c.UTC().Format(time.RFC3339)
	}
	from, to, err := periods(o.From, o.To)
	if err != nil {
		return nil, err
	}
	sel.From, sel.To = o.From, o.To

	db, err := warehouse.Scratch(o.TimeZone)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One thread: floating-point sums then add up in one order, so the
	// same lake always gives the same bytes.
	if _, err := db.ExecContext(ctx, "SET threads = 1"); err != nil {
		return nil, err
	}
	if err := models.LoadReference(ctx, db, o.Seeds); err != nil {
		return nil, err
	}
	g, err := models.Lineage(o.SQL, lakeTables(o.Datasets))
	if err != nil {
		return nil, err
	}
	sel.Kind, sel.Name, err = resolve(ctx, db, g, o)
	if err != nil {
		return nil, err
	}
	// Which models the export reads, hence which lake tables to load.
	var needModels []string
	switch sel.Kind {
	case "dataset":
		needModels = []string{"stg_" + sel.Name}
	case "model":
		needModels = []string{sel.Name}
	default:
		for _, m := range []string{"mart_scorecard", "mart_indicator_monthly", "int_indicator_grain"} {
			if _, ok := g.Node(m); ok {
				needModels = append(needModels, m)
			}
		}
	}
	need := map[string]bool{}
	for _, m := range needModels {
		for _, t := range g.Tables(m) {
			need[t] = true
		}
	}
	ind := indicatorsByDataset(o.Datasets)
	var paths []models.IndicatorPath
	var indicatorIDs []string
	if sel.Kind == "plan" || sel.Kind == "indicator" {
		q := `SELECT indicator_id FROM seed_indicators WHERE plan_id = ? ORDER BY CAST(seq AS INTEGER)`
		if sel.Kind == "indicator" {
			q = `SELECT indicator_id FROM seed_indicators WHERE indicator_id = ?`
		}
		if indicatorIDs, err = sqltext.Strings(ctx, db, q, sel.Name); err != nil {
			return nil, err
		}
	}
	// A data set's rows outside the periods asked for cannot change which
	// revision counts inside them when revisions stay within a month (a
	// file per month, or the month's column in the key): leave them in
	// the lake.
	only := map[string]string{}
	if d := o.Datasets[sel.Name]; sel.Kind == "dataset" && d.PartitionBy != "" && (from != nil || to != nil) &&
		(d.Supersede == "submission" || slices.Contains(d.Keys, d.PartitionBy)) {
		only["lake_"+d.Name] = monthBounds(d.PartitionBy, from, to)
	}
	inputs, err := loadLake(ctx, db, o.Lake, o.Datasets, need, cutoff, only)
	if err != nil {
		return nil, err
	}
	// The models' clock: the as-of instant, else today (deadlines are
	// judged as of the day the values are known).
	clock := time.Now()
	if cutoff != nil {
		clock = *cutoff
	}
	if err := models.RunModels(ctx, db, o.SQL, needModels, clock, o.Datasets); err != nil {
		return nil, err
	}
	// The source data sets of an indicator or a plan: from the paths seed
	// (or the inferred path) of each indicator.
	sources := map[string]bool{}
	for _, id := range indicatorIDs {
		p, err := models.ReadIndicatorPath(ctx, db, g, id, ind)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
		for _, d := range p.Datasets {
			if o.Datasets[d] != nil {
				sources[d] = true
			}
		}
	}
	if sel.Kind == "plan" {
		for n, d := range o.Datasets {
			if d.Plan == sel.Name {
				sources[n] = true
			}
		}
	}
	// Source data sets' staging models run over the same as-of lake.
	var extra []string
	for d := range sources {
		if !need["lake_"+d] {
			more, err := loadLake(ctx, db, o.Lake, map[string]*pipelines.Dataset{d: o.Datasets[d]}, map[string]bool{"lake_" + d: true}, cutoff, nil)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, more...)
		}
		extra = append(extra, "stg_"+d)
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		if err := models.RunModels(ctx, db, o.SQL, extra, clock, o.Datasets); err != nil {
			return nil, err
		}
	}
	sel.BuildID = buildID(inputs, o)

	tables, err := plan(ctx, db, g, o, sel, indicatorIDs, slices.Sorted(maps.Keys(sources)), from, to)
	if err != nil {
		return nil, err
	}
	// Written beside under another name and renamed when whole: a folder
	// named like the export is always a finished one.
	final := o.Dir
	o.Dir = filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".partial")
	os.RemoveAll(o.Dir)
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(o.Dir)
	docs := loadDocs(o.SQL)
	man := &Manifest{Export: sel, Inputs: len(inputs), Waymark: o.Version}
	var dict []tableDoc
	for _, t := range tables {
		tm, files, cols, err := writeTable(ctx, db, o, sel, t, docs)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.name, err)
		}
		man.Tables = append(man.Tables, tm)
		man.Files = append(man.Files, files...)
		dict = append(dict, tableDoc{Name: t.name, Description: t.description, Source: t.source, Rows: tm.Rows,
			Partitioning: partitioning(t), Files: tm.Files, Columns: cols})
	}
	// The contracts of the data sets a model reads, directly or not.
	var upstream []string
	if sel.Kind == "model" {
		for _, t := range g.Tables(sel.Name) {
			if n, ok := strings.CutPrefix(t, "lake_"); ok && o.Datasets[n] != nil {
				upstream = append(upstream, n)
			}
		}
	}
	d, err := dictionary(ctx, db, o, sel, dict, paths, upstream)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"dictionary.json", d.json()}, {"README.md", []byte(readme(d))}} {
		fm, err := writeFile(o.Dir, f.name, f.body)
		if err != nil {
			return nil, err
		}
		man.Files = append(man.Files, fm)
		man.Generated = append(man.Generated, f.name)
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	os.Remove(final) // an empty folder the user made for it
	if err := os.Rename(o.Dir, final); err != nil {
		return nil, fmt.Errorf("finish export %s: %w", final, err)
	}
	return man, nil
}

func partitioning(t table) string {
	if t.partition == "" {
		return ""
	}
	return "hive: month=YYYY-MM (the month of " + t.partition + ")"
}

func writeFile(dir, name string, b []byte) (FileManifest, error) {
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		return FileManifest{}, err
	}
	sum := sha256.Sum256(b)
	return FileManifest{Path: name, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

// periods parses --from/--to (YYYY-MM or YYYY) into the first day of the
// first month and the first day of the last month.
func periods(from, to string) (f, t *time.Time, err error) {
	parse := func(s string, end bool) (*time.Time, error) {
		if s == "" {
			return nil, nil
		}
		if d, err := time.Parse("2006-01", s); err == nil {
			return &d, nil
		}
		if d, err := time.Parse("2006", s); err == nil {
			if end {
				d = d.AddDate(0, 11, 0)
			}
			return &d, nil
		}
		return nil, BadRequestError{fmt.Sprintf("period %q: want YYYY-MM or YYYY", s)}
	}
	if f, err = parse(from, false); err != nil {
		return nil, nil, err
	}
	if t, err = parse(to, true); err != nil {
		return nil, nil, err
	}
	if f != nil && t != nil && t.Before(*f) {
		return nil, nil, BadRequestError{fmt.Sprintf("--to %s is before --from %s", to, from)}
	}
	return f, t, nil
}

// resolve says what o.What names: a data set, a model, an indicator or a
// plan, in that order.
func resolve(ctx context.Context, db *sql.DB, g models.Graph, o Options) (kind, name string, err error) {
	w := strings.TrimSpace(o.What)
	if w == "" {
		return "", "", BadRequestError{"say what to export: a plan, an indicator id, a model or a data set"}
	}
	if o.Datasets[w] != nil {
		return "dataset", w, nil
	}
	if _, ok := g.Node(w); ok {
		return "model", w, nil
	}
	var id string
	if err := db.QueryRowContext(ctx, `SELECT indicator_id FROM seed_indicators WHERE lower(indicator_id) = lower(?)`, w).Scan(&id); err == nil {
		return "indicator", id, nil
	}
	p, err := models.ResolvePlan(ctx, db, w)
	if err == nil {
		return "plan", p, nil
	}
	return "", "", BadRequestError{fmt.Sprintf("%q is no data set, model, indicator id or plan (waymark catalog plans, waymark catalog indicators, waymark sql \"\\d\")", w)}
}

func lakeTables(ds map[string]*pipelines.Dataset) []string {
	out := []string{"lake_quarantine", "lake_runs"}
	for n := range ds {
		out = append(out, "lake_"+n)
	}
	slices.Sort(out)
	return out
}

// indicatorsByDataset lists, per data set, the indicators its contract
// says it feeds.
func indicatorsByDataset(ds map[string]*pipelines.Dataset) map[string][]string {
	out := map[string][]string{}
	for n, d := range ds {
		out[n] = d.Indicators
	}
	return out
}

// loadLake creates the lake tables named in need from the committed lake
// files, leaving out rows submitted at or after cutoff (when set); it
// returns the checksums of the inputs kept. A table's columns come from
// the contract, as in the build.
func loadLake(ctx context.Context, db *sql.DB, l lake.Lake, datasets map[string]*pipelines.Dataset, need map[string]bool, cutoff *time.Time, only map[string]string) ([]string, error) {
	var inputs []string
	var quarantine []string
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		if !need["lake_"+n] && !need["lake_quarantine"] {
			continue
		}
		ms, err := l.Manifests(n)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if need["lake_"+n] && (cutoff == nil || submittedBefore(m.SubmittedAt, *cutoff)) {
				inputs = append(inputs, n+"/"+m.Checksum)
			}
		}
		files := l.Of(n, ms)
		quarantine = append(quarantine, files.Quarantine...)
		if need["lake_"+n] {
			if err := lakeTable(ctx, db, "lake_"+n, files.Data, datasets[n].LakeColumns(), "_submitted_at", cutoff, only["lake_"+n], sqltext.InputsFilter(files)); err != nil {
				return nil, err
			}
		}
	}
	if need["lake_quarantine"] {
		if err := lakeTable(ctx, db, "lake_quarantine", quarantine, pipelines.QuarantineColumns, "submitted_at", cutoff, ""); err != nil {
			return nil, err
		}
	}
	if need["lake_runs"] {
		runs, err := l.RunFiles()
		if err != nil {
			return nil, err
		}
		if err := lakeTable(ctx, db, "lake_runs", runs, pipelines.RunColumns, "started_at", cutoff, ""); err != nil {
			return nil, err
		}
	}
	return inputs, unreadable(ctx, db)
}

func submittedBefore(s string, cutoff time.Time) bool {
	t, err := time.Parse(time.RFC3339Nano, s)
	return err != nil || t.Before(cutoff)
}

// lakeTable loads a lake table as the build does (models.LoadLakeTable),
// keeping the rows submitted before cutoff (when set) that cond (when set)
// keeps.
func lakeTable(ctx context.Context, db *sql.DB, name string, files []string, cols []lake.Column, timeCol string, cutoff *time.Time, cond ...string) error {
	var conds []string
	if cutoff != nil {
		conds = append(conds, fmt.Sprintf("%s < TIMESTAMPTZ %s", sqltext.Ident(timeCol), sqltext.String(cutoff.UTC().Format("2006-01-02 15:04:05+00"))))
	}
	for _, c := range cond {
		if c != "" {
			conds = append(conds, "("+c+")")
		}
	}
	return models.LoadLakeTable(ctx, db, name, files, cols, strings.Join(conds, " AND "))
}

// unreadable fails the export when the lake holds files DuckDB could not
// read: the build sets them aside and goes on, but an export without
// their rows would pass for complete.
func unreadable(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'lake_unreadable'`).Scan(&n); err != nil || n == 0 {
		return err // no lake table was loaded, so none was set aside
	}
	rows, err := db.QueryContext(ctx, `SELECT file, reason FROM lake_unreadable ORDER BY file`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var f, reason string
		if err := rows.Scan(&f, &reason); err != nil {
			return err
		}
		bad = append(bad, f+" ("+reason+")")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("the lake holds %d file(s) that cannot be read, so the export would miss their rows: %s; repair or remove them (the build lists them as unreadable too)",
			len(bad), strings.Join(bad, "; "))
	}
	return nil
}

// monthBounds is the SQL condition keeping the months from..to of col.
func monthBounds(col string, from, to *time.Time) string {
	var conds []string
	if from != nil {
		conds = append(conds, fmt.Sprintf("date_trunc('month', %s) >= DATE '%s'", sqltext.Ident(col), from.Format("2006-01-02")))
	}
	if to != nil {
		conds = append(conds, fmt.Sprintf("date_trunc('month', %s) <= DATE '%s'", sqltext.Ident(col), to.Format("2006-01-02")))
	}
	return strings.Join(conds, " AND ")
}

// buildID names what the export was computed from: the lake inputs kept,
// the cutoff, and the seeds and models. The same lake and as-of date give
// the same id.
func buildID(inputs []string, o Options) string {
	h := sha256.New()
	slices.Sort(inputs)
	for _, in := range inputs {
		fmt.Fprintln(h, in)
	}
	fmt.Fprintln(h, "as_of", o.AsOf, o.TimeZone)
	for _, fsys := range []fs.FS{o.Seeds, o.SQL} {
		fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			fmt.Fprintln(h, p, hex.EncodeToString(s[:]))
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// columnsOf lists a table's columns and DuckDB types.
func columnsOf(ctx context.Context, db *sql.DB, table string) (names, types []string, err error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, nil, err
		}
		names, types = append(names, n), append(types, t)
	}
	return names, types, rows.Err()
}

// plan lists the tables an export writes.
func plan(ctx context.Context, db *sql.DB, g models.Graph, o Options, sel Selection, ids, sources []string, from, to *time.Time) ([]table, error) {
	periodFilter := func(tbl, col string, isYear bool) string {
		var conds []string
		if from != nil {
			if isYear {
				conds = append(conds, fmt.Sprintf("%s >= %d", sqltext.Ident(col), from.Year()))
			} else {
				conds = append(conds, fmt.Sprintf("date_trunc('month', %s) >= DATE '%s'", sqltext.Ident(col), from.Format("2006-01-02")))
			}
		}
		if to != nil {
			if isYear {
				conds = append(conds, fmt.Sprintf("%s <= %d", sqltext.Ident(col), to.Year()))
			} else {
				conds = append(conds, fmt.Sprintf("date_trunc('month', %s) <= DATE '%s'", sqltext.Ident(col), to.Format("2006-01-02")))
			}
		}
		return strings.Join(conds, " AND ")
	}
	// modelFilter bounds a model's rows by its period (or year) column.
	modelFilter := func(name string) (string, error) {
		cols, types, err := columnsOf(ctx, db, name)
		if err != nil {
			return "", err
		}
		for i, c := range cols {
			if c == "period" && (types[i] == "DATE" || strings.HasPrefix(types[i], "TIMESTAMP")) {
				return periodFilter(name, c, false), nil
			}
		}
		if slices.Contains(cols, "year") {
			return periodFilter(name, "year", true), nil
		}
		return "", nil
	}
	where := func(conds ...string) string {
		var keep []string
		for _, c := range conds {
			if c != "" {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(keep, " AND ")
	}
	datasetTable := func(n string, idFilter string) table {
		d := o.Datasets[n]
		cond := ""
		if d.PartitionBy != "" {
			cond = periodFilter("stg_"+n, d.PartitionBy, false)
		}
		return table{name: n, description: d.TitleEn + " (" + d.TitleZh + "): every row accepted, all revisions; is_latest marks the revision that counts as of the export",
			source: "data set " + n, dataset: n, partition: d.PartitionBy,
			query: "SELECT * FROM stg_" + n + where(cond, idFilter)}
	}
	doc := func(m string) string {
		if n, ok := g.Node(m); ok {
			return n.Doc
		}
		return ""
	}
	var out []table
	switch sel.Kind {
	case "dataset":
		out = append(out, datasetTable(sel.Name, ""))
	case "model":
		f, err := modelFilter(sel.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, table{name: sel.Name, description: doc(sel.Name), source: "model " + sel.Name, model: sel.Name,
			query: "SELECT * FROM " + sqltext.Ident(sel.Name) + where(f)})
	default:
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = sqltext.String(id)
		}
		in := "indicator_id IN (" + strings.Join(list, ", ") + ")"
		if len(ids) == 0 {
			in = "false"
		}
		out = append(out,
			table{name: "indicators", description: doc("stg_indicators"), source: "model stg_indicators", model: "stg_indicators",
				query: "SELECT * FROM stg_indicators" + where(in)},
			table{name: "targets", description: doc("stg_targets"), source: "model stg_targets", model: "stg_targets",
				query: "SELECT * FROM stg_targets" + where(in)})
		for _, m := range []struct{ model, name string }{{"mart_scorecard", "scorecard"}, {"mart_indicator_monthly", "monthly"}, {"int_indicator_grain", "grain"}} {
			if _, ok := g.Node(m.model); !ok {
				continue
			}
			f, err := modelFilter(m.model)
			if err != nil {
				return nil, err
			}
			out = append(out, table{name: m.name, description: doc(m.model), source: "model " + m.model, model: m.model,
				query: "SELECT * FROM " + m.model + where(in, f)})
		}
		for _, n := range sources {
			idf := ""
			if _, _, ok := o.Datasets[n].Column("indicator_id"); ok {
				idf = in
			}
			out = append(out, datasetTable(n, idf))
		}
	}
	return out, nil
}
