#!/usr/bin/env bash
# bench.sh: run the performance benchmarks of issue 13 several times and
# write ONE markdown report (docs/bench.md), each figure beside its
# baseline measured in the same run, with the machine and the date.
# Timings move with the machine's load: the report gives min and median
# of RUNS runs, and ratios rather than absolute rates matter.
#
#   BENCH_ROWS    rows of the one large sensor CSV   (default 2000000)
#   BENCH_MONTHS  months of logger dumps, 68 sites   (default 3; 12 = the demo year)
#   BENCH_RUNS    runs of each benchmark             (default 3)
#   BENCH_OUT     the report                         (default docs/bench.md)
#   BENCH_BUILD_MONTHS  months of the demo lake the build benchmarks use (default 12)
#   BENCH_DEMO_DIR      a demo data folder to use instead of writing one
#   BENCH_ONLY_BUILD=1  run only the build benchmarks; the ingest figures are
#                       taken from the raw lines of the existing report
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-2000000}
MONTHS=${BENCH_MONTHS:-3}
BUILD_MONTHS=${BENCH_BUILD_MONTHS:-12}
RUNS=${BENCH_RUNS:-3}
OUT=${BENCH_OUT:-docs/bench.md}
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

export CGO_ENABLED=1
if [ -n "${BENCH_RESULTS:-}" ]; then
	# Render the report from the raw lines of an earlier run.
	cp "$BENCH_RESULTS" "$raw/results.txt"
else
go test -c -o "$raw/models.test" ./models
go test -c -tags faults -o "$raw/cmd.test" ./cmd/waymark
go build -o "$raw/waymark" ./cmd/waymark
go test -c -o "$raw/dashboards.test" ./dashboards

if [ -n "${BENCH_ONLY_BUILD:-}" ]; then
	echo "bench: ingest figures from the raw lines of $OUT" >&2
	sed -n '/^```$/,/^```$/p' "$OUT" | grep -E '^(csv|files|files_serial|scale68|scale680) ' >>"$raw/results.txt" || true
	ingest_note="The ingest figures are those of the previous report (BENCH_ONLY_BUILD); the build figures are from this run."
else
go test -c -o "$raw/pipelines.test" ./pipelines
# The ingest benchmarks' lakes stay until the end (WAYMARK_BENCH_DIR): ext4
# passes over inodes freed in the last minute when it creates a file, and a
# run right after another removed thousands would pay for it.
bench() { # label env... : one benchmark process per run (peak RSS per process)
	local label=$1 name=$2; shift 2
	for i in $(seq "$RUNS"); do
		(cd pipelines && env WAYMARK_BENCH_DIR="$raw/work" "$@" "$raw/pipelines.test" -test.run '^$' -test.bench "^$name\$" \
			-test.benchtime 1x 2>/dev/null) | grep "^Benchmark" | sed "s/^/$label /" >>"$raw/results.txt"
	done
}

echo "bench: one large CSV, $ROWS rows, $RUNS runs" >&2
bench csv BenchmarkSensorCSVIngest WAYMARK_BENCH_ROWS="$ROWS"
echo "bench: logger dumps, 68 sites x $MONTHS months, $RUNS runs" >&2
bench files BenchmarkLoggerFilesIngest WAYMARK_BENCH_MONTHS="$MONTHS"
echo "bench: the same, one input at a time, one commit each (the previous design)" >&2
bench files_serial BenchmarkLoggerFilesIngest WAYMARK_BENCH_MONTHS="$MONTHS" WAYMARK_BENCH_PARALLEL=1 WAYMARK_BENCH_BATCH=1 WAYMARK_BENCH_NODUCK=1
echo "bench: scale, 68 then 680 sites, one month" >&2
bench scale68 BenchmarkLoggerFilesIngest WAYMARK_BENCH_MONTHS=1 WAYMARK_BENCH_SITES=68 WAYMARK_BENCH_NODUCK=1
bench scale680 BenchmarkLoggerFilesIngest WAYMARK_BENCH_MONTHS=1 WAYMARK_BENCH_SITES=680 WAYMARK_BENCH_NODUCK=1
fi

# The build benchmarks read a demo lake, written once (`waymark demo`).
demo=${BENCH_DEMO_DIR:-$raw/demo}
if [ -z "${BENCH_DEMO_DIR:-}" ]; then
	echo "bench: a demo lake of $BUILD_MONTHS months (waymark demo)" >&2
	WAYMARK_DATA_DIR="$demo" "$raw/waymark" demo --months "$BUILD_MONTHS" --log-level error >/dev/null
