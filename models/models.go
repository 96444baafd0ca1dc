package models

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// layers run in this order; inside a layer, models run in dependency
// order, found by looking for other models' names in each model's SQL.
var layers = []string{"staging", "intermediate", "marts"}

// Model is one SQL file materialised as a table.
type Model struct {
	Name  string
	Layer string
	SQL   string
}

func loadModels(fsys fs.FS) ([]Model, error) {
	var all []Model
	for _, layer := range layers {
		files, err := fs.Glob(fsys, layer+"/*.sql")
		if err != nil {
			return nil, err
		}
		var ms []Model
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			ms = append(ms, Model{Name: strings.TrimSuffix(path.Base(f), ".sql"), Layer: layer, SQL: string(b)})
		}
		sorted, err := topo(ms)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", layer, err)
		}
		all = append(all, sorted...)
	}
	return all, nil
}

var reComment = regexp.MustCompile(`(?m)--.*$`)

// mentions reports whether m's SQL (comments aside) names another model:
// the one rule that makes a dependency. A name is mentioned when it is a
// whole word (a run of ASCII letters, digits and _), as `\bname\b` would
// find it; each SQL text is split into words once.
func mentions(m Model, name string) bool {
	if !isWord(name) {
		return regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).MatchString(reComment.ReplaceAllString(m.SQL, ""))
	}
	return sqlWords(m.SQL)[name]
}

var (
	reWord    = regexp.MustCompile(`[0-9A-Za-z_]+`)
	wordCache sync.Map // SQL text -> map[string]bool
)

// isWord reports whether name is one word as reWord finds them, without
// a regular expression: builds ask it for every test and model.
func isWord(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// sqlWords is the set of words of a SQL text, comments aside.
func sqlWords(text string) map[string]bool {
	if w, ok := wordCache.Load(text); ok {
		return w.(map[string]bool)
	}
	w := map[string]bool{}
	for _, x := range reWord.FindAllString(reComment.ReplaceAllString(text, ""), -1) {
		w[x] = true
	}
	wordCache.Store(text, w)
	return w
}

// parents maps every model to the models it reads, across layers.
func parents(all []Model) map[string][]string {
	out := make(map[string][]string, len(all))
	for _, m := range all {
		out[m.Name] = nil
		for _, o := range all {
			if o.Name != m.Name && mentions(m, o.Name) {
				out[m.Name] = append(out[m.Name], o.Name)
			}
		}
	}
	return out
}

// topo orders models so each runs after the models it names.
func topo(ms []Model) ([]Model, error) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	byName := map[string]int{}
	for i, m := range ms {
		byName[m.Name] = i
	}
	deps := make([][]int, len(ms))
	for i, m := range ms {
		for j, o := range ms {
			if i != j && mentions(m, o.Name) {
				deps[i] = append(deps[i], j)
			}
		}
	}
	state := make([]int, len(ms)) // 0 new, 1 visiting, 2 done
	var out []Model
	var visit func(i int, chain []string) error
	visit = func(i int, chain []string) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("models depend on each other in a cycle: %s", strings.Join(append(chain, ms[i].Name), " -> "))
		case 2:
			return nil
		}
		state[i] = 1
		for _, d := range deps[i] {
			if err := visit(d, append(chain, ms[i].Name)); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, ms[i])
		return nil
	}
	for i := range ms {
		if err := visit(i, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runSQLFiles executes every statement file matching pattern, in name order.
func runSQLFiles(ctx context.Context, db *sql.DB, fsys fs.FS, pattern string) error {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("sql/%s: %w", f, err)
		}
	}
	return nil
}

func drain(rows *sql.Rows) (int, string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, "", err
	}
	n := 0
	example := ""
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		if n == 0 {
			parts := make([]string, len(cols))
			for i, c := range cols {
				parts[i] = fmt.Sprintf("%s=%v", c, vals[i])
			}
			example = strings.Join(parts, " ")
		}
		n++
	}
	return n, example, rows.Err()
}
