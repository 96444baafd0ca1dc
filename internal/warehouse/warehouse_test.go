package warehouse

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestBuildPublishesAtomically(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir(), 2, "Asia/Shanghai")
	if _, _, err := s.OpenCurrent(); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("empty store: %v", err)
	}
	fill := func(v int) func(context.Context, *sql.DB) error {
		return func(ctx context.Context, db *sql.DB) error {
			_, err := db.ExecContext(ctx, "CREATE TABLE v AS SELECT ? AS n", v)
			return err
		}
	}
	if _, err := s.Build(ctx, fill(1)); err != nil {
		t.Fatal(err)
	}
	reader, _, err := s.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	// A failing build leaves the published version in place and no debris.
	_, err = s.Build(ctx, func(ctx context.Context, db *sql.DB) error {
		if _, err := db.ExecContext(ctx, "CREATE TABLE v AS SELECT 99 AS n"); err != nil {
			return err
		}
		return errors.New("data test failed")
	})
	if err == nil {
		t.Fatal("failing build reported success")
	}
	if m, _ := filepath.Glob(filepath.Join(s.Dir(), "*.building*")); len(m) != 0 {
		t.Errorf("failed build left %v", m)
	}
	// A build while a reader holds the current version open: no lock error.
	for v := 2; v <= 4; v++ {
		if _, err := s.Build(ctx, fill(v)); err != nil {
			t.Fatalf("build %d with a reader open: %v", v, err)
		}
	}
	var n int
	if err := reader.QueryRow("SELECT n FROM v").Scan(&n); err != nil || n != 1 {
		t.Errorf("open reader sees %d, %v; want its own version 1", n, err)
	}
	fresh, _, err := s.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.QueryRow("SELECT n FROM v").Scan(&n); err != nil || n != 4 {
		t.Errorf("new reader sees %d, %v; want 4", n, err)
	}
	if _, err := fresh.Exec("CREATE TABLE w (x INT)"); err == nil {
		t.Error("readers must be read-only")
	}
	vs, _ := s.Versions()
	if len(vs) != 2 {
		t.Errorf("kept %d versions, want 2: %v", len(vs), vs)
	}
	var tz string
	if err := fresh.QueryRow("SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "Asia/Shanghai" {
		t.Errorf("time zone %q %v", tz, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), CurrentLink)); err != nil {
		t.Error(err)
	}
}

