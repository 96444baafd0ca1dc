// Package web is the web face of Waymark: the department portal that
// `waymark serve` mounts (sign in, what is due, the pre-filled template, an
// upload that answers at once with every rejected cell, the history of a
// department's own submissions) and the catalog and docs site (plans,
// indicators, data sets, models with their lineage, dashboards) that
// serve shows under /docs/ and `waymark docs DIR` writes as static files
// that work from the file system with no server and no network.
//
// Pages are server-rendered with html/template; CSS and the little
// JavaScript (search, the lineage graph's highlighting) are embedded. The
// package is a capability: it is given its inputs (contracts, seeds, SQL,
// the lake, the warehouse store) and reads the warehouse only through
// internal/warehouse, so it is tested without the command line.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/waymark-data/waymark/connectors"
	_ "github.com/waymark-data/waymark/connectors/upload" // the portal's connector
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Options is everything the web face reads. Zero values are tolerated
// where a part is optional (no warehouse yet, no Grafana, no tokens).
type Options struct {
	// Lake is read for submissions, manifests and quarantined rows, and
	// written only by the runner an upload goes through.
	Lake lake.Lake
	// Store is the warehouse; nil or an unbuilt one shows no current values.
	Store *warehouse.Store
	// Datasets are the data-set contracts; Refs the reference data they
	// check values against (departments with their aliases, indicators…).
	Datasets map[string]*pipelines.Dataset
	Refs     pipelines.Refs
	// Seeds and SQL are the content: the bulletin as CSV and the models
	// with the YAML beside each.
	Seeds fs.FS
	SQL   fs.FS
	// Location is the zone periods and deadlines are cut in; TimeZone its name.
	Location *time.Location
	TimeZone string
	// Limits are the ingest's limits; an upload larger than MaxBytes is
	// refused before it is read further.
	Limits connectors.Limits
	// FeedbackDir is where the runner writes feedback workbooks.
	FeedbackDir string
	// StagingDir holds uploads while they are ingested (names chosen by
	// the portal, removed afterwards).
	StagingDir string
	// Tokens are the departments' sign-in tokens by dept_id, in clear or
	// as "sha256:<hex>"; only their hashes are kept.
	Tokens map[string]string
	// GrafanaURL, when set, links dashboards into Grafana.
	GrafanaURL string
	// LockWait is how long an upload waits for a scheduled ingest of the
	// same data set to finish (default 30 s).
	LockWait time.Duration
	// OnRun is told of every ingest run an upload made (metrics, and to
	// mark the warehouse for a rebuild).
	OnRun func(pipelines.RunResult)
	Log   *slog.Logger
	// Now is the clock; tests pin it.
	Now func() time.Time
}

// Server serves the portal under /portal/, the docs under /docs/ and the
// assets under /assets/.
type Server struct {
	o      Options
	pages  map[string]*template.Template
	mux    *http.ServeMux
	auth   *auth
	depts  []department
	byID   map[string]department
	upMu   sync.Map // data set -> *sync.Mutex: one upload per data set at a time
	siteMu sync.Mutex
	site   *cachedSite
	// cache keeps lake reads (history, the status report) until the lake
	// changes under them.
	cacheMu sync.Mutex
	cache   map[string]cacheEntry
}

// New builds the web face.
func New(o Options) (*Server, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LockWait == 0 {
		o.LockWait = 30 * time.Second
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, pages: pages, mux: http.NewServeMux()}
	s.depts, err = loadDepartments(o.Seeds, o.Datasets, o.Refs)
	if err != nil {
		return nil, err
	}
	s.byID = map[string]department{}
	for _, d := range s.depts {
		s.byID[d.ID] = d
	}
	s.auth, err = newAuth(o.Tokens, s.byID)
	if err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.Handle("GET /assets/", http.FileServerFS(assetFiles))
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.HandleFunc("GET /portal/{$}", s.portal)
	s.mux.HandleFunc("POST /portal/login", s.login)
	s.mux.HandleFunc("POST /portal/logout", s.logout)
	s.mux.HandleFunc("GET /portal/template", s.template)
	s.mux.HandleFunc("POST /portal/upload", s.upload)
	s.mux.HandleFunc("GET /portal/submission", s.submission)
	s.mux.HandleFunc("GET /portal/feedback", s.feedback)
	s.mux.HandleFunc("GET /docs/", s.docs)
}

// ServeHTTP sets the headers every page carries: no framing (click-
// jacking), no sniffing, a content security policy that allows only this
// origin's own scripts and styles, and no referrer leaking query strings.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "home", map[string]any{"Title": "Waymark", "Root": "/"})
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"rel": func(root, p string) string { // a link relative to the site root
		return root + strings.TrimPrefix(p, "/")
	},
	"fmtnum": fmtNum,
}

func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFiles, "templates/base.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "base" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page; a template error becomes a 500 with no details.
func (s *Server) render(w http.ResponseWriter, status int, page string, data map[string]any) {
	var b strings.Builder
	if err := s.pages[page].ExecuteTemplate(&b, "base", data); err != nil {
		s.o.Log.Error("render", "page", page, "err", err)
		http.Error(w, "内部错误 internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fmtNum shows a number as a person reads it: no trailing zeros, at most
// two decimals.
func fmtNum(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		s := fmt.Sprintf("%.2f", x)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s
	case float32:
		return fmtNum(float64(x))
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04")
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