fi
echo "bench: full build vs the same SQL in DuckDB, then incremental after one submission, $RUNS runs" >&2
# build: as serve builds (from the spare copy the previous build left);
# build_oneshot: as one `waymark build` does, copying the version itself.
for i in $(seq "$RUNS"); do
	(cd models && WAYMARK_BENCH_LAKE="$demo/lake" "$raw/models.test" -test.run '^$' -test.bench '^BenchmarkBuild$' \
		-test.benchtime 1x -test.timeout 60m 2>/dev/null) | grep "^Benchmark" | sed "s/^/build /" >>"$raw/results.txt"
	(cd models && WAYMARK_BENCH_NOSPARE=1 WAYMARK_BENCH_LAKE="$demo/lake" "$raw/models.test" -test.run '^$' -test.bench '^BenchmarkBuild$' \
		-test.benchtime 1x -test.timeout 60m 2>/dev/null) | grep "^Benchmark" | sed "s/^/build_oneshot /" >>"$raw/results.txt"
done
echo "bench: a file dropped in the inbox -> its numbers in PostgreSQL under serve, $RUNS runs" >&2
(cd cmd/waymark && WAYMARK_BENCH_DATA="$demo" "$raw/cmd.test" -test.run '^$' -test.bench '^BenchmarkDropToPostgres$' \
	-test.benchtime 1x -test.count "$RUNS" -test.timeout 60m 2>&1) | grep "^Benchmark\|SKIP\|skip" | sed "s/^/latency /" >>"$raw/results.txt" || true
# One run: the benchmark itself loads the overview 20 times.
echo "bench: the overview's panel SQL on published PostgreSQL as the reader (issue 10)" >&2
(cd dashboards && "$raw/dashboards.test" -test.run '^$' -test.bench '^BenchmarkOverviewSQL$' \
	-test.benchtime 1x -test.timeout 60m 2>/dev/null) | grep "^Benchmark" | sed "s/^/dash /" >>"$raw/results.txt" || true
fi

# vals LABEL UNIT [SCALE]: a metric's values over the runs, sorted.
vals() {
	awk -v l="$1" -v u="$2" -v scale="${3:-1}" '
		$1 == l { for (i = 4; i < NF; i++) if ($(i+1) == u) print $i / scale }' "$raw/results.txt" | sort -g
}
# minmed: "min / median" of sorted numbers on stdin, printed with FMT.
minmed() {
	awk -v fmt="$1" '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "–"; exit }
			med = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
			printf fmt " / " fmt "\n", v[1], med
		}'
}
median() { awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }
stat() { vals "$1" "$2" "${3:-1}" | minmed "${4:-%.2f}"; }
secs() { stat "$1" ns/op 1e9 "%.1f s"; }
maxrss() { awk '{ for (i = 4; i < NF; i++) if ($(i+1) == "peak_rss_MiB" && $i > m) m = $i } END { printf "%.0f MiB\n", m }' "$raw/results.txt"; }
ratio_of_medians() { # median time of label2 over median time of label1
	local a b
	a=$(vals "$1" ns/op | median)
	b=$(vals "$2" ns/op | median)
	if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×\n", b / a }'; else echo "–"; fi
}
rate_ratio() { # median rows/s of label1 over label2
	local a b
	a=$(vals "$1" rows/s | median)
	b=$(vals "$2" rows/s | median)
	if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×\n", a / b }'; else echo "–"; fi
}
rss_of() { stat "$1" peak_rss_MiB 1 "%.0f MiB"; }
latency() { # the drop-to-PostgreSQL figure, or why it was not measured
	if [ -n "$(vals latency drop_to_pg_s)" ]; then
		echo "$(stat latency drop_to_pg_s 1 '%.1f s') (ingested and built after $(stat latency built_s 1 '%.1f s'), then published)"
	elif grep -q "^latency" "$raw/results.txt"; then
		echo "not measured: $(grep -m1 '^latency' "$raw/results.txt" | sed 's/^latency *//; s/.*SKIP: *//; s/^[^ ]*\.go:[0-9]*: *//')"
	else
		echo "not measured: the benchmark did not run"
	fi
}

