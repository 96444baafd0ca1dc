package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/pipelines"
)

// buildGiven builds an in-memory warehouse from the real seeds and models
// with the given lake rows (data set -> CSV text, see Options.Given); the
// data tests must pass. Plan tests use it: known inputs, known actuals.
func buildGiven(t *testing.T, given map[string]string) *sql.DB {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	for n := range given {
		if ds[n] == nil {
			t.Fatalf("given rows for unknown data set %q", n)
		}
	}
	db := memDB(t)
	o := Options{Lake: lake.Lake{Root: t.TempDir()}, Datasets: ds, Seeds: waymark.Seeds(""), SQL: waymark.SQL(""), Given: given}
	var res Result
	if err := Fill(context.Background(), db, o, &res, slog.Default()); err != nil {
		t.Fatal(err)
	}
	return db
}

// queryMaps runs q and returns its rows as column -> text (NULL as "").
func queryMaps(t *testing.T, db *sql.DB, q string, args ...any) []map[string]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	tab, err := sqltext.Collect(rows)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := make([]map[string]string, len(tab.Rows))
	for r, vals := range tab.Rows {
		out[r] = map[string]string{}
		for i, c := range tab.Columns {
			if vals[i] != nil {
				out[r][c] = fmt.Sprint(vals[i])
			}
		}
	}
	return out
}

func TestGivenRowsReachTheModels(t *testing.T) {
	db := buildGiven(t, map[string]string{
		"zw_industrial_solid_waste": "enterprise_code,enterprise_name,department,period,generated_t,utilised_t\n" +
			"91150627MA0N0000X1,甲,旗工信局,2023-01-01,100,60\n91150627MA0N0000X2,乙,旗工信局,2023-01-01,100,50\n",
	})
	got := queryMaps(t, db, `SELECT round(actual, 2) AS actual, status FROM mart_scorecard
		WHERE name_zh = '一般工业固体废物综合利用率' AND year = 2023`)
	if len(got) != 1 || got[0]["actual"] != "55" || got[0]["status"] != "met" {
		t.Fatalf("zw-18 2023 from given rows = %v, want actual 55 met (110/200)", got)
	}
}
