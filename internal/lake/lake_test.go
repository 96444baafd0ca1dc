package lake_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
)

func TestRowWriterRoundTripThroughDuckDB(t *testing.T) {
	dir := t.TempDir()
	cols := []lake.Column{{"name", lake.String}, {"n", lake.Int64}, {"x", lake.Float64}, {"d", lake.Date}, {"ts", lake.Timestamp}, {"ok", lake.Bool}}
	f, err := lake.Create(filepath.Join(dir, "t", "part-1.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := lake.NewRowWriter(f, "t", cols)
	day := time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2023, 5, 31, 8, 30, 0, 123000, time.UTC)
	for i := 0; i < 3000; i++ { // more than one batch
		row := []any{"一般工业固体废物", int64(i), 52.59, day, ts, i%2 == 0}
		if i == 7 {
			row = []any{nil, nil, nil, nil, nil, nil}
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	glob := filepath.Join(dir, "t", "*.parquet")
	var names string
	if err := db.QueryRow(`SELECT string_agg(name, ',' ORDER BY ordinal) FROM (SELECT name, row_number() OVER () AS ordinal FROM parquet_schema(?) WHERE name <> 't')`, glob).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != "name,n,x,d,ts,ok" {
		t.Errorf("column order %s, want contract order name,n,x,d,ts,ok", names)
	}
	var codec string
	if err := db.QueryRow(`SELECT DISTINCT compression FROM parquet_metadata(?)`, glob).Scan(&codec); err != nil {
		t.Fatal(err)
	}
	if codec != "ZSTD" {
		t.Errorf("compression %s, want ZSTD", codec)
	}
	var n, nulls int
	var sum float64
	var gotDay, gotTS time.Time
	var name string
	err = db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE name IS NULL), sum(x), max(d), max(ts), max(name) FROM read_parquet(?)`, glob).
		Scan(&n, &nulls, &sum, &gotDay, &gotTS, &name)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3000 || nulls != 1 || name != "一般工业固体废物" {
		t.Errorf("rows %d nulls %d name %q", n, nulls, name)
	}
	if !gotDay.Equal(day) || !gotTS.Equal(ts) {
		t.Errorf("date %v ts %v, want %v %v", gotDay, gotTS, day, ts)
	}
	if want := 52.59 * 2999; sum < want-1e-6 || sum > want+1e-6 {
		t.Errorf("sum %v want %v", sum, want)
	}
}

func TestRowWriterRejectsWrongTypes(t *testing.T) {
	f, err := lake.Create(filepath.Join(t.TempDir(), "x.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	w := lake.NewRowWriter(f, "x", []lake.Column{{"n", lake.Int64}})
	if err := w.Write([]any{"12"}); err == nil || !strings.Contains(err.Error(), "column n") {
		t.Errorf("want a type error naming the column, got %v", err)
	}
	if err := w.Write([]any{int64(1), int64(2)}); err == nil {
		t.Error("want an error for a row with too many values")
	}
}

func TestAtomicFileInvisibleUntilCommit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "part-x.parquet")
	f, err := lake.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	if m, _ := filepath.Glob(filepath.Join(dir, "a", "*.parquet")); len(m) != 0 {
		t.Fatalf("uncommitted file visible to readers: %v", m)
	}
	f.Abort()
	if entries, _ := os.ReadDir(filepath.Join(dir, "a")); len(entries) != 0 {
		t.Fatalf("abort left %d files", len(entries))
	}
	if err := lake.WriteFileAtomic(p, []byte("whole")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "whole" {
		t.Fatalf("content %q", b)
	}
	// A crashed writer's temp file is swept before the next run.
	os.WriteFile(filepath.Join(dir, "a", ".tmp-part-y.parquet-123"), []byte("junk"), 0o644)
	n, err := lake.Sweep(dir)
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d, err %v", n, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal("sweep removed a committed file")
	}
}

func TestPartitionedWriterSameIDReplaces(t *testing.T) {
	l := lake.Lake{Root: t.TempDir()}
	cols := []lake.Column{{"v", lake.Int64}}
	for round := 0; round < 2; round++ {
		w := l.NewPartitionedWriter("ds", "month", "abc", cols)
		for _, m := range []string{"2023-01", "2023-02", "2023-01"} {
			if err := w.Write(m, []lake.Value{lake.Int(1)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(l.Root, "ds", "*", "*.parquet"))
	if len(files) != 2 {
		t.Fatalf("want 2 partition files after writing the same input twice, got %v", files)
	}
	db, err := warehouse.Scratch("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM read_parquet(?)`, l.Glob("ds")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("rows %d, want 3", n)
	}
}

func TestLockIsExclusivePerDataset(t *testing.T) {
	l := lake.Lake{Root: t.TempDir()}
	release, err := l.Lock("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lock("a"); err == nil {
		t.Fatal("a second writer of the same data set got the lock")
	}
	other, err := l.Lock("b")
	if err != nil {
		t.Fatalf("another data set is independent: %v", err)
	}
	other()
	release()
	again, err := l.Lock("a")
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	again()
}

// A writer released after one file and taken again for the next file of
// the same schema writes that file whole and alone: nothing of the first
// file's rows, counts or statistics carries over.
func TestReleasedWriterWritesTheNextFileAlone(t *testing.T) {
	dir := t.TempDir()
	cols := []lake.Column{{"name", lake.String}, {"n", lake.Int64}}
	write := func(file string, rows int, name string) {
		t.Helper()
		f, err := lake.Create(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		w := lake.NewRowWriter(f, "r", cols)
		for i := 0; i < rows; i++ {
			if err := w.Write([]any{name, int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		w.Release()
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	write("a.parquet", 5000, "甲")
	write("b.parquet", 3, "乙")
	write("c.parquet", 0, "丙")
	// A writer abandoned mid-file (its input failed) hands on nothing.
	abandoned := lake.NewRowWriter(io.Discard, "r", cols)
	for i := 0; i < 30_000; i++ {
		abandoned.Write([]any{"废", int64(-i)})
	}
	abandoned.Release()
	write("d.parquet", 2, "丁")
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for file, want := range map[string]string{"a.parquet": "5000 甲 4999", "b.parquet": "3 乙 2", "c.parquet": "0  ", "d.parquet": "2 丁 1"} {
		var got string
		if err := db.QueryRow(`SELECT count(*) || ' ' || coalesce(min(name), '') || ' ' || coalesce(max(n)::VARCHAR, '') FROM read_parquet(?)`,
			filepath.Join(dir, file)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
	// The footer's row count is the second file's own.
	var rows int64
	if err := db.QueryRow(`SELECT num_rows FROM parquet_file_metadata(?)`, filepath.Join(dir, "b.parquet")).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Errorf("b.parquet footer says %d rows, want 3", rows)
	}
}
