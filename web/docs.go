package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/dashboards"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// Site is the docs site as files: relative path -> bytes. Every link in it
// is relative and every asset is inside it, so it works from file://.
type Site map[string][]byte

// WriteSite builds the docs site and writes it under dir; it returns the
// number of files written.
func WriteSite(ctx context.Context, o Options, dir string) (int, error) {
	s, err := New(o)
	if err != nil {
		return 0, err
	}
	site, err := s.BuildSite(ctx)
	if err != nil {
		return 0, err
	}
	for _, p := range slices.Sorted(maps.Keys(site)) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(full, site[p], 0o644); err != nil {
			return 0, err
		}
	}
	return len(site), nil
}

type cachedSite struct {
	site    Site
	version string
	at      time.Time
}

// docs serves the site from memory, rebuilt when the warehouse version
// changes or ten minutes have passed (the lake's freshness moves too).
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/docs/")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	site, err := s.currentSite(r.Context())
	if err != nil {
		s.fail(w, "docs", err)
		return
	}
	b, ok := site[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		w.Header().Set("Content-Type", t)
	}
	w.Write(b)
}

func (s *Server) currentSite(ctx context.Context) (Site, error) {
	s.siteMu.Lock()
	defer s.siteMu.Unlock()
	version := ""
	if s.o.Store != nil {
		version, _ = s.o.Store.Current()
	}
	if c := s.site; c != nil && c.version == version && time.Since(c.at) < 10*time.Minute {
		return c.site, nil
	}
	site, err := s.BuildSite(ctx)
	if err != nil {
		return nil, err
	}
	s.site = &cachedSite{site: site, version: version, at: time.Now()}
	return site, nil
}

type row = map[string]any

// str reads a text cell.
func str(r row, k string) string {
	if v, ok := r[k]; ok && v != nil {
		return fmtNum(v)
	}
	return ""
}

func queryRows(ctx context.Context, db *sql.DB, q string, args ...any) ([]row, []string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	t, err := sqltext.Collect(rows)
	if err != nil {
		return nil, nil, err
	}
	out := make([]row, len(t.Rows))
	for i, r := range t.Rows {
		m := row{}
		for j, c := range t.Columns {
			m[c] = r[j]
		}
		out[i] = m
	}
	return out, t.Columns, nil
}

// catalog is everything the docs show.
type catalog struct {
	plans, docs, indicators, targets, paths []row
	score                                   map[string][]row // indicator_id -> scorecard rows
	scoreCols                               []string
	fresh                                   map[string]map[string]string
	graph                                   *graph
	dashboards                              []dashboards.Plan
	version                                 string
	built                                   string
}

func (s *Server) loadCatalog(ctx context.Context) (*catalog, error) {
	c := &catalog{score: map[string][]row{}, fresh: map[string]map[string]string{}}
	db, err := warehouse.Scratch(s.o.TimeZone)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := models.LoadReference(ctx, db, s.o.Seeds); err != nil {
		return nil, err
	}
	for _, q := range []struct {
		dst *[]row
		sql string
	}{
		{&c.plans, `SELECT p.*, d.title_zh, d.title_en, d.issuer_zh, d.issued_date, d.notes AS doc_notes,
		            (SELECT count(*) FROM seed_indicators i WHERE i.plan_id = p.plan_id) AS indicators
		            FROM seed_plans p LEFT JOIN seed_documents d USING (doc_no) ORDER BY p.plan_id`},
		{&c.docs, `SELECT * FROM seed_documents ORDER BY issued_date, doc_no`},
		{&c.indicators, `SELECT * FROM seed_indicators ORDER BY plan_id, TRY_CAST(seq AS INTEGER), indicator_id`},
		{&c.targets, `SELECT * FROM targets ORDER BY indicator_id, kind, year`},
		{&c.paths, `SELECT * FROM seed_indicator_paths`},
	} {
		if *q.dst, _, err = queryRows(ctx, db, q.sql); err != nil {
			return nil, err
		}
	}
	// Freshness per data set, from the lake (the report `waymark status` prints).
	if st, err := pipelines.Status(ctx, pipelines.StatusInput{Lake: s.o.Lake, Datasets: s.o.Datasets, Refs: s.o.Refs,
		TimeZone: s.o.TimeZone, Period: time.Now(), Now: s.o.Now()}); err == nil {
		for _, t := range st {
			if t.Title != "freshness per data set" {
				continue
			}
			for _, m := range tableMaps(t) {
				c.fresh[m["dataset"]] = m
			}
		}
	}
	c.graph, err = loadGraph(s.o.SQL)
	if err != nil {
		return nil, err
	}
	if err := s.loadCurrent(ctx, c); err != nil {
		s.o.Log.Warn("docs: current values not shown", "err", err)
	}
	c.built = s.o.Now().In(s.o.Location).Format("2006-01-02 15:04")
	return c, nil
}

