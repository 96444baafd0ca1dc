package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/waymark-data/waymark/internal/testenv"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// marts builds a warehouse version whose one mart holds actual, and opens
// it as publish does.
func marts(t *testing.T, actual float64) *sql.DB {
	t.Helper()
	store := warehouse.New(t.TempDir(), 1, "Asia/Shanghai")
	return version(t, store, fmt.Sprintf(`CREATE TABLE mart_scorecard AS SELECT 'zw-18' AS indicator_id, %v::DOUBLE AS actual`, actual))
}

// version builds the next version of store with stmts and opens it the
// way production does: the current version, through the hardened
// read-only handle.
func version(t *testing.T, store *warehouse.Store, stmts ...string) *sql.DB {
	t.Helper()
	_, err := store.Build(context.Background(), func(ctx context.Context, w *sql.DB) error {
		for _, q := range stmts {
			if _, err := w.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := store.OpenCurrent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func staging(t *testing.T, pg *testenv.Postgres) string {
	t.Helper()
	return strings.TrimSpace(pg.Psql(t, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'waymark\_staging\_%'`))
}

// TestPublishDropsNothingItDoesNotOwn: an analyst's view in another schema
// over a serving table is not dropped by a CASCADE: the publish fails
// naming it, the previous marts stay served, and no staging is left; once
// the view is gone the next publish goes through.
func TestPublishDropsNothingItDoesNotOwn(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	o := Options{DSN: pg.DSN, Schema: "waymark"}
	if _, err := Run(ctx, marts(t, 55.86), o); err != nil {
		t.Fatal(err)
	}
	pg.Psql(t, `CREATE SCHEMA analyst; CREATE VIEW analyst.zw18 AS SELECT actual FROM waymark.mart_scorecard`)
	_, err := Run(ctx, marts(t, 56.1), o)
	if err == nil || !strings.Contains(err.Error(), "view analyst.zw18 depends on table waymark.mart_scorecard") {
		t.Fatalf("publish over a dependent view: %v, want a refusal naming the view", err)
	}
	if got := strings.TrimSpace(pg.Psql(t, `SELECT actual FROM analyst.zw18`)); got != "55.86" {
		t.Errorf("the analyst's view reads %q, want the previous marts 55.86", got)
	}
	if n := staging(t, pg); n != "0" {
		t.Errorf("%s staging schemas left after the refused swap", n)
	}
	// Something of somebody else's inside the serving schema stops it too.
	pg.Psql(t, `DROP VIEW analyst.zw18; CREATE TABLE waymark.notes (x int)`)
	if _, err := Run(ctx, marts(t, 56.1), o); err == nil || !strings.Contains(err.Error(), "waymark.notes") {
		t.Errorf("publish over an analyst's table in the serving schema: %v", err)
	}
	pg.Psql(t, `DROP TABLE waymark.notes`)
	if _, err := Run(ctx, marts(t, 56.1), o); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(pg.Psql(t, `SELECT actual FROM waymark.mart_scorecard`)); got != "56.1" {
		t.Errorf("after the view was dropped the marts read %q", got)
	}
}

// TestSwapWaitsForLocksBounded: a long query on a serving table holds the
// swap; lock_timeout ends the wait (dashboards do not queue behind it for
// long), the previous marts stay, and the next publish goes through.
func TestSwapWaitsForLocksBounded(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	o := Options{DSN: pg.DSN, Schema: "waymark", LockTimeout: 300 * time.Millisecond}
	if _, err := Run(ctx, marts(t, 1), o); err != nil {
		t.Fatal(err)
	}
	reader, err := pgx.Connect(ctx, pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	tx, err := reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM waymark.mart_scorecard`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_, err = Run(ctx, marts(t, 2), o)
	if err == nil || !strings.Contains(err.Error(), "lock_timeout") || time.Since(t0) > 10*time.Second {
		t.Fatalf("publish beside a long query: %v after %s", err, time.Since(t0))
	}
	tx.Rollback(ctx)
	if got := strings.TrimSpace(pg.Psql(t, `SELECT actual FROM waymark.mart_scorecard`)); got != "1" {
		t.Errorf("serving %q after the timed-out swap, want the previous 1", got)
	}
	if n := staging(t, pg); n != "0" {
		t.Errorf("%s staging schemas left", n)
	}
	if _, err := Run(ctx, marts(t, 2), o); err != nil {
		t.Fatal(err)
	}
}

// TestLeftoverStagingIsSwept: the staging schema of a publish killed midway
// is dropped by the next publish.
func TestLeftoverStagingIsSwept(t *testing.T) {
	pg := testenv.StartPostgres(t)
	pg.Psql(t, `CREATE SCHEMA waymark_staging_1700000000000000000; CREATE TABLE waymark_staging_1700000000000000000.mart_scorecard (x int)`)
	res, err := Run(context.Background(), marts(t, 3), Options{DSN: pg.DSN, Schema: "waymark"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Swept) != 1 || res.Swept[0] != "waymark_staging_1700000000000000000" {
		t.Errorf("swept %v", res.Swept)
	}
	if n := staging(t, pg); n != "0" {
		t.Errorf("%s staging schemas left", n)
	}
}

// TestUnreachableOrHungServer: PostgreSQL down, or accepting connections
// and never answering, fails the publish within its context and never
// shows the DSN's password.
func TestUnreachableOrHungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	down := fmt.Sprintf("postgres://waymark:pa55word@127.0.0.1:%d/waymark?sslmode=disable", testenv.FreePort(t))
	hung := "postgres://waymark:pa55word@" + ln.Addr().String() + "/waymark?sslmode=disable"
	db := marts(t, 1)
	for name, dsn := range map[string]string{"down": down, "hung": hung} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		t0 := time.Now()
		_, err := Run(ctx, db, Options{DSN: dsn, Schema: "waymark"})
		cancel()
		if err == nil || time.Since(t0) > 5*time.Second {
			t.Errorf("%s: %v after %s", name, err, time.Since(t0))
			continue
		}
		if strings.Contains(err.Error(), "pa55word") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
	if _, err := Run(context.Background(), db, Options{DSN: "postgres://u:pa55word@host:notaport/x", Schema: "waymark"}); err == nil || strings.Contains(err.Error(), "pa55word") {
		t.Errorf("bad DSN: %v", err)
	}
	if _, err := Run(context.Background(), db, Options{Schema: "waymark"}); !errors.Is(err, ErrNoDSN) {
		t.Errorf("no DSN: %v", err)
	}
}
