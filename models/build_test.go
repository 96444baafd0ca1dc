package models

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/waymark-data/waymark"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

func memDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	t.Cleanup(func() { db.Close() })
	return db
}

func TestTargetStatus(t *testing.T) {
	db := memDB(t)
	if err := runSQLFiles(context.Background(), db, waymark.SQL(""), "macros/*.sql"); err != nil {
		t.Fatal(err)
	}
	nan := "NULL"
	cases := []struct {
		actual, cmp, target, prev, want string
	}{
		{"60", ">=", "60", nan, "met"},    // the boundary meets "≥60"
		{"60", "<", "60", nan, "not_met"}, // and fails "<60"
		{"59.99", ">=", "60", nan, "not_met"},
		{"59.99999999997", ">=", "60", nan, "met"}, // float noise from a ratio
		{"61", ">", "60", nan, "met"},
		{"60", ">", "60", nan, "not_met"},
		{"5.9", "<", "6", nan, "met"},
		{"6", "<=", "6", nan, "met"},
		{"6.1", "<=", "6", nan, "not_met"},
		{"100", "=", "100", nan, "met"},
		{"99", "=", "100", nan, "not_met"},
		{"4", "decrease_yoy", nan, "5", "met"},
		{"5", "decrease_yoy", nan, "5", "not_met"},
		{"4", "decrease_yoy", nan, nan, "not_evaluable"}, // no previous year
		{"90", "decrease_yoy", "10", "100", "met"},       // exactly 10 % fewer
		{"91", "decrease_yoy", "10", "100", "not_met"},
		{"6", "increase_yoy", nan, "5", "met"},
		{"5", "increase_yoy", nan, "5", "not_met"},
		{"5", "increase_yoy", nan, nan, "not_evaluable"},
		{"4.9", "negative_growth", nan, "5", "met"},
		{"5", "negative_growth", nan, "5", "not_met"},
		{"1", "milestone", nan, nan, "not_evaluable"}, // scored as ">= 1" via score_comparator
		{"1", "none", nan, nan, "not_evaluable"},
		{nan, ">=", "60", nan, "not_evaluable"}, // nothing reported
		{"60", ">=", nan, nan, "not_evaluable"},
	}
	for _, c := range cases {
		var got string
		q := "SELECT target_status(" + c.actual + "::DOUBLE, '" + c.cmp + "', " + c.target + "::DOUBLE, " + c.prev + "::DOUBLE)"
		if err := db.QueryRow(q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != c.want {
			t.Errorf("target_status(%s %s %s, prev %s) = %s, want %s", c.actual, c.cmp, c.target, c.prev, got, c.want)
		}
	}
	var gap float64
	db.QueryRow("SELECT target_gap(55.86, '>=', 55)").Scan(&gap)
	if gap < 0.859 || gap > 0.861 {
		t.Errorf("gap %v", gap)
	}
	db.QueryRow("SELECT target_gap(5, '<', 6)").Scan(&gap)
	if gap != 1 {
		t.Errorf("gap for a ceiling %v, want +1 (better than target)", gap)
	}
}

// copySeeds returns a writable copy of the seeds for a test to break.
func copySeeds(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(waymark.Seeds(""), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(waymark.Seeds(""), p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
}

func fill(t *testing.T, seedDir string) error {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Lake: lake.Lake{Root: t.TempDir()}, Datasets: ds, Seeds: waymark.Seeds(seedDir), SQL: waymark.SQL("")}
	var res Result
	return Fill(context.Background(), memDB(t), o, &res, slog.Default())
}

func TestBulletinSeedsPassDataTests(t *testing.T) {
	if err := fill(t, ""); err != nil {
		t.Fatal(err)
	}
}

// A bad edit of the bulletin's figures fails the build, naming the test.
func TestBadSeedEditsFailDataTests(t *testing.T) {
	cases := []struct {
		name, file, old, new, wantTest string
	}{
		{"site moved to another zone", "hazard_sites.csv", ",B1,", ",C4,", "bulletin_hazard_zones"},
		{"printed total changed", "indicators_geohazard_2023.csv", ",68,=68,", ",69,=69,", "bulletin_hazard_counts"},
		{"a scale relabelled", "hazard_sites.csv", ",huge,特大型,", ",large,大型,", "bulletin_hazard_counts"},
		{"a zero-waste row renumbered", "indicators_zero_waste.csv", "zw-50,zero_waste,伊政办发〔2023〕31号,50,", "zw-50,zero_waste,伊政办发〔2023〕31号,49,", "bulletin_zero_waste_table"},
		{"a unit removed", "indicators_zero_waste.csv", ",★,吨/万元,", ",★,,", "indicators_have_unit_and_department"},
		{"an unknown department", "indicators_zero_waste.csv", "旗住建局", "旗城建局", "indicators_have_unit_and_department"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copySeeds(t)
			edit(t, filepath.Join(dir, c.file), c.old, c.new)
			err := fill(t, dir)
			if err == nil || !strings.Contains(err.Error(), "sql/tests/"+c.wantTest+".sql") {
				t.Errorf("want data test %s to fail, got %v", c.wantTest, err)
			}
		})
	}
}

// A partition file whose input has no manifest yet (an ingest still
// running, or one that crashed) is not part of a build.
func TestBuildSeesOnlyFinishedInputs(t *testing.T) {
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	l := lake.Lake{Root: t.TempDir()}
	cols := ds["sensor_readings"].LakeColumns()
	write := func(id string, n int) {
		w := l.NewPartitionedWriter("sensor_readings", "month", id, cols)
		for i := 0; i < n; i++ {
			row := make([]lake.Value, len(cols))
			for j := range row {
				row[j] = lake.Null()
			}
			row[0], row[1], row[2] = lake.Str("GH-001"), lake.Str("GH-001-RG"), lake.Str("rainfall_mm")
			// a reading as a logger sends it: stamped, with a value
			row[3], row[4] = lake.Micros(time.Date(2023, 7, 1, i, 0, 0, 0, time.UTC)), lake.Float(0.5)
			if err := w.Write("2023-07", row); err != nil {
				t.Fatal(err)
			}
		}
		files, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if id == "finished00000000" {
			rel := make([]string, len(files))
			for i, f := range files {
				rel[i], _ = filepath.Rel(l.Root, f)
			}
			sum := id + strings.Repeat("0", 48)
			if err := l.WriteManifest(&lake.Manifest{Checksum: sum, Dataset: "sensor_readings", Files: rel}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("finished00000000", 3)
	write("inprogress000000", 5)
	db := memDB(t)
	o := Options{Lake: l, Datasets: ds, Seeds: waymark.Seeds(""), SQL: waymark.SQL("")}
	var res Result
	if err := Fill(context.Background(), db, o, &res, slog.Default()); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM lake_sensor_readings").Scan(&n)
	if n != 3 {
		t.Errorf("build sees %d rows, want the 3 of the finished input only", n)
	}
}

// TestStagingFollowsContracts: each lake data set's staging model applies
// the supersede rule and keys its contract declares, so the YAML contract
// and the SQL a reader sees never disagree.
func TestStagingFollowsContracts(t *testing.T) {
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	for n, d := range ds {
		b, err := fs.ReadFile(waymark.SQL(""), "staging/stg_"+n+".sql")
		if err != nil {
			t.Errorf("data set %s: %v", n, err)
			continue
		}
		var want string
		if d.Supersede == "submission" {
			want = fmt.Sprintf("supersede_by_submission('lake_%s', '%s')", n, d.PartitionBy)
		} else {
			keys := make([]string, len(d.Keys))
			for i, k := range d.Keys {
				keys[i] = "'" + k + "'"
			}
			want = fmt.Sprintf("supersede_by_key('lake_%s', [%s])", n, strings.Join(keys, ", "))
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("sql/staging/stg_%s.sql does not apply its contract's rule %s", n, want)
		}
	}
}

// TestCriticalFirst: of the models ready at once, the one heading the
// longest chain of models to run starts first; build order among equals.
func TestCriticalFirst(t *testing.T) {
	ms := []Model{
		{Name: "stg_a", SQL: "SELECT 1 AS x"},
		{Name: "short_b", SQL: "SELECT * FROM stg_a"},
		{Name: "chain_1", SQL: "SELECT * FROM stg_a"},
		{Name: "chain_2", SQL: "SELECT * FROM chain_1"},
		{Name: "chain_3", SQL: "SELECT * FROM chain_2"},
		{Name: "other", SQL: "SELECT 2 AS y"},
	}
	var got []string
	for _, m := range criticalFirst(parents(ms), ms) {
		got = append(got, m.Name)
	}
	want := []string{"stg_a", "chain_1", "chain_2", "short_b", "chain_3", "other"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
