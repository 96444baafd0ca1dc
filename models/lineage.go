package models

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/pipelines"
)

// Node is one model of sql/ with what it reads: other models (any layer)
// and the tables the build loads before the models run (seed_*, lake_*,
// targets). Dependencies are found the way the runner orders models: a
// model depends on every name its SQL mentions outside comments.
type Node struct {
	Name  string
	Layer string
	SQL   string
	// Doc is the comment at the top of the model's file, without "--".
	Doc string
	// Reads names the models and loaded tables the SQL mentions, sorted.
	Reads []string
}

// Graph is the lineage of every model, in the order the runner runs them.
type Graph struct {
	Nodes []Node
	index map[string]int
}

// Lineage reads the models of fsys (the sql/ tree) and finds what each one
// reads. tables lists the tables that exist before the models run (seeds,
// lake tables, targets); they appear in Reads but are not nodes.
func Lineage(fsys fs.FS, tables []string) (Graph, error) {
	ms, err := loadModels(fsys)
	if err != nil {
		return Graph{}, err
	}
	names := make([]string, 0, len(ms)+len(tables))
	for _, m := range ms {
		names = append(names, m.Name)
	}
	names = append(names, tables...)
	g := Graph{index: map[string]int{}}
	for _, m := range ms {
		var reads []string
		for _, n := range names {
			if n != m.Name && mentions(m, n) { // the runner's own rule
				reads = append(reads, n)
			}
		}
		slices.Sort(reads)
		reads = slices.Compact(reads)
		g.index[m.Name] = len(g.Nodes)
		g.Nodes = append(g.Nodes, Node{Name: m.Name, Layer: m.Layer, SQL: m.SQL, Doc: headComment(m.SQL), Reads: reads})
	}
	return g, nil
}

// Node returns the model called name.
func (g Graph) Node(name string) (Node, bool) {
	i, ok := g.index[name]
	if !ok {
		return Node{}, false
	}
	return g.Nodes[i], true
}

// Upstream returns name and every model it reads, directly or not, in
// run order; loaded tables (seed_*, lake_*) are left out.
func (g Graph) Upstream(name string) []Node {
	want := map[string]bool{}
	var walk func(n string)
	walk = func(n string) {
		i, ok := g.index[n]
		if !ok || want[n] {
			return
		}
		want[n] = true
		for _, r := range g.Nodes[i].Reads {
			walk(r)
		}
	}
	walk(name)
	var out []Node
	for _, n := range g.Nodes {
		if want[n.Name] {
			out = append(out, n)
		}
	}
	return out
}

// Tables returns the loaded tables (not models) that name reads, directly
// or through other models, sorted.
func (g Graph) Tables(name string) []string {
	var out []string
	for _, n := range g.Upstream(name) {
		for _, r := range n.Reads {
			if _, isModel := g.index[r]; !isModel {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Path returns the chain of models from name down to to (name first), the
// shortest by number of steps, or nil when name does not read to.
func (g Graph) Path(name, to string) []string {
	prev := map[string]string{name: ""}
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == to {
			var path []string
			for x := to; x != ""; x = prev[x] {
				path = append(path, x)
			}
			slices.Reverse(path)
			return path
		}
		i, ok := g.index[n]
		if !ok {
			continue
		}
		for _, r := range g.Nodes[i].Reads {
			if _, seen := prev[r]; !seen {
				prev[r] = n
				queue = append(queue, r)
			}
		}
	}
	return nil
}

// RunModels runs the macros of fsys and then the named models, with every
// model they read, into db, as the build does; db must already hold the
// seeds (LoadReference) and the lake tables those models read. Exports use
// it to compute models over the lake as it was on a past date: now is the
// clock the models judge deadlines by (the as-of instant), and the build's
// context tables are made as a build makes them (contracts from datasets;
// no history, no attached previous version).
func RunModels(ctx context.Context, db *sql.DB, fsys fs.FS, names []string, now time.Time, datasets map[string]*pipelines.Dataset) error {
	if !tableExists(ctx, db, "build_context") {
		if err := createBuildContext(ctx, db, now); err != nil {
			return err
		}
		if err := loadContracts(ctx, db, datasets); err != nil {
			return err
		}
		if err := loadHistory(ctx, db, ""); err != nil {
			return err
		}
	}
	if err := runSQLFiles(ctx, db, fsys, "macros/*.sql"); err != nil {
		return err
	}
	g, err := Lineage(fsys, nil)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := g.Node(n); !ok {
			return fmt.Errorf("no model %q in sql/", n)
		}
		for _, u := range g.Upstream(n) {
			want[u.Name] = true
		}
	}
	for _, m := range g.Nodes {
		if !want[m.Name] {
			continue
		}
		stmt := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS\n%s", sqltext.Ident(m.Name), strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("model sql/%s/%s.sql: %w", m.Layer, m.Name, err)
		}
	}
	return nil
}

// headComment is the block of "--" lines a model file starts with.
func headComment(sqlText string) string {
	var lines []string
	for _, l := range strings.Split(sqlText, "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "--") {
			break
		}
		lines = append(lines, strings.TrimSpace(strings.TrimPrefix(t, "--")))
	}
	return strings.Join(lines, " ")
}

