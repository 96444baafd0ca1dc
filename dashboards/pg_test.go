package dashboards_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/waymark-data/waymark/dashboards"
	"github.com/waymark-data/waymark/internal/cli"
	"github.com/waymark-data/waymark/internal/testenv"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/publish"
)

// demoMonths is the short demo the package's tests share: long enough for
// a year-on-year comparison and a late submission.
const demoMonths = "14"

var demo struct {
	once sync.Once
	dir  string
	err  error
}

// demoWarehouse runs `waymark demo --months 14` once per test binary and
// returns its data directory (every test of the package reuses it).
func demoWarehouse(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the demo warehouse (about 2 minutes)")
	}
	demo.once.Do(func() {
		if d := os.Getenv("WAYMARK_TEST_DEMO_DIR"); d != "" {
			// A data directory `make demo` already built (for quick iterations).
			demo.dir = d
			return
		}
		demo.dir, demo.err = os.MkdirTemp("", "waymark-dashboards-demo-")
		if demo.err != nil {
			return
		}
		os.Setenv("WAYMARK_DATA_DIR", demo.dir)
		root := cli.NewRoot(io.Discard, io.Discard)
		root.SetArgs([]string{"demo", "--months", demoMonths, "--log-level", "error"})
		demo.err = root.Execute()
	})
	if demo.err != nil {
		t.Fatalf("demo: %v", demo.err)
	}
	return demo.dir
}

// served is the demo published to a real PostgreSQL with a reader role,
// and its dashboards generated.
type served struct {
	pg        *testenv.Postgres
	readerDSN string
	files     map[string][]byte
}

const reader = "grafana_reader"

