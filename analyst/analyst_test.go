package analyst

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/internal/warehouse"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		in    string
		stmts []string
		rest  string
	}{
		{"SELECT 1;", []string{"SELECT 1"}, ""},
		{"SELECT 1; SELECT 2", []string{"SELECT 1"}, " SELECT 2"},
		{"SELECT 'a;b'; SELECT \"x;\" FROM t;", []string{"SELECT 'a;b'", `SELECT "x;" FROM t`}, ""},
		{"SELECT 'it''s;'; ", []string{"SELECT 'it''s;'"}, " "},
		{"SELECT 1 -- not here;\n, 2;", []string{"SELECT 1 -- not here;\n, 2"}, ""},
		{"SELECT /* ; */ 3;", []string{"SELECT /* ; */ 3"}, ""},
		{"SELECT\n  1\n", nil, "SELECT\n  1\n"},
		{";;-- only a comment;\n;", nil, ""},
	}
	for _, c := range cases {
		stmts, rest := Split(c.in)
		if !reflect.DeepEqual(stmts, c.stmts) || rest != c.rest {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", c.in, stmts, rest, c.stmts, c.rest)
		}
	}
}

func TestHistoryEntryKeepsAStatementOnOneLine(t *testing.T) {
	got := historyEntry("SELECT a, -- the id\n  'x--y' AS b\nFROM t;\n")
	if want := "SELECT a, 'x--y' AS b FROM t;"; got != want {
		t.Errorf("historyEntry = %q, want %q", got, want)
	}
}