// TestBuildWritesNoLog: a version being built keeps no write-ahead log
// (it is published only after its checkpoint and sync), and what any of
// the build's pooled connections commits lands in the version, not in
// the in-memory database it is attached to.
func TestBuildWritesNoLog(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir(), 2, "Asia/Shanghai")
	path := ""
	for round := 0; round < 2; round++ { // a build from nothing, then from a copy
		build := s.Build
		if path != "" {
			base := path
			build = func(ctx context.Context, fill func(context.Context, *sql.DB) error) (string, error) {
				return s.BuildFrom(ctx, base, fill)
			}
		}
		var err error
		path, err = build(ctx, func(ctx context.Context, db *sql.DB) error {
			// Spills go beside the version, not into the working directory.
			var spill string
			if err := db.QueryRowContext(ctx, "SELECT current_setting('temp_directory')").Scan(&spill); err != nil {
				return err
			}
			if filepath.Dir(spill) != s.Dir() || !strings.HasSuffix(spill, ".building.tmp") {
				t.Errorf("round %d: the build spills to %q, not beside its version in %s", round, spill, s.Dir())
			}
			conns := make([]*sql.Conn, 3)
			for i := range conns {
				c, err := db.Conn(ctx)
				if err != nil {
					return err
				}
				defer c.Close()
				conns[i] = c
			}
			for i, c := range conns {
				q := fmt.Sprintf("CREATE OR REPLACE TABLE t%d AS SELECT range AS n FROM range(%d)", i, 1000*(i+1)+round)
				if _, err := c.ExecContext(ctx, q); err != nil {
					return err
				}
				if logs, _ := filepath.Glob(filepath.Join(s.Dir(), "*.wal")); len(logs) > 0 {
					t.Errorf("round %d: a committed statement of the build wrote a log: %v", round, logs)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db, err := s.OpenVersion(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			var n int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM t%d", i)).Scan(&n); err != nil || n != 1000*(i+1)+round {
				t.Errorf("round %d: t%d holds %d rows (%v), want %d", round, i, n, err, 1000*(i+1)+round)
			}
		}
		db.Close()
	}
}

// TestReaderIsHardened tries every way out of the read-only reader that an
// analyst's query could take; each must be refused and leave no trace.
func TestReaderIsHardened(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := New(filepath.Join(dir, "wh"), 1, "Asia/Shanghai")
	if _, err := s.Build(ctx, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE mart_x AS SELECT 1 AS n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(secret, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	db, _, err := s.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT n FROM mart_x").Scan(&n); err != nil || n != 1 {
		t.Fatalf("reading the warehouse: %v %d", err, n)
	}
	var tz string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "Asia/Shanghai" {
		t.Fatalf("time zone %q %v", tz, err)
	}
	// Queries side by side (data tests run this way) each see the zone.
	var wg sync.WaitGroup
	zones := make([]string, 4)
	for i := range zones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := db.QueryContext(ctx, "SELECT current_setting('TimeZone') FROM range(1000)")
			if err != nil {
				zones[i] = err.Error()
				return
			}
			defer rows.Close()
			for rows.Next() {
				rows.Scan(&zones[i])
			}
		}()
	}
	wg.Wait()
	for i, z := range zones {
		if z != "Asia/Shanghai" {
			t.Errorf("query %d side by side: time zone %q", i, z)
		}
	}
	for _, q := range []string{
		"COPY (SELECT 1) TO '" + out + "'",
		"COPY mart_x TO '" + out + "' (FORMAT parquet)",
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM read_text('" + secret + "')",
		"SELECT * FROM read_blob('/etc/hostname')",
		"SELECT * FROM glob('/etc/*')",
		"ATTACH '" + filepath.Join(dir, "other.duckdb") + "' AS other",
		"ATTACH ':memory:' AS scratch",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"SET TimeZone = 'UTC'",
		"RESET lock_configuration",
		"CREATE TABLE t AS SELECT 1",
		"INSERT INTO mart_x VALUES (2)",
		"DROP TABLE mart_x",
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("reader ran %q", q)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a query wrote %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.duckdb")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ATTACH created a database file")
	}
}