func serve(t testing.TB) served {
	t.Helper()
	dir := demoWarehouse(t)
	pg := testenv.StartPostgres(t)
	pg.Psql(t, "CREATE ROLE "+reader+" LOGIN")
	store := warehouse.New(filepath.Join(dir, "warehouse"), 1, "Asia/Shanghai")
	db, _, err := store.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := publish.Run(ctx, db, publish.Options{DSN: pg.DSN, Schema: "waymark", Reader: reader}); err != nil {
		t.Fatal(err)
	}
	cat, err := dashboards.LoadCatalog(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	written, err := dashboards.Generate(out, cat, dashboards.Options{Schema: "waymark"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range written {
		if filepath.Ext(f) == ".json" {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(f)] = b
		}
	}
	u, _ := url.Parse(pg.DSN)
	u.User = url.User(reader)
	return served{pg: pg, readerDSN: u.String(), files: files}
}

// connectReader connects as Grafana does: the reader role, and (as the
// issue asks) pgx's simple protocol, so every value comes back as text
// with its type OID, as Grafana's driver reads it.
func connectReader(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Types Grafana's PostgreSQL data source reads into fields.
var readable = map[uint32]string{
	pgtype.TimestamptzOID: "timestamptz", pgtype.TimestampOID: "timestamp", pgtype.DateOID: "date",
	pgtype.Float8OID: "float8", pgtype.Float4OID: "float4", pgtype.NumericOID: "numeric",
	pgtype.Int2OID: "int2", pgtype.Int4OID: "int4", pgtype.Int8OID: "int8",
	pgtype.TextOID: "text", pgtype.VarcharOID: "varchar", pgtype.BoolOID: "bool",
}

type result struct {
	cols []pgconn.FieldDescription
	rows [][]any
}

func run(ctx context.Context, c *pgx.Conn, sql string) (result, error) {
	rows, err := c.Query(ctx, sql)
	if err != nil {
		return result{}, err
	}
	defer rows.Close()
	r := result{cols: rows.FieldDescriptions()}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return r, err
		}
		r.rows = append(r.rows, v)
	}
	return r, rows.Err()
}

// dashboardTime reads the time range a generated dashboard opens on.
func dashboardTime(t testing.TB, b []byte) (time.Time, time.Time) {
	t.Helper()
	var d struct {
		Time struct{ From, To string }
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	from, to := d.Time.From, d.Time.To
	f, err1 := time.Parse(time.RFC3339, from)
	tt, err2 := time.Parse(time.RFC3339, to)
	if err1 != nil || err2 != nil {
		t.Fatalf("time range %q %q: %v %v", from, to, err1, err2)
	}
	return f, tt
}

// envs are the variable settings a dashboard's panels are run with: the
// current values, and for a multi-value variable one value, two, and All.
func envs(t testing.TB, ctx context.Context, c *pgx.Conn, uid string, vars []dashboards.Variable, from, to time.Time) []dashboards.Env {
	t.Helper()
	// Grafana's interval: the range over ~1000 data points, in whole hours.
	interval := max(to.Sub(from)/1000/time.Hour, 1) * time.Hour
	base := dashboards.Env{From: from, To: to, Interval: interval, Vars: map[string]dashboards.Var{}}
	var multi []string
	all := map[string][]string{}
	for _, v := range vars {
		switch v.Type {
		case "custom":
			if len(v.Current) == 0 || !slices.Contains(v.Values, v.Current[0]) {
				t.Errorf("%s: variable %s's current value %v is not one of %v", uid, v.Name, v.Current, v.Values)
			}
			base.Vars[v.Name] = dashboards.Var{Values: v.Current}
		case "query":
			q, err := dashboards.Expand(v.Query, base)
			if err != nil {
				t.Errorf("%s: variable %s: %v", uid, v.Name, err)
				continue
			}
			r, err := run(ctx, c, q)
			if err != nil {
				t.Errorf("%s: variable %s as the reader: %v\n%s", uid, v.Name, err, q)
				continue
			}
			if len(r.rows) == 0 || len(r.cols) != 2 || r.cols[0].Name != "__value" || r.cols[1].Name != "__text" {
				t.Errorf("%s: variable %s: %d rows, columns %v; want rows of __value, __text", uid, v.Name, len(r.rows), r.cols)
				continue
			}
			for _, row := range r.rows {
				all[v.Name] = append(all[v.Name], fmt.Sprint(row[0]))
			}
			base.Vars[v.Name] = dashboards.Var{Values: all[v.Name][:1], Multi: v.Multi, IncludeAll: v.IncludeAll}
			if v.Multi {
				multi = append(multi, v.Name)
			}
		}
	}
	out := []dashboards.Env{base}
	for _, name := range multi {
		for _, n := range []int{2, len(all[name])} {
			e := base
			e.Vars = map[string]dashboards.Var{}
			for k, v := range base.Vars {
				e.Vars[k] = v
			}
			e.Vars[name] = dashboards.Var{Values: all[name][:min(n, len(all[name]))], Multi: true, IncludeAll: true}
			out = append(out, e)
		}
	}
	return out
}

// TestEveryPanelQueryAsTheReader: every panel, annotation and variable
// query of every generated dashboard, expanded as Grafana expands it, runs
// on the published demo as the reader role through the simple protocol,
// returns rows, names its time column "time" (timestamptz) and returns
// only types Grafana reads. The dashboards pass the lint, and every
// department a row links to has a dashboard.
func TestEveryPanelQueryAsTheReader(t *testing.T) {
	s := serve(t)
	if problems := dashboards.Lint(s.files); len(problems) > 0 {
		t.Errorf("lint:\n%s", strings.Join(problems, "\n"))
	}
	ctx := context.Background()
	c := connectReader(t, s.readerDSN)
	uids := map[string]bool{}
	for name := range s.files {
		uids[strings.TrimSuffix(name, ".json")] = true
	}
	kinds := map[string]int{}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range s.files {
			if !yield(n) {
				return
			}
		}
	})
	queries := 0
	for _, name := range names {
		uid, panels, vars, err := dashboards.Read(s.files[name])
		if err != nil {
			t.Fatal(err)
		}
		kinds[strings.SplitN(strings.TrimPrefix(uid, "waymark-"), "-", 2)[0]]++
		from, to := dashboardTime(t, s.files[name])
		for _, env := range envs(t, ctx, c, uid, vars, from, to) {
			for _, p := range panels {
				for _, q := range p.Queries {
					sql, err := dashboards.Expand(q.RawSQL, env)
					if err != nil {
						t.Errorf("%s / %s: %v", uid, p.Title, err)
						continue
					}
					queries++
					r, err := run(ctx, c, sql)
					if err != nil {
						t.Errorf("%s / %s: %v\n%s", uid, p.Title, err, sql)
						continue
					}
					if len(r.rows) == 0 && !strings.Contains(p.Description, "empty when none") {
						t.Errorf("%s / %s: no rows on the demo (vars %v)\n%s", uid, p.Title, env.Vars, sql)
					}
					hasTime := false
					for i, col := range r.cols {
						if _, ok := readable[col.DataTypeOID]; !ok {
							t.Errorf("%s / %s: column %s has type OID %d, not one Grafana reads", uid, p.Title, col.Name, col.DataTypeOID)
						}
						if col.Name == "time" {
							hasTime = true
							if col.DataTypeOID != pgtype.TimestamptzOID {
								t.Errorf("%s / %s: time is %s, want timestamptz", uid, p.Title, readable[col.DataTypeOID])
							}
						}
						if col.Name == "dept_uid" {
							for _, row := range r.rows {
								if v, ok := row[i].(string); ok && v != dashboards.DepartmentUID("") && !uids[v] {
									t.Errorf("%s / %s: a row links to department dashboard %s, not generated", uid, p.Title, v)
								}
							}
						}
					}
					if (q.Format == "time_series" || p.Type == "annotation") && !hasTime {
						t.Errorf("%s / %s: a time series without a time column", uid, p.Title)
					}
				}
			}
		}
	}
	for _, k := range []string{"overview", "indicator", "hazard", "health", "dept", "enterprise_relief", "science_literacy", "zero_waste", "geohazard_2023"} {
		if kinds[k] == 0 {
			t.Errorf("no %s dashboard generated (%v)", k, kinds)
		}
	}
	t.Logf("%d dashboards, %d queries run as %s", len(s.files), queries, reader)
	t.Run("ReaderCanOnlySelectTheServingSchema", func(t *testing.T) { readerCanOnlySelectTheServingSchema(t, s) })
}