// build publishes a version holding table v(n) with the given n.
func build(t testing.TB, store *warehouse.Store, n int) error {
	_, err := store.Build(context.Background(), func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE v AS SELECT %d AS n, 'version %d' AS label;
			CREATE TABLE mart_things AS SELECT 1.5 AS amount, DATE '2024-03-01' AS period, '甲' AS name;
			COMMENT ON TABLE mart_things IS 'Things, by month';
			CREATE TABLE model_columns (model VARCHAR, column_name VARCHAR, position INTEGER, data_type VARCHAR, description VARCHAR, unit VARCHAR);
			INSERT INTO model_columns VALUES ('mart_things', 'amount', 1, 'DECIMAL', 'How much', '吨')`, n, n))
		return err
	})
	return err
}

func TestDescribeShowsUnitsFromTheModelDocs(t *testing.T) {
	store := warehouse.New(t.TempDir(), 2, "Asia/Shanghai")
	if err := build(t, store, 1); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := Open(store, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, in := range []string{`\d`, `\d mart_things`, `\x on`, `SELECT * FROM mart_things;`, `\timing`, `SELECT 1 AS one`} {
		if _, err := s.Exec(context.Background(), in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	for _, want := range []string{
		" mart_things   │ model │", "Things, by month", // \d: the table and its description
		" amount │ DECIMAL(2,1) │ 吨   │ How much", // \d name: type, unit, description
		"-[ RECORD 1 ]", "name   | 甲", // \x
		"Timing is on.", "Time: ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	head, got, tail := s.Complete(context.Background(), "SELECT am FROM mart_things", "SELECT am FROM mart_things", 9)
	if head != "SELECT " || tail != " FROM mart_things" || !reflect.DeepEqual(got, []string{"amount"}) {
		t.Errorf("completion of a column = %q %q %q", head, got, tail)
	}
	_, got, _ = s.Complete(context.Background(), "SELECT * FROM mart_t", "SELECT * FROM mart_t", 20)
	if !reflect.DeepEqual(got, []string{"mart_things"}) {
		t.Errorf("completion of a table = %q", got)
	}
	_, got, _ = s.Complete(context.Background(), "SELECT mart_things.n", "SELECT mart_things.n", 20)
	if !reflect.DeepEqual(got, []string{"mart_things.name"}) {
		t.Errorf("completion of table.column = %q", got)
	}
}

// TestPromptQueriesWhileBuildsRun: builds publish version after version
// while a session queries; neither waits for the other, no query fails,
// and the session follows the newest version between statements (old
// versions are pruned under it: keep=2).
func TestPromptQueriesWhileBuildsRun(t *testing.T) {
	store := warehouse.New(t.TempDir(), 2, "Asia/Shanghai")
	if err := build(t, store, 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := Open(store, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const builds = 15
	var built atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	var buildErr error
	go func() {
		defer wg.Done()
		for i := 1; i <= builds; i++ {
			if err := build(t, store, i); err != nil {
				buildErr = err
				return
			}
			built.Store(int64(i))
		}
	}()
	last, queries := -1, 0
	deadline := time.Now().Add(2 * time.Minute)
	for built.Load() < builds && time.Now().Before(deadline) {
		if _, err := s.Refresh(); err != nil {
			t.Fatalf("refresh during builds: %v", err)
		}
		tb, err := s.Query(context.Background(), "SELECT n FROM v")
		if err != nil {
			t.Fatalf("query during builds: %v", err)
		}
		n := int(tb.Rows[0][0].(int32))
		if n < last {
			t.Fatalf("went back from version %d to %d", last, n)
		}
		last = n
		queries++
	}
	wg.Wait()
	if buildErr != nil {
		t.Fatalf("build beside a reader: %v", buildErr)
	}
	if _, err := s.Exec(context.Background(), "SELECT label FROM v;"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("version %d", builds)) {
		t.Errorf("session did not move to the newest version:\n%s", out.String())
	}
	if queries < 2 {
		t.Errorf("only %d queries ran while %d builds did", queries, builds)
	}
	t.Logf("%d queries during %d builds", queries, builds)
}

func TestWriteResultFiles(t *testing.T) {
	store := warehouse.New(t.TempDir(), 2, "Asia/Shanghai")
	if err := build(t, store, 7); err != nil {
		t.Fatal(err)
	}
	s, err := Open(store, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	q := `SELECT n, label, CAST(12.345 AS DECIMAL(9,3)) AS amount, 0.1 + 0.2 AS ratio, DATE '2024-03-01' AS period,
		TIMESTAMPTZ '2024-03-05 10:00:00+08' AS submitted_at, NULL::VARCHAR AS nothing FROM v`
	for _, name := range []string{"r.parquet", "r.csv", "r.xlsx"} {
		n, err := s.WriteResult(context.Background(), q, filepath.Join(dir, name))
		if err != nil || n != 1 {
			t.Fatalf("%s: %d rows, %v", name, n, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r.csv"))
	if want := "n,label,amount,ratio,period,submitted_at,nothing\n7,version 7,12.345,0.3,2024-03-01,2024-03-05T02:00:00Z,\n"; string(b) != want {
		t.Errorf("csv:\n%s", b)
	}
	f, err := os.Open(filepath.Join(dir, "r.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	schema := pf.Schema()
	for col, want := range map[string]string{"amount": "DECIMAL(18,3)", "submitted_at": "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", "period": "DATE"} {
		leaf, ok := schema.Lookup(col)
		if !ok || leaf.Node.Type().LogicalType() == nil || !strings.Contains(leaf.Node.Type().LogicalType().String(), want) {
			t.Errorf("%s: logical type %v, want %s", col, leaf.Node.Type().LogicalType(), want)
		}
	}
	rows := make([]parquet.Row, 1)
	n, _ := pf.RowGroups()[0].Rows().ReadRows(rows)
	if n != 1 || rows[0][2].Int64() != 12345 || rows[0][5].Int64() != time.Date(2024, 3, 5, 2, 0, 0, 0, time.UTC).UnixMicro() || !rows[0][6].IsNull() {
		t.Errorf("parquet row %v", rows[0])
	}
	x, err := excelize.OpenFile(filepath.Join(dir, "r.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	got, _ := x.GetRows("result")
	if len(got) != 2 || got[0][2] != "amount" || got[1][1] != "version 7" || got[1][2] != "12.345" {
		t.Errorf("xlsx rows %q", got)
	}
}
