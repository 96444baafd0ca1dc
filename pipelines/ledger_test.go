package pipelines

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// TestEveryRunIsInTheLedger: a run that fails before reading anything (a
// bad setting, a data set another ingest holds past the wait) or that is
// skipped gets a ledger row with its true status and a real end time, like
// a run that went well; the result a caller prints or counts says the same.
func TestEveryRunIsInTheLedger(t *testing.T) {
	r, job, _ := newRunner(t)
	clock := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	r.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	r.LockWait = 200 * time.Millisecond

	bad := job
	bad.Name = "typo"
	bad.Settings = map[string]string{"path": "x", "setle": "10s"}
	res, err := r.RunJob(context.Background(), bad)
	if err == nil || res.Status != "failed" || !strings.Contains(res.Error, `did you mean "settle"`) {
		t.Errorf("bad setting: %+v %v", res, err)
	}

	release, err := r.Lake.Lock(job.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	res, err = r.RunJob(context.Background(), job)
	release()
	if !errors.Is(err, lake.ErrLocked) || res.Status != "failed" || time.Since(t0) < 200*time.Millisecond {
		t.Errorf("locked data set: %+v %v after %s", res, err, time.Since(t0))
	}
	if d := res.FinishedAt.Sub(res.StartedAt); d <= 0 {
		t.Errorf("a failed run lasted %s: every run has a real end", d)
	}

	if _, err := r.Skip(Job{Name: "sensor_mqtt", Dataset: "sensor_readings"}, "needs sources.mqtt_broker"); err != nil {
		t.Fatal(err)
	}
	if res, err := r.RunJob(context.Background(), job); err != nil || res.Status != "ok" {
		t.Fatalf("ok run: %+v %v", res, err)
	}
	got := query[string](t, `SELECT string_agg(job || ':' || status || ':' || (duration_ms >= 0) || ':' || (year(finished_at) = 2024) || ':' || coalesce(error, ''), ' | ' ORDER BY started_at)
		FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_runs", "*", "*.parquet"))
	for _, want := range []string{"typo:failed:true:true:job typo: dropfolder: unknown setting", "t:failed:true:true:job t: another ingest is running",
		"sensor_mqtt:skipped:true:true:needs sources.mqtt_broker", "t:ok:true:true:"} {
		if !strings.Contains(got, want) {
			t.Errorf("ledger lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, " | ") + 1; n != 4 {
		t.Errorf("%d ledger rows, want 4: %s", n, got)
	}
}
