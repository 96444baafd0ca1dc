package models

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/pipelines"
)

// fillProject builds a tiny model project (two staging models and the
// YAML given for one of them) on the real seeds, with no data sets.
func fillProject(t *testing.T, yaml string) (Result, error) {
	t.Helper()
	fsys := fstest.MapFS{
		"staging/stg_things.sql":  {Data: []byte("SELECT * FROM (VALUES (1, 'a', 10.0), (2, 'b', 50.0), (3, NULL, 120.0), (3, 'b', 0.0)) t(id, kind, pct)")},
		"staging/stg_parents.sql": {Data: []byte("SELECT * FROM (VALUES (1), (2)) t(id)")},
		"staging/stg_things.yaml": {Data: []byte(yaml)},
	}
	o := Options{Lake: lake.Lake{Root: t.TempDir()}, Datasets: map[string]*pipelines.Dataset{}, Seeds: waymark.Seeds(""), SQL: fsys}
	var res Result
	err := Fill(context.Background(), memDB(t), o, &res, slog.Default())
	return res, err
}

// Each YAML test kind passes on good data and fails on bad; a failing
// error-severity test blocks the build naming the file and test, a failing
// warn-severity test is reported and does not.
func TestYAMLDataTests(t *testing.T) {
	cases := []struct {
		name, tests, fails string // fails: the test name expected to fail ("" = all pass)
	}{
		{"not_null passes", "columns:\n  - name: id\n    tests: [not_null]\n", ""},
		{"not_null fails", "columns:\n  - name: kind\n    tests: [not_null]\n", "stg_things.kind.not_null"},
		{"unique passes", "columns:\n  - name: pct\n    tests: [unique]\n", ""},
		{"unique fails", "columns:\n  - name: id\n    tests:\n      - unique\n", "stg_things.id.unique"},
		{"accepted_values passes (NULL is not a value)", "columns:\n  - name: kind\n    tests: [{accepted_values: {values: [a, b]}}]\n", ""},
		{"accepted_values fails", "columns:\n  - name: kind\n    tests:\n      - accepted_values: {values: [a]}\n", "stg_things.kind.accepted_values"},
		{"accepted_values of numbers", "columns:\n  - name: id\n    tests: [{accepted_values: {values: [1, 2, 3]}}]\n", ""},
		{"relationships passes", "columns:\n  - name: id\n    tests: [{relationships: {to: stg_things, field: id}}]\n", ""},
		{"relationships fails", "columns:\n  - name: id\n    tests: [{relationships: {to: stg_parents, field: id}}]\n", "stg_things.id.relationships"},
		{"range passes", "columns:\n  - name: pct\n    tests: [{range: {min: 0, max: 200}}]\n", ""},
		{"range fails", "columns:\n  - name: pct\n    unit: \"%\"\n    tests: [{range: {min: 0, max: 100}}]\n", "stg_things.pct.range"},
		{"range with where", "columns:\n  - name: pct\n    tests: [{range: {max: 100, where: \"id < 3\"}}]\n", ""},
		{"unique_combination passes", "tests:\n  - unique_combination: {columns: [id, kind]}\n", ""},
		{"unique_combination fails", "tests:\n  - unique_combination: {columns: [id]}\n", "stg_things.unique_combination"},
		{"row_count passes", "tests:\n  - row_count: {min: 1, max: 4}\n", ""},
		{"row_count fails", "tests:\n  - row_count: {min: 5}\n", "stg_things.row_count"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			yaml := "name: stg_things\ndescription: >\n  Things.\nowner: waymark models\n" + c.tests
			res, err := fillProject(t, yaml)
			if c.fails == "" {
				if err != nil {
					t.Fatalf("want every test to pass: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "sql/staging/stg_things.yaml: "+c.fails+":") {
				t.Fatalf("want %s to fail the build, got %v", c.fails, err)
			}
			// The same test as a warning: reported, not blocking.
			warn := strings.Replace(strings.Replace(yaml, "[not_null]", "[{not_null: {severity: warn}}]", 1), "- unique\n", "- unique: {severity: warn}\n", 1)
			for _, k := range []string{"accepted_values: {", "relationships: {", "range: {", "unique_combination: {", "row_count: {"} {
				warn = strings.Replace(warn, k, k+"severity: warn, ", 1)
			}
			res, err = fillProject(t, warn)
			if err != nil {
				t.Fatalf("a warn-severity test blocked the build: %v", err)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].Name != c.fails || res.Warnings[0].Status() != "warn" || res.Warnings[0].Rows == 0 || res.Warnings[0].Example == "" {
				t.Errorf("warnings %+v, want %s", res.Warnings, c.fails)
			}
		})
	}
}

// A YAML that cannot be what it says is an error naming the file.
func TestYAMLMistakes(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown test", "name: stg_things\ncolumns:\n  - name: id\n    tests: [not_nul]\n", `unknown column test "not_nul"`},
		{"model test under a column", "name: stg_things\ncolumns:\n  - name: id\n    tests: [{row_count: {min: 1}}]\n", "row_count is a model test"},
		{"missing settings", "name: stg_things\ncolumns:\n  - name: id\n    tests: [accepted_values]\n", "accepted_values needs values"},
		{"bad severity", "name: stg_things\ncolumns:\n  - name: id\n    tests: [{not_null: {severity: fatal}}]\n", `severity "fatal"`},
		{"unknown key", "name: stg_things\ndescripton: typo\n", "descripton"},
		{"wrong name", "name: stg_other\n", `name "stg_other" is not the file's name`},
		{"column not in the model", "name: stg_things\ncolumns:\n  - name: colour\n    description: no such column\n", "column colour is not a column of stg_things"},
	}
	for _, c := range cases {
		_, err := fillProject(t, c.yaml)
		if err == nil || !strings.Contains(err.Error(), "sql/staging/stg_things.yaml") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming the file and %q", c.name, err, c.want)
		}
	}
}

