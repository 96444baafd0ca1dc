package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
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
