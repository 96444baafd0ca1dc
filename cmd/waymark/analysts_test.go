package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/warehouse"
)

// TestAnalystCommands runs sql -f/--out, export --as-of and explain on
// demo data as a user would.
func TestAnalystCommands(t *testing.T) {
	dir := demoCopy(t)
	// sql: statements from a file, a result to Parquet.
	q := filepath.Join(dir, "q.sql")
	os.WriteFile(q, []byte("-- two statements\nSELECT 1 AS a;\nSELECT 'zw-18' AS id, 2 AS b;\n"), 0o644)
	if r := run(t, dir, nil, "sql", "-f", q, "--format", "csv"); r.code != 0 || r.stdout != "a\n1\nid,b\nzw-18,2\n" {
		t.Errorf("sql -f: %d %q %s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "scorecard.parquet")
	if r := run(t, dir, nil, "sql", "SELECT indicator_id, year, actual FROM mart_scorecard WHERE indicator_id = 'zw-18'", "--out", out); r.code != 0 {
		t.Errorf("sql --out: %s", r.stderr)
	}
	if n := lakeRows(t, out); n != "3" {
		t.Errorf("%s holds %s rows, want 3", out, n)
	}

	// export as of a day between the first January report (3 Feb) and its
	// correction (10 Feb): January's actual is the first-reported one.
	first := run(t, dir, nil, "sql", "--format", "csv", `SELECT round(100 * sum(utilised_t) / sum(generated_t), 6)
		FROM stg_zw_industrial_solid_waste WHERE period = DATE '2023-01-01' AND NOT is_latest`)
	latest := run(t, dir, nil, "sql", "--format", "csv", `SELECT round(actual, 6) FROM mart_indicator_monthly WHERE indicator_id = 'zw-18' AND period = DATE '2023-01-01'`)
	ex := filepath.Join(dir, "export-zw-18")
	r := run(t, dir, nil, "export", "zw-18", "--as-of", "2023-02-05", "--dir", ex)
	if r.code != 0 || !strings.Contains(r.stdout, "exported indicator zw-18 as of 2023-02-05") {
		t.Fatalf("export: %d %s %s", r.code, r.stdout, r.stderr)
	}
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var asOf string
	if err := db.QueryRow(`SELECT CAST(round(actual, 6) AS VARCHAR) FROM read_parquet(?) WHERE period = DATE '2023-01-01'`, filepath.Join(ex, "monthly.parquet")).Scan(&asOf); err != nil {
		t.Fatal(err)
	}
	wantFirst := strings.Split(strings.TrimSpace(first.stdout), "\n")[1]
	if asOf != wantFirst || strings.Contains(latest.stdout, "\n"+wantFirst+"\n") {
		t.Errorf("as-of actual %s, first reported %s, corrected %q", asOf, wantFirst, latest.stdout)
	}
	var man struct {
		Export struct {
			AsOf    string `json:"as_of"`
			BuildID string `json:"build_id"`
		} `json:"export"`
		Files []struct{ Path, SHA256 string }
	}
	b, _ := os.ReadFile(filepath.Join(ex, "manifest.json"))
	if err := json.Unmarshal(b, &man); err != nil || man.Export.BuildID == "" || man.Export.AsOf != "2023-02-05" || len(man.Files) < 4 {
		t.Errorf("manifest: %v\n%s", err, b)
	}
	for _, f := range []string{"README.md", "dictionary.json", "zw_industrial_solid_waste/month=2023-01/part-0.parquet"} {
		if _, err := os.Stat(filepath.Join(ex, f)); err != nil {
			t.Errorf("export lacks %s", f)
		}
	}

	// explain: the rows behind January, the correction's first report as
	// a revision, the rejected duplicate row of the corrected file.
	r = run(t, dir, nil, "explain", "zw-18", "--period", "2023-01")
	for _, want := range []string{"int_actuals_zero_waste", "旗工信局_一般工业固体废物_2023-01_更正.xlsx", "↳ 2023-01-01", "Quarantine: 1 rejected rows", "period+enterprise_code"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q (%d %s):\n%s", want, r.code, r.stderr, r.stdout)
		}
	}
	r = run(t, dir, nil, "explain", "zw-18", "--format", "json")
	var e map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || e["sources"] == nil {
		t.Errorf("explain --format json: %v\n%s", err, r.stdout)
	}
	for _, args := range [][]string{{"explain", "zw-999"}, {"export", "no-such-thing", "--dir", filepath.Join(dir, "x")}, {"export", "zw-18"},
		{"explain", "zw-18", "--period", "2023-13"}, {"export", "zw-18", "--as-of", "yesterday", "--dir", filepath.Join(dir, "y")}} {
		if r := run(t, dir, nil, args...); r.code != 2 {
			t.Errorf("waymark %s: exit %d, want 2 (%s)", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}
