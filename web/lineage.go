package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waymark-data/waymark/models"
)

// node is a table in the lineage graph: a model of sql/, a lake data set
// (lake_<dataset>) or a seed table (seed_<file>, targets).
type node struct {
	Name   string
	Kind   string // seed, lake, staging, intermediate, marts
	SQL    string
	Doc    *modelDoc
	Up     []string // tables it reads
	Down   []string // tables that read it
	Tests  []string // data tests (sql/tests) that read it
	Layer  int      // display order of kinds
	Exists bool     // a model with SQL (not a source)
}

// modelDoc is the YAML beside a model (the dbt-like format of sql/).
type modelDoc struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Owner       string      `yaml:"owner"`
	Columns     []columnDoc `yaml:"columns"`
	Tests       []yaml.Node `yaml:"tests"`
}

type columnDoc struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Unit        string      `yaml:"unit"`
	Tests       []yaml.Node `yaml:"tests"`
}

// testText shows a YAML test as it is written (flow style, one line).
func testText(n yaml.Node) string {
	setFlow(&n)
	b, err := yaml.Marshal(&n)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}

// graph is the lineage of the whole warehouse as the model runner sees it
// (models.Lineage: a model depends on the tables its SQL names), with what
// the catalog shows beside it: each model's YAML, the tables that read it
// and the data tests that check it.
type graph struct {
	nodes map[string]*node
}

var (
	reSQLComment = regexp.MustCompile(`(?m)--.*$`)
	// Tables that exist before the models run: the lake, seeds, targets.
	reTableRef = regexp.MustCompile(`\b(lake_[a-z0-9_]+|seed_[a-z0-9_]+|targets)\b`)
	reWord     = regexp.MustCompile(`[A-Za-z0-9_]+`)
)

var kindOrder = map[string]int{"seed": 0, "lake": 0, "staging": 1, "intermediate": 2, "marts": 3}

func loadGraph(sqlFS fs.FS) (*graph, error) {
	// The sources are whatever lake, seed or target table the SQL names.
	var sources []string
	for _, layer := range []string{"staging", "intermediate", "marts", "tests"} {
		files, err := fs.Glob(sqlFS, layer+"/*.sql")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := fs.ReadFile(sqlFS, f)
			if err != nil {
				return nil, err
			}
			sources = append(sources, reTableRef.FindAllString(reSQLComment.ReplaceAllString(string(b), ""), -1)...)
		}
	}
	slices.Sort(sources)
	sources = slices.Compact(sources)
	lg, err := models.Lineage(sqlFS, sources)
	if err != nil {
		return nil, err
	}
	g := &graph{nodes: map[string]*node{}}
	for _, m := range lg.Nodes {
		n := &node{Name: m.Name, Kind: m.Layer, SQL: m.SQL, Layer: kindOrder[m.Layer], Exists: true, Up: m.Reads}
		if y, err := fs.ReadFile(sqlFS, m.Layer+"/"+m.Name+".yaml"); err == nil {
			var d modelDoc
			if yaml.Unmarshal(y, &d) == nil {
				n.Doc = &d
			}
		}
		g.nodes[m.Name] = n
	}
	for _, m := range lg.Nodes {
		for _, r := range m.Reads {
			if _, ok := g.nodes[r]; !ok {
				kind := "seed"
				if strings.HasPrefix(r, "lake_") {
					kind = "lake"
				}
				g.nodes[r] = &node{Name: r, Kind: kind}
			}
			g.nodes[r].Down = append(g.nodes[r].Down, m.Name)
		}
	}
	// Data tests name the tables they check (as whole words, the way a
	// model names what it reads).
	tests, _ := fs.Glob(sqlFS, "tests/*.sql")
	for _, f := range tests {
		b, _ := fs.ReadFile(sqlFS, f)
		words := map[string]bool{}
		for _, w := range reWord.FindAllString(reSQLComment.ReplaceAllString(string(b), ""), -1) {
			words[w] = true
		}
		for _, name := range slices.Sorted(maps.Keys(g.nodes)) {
			if words[name] {
				g.nodes[name].Tests = append(g.nodes[name].Tests, strings.TrimSuffix(path.Base(f), ".sql"))
			}
		}
	}
	for _, n := range g.nodes {
		sort.Strings(n.Down)
	}
	return g, nil
}