// BuildFrom starts from a copy of a finished version: the new version has
// what fill added to the copy, the base is left as it was, and a failed
// build leaves neither debris nor a changed base.
func TestBuildFromCopiesTheBase(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir(), 5, "Asia/Shanghai")
	base, err := s.Build(ctx, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE t AS SELECT 1 AS n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.BuildFrom(ctx, base, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(p string) int {
		db, err := s.OpenVersion(p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT sum(n) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := sum(next); got != 3 {
		t.Errorf("the new version sums %d, want 3 (the copy and the added row)", got)
	}
	if got := sum(base); got != 1 {
		t.Errorf("the base sums %d after a build from it, want 1", got)
	}
	if cur, _ := s.Current(); cur != next {
		t.Errorf("current is %s, want %s", cur, next)
	}
	if _, err := s.BuildFrom(ctx, next, func(ctx context.Context, db *sql.DB) error {
		db.ExecContext(ctx, "INSERT INTO t VALUES (100)")
		return errors.New("a data test failed")
	}); err == nil {
		t.Fatal("a failed build from a copy reported success")
	}
	if got := sum(next); got != 3 {
		t.Errorf("the base sums %d after a failed build from it, want 3", got)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir(), "*.building*")); len(left) > 0 {
		t.Errorf("a failed build left %v", left)
	}
	if _, err := s.BuildFrom(ctx, filepath.Join(s.Dir(), "missing.duckdb"), nil); err == nil {
		t.Error("a build from a missing version reported success")
	}
}

// spareStore is a store WithSpare and its first version, a table t.
func spareStore(t *testing.T) (*Store, string) {
	t.Helper()
	s := New(t.TempDir(), 5, "Asia/Shanghai").WithSpare()
	base, err := s.Build(context.Background(), func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE t AS SELECT 1 AS n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, base
}

// checkSums checks the sum of t.n in each version given.
func checkSums(t *testing.T, s *Store, want map[string]int) {
	t.Helper()
	for p, sum := range want {
		db, err := s.OpenVersion(p)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow("SELECT sum(n) FROM t").Scan(&n); err != nil || n != sum {
			t.Errorf("%s sums %d, %v; want %d", p, n, err, sum)
		}
		db.Close()
	}
}

// TestSpareCopy: a store WithSpare leaves, after publishing, a synced
// copy of the new version that the next build from it takes instead of
// copying; the result is the same, spares of other versions and
// unfinished ones are swept, and a store without WithSpare makes none.
func TestSpareCopy(t *testing.T) {
	ctx := context.Background()
	s, base := spareStore(t)
	WaitSpares()
	want, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(spareOf(base)); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("spare of %s: %d bytes, %v; want a copy of its %d bytes", base, len(got), err, len(want))
	}
	// Leftovers of another version and of a process that died.
	stale := []string{filepath.Join(s.Dir(), "waymark-old.duckdb.spare"), filepath.Join(s.Dir(), "waymark-x.duckdb.spare.tmp")}
	for _, p := range stale {
		os.WriteFile(p, []byte("junk"), 0o644)
	}
	next, err := s.BuildFrom(ctx, base, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	WaitSpares()
	if _, err := os.Stat(spareOf(base)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build from %s did not take its spare: %v", base, err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	checkSums(t, s, map[string]int{base: 1, next: 3})
	if _, err := os.Stat(spareOf(next)); err != nil {
		t.Errorf("no spare of the new version: %v", err)
	}
	if vs, _ := s.Versions(); len(vs) != 2 {
		t.Errorf("versions %v, want 2 (spares are not versions)", vs)
	}
	plain := New(t.TempDir(), 5, "Asia/Shanghai")
	p, err := plain.Build(ctx, func(ctx context.Context, db *sql.DB) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	WaitSpares()
	if _, err := os.Stat(spareOf(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a store without WithSpare made a spare: %v", err)
	}
}

// TestSpareOpenedAhead: the spare is opened once it is written, and the
// next build from its version writes through that handle (its log kept
// under the spare's name, removed once the build is checkpointed); the
// result is published whole, a failed build on it leaves nothing, and a
// build with another time zone opens the file itself.
func TestSpareOpenedAhead(t *testing.T) {
	ctx := context.Background()
	s, base := spareStore(t)
	defer WaitSpares()
	waitOpened := func(version string) openSpare {
		t.Helper()
		spare := spareOf(version)
		spareWritten(spare)
		spares.Lock()
		defer spares.Unlock()
		o, ok := spares.opened[spare]
		if !ok {
			t.Fatalf("the spare of %s was not opened ahead of the next build", version)
		}
		return o
	}
	pre := waitOpened(base)
	// A failed build on the opened spare leaves no file, no log.
	if _, err := s.BuildFrom(ctx, base, func(ctx context.Context, db *sql.DB) error {
		if db != pre.db {
			t.Error("the build did not write through the spare opened ahead")
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (5)"); err != nil {
			return err
		}
		return errors.New("fail on purpose")
	}); err == nil {
		t.Fatal("a failing build succeeded")
	}
	for _, pat := range []string{"*.building*", "*.wal"} {
		if left, _ := filepath.Glob(filepath.Join(s.Dir(), pat)); len(left) > 0 {
			t.Errorf("a failed build on an opened spare left %v", left)
		}
	}
	// No spare now: the next build copies; it leaves an opened spare.
	next, err := s.BuildFrom(ctx, base, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pre = waitOpened(next)
	last, err := s.BuildFrom(ctx, next, func(ctx context.Context, db *sql.DB) error {
		if db != pre.db {
			t.Error("the build did not write through the spare opened ahead")
		}
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (3)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir(), "*.wal")); len(left) > 0 {
		t.Errorf("a build on an opened spare left its log: %v", left)
	}
	checkSums(t, s, map[string]int{base: 1, next: 3, last: 6})
	// Another time zone: the opened spare is not used.
	waitOpened(last)
	other := New(s.Dir(), 5, "UTC").WithSpare()
	if _, err := other.BuildFrom(ctx, last, func(ctx context.Context, db *sql.DB) error {
		var tz string
		if err := db.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "UTC" {
			t.Errorf("the build in UTC runs in %q (%v)", tz, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