// loadCurrent reads the current warehouse, when there is one: the
// scorecard's rows with whatever columns it has now, and the dashboards.
func (s *Server) loadCurrent(ctx context.Context, c *catalog) error {
	if s.o.Store == nil {
		return nil
	}
	db, path, err := s.o.Store.OpenCurrent()
	if errors.Is(err, warehouse.ErrNoVersion) {
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	c.version = filepath.Base(path)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'mart_scorecard'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, cols, err := queryRows(ctx, db, `SELECT * FROM mart_scorecard`)
	if err != nil {
		return err
	}
	c.scoreCols = cols
	for _, r := range rows {
		id := str(r, "indicator_id")
		c.score[id] = append(c.score[id], r)
	}
	for _, rs := range c.score {
		slices.SortFunc(rs, func(a, b row) int { return strings.Compare(str(a, "year"), str(b, "year")) })
	}
	if ps, err := dashboards.LoadPlans(ctx, db); err == nil {
		c.dashboards = ps
	}
	return nil
}

// scoreColumns are the scorecard columns an indicator page shows, in this
// order, when the current scorecard has them (it grows: look them up).
var scoreColumns = []struct{ name, zh string }{
	{"year", "年度"}, {"target_text", "目标"}, {"actual", "实际值"}, {"actual_unit", "单位"}, {"as_of_period", "截至"},
	{"gap", "差距"}, {"status", "状态"}, {"light_zh", "三色灯"}, {"light_reason", "说明"}, {"progress_pct", "进度 %"},
	{"expected_pct", "应达进度 %"}, {"forecast_status", "预测"}, {"no_actual_reason", "无实际值原因"},
}

var statusZh = map[string]string{"met": "已达标", "not_met": "未达标", "not_evaluable": "无法评价"}

// BuildSite renders every page of the docs site.
func (s *Server) BuildSite(ctx context.Context) (Site, error) {
	c, err := s.loadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	site := Site{}
	err = fs.WalkDir(assetFiles, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		site[p], err = fs.ReadFile(assetFiles, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	footer := "生成于 " + c.built
	if c.version != "" {
		footer += " · 数仓版本 warehouse " + c.version
	} else {
		footer += " · 尚无数仓（未显示当前值） no warehouse built yet"
	}
	page := func(file, tmpl string, data map[string]any) error {
		depth := strings.Count(file, "/")
		data["Root"] = strings.Repeat("../", depth)
		data["Static"] = true
		data["Footer"] = footer
		var b bytes.Buffer
		if err := s.pages[tmpl].ExecuteTemplate(&b, "base", data); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		site[file] = b.Bytes()
		return nil
	}
	pathOf := map[string]row{}
	for _, p := range c.paths {
		pathOf[str(p, "indicator_id")] = p
	}
	targetsOf := map[string][]row{}
	for _, t := range c.targets {
		id := str(t, "indicator_id")
		targetsOf[id] = append(targetsOf[id], t)
	}
	byPlan := map[string][]map[string]any{}
	var index []map[string]string
	lightOf := func(id string) (string, string) { // the latest year's light and status
		rs := c.score[id]
		for i := len(rs) - 1; i >= 0; i-- {
			if str(rs[i], "actual") != "" {
				return str(rs[i], "light"), str(rs[i], "status")
			}
		}
		return "", ""
	}
	for _, ind := range c.indicators {
		id := str(ind, "indicator_id")
		light, status := lightOf(id)
		byPlan[str(ind, "plan_id")] = append(byPlan[str(ind, "plan_id")], map[string]any{"I": ind, "Path": pathOf[id], "Light": light, "Status": status, "StatusZh": statusZh[status]})
		index = append(index, map[string]string{"k": "指标 indicator", "id": id, "zh": str(ind, "name_zh"), "en": str(ind, "name_en"), "u": "indicators/" + id + ".html"})
	}
	href := func(from string) func(string) string {
		return func(n string) string {
			nd := c.graph.nodes[n]
			switch {
			case nd == nil:
				return ""
			case nd.Exists:
				return from + "models/" + n + ".html"
			case nd.Kind == "lake" && s.o.Datasets[strings.TrimPrefix(n, "lake_")] != nil:
				return from + "datasets/" + strings.TrimPrefix(n, "lake_") + ".html"
			}
			return ""
		}
	}
	// Plans.
	var plans []map[string]any
	for _, p := range c.plans {
		id := str(p, "plan_id")
		plans = append(plans, map[string]any{"P": p, "Indicators": byPlan[id]})
		index = append(index, map[string]string{"k": "规划 plan", "id": str(p, "doc_no"), "zh": str(p, "name_zh"), "en": str(p, "name_en"), "u": "plans/" + id + ".html"})
		if err := page("plans/"+id+".html", "docs_plan", map[string]any{"Title": str(p, "name_zh"), "P": p, "Indicators": byPlan[id]}); err != nil {
			return nil, err
		}
	}
	// Indicators.
	docByNo := map[string]row{}
	for _, d := range c.docs {
		docByNo[str(d, "doc_no")] = d
	}
	for _, ind := range c.indicators {
		id := str(ind, "indicator_id")
		pth := pathOf[id]
		var dsets []string
		for _, d := range strings.Split(str(pth, "datasets"), ";") {
			if d = strings.TrimSpace(d); d != "" {
				dsets = append(dsets, d)
			}
		}
		var lineage template.HTML
		if m := strings.TrimSpace(str(pth, "model")); m != "" {
			lineage = c.graph.svg(c.graph.indicatorLineage(m, dsets), m, href("../"))
		}
		var scoreHead []map[string]string
		for _, sc := range scoreColumns {
			if slices.Contains(c.scoreCols, sc.name) {
				scoreHead = append(scoreHead, map[string]string{"name": sc.name, "zh": sc.zh})
			}
		}
		var scoreRows [][]string
		for _, r := range c.score[id] {
			var cells []string
			for _, h := range scoreHead {
				v := str(r, h["name"])
				if h["name"] == "status" && statusZh[v] != "" {
					v = statusZh[v] + " " + v
				}
				cells = append(cells, v)
			}
			scoreRows = append(scoreRows, cells)
		}
		var dsLinks []map[string]string
		for _, d := range dsets {
			m := map[string]string{"name": d}
			if ds := s.o.Datasets[d]; ds != nil {
				m["title"] = ds.TitleZh
			}
			dsLinks = append(dsLinks, m)
		}
		light, status := lightOf(id)
		data := map[string]any{"Title": str(ind, "name_zh") + " · " + id, "I": ind, "Path": pth, "Targets": targetsOf[id],
			"Doc": docByNo[str(ind, "doc_no")], "Lineage": lineage, "ScoreHead": scoreHead, "ScoreRows": scoreRows,
			"HasWarehouse": c.version != "", "Datasets": dsLinks, "Light": light, "StatusZh": statusZh[status], "Status": status}
		if err := page("indicators/"+id+".html", "docs_indicator", data); err != nil {
			return nil, err
		}
	}
	// Data sets.
	var sets []map[string]any
	for _, n := range slices.Sorted(maps.Keys(s.o.Datasets)) {
		ds := s.o.Datasets[n]
		var depts []string
		for _, d := range ds.Departments {
			depts = append(depts, s.o.Refs.Canonical(d))
		}
		var feeds []string
		for _, p := range c.paths {
			if slices.Contains(strings.Split(str(p, "datasets"), ";"), n) {
				feeds = append(feeds, str(p, "indicator_id"))
			}
		}
		m := map[string]any{"D": ds, "Rule": dueRule(ds), "Departments": depts, "Fresh": c.fresh[n], "Feeds": feeds,
			"Lineage": c.graph.svg(c.graph.modelLineage("lake_"+n), "lake_"+n, href("../"))}
		sets = append(sets, m)
		index = append(index, map[string]string{"k": "数据集 data set", "id": n, "zh": ds.TitleZh, "en": ds.TitleEn, "u": "datasets/" + n + ".html"})
		data := maps.Clone(m)
		data["Title"] = ds.TitleZh
		if err := page("datasets/"+n+".html", "docs_dataset", data); err != nil {
			return nil, err
		}
	}
	if err := page("datasets.html", "docs_datasets", map[string]any{"Title": "数据集 Data sets", "Sets": sets}); err != nil {
		return nil, err
	}
	// Models.
	var ms []map[string]any
	for _, n := range c.graph.models() {
		desc := ""
		if n.Doc != nil {
			desc = n.Doc.Description
		}
		ms = append(ms, map[string]any{"N": n, "Desc": desc})
		index = append(index, map[string]string{"k": "模型 model", "id": n.Name, "zh": n.Name, "en": firstSentence(desc), "u": "models/" + n.Name + ".html"})
		var modelTests []string
		var cols []map[string]any
		if n.Doc != nil {
			for _, t := range n.Doc.Tests {
				modelTests = append(modelTests, testText(t))
			}
			for _, col := range n.Doc.Columns {
				var ts []string
				for _, t := range col.Tests {
					ts = append(ts, testText(t))
				}
				cols = append(cols, map[string]any{"C": col, "Tests": ts})
			}
		}
		data := map[string]any{"Title": n.Name, "N": n, "Columns": cols, "ModelTests": modelTests,
			"Lineage": c.graph.svg(c.graph.modelLineage(n.Name), n.Name, href("../")),
			"Up":      links(c.graph, n.Up, href("../")), "Down": links(c.graph, n.Down, href("../"))}
		if err := page("models/"+n.Name+".html", "docs_model", data); err != nil {
			return nil, err
		}
	}
	if err := page("models.html", "docs_models", map[string]any{"Title": "模型 Models", "Models": ms}); err != nil {
		return nil, err
	}
	// Dashboards.
	var dash []map[string]string
	for _, p := range c.dashboards {
		m := map[string]string{"uid": "waymark-" + p.ID, "zh": p.NameZh, "en": p.NameEn, "doc": p.DocNo, "plan": p.ID}
		if s.o.GrafanaURL != "" {
			m["url"] = strings.TrimRight(s.o.GrafanaURL, "/") + "/d/waymark-" + p.ID
		}
		dash = append(dash, m)
	}
	if err := page("dashboards.html", "docs_dashboards", map[string]any{"Title": "看板 Dashboards", "Dashboards": dash,
		"Grafana": s.o.GrafanaURL, "HasWarehouse": c.version != ""}); err != nil {
		return nil, err
	}
	// Index and the search index (a script, not JSON: fetch() of a local
	// file is refused under file://, a <script src> is not).
	if err := page("index.html", "docs_index", map[string]any{"Title": "Waymark 指标目录 Catalog", "Plans": plans, "Docs": c.docs,
		"Sets": len(sets), "Models": len(ms), "Indicators": len(c.indicators)}); err != nil {
		return nil, err
	}
	js, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	site["assets/search-index.js"] = append(append([]byte("window.WAYMARK_INDEX = "), js...), ";\n"...)
	return site, nil
}

func links(g *graph, names []string, href func(string) string) []map[string]string {
	var out []map[string]string
	for _, n := range names {
		out = append(out, map[string]string{"name": n, "href": href(n), "kind": g.nodes[n].Kind})
	}
	return out
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.IndexAny(s, ".。"); i > 0 && i < 160 {
		return s[:i]
	}
	if len([]rune(s)) > 120 {
		return string([]rune(s)[:120]) + "…"
	}
	return s
}