model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
# Before the report is opened: writing it would mark the tree dirty.
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
	echo "# Waymark performance report"
	echo
	echo "Written by \`make bench\` (scripts/bench.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "commit \`$commit\`, on $(nproc) cores ($model),"
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Each figure is **min / median of $RUNS runs**;"
	echo "each baseline is measured in the same process run, on the same files. The"
	echo "machine is shared: read the ratios, not the absolute rates.${ingest_note:+ $ingest_note}"
	echo
	echo "| measure (issue 13) | goal | Waymark | baseline, same run | ratio |"
	echo "|---|---|---|---|---|"
	echo "| one large CSV ($ROWS rows), validated, lineage, quarantine → zstd Parquet | ≥ 0.8× | $(stat csv rows/s 1e6 '%.2f') M rows/s; CPU $(stat csv cpu_s/Mrows 1 '%.2f s') per M rows | DuckDB COPY read_csv → zstd Parquet: $(stat csv duckdb_rows/s 1e6 '%.2f') M rows/s; CPU $(stat csv duckdb_cpu_s/Mrows 1 '%.2f s') per M rows | $(stat csv ratio) |"
	echo "| the same file, same output: DuckDB writing Waymark's 15 columns (lineage constants, line numbers by row_number(), no checks) | – | as above | $(stat csv duckdb_same_rows/s 1e6 '%.2f') M rows/s | $(stat csv ratio_same) |"
	echo "| many small logger files ($(awk '$1=="files"{for(i=4;i<NF;i++) if($(i+1)=="files") {printf "%d", $i; exit}}' "$raw/results.txt") files, 68 sites × $MONTHS months) | ≥ 0.8× | $(stat files rows/s 1e3 '%.0f') k rows/s; CPU $(stat files cpu_s/Mrows 1 '%.2f s') per M rows; $(stat files lake_files 1 '%.0f') Parquet files in the lake | one DuckDB COPY over the files, partitioned by station: $(stat files duckdb_rows/s 1e3 '%.0f') k rows/s, 68 files | $(stat files ratio) |"
	echo "| the same files, one input at a time, a commit round and files of its own each | – | $(stat files_serial rows/s 1e3 '%.0f') k rows/s; $(stat files_serial lake_files 1 '%.0f') Parquet files | – | new design $(rate_ratio files files_serial) the rate of the previous one (medians) |"
	echo "| peak RSS of any ingest | ≤ 300 MB, flat | large CSV $(rss_of csv); files $(rss_of files); 680 sites $(rss_of scale680) | – | max $(maxrss) |"
	echo "| full build vs the same model SQL run directly in DuckDB (demo lake, $BUILD_MONTHS months) | ≤ 1.2× | $(stat build full_s 1 '%.1f s') | the same statements in one plain DuckDB connection, no docs, no tests: $(stat build direct_s 1 '%.1f s') | $(stat build full_ratio 1 '%.2f×') |"
	echo "| incremental build after one new monthly submission, as \`serve\` builds (from the spare copy the previous build left) | ≤ 2 s, ≤ 5 % of full | $(stat build incr_s 1 '%.2f s') ($(vals build models_rebuilt | tail -1) of $(vals build models | tail -1) models, $(vals build tests_run | tail -1) of $(vals build tests | tail -1) data tests) | the full build of the same run: $(stat build full_s 1 '%.1f s') | $(stat build incr_pct 1 '%.1f %%') of full |"
	echo "| the same, as one \`waymark build\` (copying the version file itself) | ≤ 2 s, ≤ 5 % of full | $(stat build_oneshot incr_s 1 '%.2f s') | the full build of the same run: $(stat build_oneshot full_s 1 '%.1f s') | $(stat build_oneshot incr_pct 1 '%.1f %%') of full |"
	echo "| file dropped in the inbox → its numbers in PostgreSQL under \`serve\` | ≤ 60 s | $(latency) | previously ≤ 10 min poll + ≤ 1 min build tick | – |"
	echo "| 10× data: 68 → 680 sites (one month of hourly dumps) | time ≤ 10.5×, memory flat | 68 sites $(secs scale68), 680 sites $(secs scale680); RSS $(rss_of scale68) → $(rss_of scale680) | – | time $(ratio_of_medians scale68 scale680) |"
	echo
	echo "Dashboards (issue 10): the SQL of every panel of the leaders' overview, run on the"
	echo "published demo year in PostgreSQL as the reader role with Grafana's macros expanded."
	echo
	echo "| measure (issue 10) | goal | Waymark |"
	echo "|---|---|---|"
	echo "| the overview's panel queries, one load (20 loads) | ≤ 200 ms | median $(stat dash overview-median-ms 1 '%.1f ms' | cut -d/ -f1 | sed 's/ *$//'), p95 $(stat dash overview-p95-ms 1 '%.1f ms' | cut -d/ -f1 | sed 's/ *$//') |"
	echo "| the slowest panel query of all dashboards | – | $(stat dash slowest-panel-ms 1 '%.0f ms' | cut -d/ -f1 | sed 's/ *$//') |"
	echo
	echo "## Raw benchmark lines"
	echo
	echo '```'
	cat "$raw/results.txt"
	echo '```'
} >"$OUT"
echo "bench: wrote $OUT" >&2