// models returns the model nodes by layer then name.
func (g *graph) models() []*node {
	var out []*node
	for _, n := range g.nodes {
		if n.Exists {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Layer != out[j].Layer {
			return out[i].Layer < out[j].Layer
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// walk collects names reachable from start through next, up to depth
// steps (0: no limit).
func (g *graph) walk(start string, depth int, next func(*node) []string) map[string]bool {
	seen := map[string]bool{}
	frontier := []string{start}
	for d := 0; len(frontier) > 0 && (depth == 0 || d < depth); d++ {
		var nxt []string
		for _, f := range frontier {
			n := g.nodes[f]
			if n == nil {
				continue
			}
			for _, m := range next(n) {
				if !seen[m] {
					seen[m] = true
					nxt = append(nxt, m)
				}
			}
		}
		frontier = nxt
	}
	return seen
}

func up(n *node) []string   { return n.Up }
func down(n *node) []string { return n.Down }

// modelLineage is the neighbourhood of one model: two steps up and two
// down.
func (g *graph) modelLineage(name string) []string {
	set := g.walk(name, 2, up)
	for k := range g.walk(name, 2, down) {
		set[k] = true
	}
	set[name] = true
	return keys(set)
}

// indicatorLineage is how an indicator's number is made: everything the
// model that computes it reads (all the way to the lake and the seeds),
// and the way from that model to the scorecard.
func (g *graph) indicatorLineage(model string, datasets []string) []string {
	if g.nodes[model] == nil {
		return nil
	}
	set := g.walk(model, 0, up)
	set[model] = true
	below := g.walk(model, 0, down)
	toScore := g.walk("mart_scorecard", 0, up)
	toScore["mart_scorecard"] = true
	for k := range below {
		if toScore[k] {
			set[k] = true
		}
	}
	// Seed tables of the catalog itself clutter the picture of where the
	// number comes from; keep the lake and the models.
	for k := range set {
		if n := g.nodes[k]; n != nil && n.Kind == "seed" && !strings.HasPrefix(k, "seed_indicator") && k != "targets" {
			delete(set, k)
		}
	}
	for _, d := range datasets {
		if g.nodes["lake_"+d] != nil {
			set["lake_"+d] = true
		}
	}
	return keys(set)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// svg draws the graph of the given tables left to right: each table in
// the column of its longest path from a source, edges as curves, each
// box a link to its page (href(name) returns it, "" for none). Drawn on
// the server so it shows with no script and prints.
func (g *graph) svg(names []string, focus string, href func(string) string) template.HTML {
	if len(names) == 0 {
		return ""
	}
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	col := map[string]int{}
	var rank func(string, int) int
	rank = func(n string, depth int) int {
		if c, ok := col[n]; ok {
			return c
		}
		r := 0
		if depth < 64 {
			for _, u := range g.nodes[n].Up {
				if in[u] {
					r = max(r, rank(u, depth+1)+1)
				}
			}
		}
		col[n] = r
		return r
	}
	cols := 0
	for _, n := range names {
		cols = max(cols, rank(n, 0)+1)
	}
	byCol := make([][]string, cols)
	for _, n := range names {
		byCol[col[n]] = append(byCol[col[n]], n)
	}
	const boxW, boxH, gapX, gapY, pad = 210, 26, 60, 10, 12
	rows := 0
	for _, c := range byCol {
		rows = max(rows, len(c))
	}
	width := pad*2 + cols*boxW + (cols-1)*gapX
	height := pad*2 + rows*boxH + (rows-1)*gapY
	pos := map[string][2]int{}
	for ci, c := range byCol {
		sort.Slice(c, func(i, j int) bool {
			if g.nodes[c[i]].Layer != g.nodes[c[j]].Layer {
				return g.nodes[c[i]].Layer < g.nodes[c[j]].Layer
			}
			return c[i] < c[j]
		})
		off := (rows - len(c)) * (boxH + gapY) / 2
		for ri, n := range c {
			pos[n] = [2]int{pad + ci*(boxW+gapX), pad + off + ri*(boxH+gapY)}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="lineage" viewBox="0 0 %d %d" width="%d" role="img" aria-label="血缘关系图 lineage graph" xmlns="http://www.w3.org/2000/svg">`, width, height, width)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a8591"/></marker></defs>`)
	for _, n := range names {
		for _, u := range g.nodes[n].Up {
			if !in[u] {
				continue
			}
			a, z := pos[u], pos[n]
			x1, y1 := a[0]+boxW, a[1]+boxH/2
			x2, y2 := z[0], z[1]+boxH/2
			mid := (x1 + x2) / 2
			fmt.Fprintf(&b, `<path class="edge" data-from="%s" data-to="%s" d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" stroke="#9aa4ae" stroke-width="1.3" marker-end="url(#arrow)"/>`,
				template.HTMLEscapeString(u), template.HTMLEscapeString(n), x1, y1, mid, y1, mid, y2, x2-2, y2)
		}
	}
	fill := map[string]string{"seed": "#eceff2", "lake": "#dcf3e3", "staging": "#e3eefb", "intermediate": "#cfe0f7", "marts": "#fde7c8"}
	for _, n := range names {
		p := pos[n]
		nd := g.nodes[n]
		label := n
		if len([]rune(label)) > 30 {
			label = string([]rune(label)[:29]) + "…"
		}
		cls := "node"
		stroke := "#7a8591"
		if n == focus {
			cls += " focus"
			stroke = "#12325a"
		}
		box := fmt.Sprintf(`<g class="%s" data-name="%s"><title>%s (%s)</title><rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s" stroke="%s"/><text x="%d" y="%d">%s</text></g>`,
			cls, template.HTMLEscapeString(n), template.HTMLEscapeString(n), nd.Kind, p[0], p[1], boxW, boxH, fill[nd.Kind], stroke, p[0]+8, p[1]+17, template.HTMLEscapeString(label))
		if h := href(n); h != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, template.HTMLEscapeString(h), box)
		} else {
			b.WriteString(box)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
