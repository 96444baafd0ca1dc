package publish

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/testenv"
	"github.com/waymark-data/waymark/internal/warehouse"
)

func TestPublishSwapsMartsIntoPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	store := warehouse.New(t.TempDir(), 1, "Asia/Shanghai")
	build := func(actual float64) *sql.DB {
		return version(t, store, `CREATE TABLE mart_scorecard AS SELECT 'zw-18' AS indicator_id, '一般工业固体废物综合利用率' AS name_zh, 2023 AS year,
			`+strconv.FormatFloat(actual, 'f', -1, 64)+`::DOUBLE AS actual, DATE '2023-12-01' AS as_of_period, TIMESTAMPTZ '2024-01-05 10:00:00+08' AS built_at,
			'met' AS status, ['旗工信局', '旗生态环境局'] AS department_list, true AS ok, 12.5::DECIMAL(6,2) AS gap`,
			`CREATE TABLE stg_private AS SELECT 1 AS x`)
	}
	db := build(55.86)
	o := Options{DSN: pg.DSN, Schema: "waymark"}
	res, err := Run(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 1 || res.Tables["mart_scorecard"] != 1 {
		t.Fatalf("published %v, want the one mart", res.Tables)
	}
	// A real PostgreSQL client reads what Grafana will read.
	got := pg.Psql(t, `SELECT indicator_id, name_zh, year, actual, as_of_period, built_at AT TIME ZONE 'Asia/Shanghai', status, department_list[2], ok, gap FROM waymark.mart_scorecard`)
	if want := "zw-18|一般工业固体废物综合利用率|2023|55.86|2023-12-01|2024-01-05 10:00:00|met|旗生态环境局|t|12.50\n"; got != want {
		t.Errorf("psql read %q, want %q", got, want)
	}
	if strings.TrimSpace(pg.Psql(t, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'stg_private'`)) != "0" {
		t.Error("a non-mart table was published")
	}
	// Publishing again replaces the schema whole and leaves no staging behind.
	db = build(56.1)
	if _, err := Run(ctx, db, o); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(pg.Psql(t, `SELECT actual FROM waymark.mart_scorecard`)); got != "56.1" {
		t.Errorf("after republish actual = %s", got)
	}
	if got := strings.TrimSpace(pg.Psql(t, `SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'waymark\_staging\_%'`)); got != "0" {
		t.Errorf("%s staging schemas left, want none", got)
	}
	if _, err := Run(ctx, db, Options{Schema: "waymark"}); err == nil || !strings.Contains(err.Error(), "WAYMARK_PG_DSN") {
		t.Errorf("no DSN: %v", err)
	}
}

// A mart whose rows equal the served version's is copied inside
// PostgreSQL instead of being sent again; a changed one is sent; both read
// as the warehouse has them, and --rollback still finds the previous
// version whole.
func TestUnchangedMartsAreCopiedInPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	store := warehouse.New(t.TempDir(), 1, "Asia/Shanghai")
	build := func(actual string) *sql.DB {
		return version(t, store,
			`CREATE TABLE mart_hourly AS SELECT 'GH-' || lpad((i % 68)::VARCHAR, 3, '0') AS site_id, TIMESTAMPTZ '2023-01-01 00:00:00+08' + to_hours(i) AS hour, i * 0.5 AS rain_mm
			 FROM range(20000) r(i)`,
			`CREATE TABLE mart_scorecard AS SELECT 'zw-18' AS indicator_id, `+actual+`::DOUBLE AS actual`)
	}
	o := Options{DSN: pg.DSN, Schema: "waymark"}
	first, err := Run(ctx, build("55.86"), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Unchanged) != 0 {
		t.Errorf("first publish reused %v", first.Unchanged)
	}
	second, err := Run(ctx, build("56.1"), o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(second.Unchanged, ",") != "mart_hourly" || second.Tables["mart_hourly"] != 20000 {
		t.Errorf("second publish: unchanged %v, tables %v; want mart_hourly reused with its 20000 rows", second.Unchanged, second.Tables)
	}
	served := func(schema string) string {
		return strings.TrimSpace(pg.Psql(t, `SELECT (SELECT count(*) || ' ' || sum(rain_mm) || ' ' || min(hour AT TIME ZONE 'Asia/Shanghai') FROM `+schema+`.mart_hourly) || ' ' || (SELECT actual FROM `+schema+`.mart_scorecard)`))
	}
	if got, want := served("waymark"), "20000 99995000.0 2023-01-01 00:00:00 56.1"; got != want {
		t.Errorf("served %q, want %q", got, want)
	}
	if got, want := served("waymark_previous"), "20000 99995000.0 2023-01-01 00:00:00 55.86"; got != want {
		t.Errorf("previous version %q, want %q", got, want)
	}
	// The same warehouse again: nothing is sent.
	third, err := Run(ctx, build("56.1"), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Unchanged) != 2 {
		t.Errorf("third publish of the same marts reused %v, want both", third.Unchanged)
	}
	if _, err := Rollback(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, want := served("waymark"), "20000 99995000.0 2023-01-01 00:00:00 56.1"; got != want {
		t.Errorf("after rollback served %q, want %q", got, want)
	}
}
