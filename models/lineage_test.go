package models

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark"
)

func TestLineageFindsWhatEachModelReads(t *testing.T) {
	g, err := Lineage(waymark.SQL(""), []string{"lake_zw_industrial_solid_waste", "lake_indicator_reports", "seed_indicators", "targets"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Path("mart_scorecard", "lake_zw_industrial_solid_waste"), " > "); got !=
		"mart_scorecard > int_indicator_actuals > int_actuals_zero_waste > stg_zw_industrial_solid_waste > lake_zw_industrial_solid_waste" {
		t.Errorf("path from the scorecard to the solid-waste lake table: %s", got)
	}
	n, ok := g.Node("stg_indicators")
	if !ok || n.Layer != "staging" || strings.Join(n.Reads, ",") != "seed_indicators" || !strings.HasPrefix(n.Doc, "Every indicator") {
		t.Errorf("stg_indicators: %+v", n)
	}
	tables := strings.Join(g.Tables("mart_scorecard"), ",")
	for _, want := range []string{"lake_indicator_reports", "lake_zw_industrial_solid_waste", "seed_indicators", "targets"} {
		if !strings.Contains(tables, want) {
			t.Errorf("mart_scorecard's loaded tables %s lack %s", tables, want)
		}
	}
	// Upstream is in run order: every model after what it reads.
	seen := map[string]bool{}
	for _, u := range g.Upstream("mart_scorecard") {
		for _, r := range u.Reads {
			if _, isModel := g.Node(r); isModel && !seen[r] {
				t.Errorf("%s comes before %s, which it reads", u.Name, r)
			}
		}
		seen[u.Name] = true
	}
	if g.Path("stg_indicators", "mart_scorecard") != nil {
		t.Error("a staging model reads the scorecard")
	}
}

func TestRunModelsBuildsOnlyWhatIsAsked(t *testing.T) {
	db := buildGiven(t, nil) // seeds and lake tables, as a build loads them
	if _, err := db.Exec("DROP TABLE mart_scorecard; DROP TABLE stg_zw_industrial_solid_waste"); err != nil {
		t.Fatal(err)
	}
	if err := RunModels(context.Background(), db, waymark.SQL(""), []string{"stg_zw_industrial_solid_waste"}, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	got := queryMaps(t, db, `SELECT count(*) FILTER (WHERE table_name = 'stg_zw_industrial_solid_waste') AS stg,
		count(*) FILTER (WHERE table_name = 'mart_scorecard') AS mart FROM duckdb_tables()`)
	if got[0]["stg"] != "1" || got[0]["mart"] != "0" {
		t.Errorf("after RunModels(stg_zw_industrial_solid_waste): %v", got)
	}
}
