package models

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/waymark-data/waymark/internal/sqltext"
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
		body := reComment.ReplaceAllString(m.SQL, "")
		var reads []string
		for _, n := range names {
			if n != m.Name && regexp.MustCompile(`\b`+regexp.QuoteMeta(n)+`\b`).MatchString(body) {
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
// it to compute models over the lake as it was on a past date.
func RunModels(ctx context.Context, db *sql.DB, fsys fs.FS, names []string) error {
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