// Descriptions and units land in the warehouse beside every model's
// columns; every model of the real project has a YAML and its tests pass.
func TestModelDocsInWarehouse(t *testing.T) {
	db := buildGiven(t, nil)
	r := one(t, db, `SELECT c.description, c.unit, c.data_type, list_contains(c.tests, 'not_null') AS tested, d.owner, d.yaml_file
		FROM model_columns c JOIN model_docs d USING (model) WHERE c.model = 'mart_scorecard' AND c.column_name = 'progress_pct'`)
	if r["description"] == "" || r["unit"] != "%" || r["data_type"] != "DOUBLE" || r["owner"] == "" || r["yaml_file"] != "sql/marts/mart_scorecard.yaml" {
		t.Errorf("mart_scorecard.progress_pct docs %v", r)
	}
	undocumented := queryMaps(t, db, `SELECT model FROM model_docs WHERE yaml_file IS NULL
		AND NOT regexp_matches(model, '^int_(actuals|grain)_(enterprise_relief|science_literacy|geohazard|zero_waste)$')`)
	if len(undocumented) > 0 {
		t.Errorf("models without a YAML: %v", undocumented)
	}
}

// TestTestBatchAsAlone: tests counted in one statement give exactly the
// results of each test run alone: passes, rows with their example, a test
// ending in a semicolon and a comment, one whose column cannot be computed
// for the rows it returns, and a batch with a test that does not bind
// (then every test runs alone). The counts come from one statement.
func TestTestBatchAsAlone(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE things AS SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'x'), (3, 'y')) t(id, kind)`); err != nil {
		t.Fatal(err)
	}
	tests := []DataTest{
		{Name: "pass", SQL: "SELECT * FROM things WHERE id > 10"},
		{Name: "nulls", SQL: "SELECT * FROM things WHERE kind IS NULL"},
		{Name: "dupes", Severity: SeverityWarn, SQL: "SELECT id, count(*) AS n FROM things GROUP BY id HAVING count(*) > 1;\n-- a comment after the end"},
		{Name: "cte", SQL: "WITH k AS (SELECT kind FROM things) SELECT * FROM k WHERE kind = 'zz';"},
		{Name: "bad cast, no row", SQL: "SELECT CAST(kind AS INTEGER) AS n FROM things WHERE kind = 'zz'"},
		{Name: "bad cast in a returned row", SQL: "SELECT CAST(kind AS INTEGER) AS n FROM things WHERE kind = 'x'"},
	}
	check := func(tests []DataTest) {
		t.Helper()
		got := runTestBatch(ctx, db, tests)
		for i, tt := range tests {
			want := runTest(ctx, db, tt)
			if got[i].Name != tt.Name || got[i].Rows != want.Rows || got[i].Example != want.Example ||
				(got[i].Err == nil) != (want.Err == nil) || got[i].Status() != want.Status() {
				t.Errorf("%s: batched %s (%v), alone %s (%v)", tt.Name, got[i], got[i].Err, want, want.Err)
			}
		}
	}
	countable := tests[:5]
	check(countable)
	counts, err := countTests(ctx, db, countable)
	if err != nil {
		t.Fatalf("the tests were not counted in one statement: %v", err)
	}
	if want := []int{0, 1, 1, 0, 0}; !slices.Equal(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	// A column that cannot be computed for a returned row, or a test
	// that does not bind, fails the batch: each test runs alone.
	broken := append(slices.Clone(tests), DataTest{Name: "no such table", SQL: "SELECT * FROM nothing_here"})
	for _, b := range [][]DataTest{tests, broken} {
		if _, err := countTests(ctx, db, b); err == nil {
			t.Errorf("a batch ending with %q was counted", b[len(b)-1].Name)
		}
		check(b)
	}
	// RunTests (a full build, `waymark test`) gives the same, in order,
	// for more tests than one batch holds.
	var many []DataTest
	for len(many) < 3*testBatch+5 {
		many = append(many, broken...)
	}
	for i, got := range RunTests(ctx, db, many) {
		want := runTest(ctx, db, many[i])
		if got.Name != want.Name || got.Rows != want.Rows || got.Example != want.Example || got.Status() != want.Status() {
			t.Errorf("RunTests, test %d: %s, alone %s", i, got, want)
		}
	}
}
