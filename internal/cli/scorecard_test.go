package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// warehouseFor builds a version in dir/warehouse (as `waymark build`
// would with WAYMARK_DATA_DIR=dir) from the given rows, judged on now.
func warehouseFor(t *testing.T, dir string, now time.Time, given map[string]string) {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = models.Run(context.Background(), models.Options{
		Store: warehouse.New(filepath.Join(dir, "warehouse"), 3, "Asia/Shanghai"), Lake: lake.Lake{Root: filepath.Join(dir, "lake")},
		Datasets: ds, Seeds: waymark.Seeds(""), SQL: waymark.SQL(""), Given: given, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waymark runs the command line in-process; it returns stdout and the
// exit code.
func waymarkRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRoot(&out, &errOut)
	root.SetArgs(append([]string{"--log-level", "warn"}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	code := ExitCode(err)
	if code != 0 {
		t.Logf("waymark %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String(), code
}

func readCSV(t *testing.T, s string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv %v: %q", err, s)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// One warehouse for the command tests: three zero-waste indicators
// reported for the first half of 2024, judged in July 2024 —
// zw-12 behind the line (yellow), zw-13 met (green), zw-16 far behind (red).
func scorecardWarehouse(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("WAYMARK_DATA_DIR", dir)
	t.Setenv("WAYMARK_CONFIG", "")
	var b strings.Builder
	b.WriteString("period,department,indicator_id,value,unit\n")
	for m := 1; m <= 6; m++ {
		for _, r := range []struct {
			id      string
			v0, inc float64
		}{{"zw-12", 60, 2}, {"zw-13", 21, 1}, {"zw-16", 51, 0.2}} {
			b.WriteString("2024-0" + string(rune('0'+m)) + "-01,旗住建局," + r.id + "," + trimFloat(r.v0+r.inc*float64(m-1)) + ",%\n")
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	warehouseFor(t, dir, time.Date(2024, 7, 10, 9, 0, 0, 0, loc), map[string]string{"indicator_reports": b.String()})
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func TestScorecardCommand(t *testing.T) {
	scorecardWarehouse(t)
	out, code := waymarkRun(t, "scorecard", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	rows := readCSV(t, out)
	// One row per catalog indicator and target year.
	targets, _ := waymarkRun(t, "sql", "--format", "csv", "SELECT count(*) AS n, count(DISTINCT (indicator_id, year)) AS d FROM stg_targets WHERE kind = 'target'")
	n := readCSV(t, targets)[0]
	seen := map[string]bool{}
	for _, r := range rows {
		k := r["indicator_id"] + "/" + r["year"]
		if seen[k] {
			t.Errorf("two rows for %s", k)
		}
		seen[k] = true
	}
	if n["n"] != n["d"] || len(rows) == 0 || text(int64(len(rows))) != n["n"] {
		t.Errorf("%d scorecard rows, want one per indicator and target year (%s)", len(rows), n["n"])
	}
	lights := map[string]string{}
	for _, r := range rows {
		if r["year"] == "2024" {
			lights[r["indicator_id"]] = r["light"]
		}
	}
	if lights["zw-12"] != "yellow" || lights["zw-13"] != "green" || lights["zw-16"] != "red" {
		t.Errorf("2024 lights %v, want zw-12 yellow, zw-13 green, zw-16 red", map[string]string{"zw-12": lights["zw-12"], "zw-13": lights["zw-13"], "zw-16": lights["zw-16"]})
	}

	// --status keeps only rows of that light.
	for light, id := range map[string]string{"red": "zw-16", "yellow": "zw-12", "green": "zw-13"} {
		out, code := waymarkRun(t, "scorecard", "--status", light, "--year", "2024", "--format", "csv")
		got := readCSV(t, out)
		if code != 0 || len(got) != 1 || got[0]["indicator_id"] != id || got[0]["light"] != light {
			t.Errorf("--status %s: %v, want only %s", light, got, id)
		}
	}
	// --plan takes what catalog takes; --department any alias.
	out, _ = waymarkRun(t, "scorecard", "--plan", "31号", "--department", "住建局", "--year", "2024", "--format", "json")
	if !strings.Contains(out, `"indicator_id": "zw-12"`) || strings.Contains(out, `"plan_id": "enterprise_relief"`) || strings.Contains(out, `"zw-18"`) {
		t.Errorf("--plan 31号 --department 住建局: %s", out)
	}
	if _, code := waymarkRun(t, "scorecard", "--plan", "99号"); code != 2 {
		t.Errorf("an unknown plan exits %d, want 2", code)
	}
	if _, code := waymarkRun(t, "scorecard", "--status", "blue"); code != 2 {
		t.Errorf("an unknown light exits %d, want 2", code)
	}

	// The terminal table: no colour into a pipe or buffer.
	out, _ = waymarkRun(t, "scorecard", "--year", "2024", "--plan", "zero_waste")
	if strings.Contains(out, "\x1b[") || !strings.Contains(out, "黄 yellow") || !strings.Contains(out, "zw-13") {
		t.Errorf("table: %s", out)
	}

	// --uncomputable: the indicators without an actual, with the years and why.
	out, code = waymarkRun(t, "scorecard", "--uncomputable", "--plan", "zero_waste", "--format", "csv")
	un := map[string]map[string]string{}
	for _, r := range readCSV(t, out) {
		un[r["indicator_id"]] = r
	}
	if code != 0 || un["zw-11"]["years"] != "2023、2024、2025" || !strings.Contains(un["zw-11"]["reason"], "reported by 旗农牧局") {
		t.Errorf("--uncomputable zw-11: %v", un["zw-11"])
	}
	if un["zw-12"]["years"] != "2023、2025" {
		t.Errorf("--uncomputable zw-12 (2024 reported): %v", un["zw-12"])
	}
	if _, code := waymarkRun(t, "scorecard", "--uncomputable", "--status", "red"); code != 2 {
		t.Errorf("--uncomputable with --status exits %d, want 2", code)
	}
}

// On a terminal each row takes its light's colour.
func TestScorecardColours(t *testing.T) {
	var b bytes.Buffer
	cols := []string{"id", "light"}
	data := [][]any{{"zw-12", "黄 yellow"}, {"zw-16", "红 red"}, {"zw-11", "-"}}
	var lines []string
	writeTable(&b, cells(cols, data))
	lines = strings.Split(strings.TrimSpace(b.String()), "\n")
	b.Reset()
	if err := colourLines(&b, lines, data, 1); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(got[1], "\x1b[33m") || !strings.HasPrefix(got[2], "\x1b[31m") || strings.Contains(got[3], "\x1b[") || strings.Contains(got[0], "\x1b[") {
		t.Errorf("coloured %q", got)
	}
}

// waymark test runs the YAML and singular tests on the current version:
// pass and warn exit 0, a failing error-severity test exits 1.
func TestDataTestCommand(t *testing.T) {
	scorecardWarehouse(t)
	out, code := waymarkRun(t, "test")
	if code != 0 || !strings.Contains(out, "0 failed") {
		t.Fatalf("exit %d: %s", code, out)
	}
	// Our own SQL tree with a warning and a failing test added.
	dir := t.TempDir()
	err := fs.WalkDir(waymark.SQL(""), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, p), 0o755)
		}
		b, err := fs.ReadFile(waymark.SQL(""), p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tests", "no_red_lights.sql"), []byte("SELECT indicator_id, year FROM mart_scorecard WHERE light = 'red'\n"), 0o644)
	cfg := filepath.Join(t.TempDir(), "waymark.yaml")
	os.WriteFile(cfg, []byte("sql_dir: "+dir+"\n"), 0o644)
	out, code = waymarkRun(t, "--config", cfg, "test", "--format", "csv")
	var fail map[string]string
	for _, r := range readCSV(t, out) {
		if r["test"] == "no_red_lights" {
			fail = r
		}
	}
	if code != 1 || fail["status"] != "fail" || fail["rows"] != "1" || !strings.Contains(fail["example"], "zw-16") {
		t.Errorf("exit %d, no_red_lights %v: want fail with zw-16", code, fail)
	}
	os.Remove(filepath.Join(dir, "tests", "no_red_lights.sql"))
	yaml, _ := os.ReadFile(filepath.Join(dir, "marts", "mart_scorecard.yaml"))
	os.WriteFile(filepath.Join(dir, "marts", "mart_scorecard.yaml"),
		[]byte(strings.Replace(string(yaml), "tests:\n  - unique_combination", "tests:\n  - row_count: {max: 3, severity: warn}\n  - unique_combination", 1)), 0o644)
	out, code = waymarkRun(t, "--config", cfg, "test", "--format", "csv")
	var warned map[string]string
	for _, r := range readCSV(t, out) {
		if r["test"] == "mart_scorecard.row_count" {
			warned = r
		}
	}
	if code != 0 || warned["status"] != "warn" {
		t.Errorf("a warning: exit %d, mart_scorecard.row_count %v: want warn and exit 0", code, warned)
	}
}

// build --select rebuilds the selected models and copies the rest.
func TestBuildSelectCommand(t *testing.T) {
	scorecardWarehouse(t)
	out, code := waymarkRun(t, "build", "--select", "mart_scorecard")
	if code != 0 || !strings.Contains(out, "1 of ") || !strings.Contains(out, "(mart_scorecard)") {
		t.Errorf("exit %d: %s", code, out)
	}
	if _, code := waymarkRun(t, "build", "--select", "no_such_model+"); code != 2 {
		t.Errorf("an unknown model exits %d, want 2", code)
	}
}
