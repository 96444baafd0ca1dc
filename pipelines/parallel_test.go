package pipelines

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
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
		r.FeedbackDir = "" // feedback has its own test below
		r.Parallel, r.BatchItems = parallel, batch
		job.Dataset, job.Department = "sensor_readings", ""
		res := runFolder(t, r, job, src, inbox)
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
		in, err := r.Lake.Committed("sensor_readings")
		data := in.Data
		if err != nil {
			t.Fatal(err)
		}
		// Each input's manifest names files holding exactly its accepted
		// rows, once those of other inputs sharing them are left out.
		ms, err := r.Lake.Manifests("sensor_readings")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			own := r.Lake.Of("sensor_readings", []*lake.Manifest{m})
			keep := sqltext.InputsFilter(own)
			if got := query[int64](t, fmt.Sprintf(`SELECT count(*) FROM read_parquet(%s) WHERE %s`, sqltext.List(own.Data), keep)); got != m.Accepted {
				t.Errorf("parallel %d batch %d: %s: %d rows in its files, manifest says %d", parallel, batch, m.Name, got, m.Accepted)
			}
		}
		t.Logf("parallel %d batch %d: %d files for %d inputs", parallel, batch, len(data), len(ms))
		if batch > 1 && len(data) >= len(ms) {
			t.Errorf("parallel %d batch %d: %d files for %d inputs: small inputs did not share files", parallel, batch, len(data), len(ms))
		}
		if batch == 1 && len(data) != len(ms) {
			t.Errorf("parallel %d batch 1: %d files for %d inputs, want one each", parallel, len(data), len(ms))
		}
		glob := filepath.Join(r.Lake.Root, "sensor_readings", "*", "*.parquet")
		// (Which of two files with the same bytes is kept depends on
		// which worker claims it first: _file is left out.)
		return query[string](t, fmt.Sprintf(`SELECT count(*) || '/' || count(DISTINCT _checksum) || '/' || round(sum(value), 1) || '/' || sum(_row) || '/' ||
			count(DISTINCT (_source, _file, _checksum, _sheet, _run_id, _submitted_at, _ingested_at)) || '/' || string_agg(DISTINCT _checksum, ',' ORDER BY _checksum)
			FROM read_parquet('%s')`, glob))
	}
	want := count(1, 1)
	for _, c := range [][2]int{{4, 64}, {2, 3}, {3, 1}} {
		if got := count(c[0], c[1]); got != want {
			t.Errorf("parallel %d batch %d: lake %s, one at a time %s", c[0], c[1], got, want)
		}
	}
}

// Inputs decoded side by side still give each department's workbook the
// problems of file after file in the source's order, the same workbook a
// run of one input at a time writes.
func TestParallelFeedbackMatchesOneAtATime(t *testing.T) {
	src := t.TempDir()
	for i := 0; i < 12; i++ {
		var b strings.Builder
		b.WriteString(swHeader)
		// Earlier files are longer, so that they finish after later ones.
		for j := 0; j < 40+(11-i)*60; j++ {
			dept, gen := "旗工信局", "1"
			if (i+j)%3 == 0 {
				dept = "旗发改委"
			}
			if (i*7+j)%5 == 0 {
				gen = "-1" // below the minimum: rejected
			}
			// 48 keys (month and enterprise) a file; rows past them repeat a key.
			fmt.Fprintf(&b, "2023-%02d,%s,%s,企业%d,%s,1\n", (j/4)%12+1, dept, codes[j%len(codes)], j, gen)
		}
		if i == 5 {
			b.WriteString("2023-06,旗工信局,\"未闭合\n") // broken part-way: rejected whole
		}
		os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d.csv", i)), []byte(b.String()), 0o644)
	}
	workbooks := func(parallel int) map[string]string {
		r, job, inbox := newRunner(t)
		job.Department = ""
		r.Parallel, r.BatchItems = parallel, 4
		res := runFolder(t, r, job, src, inbox)
		out := map[string]string{}
		for _, f := range res.Feedback {
			rel, _ := filepath.Rel(r.FeedbackDir, f)
			out[filepath.Dir(rel)] = feedbackText(t, f)
		}
		return out
	}
	want := workbooks(1)
	// Both departments, and the unattributed problem of the broken file.
	if len(want) != 3 || want["旗发展和改革委员会"] == "" || want["旗工业和信息化局"] == "" {
		t.Fatalf("workbooks for %v, want one per department and one for the whole-file problem", slices.Collect(maps.Keys(want)))
	}
	for dept, text := range workbooks(4) {
		if text != want[dept] {
			t.Errorf("%s: four inputs at a time wrote\n%s\none at a time\n%s", dept, text, want[dept])
		}
	}
}

// runFolder drops every file of src into inbox and runs the job.
func runFolder(t *testing.T, r *Runner, job Job, src, inbox string) RunResult {
	t.Helper()
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		os.Link(filepath.Join(src, e.Name()), filepath.Join(inbox, e.Name()))
	}
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
