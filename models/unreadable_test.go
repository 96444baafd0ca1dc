package models

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/pipelines"
)

// TestBadPartitionIsSetAside: a committed lake file with strings that are
// not valid UTF-8, and one that is not Parquet at all, are listed in
// lake_unreadable with the reason; every other file, of that data set and
// the others, builds.
func TestBadPartitionIsSetAside(t *testing.T) {
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	l := lake.Lake{Root: t.TempDir()}
	cols := ds["sensor_readings"].LakeColumns()
	commit := func(id, station string, n int) []string {
		w := l.NewPartitionedWriter("sensor_readings", "month", id, cols)
		for i := 0; i < n; i++ {
			row := make([]lake.Value, len(cols))
			for j := range row {
				row[j] = lake.Null()
			}
			row[0], row[1], row[2] = lake.Str(station), lake.Str(fmt.Sprintf("%s-RG-%d", station, i)), lake.Str("rainfall_mm")
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
		rel := make([]string, len(files))
		for i, f := range files {
			rel[i], _ = filepath.Rel(l.Root, f)
		}
		sum := id + strings.Repeat("0", 64-len(id))
		if err := l.WriteManifest(&lake.Manifest{Checksum: sum, Dataset: "sensor_readings", Files: rel}); err != nil {
			t.Fatal(err)
		}
		return files
	}
	commit("good1", "GH-001", 3)
	// GB18030 bytes where UTF-8 was promised: what a mixed-encoding CSV
	// wrote before strings were checked.
	commit("badutf8", "GH-\xb5\xd8\xd6\xca", 2)
	commit("good2", "GH-002", 4)
	cut := commit("truncated", "GH-003", 5)
	b, _ := os.ReadFile(cut[0])
	os.WriteFile(cut[0], b[:len(b)/2], 0o644)

	db := memDB(t)
	o := Options{Lake: l, Datasets: ds, Seeds: waymark.Seeds(""), SQL: waymark.SQL(""),
		Given: map[string]string{"zw_industrial_solid_waste": "enterprise_code,enterprise_name,department,period,generated_t,utilised_t\n" +
			"91150627MA0N0000X1,甲,旗工信局,2023-01-01,100,60\n"}}
	var res Result
	if err := Fill(context.Background(), db, o, &res, slog.Default()); err != nil {
		t.Fatalf("one bad file stopped the build: %v", err)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM lake_sensor_readings").Scan(&n)
	if n != 7 {
		t.Errorf("lake_sensor_readings has %d rows, want the 7 of the two good files", n)
	}
	got := queryMaps(t, db, `SELECT lake_table, file, reason FROM lake_unreadable ORDER BY file`)
	if len(got) != 2 {
		t.Fatalf("lake_unreadable lists %v, want the two bad files", got)
	}
	for i, want := range []struct{ file, reason string }{{"part-badutf8.parquet", "UTF8"}, {"part-truncated.parquet", ""}} {
		if got[i]["lake_table"] != "lake_sensor_readings" || !strings.HasSuffix(got[i]["file"], want.file) || got[i]["reason"] == "" ||
			!strings.Contains(got[i]["reason"], want.reason) {
			t.Errorf("lake_unreadable row %d = %v, want %s with its reason", i, got[i], want.file)
		}
	}
	// The rest of the warehouse is there: the other data sets and the models.
	if r := queryMaps(t, db, `SELECT round(actual, 2) AS a FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2023`); len(r) != 1 || r[0]["a"] != "60" {
		t.Errorf("zw-18 2023 = %v beside a bad sensor file, want 60", r)
	}
}

// TestOtherLoadFailuresStillFail: when the files read but the load fails
// for another reason (a full disk), nothing is set aside: the build fails
// as it should, rather than succeeding with empty tables.
func TestOtherLoadFailuresStillFail(t *testing.T) {
	l := lake.Lake{Root: t.TempDir()}
	cols := []lake.Column{{Name: "x", Type: lake.Int64}}
	w := l.NewPartitionedWriter("ds", "", "one", cols)
	w.Write("", []lake.Value{lake.Int(1)})
	files, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	db := memDB(t)
	full := fmt.Errorf("IO Error: could not write: No space left on device")
	err = loadReadable(context.Background(), db, "lake_ds", files, cols, func([]string) error { return full })
	if err != full {
		t.Errorf("load failing for another reason returned %v, want its error", err)
	}
	if got := queryMaps(t, db, `SELECT * FROM lake_unreadable`); len(got) != 0 {
		t.Errorf("readable files set aside: %v", got)
	}
}
