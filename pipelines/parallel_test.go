package pipelines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestParallelBatchedRunMatchesOneAtATime ingests the same logger dumps
// with several workers and batched commits, and one input at a time with a
// commit each: the lake holds the same rows, a file sent twice in one run
// is a duplicate either way, and every file is archived once committed.
func TestParallelBatchedRunMatchesOneAtATime(t *testing.T) {
	src := t.TempDir()
	files, rows := writeLoggerDumps(t, src, 9, 1)
	// The same bytes under another name, in the same run.
	b, _ := os.ReadFile(filepath.Join(src, "GH-0003_2023-01.csv"))
	os.WriteFile(filepath.Join(src, "GH-0003_2023-01 (copy).csv"), b, 0o644)
	count := func(parallel, batch int) string {
		r, job, inbox := newRunner(t)
		r.Limits.MaxBytes, r.Limits.MaxRows = 1<<30, 1<<30
		r.FeedbackDir = "" // feedback streams keep one input at a time
		r.Parallel, r.BatchItems = parallel, batch
		job.Dataset, job.Department = "sensor_readings", ""
		entries, _ := os.ReadDir(src)
		for _, e := range entries {
			os.Link(filepath.Join(src, e.Name()), filepath.Join(inbox, e.Name()))
		}
		res, err := r.RunJob(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		if res.ItemsNew != int64(files) || res.ItemsDuplicate != 1 || res.RowsAccepted != int64(rows) {
			t.Errorf("parallel %d batch %d: %d new, %d duplicate, %d rows; want %d, 1, %d", parallel, batch, res.ItemsNew, res.ItemsDuplicate, res.RowsAccepted, files, rows)
		}
		left, _ := filepath.Glob(filepath.Join(inbox, "*.csv"))
		if len(left) != 0 {
			t.Errorf("parallel %d batch %d: not archived: %v", parallel, batch, left)
		}
		tmp, _ := filepath.Glob(filepath.Join(r.Lake.Root, "*", "*", ".tmp-*"))
		if len(tmp) != 0 {
			t.Errorf("temp files left: %v", tmp)
		}
		data, _, err := r.Lake.Committed("sensor_readings")
		if err != nil {
			t.Fatal(err)
		}
		glob := filepath.Join(r.Lake.Root, "sensor_readings", "*", "*.parquet")
		return fmt.Sprintf("%d files; %s", len(data), query[string](t,
			fmt.Sprintf(`SELECT count(*) || '/' || count(DISTINCT _checksum) || '/' || round(sum(value), 1) FROM read_parquet('%s')`, glob)))
	}
	want := count(1, 1)
	for _, c := range [][2]int{{4, 64}, {2, 3}, {3, 1}} {
		if got := count(c[0], c[1]); got != want {
			t.Errorf("parallel %d batch %d: lake %s, one at a time %s", c[0], c[1], got, want)
		}
	}
}
