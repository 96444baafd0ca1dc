package pipelines

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/warehouse"
)

// benchRows is the size of the sensor CSV; `make bench` sets 10 million.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("WAYMARK_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// writeSensorCSV writes a logger dump of n hourly readings over 68 sites.
func writeSensorCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "station,sensor,channel,time,value,unit")
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		site := i%68 + 1
		t := start.Add(time.Duration(i/68) * time.Minute)
		fmt.Fprintf(w, "GH-%03d,GH-%03d-RG,rainfall_mm,%s,%d.%d,mm\n", site, site, t.Format("2006-01-02 15:04:05"), i%13, i%10)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

func peakRSSMiB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkSensorCSVIngest ingests a sensor CSV with validation and lineage
// and, in the same run on the same file, lets DuckDB convert it to Parquet
// with COPY (no validation): the ratio of the two rates is the figure.
func BenchmarkSensorCSVIngest(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	src := filepath.Join(dir, "sensors.csv")
	writeSensorCSV(b, src, n)
	r, job, inbox := newRunner(b)
	r.Limits.MaxBytes, r.Limits.MaxRows = 1<<40, 1<<40
	r.Now = time.Now
	job.Dataset, job.Department = "sensor_readings", ""
	b.ResetTimer()
	var ours time.Duration
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		os.RemoveAll(r.Lake.Root)
		os.Link(src, filepath.Join(inbox, "sensors.csv"))
		t0 := time.Now()
		res, err := r.RunJob(context.Background(), job)
		ours += time.Since(t0)
		if err != nil || res.RowsAccepted != int64(n) {
			b.Fatalf("accepted %d of %d: %v", res.RowsAccepted, n, err)
		}
		os.Remove(filepath.Join(inbox, "_archive", "sensors.csv"))
	}
	cpu := cpuTime() - cpu0
	rss := peakRSSMiB()
	db, err := warehouse.Scratch("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	copyRate := func(query string) (rate, cpuPerM float64) {
		var took time.Duration
		c0 := cpuTime()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := db.Exec(query); err != nil {
				b.Fatal(err)
			}
			took += time.Since(t0)
		}
		return float64(n*b.N) / took.Seconds(), (cpuTime() - c0).Seconds() / float64(n*b.N) * 1e6
	}
	// The baseline: the file as it is, to Parquet.
	duckRate, duckCPU := copyRate(fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)`,
		src, filepath.Join(dir, "duck.parquet")))
	// The same file to the same 15 columns Waymark writes: the lineage
	// constants and each row's line number beside the values (no checks).
	sameRate, _ := copyRate(fmt.Sprintf(`COPY (SELECT station AS station_id, sensor AS sensor_id, channel, "time"::TIMESTAMPTZ AS ts, value, unit,
			NULL::VARCHAR AS topic, 'inbox' AS _source, 'sensors.csv' AS _file, '%064d' AS _checksum, NULL::VARCHAR AS _sheet,
			row_number() OVER () + 1 AS _row, '20261201T000000Z-000000' AS _run_id, now() AS _submitted_at, now() AS _ingested_at
		FROM read_csv('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)`, 0, src, filepath.Join(dir, "same.parquet")))
	oursRate := float64(n*b.N) / ours.Seconds()
	b.ReportMetric(oursRate, "rows/s")
	b.ReportMetric(duckRate, "duckdb_rows/s")
	b.ReportMetric(oursRate/duckRate, "ratio")
	b.ReportMetric(sameRate, "duckdb_same_rows/s")
	b.ReportMetric(oursRate/sameRate, "ratio_same")
	b.ReportMetric(rss, "peak_rss_MiB")
	// CPU seconds per million rows: what the work costs, whatever else
	// the machine is doing at the time; DuckDB's beside ours.
	b.ReportMetric(cpu.Seconds()/float64(n*b.N)*1e6, "cpu_s/Mrows")
	b.ReportMetric(duckCPU, "duckdb_cpu_s/Mrows")
}

// cpuTime is the user and system time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