// IndicatorPath is how an indicator gets its number: the row of the paths
// seed (seeds/paths_<plan>.csv, table seed_indicator_paths) when the
// warehouse has one, else what the warehouse shows (an actual from
// department reports or from records, a milestone target).
type IndicatorPath struct {
	IndicatorID     string   `json:"indicator_id"`
	Path            string   `json:"path"`
	Datasets        []string `json:"datasets"`
	Formula         string   `json:"formula"`
	Grain           string   `json:"grain"`
	YearAggregation string   `json:"year_aggregation"`
	Model           string   `json:"model"`
	Notes           string   `json:"notes"`
	// FromSeed is false when the path was inferred (no paths seed row).
	FromSeed bool `json:"from_seed"`
}

// ReadIndicatorPath finds how indicator id gets its number in db (a built
// warehouse, or one holding the seeds and the models). indicators maps
// each lake data set to the indicators (ids or Chinese names) its
// contract says it feeds, for the inferred path; g is the models' lineage.
func ReadIndicatorPath(ctx context.Context, db *sql.DB, g Graph, id string, indicators map[string][]string) (IndicatorPath, error) {
	p := IndicatorPath{IndicatorID: id}
	if tableExists(ctx, db, "seed_indicator_paths") {
		var ds, formula, grain, agg, model, notes sql.NullString
		err := db.QueryRowContext(ctx, `SELECT path, datasets, formula, grain, year_aggregation, model, notes
			FROM seed_indicator_paths WHERE indicator_id = ?`, id).Scan(&p.Path, &ds, &formula, &grain, &agg, &model, &notes)
		if err == nil {
			p.FromSeed = true
			p.Formula, p.Grain, p.YearAggregation, p.Model, p.Notes = formula.String, grain.String, agg.String, model.String, notes.String
			for _, d := range strings.Split(ds.String, ";") {
				if d = strings.TrimSpace(d); d != "" {
					p.Datasets = append(p.Datasets, d)
				}
			}
			return p, nil
		}
		if err != sql.ErrNoRows {
			return p, err
		}
	}
	var name, agg, freq string
	if err := db.QueryRowContext(ctx, `SELECT name_zh, coalesce(aggregation, 'last'), coalesce(frequency, '') FROM seed_indicators WHERE indicator_id = ?`, id).
		Scan(&name, &agg, &freq); err != nil {
		if err == sql.ErrNoRows {
			return p, fmt.Errorf("no indicator %q (waymark catalog lists them)", id)
		}
		return p, err
	}
	p.Grain, p.YearAggregation = freq, agg
	var source sql.NullString
	if tableExists(ctx, db, "int_indicator_actuals") {
		db.QueryRowContext(ctx, `SELECT any_value(source) FROM int_indicator_actuals WHERE indicator_id = ?`, id).Scan(&source)
	}
	switch {
	case source.String == "reports":
		p.Path, p.Model, p.Datasets = "reported", "int_actuals_reports", []string{"indicator_reports"}
		p.Formula = "the lead department's monthly figure; " + map[string]string{"sum": "monthly figures add up over the year", "last": "the latest month's figure is the year's"}[agg]
	case source.Valid:
		p.Path = "computed"
		// The per-plan model that names the indicator (by id or name).
		for _, n := range g.Nodes {
			body := reComment.ReplaceAllString(n.SQL, "")
			if strings.HasPrefix(n.Name, "int_actuals_") && (strings.Contains(body, "'"+id+"'") || strings.Contains(body, "'"+name+"'")) {
				p.Model = n.Name
				break
			}
		}
		for ds, ins := range indicators {
			if slices.Contains(ins, id) || slices.Contains(ins, name) {
				p.Datasets = append(p.Datasets, ds)
			}
		}
		if p.Model != "" {
			for _, t := range g.Tables(p.Model) {
				if ds, ok := strings.CutPrefix(t, "lake_"); ok && !slices.Contains(p.Datasets, ds) && ds != "quarantine" && ds != "runs" {
					p.Datasets = append(p.Datasets, ds)
				}
			}
		}
		slices.Sort(p.Datasets)
		// The catalog's aggregation says how department reports add up; a
		// model computing from records may do otherwise (a ratio of sums).
		p.YearAggregation = ""
		p.Formula = "see the model's SQL (" + p.Model + ")"
	default:
		var milestone bool
		db.QueryRowContext(ctx, `SELECT bool_and(comparator = 'milestone') FROM targets WHERE indicator_id = ? AND kind = 'target'`, id).Scan(&milestone)
		if milestone {
			p.Path = "milestone"
		} else {
			p.Path = "no data yet"
		}
	}
	p.Notes = "inferred: the warehouse has no seed_indicator_paths row for it"
	return p, nil
}

func tableExists(ctx context.Context, db *sql.DB, name string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, name).Scan(&n)
	return err == nil && n > 0
}
