package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// TestIncrementalBuildMatchesFull: on a demo lake, one department's late
// monthly report arrives; `waymark build` is incremental (one data set
// reloaded, a few models rebuilt) and every model table equals what
// `waymark build --full` of the same lake writes into another warehouse,
// except what depends on the build's own instant and history (which
// build came before differs between the two warehouses).
func TestIncrementalBuildMatchesFull(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, dir, nil, "demo", "--months", "2", "--log-level", "warn"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, dir, nil, "sql", "--format", "csv", `WITH d AS (SELECT department, max(period) AS period FROM lake_indicator_reports
		GROUP BY department ORDER BY period, department LIMIT 1)
		SELECT strftime(r.period + INTERVAL 1 MONTH, '%Y-%m') AS period, r.department, r.indicator_id, r.indicator_name,
		       CAST(r.value + 1 AS VARCHAR) AS value, coalesce(r.unit, '') AS unit
		FROM lake_indicator_reports r JOIN d USING (department, period)
		QUALIFY row_number() OVER (PARTITION BY r.indicator_id ORDER BY r._submitted_at DESC, r._row DESC) = 1
		ORDER BY r.indicator_id`)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(rows) < 2 {
		t.Fatalf("a report to send: %v %s %s", err, r.stdout, r.stderr)
	}
	var body strings.Builder
	w := csv.NewWriter(&body)
	w.Write([]string{"统计月份", "填报单位", "指标编号", "指标名称", "本期值", "单位"})
	w.WriteAll(rows[1:])
	os.WriteFile(filepath.Join(dir, "data/inbox/indicator_reports/late_report.csv"), []byte(body.String()), 0o644)
	if r := run(t, dir, nil, "ingest", "indicator_reports_inbox", "--log-level", "warn"); r.code != 0 || !strings.Contains(r.stdout, "items 1 new") {
		t.Fatalf("ingest: %s %s", r.stdout, r.stderr)
	}
	r = run(t, dir, nil, "build", "--log-level", "warn")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "incremental: 1 data set changed (indicator_reports), ") {
		t.Fatalf("build after one report: %s %s", r.stdout, r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "full.yaml"), []byte("warehouse_dir: full/warehouse\n"), 0o644)
	if r := run(t, dir, nil, "--config", "full.yaml", "build", "--full", "--log-level", "warn"); r.code != 0 || !strings.HasPrefix(r.stdout, "full (--full): ") {
		t.Fatalf("build --full: %s %s", r.stdout, r.stderr)
	}
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, link := range map[string]string{"inc": "data/warehouse/current.duckdb", "ref": "full/warehouse/current.duckdb"} {
		p, err := filepath.EvalSymlinks(filepath.Join(dir, link))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", sqltext.String(p), name)); err != nil {
			t.Fatal(err)
		}
	}
	// The build's instant and the history of builds differ by design.
	skip := map[string]string{
		"mart_scorecard_history": "", "mart_build_changes": "", "mart_health_builds": "",
		"mart_health_freshness": "built_at, hours_since_ingest, is_stale",
	}
	models, err := db.Query(`SELECT model FROM inc.model_docs ORDER BY model`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for models.Next() {
		var m string
		models.Scan(&m)
		names = append(names, m)
	}
	models.Close()
	if len(names) < 70 {
		t.Fatalf("only %d models", len(names))
	}
	for _, m := range names {
		cols, skipped := "*", skip[m]
		if _, ok := skip[m]; ok && skipped == "" {
			continue
		}
		if skipped != "" {
			cols = "* EXCLUDE (" + skipped + ")"
		}
		var na, nf, diff int
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM inc.%[1]s), (SELECT count(*) FROM ref.%[1]s),
			(SELECT count(*) FROM (SELECT %[2]s FROM inc.%[1]s EXCEPT ALL SELECT %[2]s FROM ref.%[1]s))
			+ (SELECT count(*) FROM (SELECT %[2]s FROM ref.%[1]s EXCEPT ALL SELECT %[2]s FROM inc.%[1]s))`, sqltext.Ident(m), cols)
		if err := db.QueryRow(q).Scan(&na, &nf, &diff); err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		if na != nf || diff != 0 {
			t.Errorf("%s: %d rows incremental, %d full, %d differ", m, na, nf, diff)
		}
	}
}
