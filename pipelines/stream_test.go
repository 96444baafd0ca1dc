package pipelines

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/testenv"
)

// TestStreamCommitsWhileOtherJobsOfTheDataSetRun runs the MQTT job as
// serve does, a continuous subscription: its micro-batches reach the lake
// and are reported (so a rebuild follows) while the stream goes on, and a
// logger dump for the same data set is ingested meanwhile instead of
// failing on the lock.
func TestStreamCommitsWhileOtherJobsOfTheDataSetRun(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	r, _, inbox := newRunner(t)
	r.Now = time.Now
	job := mqttJob(t, r, broker.URL)
	job.Settings["batch_size"] = "200"
	job.Settings["batch_wait"] = "300ms"
	var mu sync.Mutex
	var reports []RunResult
	accepted := func() (n int64) {
		mu.Lock()
		defer mu.Unlock()
		for _, res := range reports {
			n += res.RowsAccepted
		}
		return n
	}
	if !r.Streams(job) {
		t.Fatal("the MQTT job does not stream")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.RunStream(ctx, job, 500*time.Millisecond, func(res RunResult) {
			mu.Lock()
			reports = append(reports, res)
			mu.Unlock()
		})
	}()
	time.Sleep(500 * time.Millisecond) // subscribed
	publishReadings(t, broker.URL, 1000, 0)
	// A logger dump for the same data set while the stream runs.
	logger := Job{Name: "loggers", Dataset: "sensor_readings", Connector: "dropfolder", Settings: map[string]string{"path": inbox}}
	var b strings.Builder
	b.WriteString("站点编号,设备编号,通道,时间,读数,单位\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "GH-007,GH-007-RG,rainfall_mm,2023-06-01 %02d:%02d:00,%d.5,mm\n", i/60, i%60, i%5)
	}
	os.WriteFile(filepath.Join(inbox, "GH-007_2023-06.csv"), []byte(b.String()), 0o644)
	lr, err := r.RunJob(ctx, logger)
	if err != nil || lr.RowsAccepted != 50 {
		t.Fatalf("logger dump beside the stream: %+v %v", lr, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for accepted() < 1000 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := accepted(); n != 1000 {
		t.Fatalf("the stream reported %d readings before it was stopped, want all 1000", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("stream ended with %v", err)
	}
	mu.Lock()
	last := reports[len(reports)-1]
	windows := len(reports)
	mu.Unlock()
	if last.Status != "cancelled" || windows < 2 {
		t.Errorf("%d runs, the last %q: want windows with data, then the stop recorded", windows, last.Status)
	}
	if n := query[int64](t, `SELECT count(*) FROM read_parquet(?)`, r.Lake.Glob("sensor_readings")); n != 1050 {
		t.Errorf("lake holds %d readings, want 1000 streamed and 50 from the logger", n)
	}
	ledger := query[int64](t, `SELECT count(*) FROM read_parquet(?) WHERE job = ?`, filepath.Join(r.Lake.Root, "_runs", "*", "*.parquet"), job.Name)
	if ledger != int64(windows) {
		t.Errorf("%d ledger rows for the stream, want one per reported run (%d)", ledger, windows)
	}
}
