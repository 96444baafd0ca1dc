package publish

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/testenv"
)

// TestRollbackAndHistory: every publish keeps the version it replaced;
// --rollback serves it again (and a second rollback goes forward), each
// step is in the history table outside the serving schema and served as
// mart_health_publishes, the reader is granted on whatever is served, and
// the filter columns are indexed.
func TestRollbackAndHistory(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	pg.Psql(t, "CREATE ROLE grafana_reader LOGIN")
	o := Options{DSN: pg.DSN, Schema: "waymark", Reader: "grafana_reader"}
	if _, err := Rollback(ctx, o); !errors.Is(err, ErrNoPrevious) {
		t.Errorf("rollback with nothing published: %v", err)
	}
	for _, v := range []float64{55.86, 56.1} {
		if _, err := Run(ctx, marts(t, v), o); err != nil {
			t.Fatal(err)
		}
	}
	actual := func() string { return strings.TrimSpace(pg.Psql(t, `SELECT actual FROM waymark.mart_scorecard`)) }
	if actual() != "56.1" {
		t.Fatalf("served %s", actual())
	}
	if _, err := Rollback(ctx, o); err != nil {
		t.Fatal(err)
	}
	if actual() != "55.86" {
		t.Errorf("after rollback served %s, want 55.86", actual())
	}
	if _, err := Rollback(ctx, o); err != nil {
		t.Fatal(err)
	}
	if actual() != "56.1" {
		t.Errorf("after a second rollback served %s, want 56.1", actual())
	}
	hist := pg.Psql(t, `SELECT version, action, restored_version FROM waymark_history.publishes ORDER BY version`)
	if want := "1|publish|\n2|publish|\n3|rollback|1\n4|rollback|2\n"; hist != want {
		t.Errorf("history:\n%s\nwant:\n%s", hist, want)
	}
	if got := pg.Psql(t, `SELECT count(*) FROM waymark.mart_health_publishes`); strings.TrimSpace(got) != "4" {
		t.Errorf("served history has %s rows", got)
	}
	// The reader reads what is served after the rollbacks, history included.
	if got := pg.Psql(t, `SELECT has_table_privilege('grafana_reader', 'waymark.mart_scorecard', 'SELECT'),
		has_table_privilege('grafana_reader', 'waymark.mart_health_publishes', 'SELECT'),
		has_schema_privilege('grafana_reader', 'waymark_history', 'USAGE'),
		has_schema_privilege('grafana_reader', 'waymark_previous', 'USAGE'),
		has_schema_privilege('grafana_reader', 'waymark', 'CREATE')`); got != "t|t|f|f|f\n" {
		t.Errorf("reader privileges %q, want t|t|f|f|f", got)
	}
	if got := pg.Psql(t, `SELECT indexname FROM pg_indexes WHERE schemaname = 'waymark' ORDER BY 1`); !strings.Contains(got, "mart_scorecard_indicator_id_idx") {
		t.Errorf("indexes: %q", got)
	}
}
