package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Project is the SQL model tree: models in build order, the YAML beside
// them, and every data test (YAML tests, then sql/tests/*.sql).
type Project struct {
	Models []Model
	Docs   map[string]*Doc
	Tests  []DataTest
}

// LoadProject reads the models, their YAML and the tests of fsys (the
// sql/ tree).
func LoadProject(fsys fs.FS) (*Project, error) {
	ms, err := loadModels(fsys)
	if err != nil {
		return nil, err
	}
	docs, err := loadDocs(fsys, ms)
	if err != nil {
		return nil, err
	}
	tests := yamlTests(ms, docs)
	singular, err := singularTests(fsys)
	if err != nil {
		return nil, err
	}
	return &Project{Models: ms, Docs: docs, Tests: append(tests, singular...)}, nil
}

// singularTests are the sql/tests/*.sql files: each returns the rows that
// break a fact, and blocks the build when it returns any.
func singularTests(fsys fs.FS) ([]DataTest, error) {
	files, err := fs.Glob(fsys, "tests/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []DataTest
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		out = append(out, DataTest{Name: strings.TrimSuffix(path.Base(f), ".sql"), Kind: "singular",
			Severity: SeverityError, File: f, SQL: string(b)})
	}
	return out, nil
}

// TestResult is the outcome of one data test.
type TestResult struct {
	DataTest
	// Rows is how many rows broke the test; Example describes the first.
	Rows    int
	Example string
	// Err is set when the test could not run (a table or column missing).
	Err error
}

// Status is pass, warn (a warn-severity test found rows), fail (an
// error-severity test found rows) or error (the test could not run).
func (r TestResult) Status() string {
	switch {
	case r.Err != nil:
		return "error"
	case r.Rows == 0:
		return "pass"
	case r.Severity == SeverityWarn:
		return "warn"
	}
	return "fail"
}

// Blocking reports whether the result keeps a build from being published.
func (r TestResult) Blocking() bool {
	s := r.Status()
	return s == "fail" || s == "error"
}

// String is one line for a log or a terminal: where the test is written,
// its name, and what broke it.
func (r TestResult) String() string {
	where := "sql/" + r.File
	if r.Kind != "singular" {
		where += ": " + r.Name
	}
	switch r.Status() {
	case "error":
		return fmt.Sprintf("%s: could not run: %v", where, r.Err)
	case "pass":
		return where + ": pass"
	}
	return fmt.Sprintf("%s: %d rows, e.g. %s", where, r.Rows, r.Example)
}

// runTest runs one data test on db.
func runTest(ctx context.Context, db *sql.DB, t DataTest) TestResult {
	r := TestResult{DataTest: t}
	rows, err := db.QueryContext(ctx, t.SQL)
	if err != nil {
		r.Err = err
		return r
	}
	r.Rows, r.Example, r.Err = drain(rows)
	return r
}

// runTestBatch runs tests on db and returns their results in order,
// exactly as runTest gives them one by one. Most tests pass: one query
// counts the rows of every test (UNION ALL of count(*) over each test's
// SQL), which costs about half as much as a statement per test (DuckDB
// plans and answers each statement on its own). A test that counts rows
// is run again alone for its rows and example, and a batch that cannot
// run (one test's SQL that does not bind, or that will not nest as a
// subquery) runs each test alone, so every status, count and example is
// the one runTest records.
func runTestBatch(ctx context.Context, db *sql.DB, tests []DataTest) []TestResult {
	out := make([]TestResult, len(tests))
	var counts []int
	err := errors.New("one test")
	if len(tests) > 1 {
		counts, err = countTests(ctx, db, tests)
	}
	if err != nil {
		for i, t := range tests {
			out[i] = runTest(ctx, db, t)
		}
		return out
	}
	for i, t := range tests {
		if counts[i] > 0 {
			out[i] = runTest(ctx, db, t)
		} else {
			out[i] = TestResult{DataTest: t}
		}
	}
	return out
}

// countTests counts the rows each test returns, in one statement.
func countTests(ctx context.Context, db *sql.DB, tests []DataTest) ([]int, error) {
	var q strings.Builder
	for i, t := range tests {
		if i > 0 {
			q.WriteString("\nUNION ALL\n")
		}
		// On lines of its own: a test may end in a -- comment. The hash
		// of each whole row makes DuckDB compute every column, as
		// reading the test's rows does: a column that cannot be computed
		// fails the batch, and each test then runs alone.
		fmt.Fprintf(&q, "SELECT %d AS waymark_test, count(*) AS waymark_rows, min(hash(waymark_t)) AS waymark_hash FROM (\n%s\n) AS waymark_t", i, batchable(t.SQL))
	}
	rows, err := db.QueryContext(ctx, q.String())
	if err != nil {
		return nil, fmt.Errorf("count the rows of %d data tests: %w", len(tests), err)
	}
	defer rows.Close()
	counts := make([]int, len(tests))
	seen := 0
	for rows.Next() {
		var i, n int
		var h any
		if err := rows.Scan(&i, &n, &h); err != nil {
			return nil, fmt.Errorf("count the rows of %d data tests: %w", len(tests), err)
		}
		if i < 0 || i >= len(tests) {
			return nil, fmt.Errorf("count the rows of %d data tests: a count for test %d", len(tests), i)
		}
		counts[i] = n
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count the rows of %d data tests: %w", len(tests), err)
	}
	if seen != len(tests) {
		return nil, fmt.Errorf("count the rows of %d data tests: %d counts", len(tests), seen)
	}
	return counts, nil
}