// readerCanOnlySelectTheServingSchema: the role publish grants reads
// the serving tables and nothing else: INSERT, UPDATE, CREATE (in the
// serving schema or public) and reading the history or the previous
// version are refused.
func readerCanOnlySelectTheServingSchema(t *testing.T, s served) {
	ctx := context.Background()
	c := connectReader(t, s.readerDSN)
	if _, err := run(ctx, c, `SELECT count(*) FROM waymark.mart_scorecard`); err != nil {
		t.Fatalf("the reader cannot read the serving schema: %v", err)
	}
	for _, sql := range []string{
		`INSERT INTO waymark.mart_scorecard (indicator_id) VALUES ('x')`,
		`UPDATE waymark.mart_scorecard SET actual = 0`,
		`DELETE FROM waymark.mart_scorecard`,
		`CREATE TABLE waymark.mine (x int)`,
		`CREATE TABLE public.mine (x int)`,
		`CREATE SCHEMA mine`,
		`SELECT * FROM waymark_history.publishes`,
		`DROP TABLE waymark.mart_scorecard`,
	} {
		_, err := run(ctx, c, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "42501" && pe.Code != "42P01") {
			t.Errorf("%s as the reader: %v, want permission denied", sql, err)
		}
	}
}

// BenchmarkOverviewSQL loads the overview's panels on the published demo
// as the reader (20 loads): median and p95 of a whole load, goal ≤ 200 ms;
// then the slowest panel query of all dashboards.
func BenchmarkOverviewSQL(b *testing.B) {
	s := serve(b)
	ctx := context.Background()
	c := connectReader(b, s.readerDSN)
	type q struct{ name, sql string }
	prepare := func(file string) []q {
		uid, panels, vars, err := dashboards.Read(s.files[file])
		if err != nil {
			b.Fatal(err)
		}
		from, to := dashboardTime(b, s.files[file])
		env := envs(b, ctx, c, uid, vars, from, to)[0]
		var out []q
		for _, p := range panels {
			for _, pq := range p.Queries {
				sql, err := dashboards.Expand(pq.RawSQL, env)
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, q{uid + " / " + p.Title, sql})
			}
		}
		return out
	}
	overview := prepare(dashboards.OverviewUID + ".json")
	for i := 0; i < b.N; i++ {
		var loads []time.Duration
		for range 20 {
			start := time.Now()
			for _, x := range overview {
				if _, err := run(ctx, c, x.sql); err != nil {
					b.Fatal(err)
				}
			}
			loads = append(loads, time.Since(start))
		}
		sort.Slice(loads, func(i, j int) bool { return loads[i] < loads[j] })
		med, p95 := loads[len(loads)/2], loads[len(loads)*95/100-1]
		b.ReportMetric(float64(med.Microseconds())/1000, "overview-median-ms")
		b.ReportMetric(float64(p95.Microseconds())/1000, "overview-p95-ms")
		slowest, which := time.Duration(0), ""
		for name := range s.files {
			for _, x := range prepare(name) {
				start := time.Now()
				if _, err := run(ctx, c, x.sql); err != nil {
					b.Fatal(err)
				}
				if d := time.Since(start); d > slowest {
					slowest, which = d, x.name
				}
			}
		}
		b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest-panel-ms")
		b.Logf("overview (%d queries): median %v, p95 %v of 20 loads (goal ≤ 200ms); slowest panel of all dashboards: %s, %v",
			len(overview), med, p95, which, slowest)
	}
}
