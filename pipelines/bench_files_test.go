package pipelines

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// benchFiles is how many months of logger dumps BenchmarkLoggerFilesIngest
// writes for its 68 sites: 12 (816 files, 1.2 M rows) is the demo's year;
// WAYMARK_BENCH_MONTHS makes it smaller while developing.
func benchMonths() int {
	if n, err := strconv.Atoi(os.Getenv("WAYMARK_BENCH_MONTHS")); err == nil && n > 0 {
		return n
	}
	return 12
}

// benchDir is a directory for a benchmark's lakes and DuckDB's output:
// under WAYMARK_BENCH_DIR when set, and then left there (scripts/bench.sh
// removes them all after the last run), so that no run is slowed by the
// inodes the one before freed; else a temporary directory of the test.
func benchDir(b *testing.B) string {
	if d := os.Getenv("WAYMARK_BENCH_DIR"); d != "" {
		os.MkdirAll(d, 0o755)
		dir, err := os.MkdirTemp(d, "bench-")
		if err != nil {
			b.Fatal(err)
		}
		return dir
	}
	return b.TempDir()
}

// writeLoggerDumps writes one CSV per site and month, hourly readings of
// rain and displacement: the shape real loggers deliver.
func writeLoggerDumps(tb testing.TB, dir string, sites, months int) (files, rows int) {
	tb.Helper()
	for m := 0; m < months; m++ {
		start := time.Date(2023, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 1, 0)
		for s := 1; s <= sites; s++ {
			path := filepath.Join(dir, fmt.Sprintf("GH-%04d_%s.csv", s, start.Format("2006-01")))
			f, err := os.Create(path)
			if err != nil {
				tb.Fatal(err)
			}
			w := bufio.NewWriterSize(f, 64<<10)
			fmt.Fprintln(w, "station,sensor,channel,time,value,unit")
			i := 0
			for t := start; t.Before(end); t = t.Add(time.Hour) {
				ts := t.Format("2006-01-02 15:04:05")
				fmt.Fprintf(w, "GH-%03d,GH-%03d-RG,rainfall_mm,%s,%d.%d,mm\n", s, s, ts, i%13, i%10)
				fmt.Fprintf(w, "GH-%03d,GH-%03d-GNSS,displacement_mm,%s,%d.%d,mm\n", s, s, ts, i%7, i%10)
				i++
				rows += 2
			}
			if err := w.Flush(); err != nil {
				tb.Fatal(err)
			}
			f.Close()
			files++
		}
	}
	return files, rows
}

// BenchmarkLoggerFilesIngest ingests a year of hourly logger dumps (one
// small CSV per site and month) into a fresh lake and, in the same run,
// lets DuckDB COPY the same files in one statement to zstd Parquet
// partitioned by station: the ratio of the two rates is the figure. DuckDB
// is given the columns: with its sniffer on, read_csv over a glob of small
// files spent about 0.4 s a file here (38 s for 68 files, even for a bare
// count(*)), a baseline too weak to measure against.
func BenchmarkLoggerFilesIngest(b *testing.B) {
	src := b.TempDir()
	// WAYMARK_BENCH_SITES=680 is the province-sized run: 10× the data.
	sites := 68
	if v, err := strconv.Atoi(os.Getenv("WAYMARK_BENCH_SITES")); err == nil && v > 0 {
		sites = v
	}
	files, n := writeLoggerDumps(b, src, sites, benchMonths())
	r, job, inbox := newRunner(b)
	r.Limits.MaxBytes, r.Limits.MaxRows = 1<<40, 1<<40
	r.Now = time.Now
	r.FeedbackDir = ""
	job.Dataset, job.Department = "sensor_readings", ""
	job.Settings["archive"] = "false"
	// WAYMARK_BENCH_PARALLEL / WAYMARK_BENCH_BATCH compare the options
	// (1 and 1: one input at a time, one commit round each, as before).
	r.Parallel, _ = strconv.Atoi(os.Getenv("WAYMARK_BENCH_PARALLEL"))
	r.BatchItems, _ = strconv.Atoi(os.Getenv("WAYMARK_BENCH_BATCH"))
	entries, _ := os.ReadDir(src)
	b.ResetTimer()
	var ours, duck time.Duration
	cpu0 := cpuTime()
	// Each pass gets a lake of its own, and the lakes go after the last
	// pass (benchDir): ext4 skips the inodes freed in the last minute when
	// it places a new file, so removing a lake of thousands of files right
	// before the next pass made that pass's creates 20 times dearer than a
	// real lake, which never frees files in bulk, ever pays. DuckDB's
	// passes below likewise write fresh directories.
	lakes := benchDir(b)
	for i := 0; i < b.N; i++ {
		r.Lake.Root = filepath.Join(lakes, strconv.Itoa(i))
		for _, e := range entries {
			os.Link(filepath.Join(src, e.Name()), filepath.Join(inbox, e.Name()))
		}
		t0 := time.Now()
		res, err := r.RunJob(context.Background(), job)
		ours += time.Since(t0)
		if err != nil || res.RowsAccepted != int64(n) || res.ItemsNew != int64(files) {
			b.Fatalf("accepted %d of %d rows, %d of %d files: %v", res.RowsAccepted, n, res.ItemsNew, files, err)
		}
		for _, e := range entries {
			os.Remove(filepath.Join(inbox, e.Name()))
		}
	}
	cpu := cpuTime() - cpu0
	rss := peakRSSMiB()
	// The Parquet files the lake holds for the rows (DuckDB's baseline
	// writes one per station): a reader pays per file too.
	parts, _ := filepath.Glob(filepath.Join(r.Lake.DataDir("sensor_readings"), "*", "*.parquet"))
	b.ReportMetric(float64(len(parts)), "lake_files")
	b.ReportMetric(cpu.Seconds()/float64(n*b.N)*1e6, "cpu_s/Mrows")
	b.ReportMetric(float64(n*b.N)/ours.Seconds(), "rows/s")
	b.ReportMetric(rss, "peak_rss_MiB")
	if os.Getenv("WAYMARK_BENCH_NODUCK") != "" {
		return
	}
	db, err := warehouse.Scratch("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	outs := benchDir(b)
	for i := 0; i < b.N; i++ {
		// DuckDB's directory gets the lake's placement hint too
		// (lake.MkdirAll), so that the two write alike.
		out := filepath.Join(outs, strconv.Itoa(i))
		if err := lake.MkdirAll(out); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s/*.csv', header = true, auto_detect = false,
			columns = {'station': 'VARCHAR', 'sensor': 'VARCHAR', 'channel': 'VARCHAR', 'time': 'TIMESTAMP', 'value': 'DOUBLE', 'unit': 'VARCHAR'}))
			TO '%s' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (station))`, src, out)); err != nil {
			b.Fatal(err)
		}
		duck += time.Since(t0)
	}
	oursRate := float64(n*b.N) / ours.Seconds()
	duckRate := float64(n*b.N) / duck.Seconds()
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(duckRate, "duckdb_rows/s")
	b.ReportMetric(oursRate/duckRate, "ratio")
}