// batchable is a test's SQL as a subquery: without the semicolon that
// ends the statement, nor the comment lines after it. (A comment after
// the semicolon on the same line stays: that batch fails, and its tests
// run alone.)
func batchable(sqlText string) string {
	for {
		s := strings.TrimRight(sqlText, "; \t\r\n")
		last := s[strings.LastIndexByte(s, '\n')+1:]
		if strings.HasPrefix(strings.TrimSpace(last), "--") {
			s = s[:len(s)-len(last)]
		}
		if s == sqlText {
			return s
		}
		sqlText = s
	}
}

// RunTests runs every test on db. All tests run, so one build reports
// every broken fact at once. Tests only read, so they run on several
// connections at once (one per core), in batches counted by one statement
// each (runTestBatch: the results are those of one test at a time);
// results keep the tests' order.
func RunTests(ctx context.Context, db *sql.DB, tests []DataTest) []TestResult {
	out := make([]TestResult, len(tests))
	next := make(chan int) // the first test of a batch
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(tests))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				end := min(i+testBatch, len(tests))
				copy(out[i:end], runTestBatch(ctx, db, tests[i:end]))
			}
		}()
	}
	for i := 0; i < len(tests); i += testBatch {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// failures formats the blocking results as one error.
func failures(results []TestResult) error {
	var bad []TestResult
	for _, r := range results {
		if r.Blocking() {
			bad = append(bad, r)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d data tests failed:", len(bad), len(results))
	for _, r := range bad {
		b.WriteString("\n  " + r.String())
	}
	return fmt.Errorf("%s", b.String())
}

// writeDocs stores each model's description and its columns (type from
// the built table, description and unit from the YAML) in model_docs and
// model_columns, so SQL users and the docs read them from the warehouse.
// A YAML column that the model does not have is an error: the docs would
// describe something that is not there.
func writeDocs(ctx context.Context, db *sql.DB, p *Project) error {
	stmts := []string{
		`CREATE OR REPLACE TABLE model_docs (model VARCHAR, layer VARCHAR, sql_file VARCHAR, yaml_file VARCHAR,
			description VARCHAR, owner VARCHAR, columns INTEGER, tests INTEGER)`,
		`CREATE OR REPLACE TABLE model_columns (model VARCHAR, column_name VARCHAR, position INTEGER, data_type VARCHAR,
			description VARCHAR, unit VARCHAR, tests VARCHAR[])`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	nTests := map[string]int{}
	colTests := map[[2]string][]string{}
	for _, t := range p.Tests {
		nTests[t.Model]++
		if t.Column != "" {
			k := [2]string{t.Model, t.Column}
			colTests[k] = append(colTests[k], t.Kind)
		}
	}
	// Every model's columns in one query, every row in one statement per
	// table: a statement per row cost seconds on a build of 75 models.
	all := map[string][]tableColumn{}
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t string
		var c tableColumn
		if err := rows.Scan(&t, &c.name, &c.typ); err != nil {
			rows.Close()
			return err
		}
		all[t] = append(all[t], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var colRows, docRows []string
	var colArgs, docArgs []any
	for _, m := range p.Models {
		d := p.Docs[m.Name]
		if d == nil {
			d = &Doc{}
		}
		cols := all[m.Name]
		have := map[string]bool{}
		for i, c := range cols {
			have[c.name] = true
			var desc, unit any
			for _, cd := range d.Columns {
				if cd.Name == c.name {
					desc, unit = nullIfEmpty(strings.TrimSpace(cd.Description)), nullIfEmpty(cd.Unit)
				}
			}
			tests := "[" + strings.Join(quoteAll(colTests[[2]string{m.Name, c.name}]), ", ") + "]"
			colRows = append(colRows, `(?, ?, ?, ?, ?, ?, CAST(`+tests+` AS VARCHAR[]))`)
			colArgs = append(colArgs, m.Name, c.name, i+1, c.typ, desc, unit)
		}
		for _, cd := range d.Columns {
			if !have[cd.Name] {
				return fmt.Errorf("sql/%s: column %s is not a column of %s (it has: %s)", d.Path, cd.Name, m.Name, strings.Join(names(cols), ", "))
			}
		}
		var yamlFile any
		if d.Path != "" {
			yamlFile = "sql/" + d.Path
		}
		docRows = append(docRows, `(?, ?, ?, ?, ?, ?, ?, ?)`)
		docArgs = append(docArgs, m.Name, m.Layer, "sql/"+m.Layer+"/"+m.Name+".sql", yamlFile,
			nullIfEmpty(strings.TrimSpace(d.Description)), nullIfEmpty(d.Owner), len(cols), nTests[m.Name])
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if len(colRows) > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO model_columns VALUES "+strings.Join(colRows, ", "), colArgs...); err != nil {
			return fmt.Errorf("model_columns: %w", err)
		}
	}
	if len(docRows) > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO model_docs VALUES "+strings.Join(docRows, ", "), docArgs...); err != nil {
			return fmt.Errorf("model_docs: %w", err)
		}
	}
	return tx.Commit()
}

type tableColumn struct{ name, typ string }

func names(cols []tableColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sqltext.String(s)
	}
	return out
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
