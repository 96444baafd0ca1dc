package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/waymark-data/waymark/internal/testenv"
)

// creditCode makes the i-th valid 统一社会信用代码: 17 characters and the
// GB 32100-2015 check character.
func creditCode(i int) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	code := fmt.Sprintf("91150627MA%07d", i)
	sum := 0
	for k := 0; k < 17; k++ {
		sum += strings.IndexByte(alphabet, code[k]) * weights[k]
	}
	return code + string(alphabet[(31-sum%31)%31])
}

// wasteCSV writes a month of solid-waste rows for n enterprises; bad adds
// one row with a negative tonnage (quarantined).
func wasteCSV(t *testing.T, path, month string, n int, bad bool) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path + ".part")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）,处置量（吨）,贮存量（吨）,备注")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "%s,旗工信局,%s,企业%d,%d.5,%d,0,0,\n", month, creditCode(i), i, 1000+i%500, 500+i%300)
	}
	if bad {
		fmt.Fprintf(w, "%s,旗工信局,%s,企业X,-5,0,0,0,\n", month, creditCode(n))
	}
	w.Flush()
	f.Close()
	if err := os.Rename(path+".part", path); err != nil {
		t.Fatal(err)
	}
}

// runFor runs waymark with a time limit: a hang is a failure, not a stuck
// test run.
func runFor(t *testing.T, limit time.Duration, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("waymark %s did not finish within %s\n%s", strings.Join(args, " "), limit, e.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

// TestDropFolderEntriesAndConcurrentIngests: symlinks, a FIFO and a file
// rejected whole never stop the job or the next one, and the rejected file
// is reported with its reason and its feedback workbook. A second ingest
// of a data set being written waits (bounded) and reports a real failure
// with a real duration; SIGTERM stops a slow ingest; the next run takes the
// file whole.
func TestDropFolderEntriesAndConcurrentIngests(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "data/inbox/zw_industrial_solid_waste")
	wasteCSV(t, filepath.Join(inbox, "good.csv"), "2023-06", 10, false)
	os.WriteFile(filepath.Join(inbox, "传输中断.xlsx"), []byte("PK\x03\x04 not really a zip"), 0o644)
	os.Symlink(filepath.Join(dir, "nowhere.csv"), filepath.Join(inbox, "dangling.csv"))
	os.Symlink("/etc/passwd", filepath.Join(inbox, "passwd.csv"))
	if err := syscall.Mkfifo(filepath.Join(inbox, "pipe.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	sensors := filepath.Join(dir, "data/inbox/sensor_readings")
	os.MkdirAll(sensors, 0o755)
	os.WriteFile(filepath.Join(sensors, "GH-001_2023-06.csv"), []byte("站点编号,设备编号,通道,时间,读数,单位\n"+
		"GH-001,GH-001-RG,rainfall_mm,2023-06-01 08:00:00,1.5,mm\nGH-001,GH-001-RG,rainfall_mm,2023-06-01 09:00:00,0.5,mm\n"), 0o644)

	r := runFor(t, time.Minute, dir, nil, "ingest", "zw_industrial_solid_waste_inbox", "sensor_loggers")
	if r.code != 0 {
		t.Fatalf("ingest beside symlinks and a FIFO: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"rows 10 accepted", "rejected whole: 传输中断.xlsx: ", "feedback for the department: data/feedback/旗工业和信息化局/",
		"sensor_loggers", "rows 2 accepted"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"dangling.csv", "passwd.csv", "pipe.csv"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no warning about %s:\n%s", want, r.stderr)
		}
	}

	// A slow ingest holds zw_industrial_solid_waste.
	wasteCSV(t, filepath.Join(inbox, "big.csv"), "2023-07", 40000, false)
	slow := exec.Command(bin, "ingest", "zw_industrial_solid_waste_inbox", "--log-level", "debug", "--log-format", "json")
	slow.Dir = dir
	slow.Env = append(os.Environ(), "WAYMARK_FAULTS=ingest.rows:delay=1s")
	logs := &syncBuffer{}
	var out strings.Builder
	slow.Stderr, slow.Stdout = logs, &out
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	defer slow.Process.Kill()
	waitFor(t, 30*time.Second, "the slow ingest to start on big.csv", func() bool {
		return strings.Contains(logs.String(), `"name":"big.csv"`)
	})
	second := runFor(t, time.Minute, dir, nil, "ingest", "zw_industrial_solid_waste_inbox", "--lock-wait", "500ms")
	if second.code != 1 || !strings.Contains(second.stdout, "failed") || !strings.Contains(second.stdout, "after waiting 500ms") ||
		strings.Contains(second.stdout, "-2562047h") {
		t.Errorf("second ingest beside a running one: exit %d\n%s", second.code, second.stdout)
	}
	slow.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- slow.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("SIGTERM did not stop the ingest within 20 s")
	}
	if !strings.Contains(out.String(), "cancelled") {
		t.Errorf("the stopped ingest does not say it was cancelled: %s", out.String())
	}
	third := runFor(t, 2*time.Minute, dir, nil, "ingest", "zw_industrial_solid_waste_inbox")
	if third.code != 0 || !strings.Contains(third.stdout, "rows 40000 accepted") {
		t.Errorf("ingest after the stop: exit %d\n%s\n%s", third.code, third.stdout, third.stderr)
	}
	// Every run is in the ledger with its status, the waiting one too.
	st := runFor(t, time.Minute, dir, nil, "status", "--format", "csv")
	if !strings.Contains(st.stdout, "sensor_loggers,sensor_readings,") {
		t.Errorf("status lacks the logger run:\n%s", st.stdout)
	}
}

// TestSecretsStayOutOfOutput runs jobs whose sources carry secrets (a
// token in the URL and in the auth header, a broker password) against
// sources that fail: neither the log nor the output nor the ledger shows
// any of them.
func TestSecretsStayOutOfOutput(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	defer api.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "waymark.yaml"), []byte("sources:\n  indicator_api_url: \"http://bob:u5er-pa55@"+strings.TrimPrefix(api.URL, "http://")+
		"/api/indicators?access_token=url-t0ken\"\n"), 0o644)
	env := []string{
		"WAYMARK_INDICATOR_API_TOKEN=Bearer header-t0ken",
		fmt.Sprintf("WAYMARK_SOURCE_MQTT_BROKER=tcp://sensor:mqtt-pa55@127.0.0.1:%d", testenv.FreePort(t)),
	}
	r := runFor(t, 2*time.Minute, dir, env, "ingest", "indicator_reports_api", "sensor_mqtt", "--log-level", "debug")
	st := runFor(t, time.Minute, dir, nil, "status", "--format", "csv")
	all := r.stdout + r.stderr + st.stdout + st.stderr
	if r.code != 1 || !strings.Contains(all, "502") {
		t.Errorf("the failing sources did not fail the run: exit %d\n%s", r.code, all)
	}
	for _, secret := range []string{"u5er-pa55", "url-t0ken", "header-t0ken", "mqtt-pa55"} {
		if strings.Contains(all, secret) {
			t.Errorf("%s appears in the output:\n%s", secret, all)
		}
	}
}

// TestKilledAtRandomPoints kills ingest, build and publish with SIGKILL at
// points drawn at random (the seed is logged; WAYMARK_FAULT_SEED replays
// it), then runs each again: nothing lost, nothing duplicated, no half
// file visible, and throughout, the previous warehouse stays readable and
// PostgreSQL keeps serving the previous marts, also when PostgreSQL goes
// down in the middle of a publish.
func TestKilledAtRandomPoints(t *testing.T) {
	pg := testenv.StartPostgres(t)
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("WAYMARK_FAULT_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("fault seed %d (WAYMARK_FAULT_SEED=%d replays this run)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 8))
	dir := t.TempDir()
	inbox := filepath.Join(dir, "data/inbox/zw_industrial_solid_waste")
	dsn := []string{"WAYMARK_PG_DSN=" + pg.DSN}
	const monthly = `SELECT count(*) FROM mart_indicator_monthly WHERE indicator_id = 'zw-18'`
	served := func() string {
		return strings.TrimSpace(pg.Psql(t, strings.Replace(monthly, "FROM ", "FROM waymark.", 1)))
	}
	current := func() string {
		t.Helper()
		r := runFor(t, time.Minute, dir, nil, "sql", "--format", "csv", monthly)
		if r.code != 0 {
			t.Fatalf("the current warehouse is unreadable: %s", r.stderr)
		}
		return strings.TrimSpace(strings.TrimPrefix(r.stdout, "count_star()\n"))
	}
	whole := func(when string) {
		t.Helper()
		parts, _ := filepath.Glob(filepath.Join(dir, "data/lake/*/*/*.parquet"))
		more, _ := filepath.Glob(filepath.Join(dir, "data/lake/_*/*/*.parquet"))
		for _, p := range append(parts, more...) {
			b, _ := os.ReadFile(p)
			if len(b) < 8 || string(b[:4]) != "PAR1" || string(b[len(b)-4:]) != "PAR1" {
				t.Errorf("%s: %s is visible and not whole Parquet", when, p)
			}
		}
	}
	// ingest kills a run at a random point, checks what is visible, and
	// runs it again to completion.
	// files new files reach ingest.rows once each and lake.before-rename
	// about four times each (raw bytes, partition, quarantine, manifest).
	ingest := func(round, files int) {
		t.Helper()
		point, n := "ingest.rows", 1+rng.IntN(files)
		if rng.IntN(2) == 0 {
			point, n = "lake.before-rename", 1+rng.IntN(4*files)
		}
		r := runFor(t, 2*time.Minute, dir, []string{fmt.Sprintf("WAYMARK_FAULTS=%s:%d", point, n)}, "ingest", "zw_industrial_solid_waste_inbox")
		t.Logf("round %d: ingest with %s:%d exit %d", round, point, n, r.code)
		whole(fmt.Sprintf("after killing ingest at %s:%d", point, n))
		if r := runFor(t, 2*time.Minute, dir, nil, "ingest", "zw_industrial_solid_waste_inbox"); r.code != 0 {
			t.Fatalf("ingest after the kill: %s\n%s", r.stdout, r.stderr)
		}
	}
	counts := func() string {
		t.Helper()
		r := runFor(t, time.Minute, dir, nil, "sql", "--format", "csv",
			`SELECT (SELECT count(*) FROM lake_zw_industrial_solid_waste) || '/' || (SELECT count(DISTINCT (_checksum, _row)) FROM lake_zw_industrial_solid_waste) || '/' || (SELECT count(*) FROM lake_quarantine)`)
		return strings.TrimSpace(r.stdout[strings.Index(r.stdout, "\n")+1:])
	}

	// Round 1: three months, ingest killed and rerun, built, published.
	for _, m := range []string{"2023-01", "2023-02", "2023-03"} {
		wasteCSV(t, filepath.Join(inbox, m+".csv"), m, 20, true)
	}
	ingest(1, 3)
	if r := runFor(t, 3*time.Minute, dir, nil, "build"); r.code != 0 {
		t.Fatalf("build: %s", r.stderr)
	}
	if got := counts(); got != "60/60/3" {
		t.Errorf("rows/distinct rows/quarantined after a killed ingest and its rerun: %s, want 60/60/3", got)
	}
	if r := runFor(t, time.Minute, dir, dsn, "publish"); r.code != 0 {
		t.Fatalf("publish: %s", r.stderr)
	}
	v1 := served()
	if v1 != current() || v1 == "0" {
		t.Fatalf("PostgreSQL serves %s, the warehouse holds %s", v1, current())
	}

	// Round 2: two more months; the build is killed before it is switched
	// in, then the publish at random points and with PostgreSQL going down.
	for _, m := range []string{"2023-04", "2023-05"} {
		wasteCSV(t, filepath.Join(inbox, m+".csv"), m, 20, true)
	}
	ingest(2, 2)
	if r := runFor(t, 3*time.Minute, dir, []string{"WAYMARK_FAULTS=warehouse.before-publish:1"}, "build"); r.code != -1 {
		t.Fatalf("the fault did not kill the build (exit %d): %s", r.code, r.stderr)
	}
	if got := current(); got != v1 {
		t.Errorf("after a killed build the warehouse reads %s, want the previous %s", got, v1)
	}
	if r := runFor(t, 3*time.Minute, dir, nil, "build"); r.code != 0 {
		t.Fatalf("build after the kill: %s", r.stderr)
	}
	if got := counts(); got != "100/100/5" {
		t.Errorf("rows/distinct rows/quarantined after round 2: %s, want 100/100/5", got)
	}
	v2 := current()
	if v2 == v1 {
		t.Fatalf("round 2 changed nothing the marts show (%s)", v2)
	}
	staging := func() int {
		n, _ := strconv.Atoi(strings.TrimSpace(pg.Psql(t, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'waymark\_staging\_%'`)))
		return n
	}
	// PostgreSQL goes down while a publish is under way.
	slow := exec.Command(bin, "publish")
	slow.Dir = dir
	slow.Env = append(os.Environ(), append(dsn, "WAYMARK_FAULTS=publish.before-swap:delay=3s")...)
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	defer slow.Process.Kill()
	waitFor(t, time.Minute, "the publish to load its staging schema", func() bool { return staging() > 0 })
	pg.Stop(t)
	exited := make(chan error, 1)
	go func() { exited <- slow.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Error("a publish whose PostgreSQL went down succeeded")
		}
	case <-time.After(time.Minute):
		t.Fatal("the publish did not end within a minute of PostgreSQL going down")
	}
	pg.Start(t)
	if got := served(); got != v1 {
		t.Errorf("after PostgreSQL went down mid-publish it serves %s, want the previous %s", got, v1)
	}
	// Killed at a random point of the publish.
	point := []string{"publish.table:1", "publish.table:2", "publish.before-swap:1"}[rng.IntN(3)]
	if r := runFor(t, time.Minute, dir, append(dsn, "WAYMARK_FAULTS="+point), "publish"); r.code != -1 {
		t.Fatalf("the fault %s did not kill the publish (exit %d): %s", point, r.code, r.stderr)
	}
	if got := served(); got != v1 {
		t.Errorf("after a publish killed at %s PostgreSQL serves %s, want the previous %s", point, got, v1)
	}
	// A DSN with a password, to a server that is not there: a clear
	// failure that does not show the password.
	down := fmt.Sprintf("WAYMARK_PG_DSN=postgres://postgres:pg-pa55@127.0.0.1:%d/postgres?sslmode=disable", testenv.FreePort(t))
	if r := runFor(t, time.Minute, dir, []string{down}, "publish"); r.code != 1 || strings.Contains(r.stdout+r.stderr, "pg-pa55") {
		t.Errorf("publish to a PostgreSQL that is down: exit %d, %s", r.code, r.stderr)
	}
	r := runFor(t, time.Minute, dir, dsn, "publish")
	if r.code != 0 || !strings.Contains(r.stdout, "left by a publish that did not finish") {
		t.Fatalf("publish after the failures: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if got := served(); got != v2 {
		t.Errorf("PostgreSQL serves %s, want the new %s", got, v2)
	}
	if n := staging(); n != 0 {
		t.Errorf("%d staging schemas left", n)
	}
}

// TestNoSpaceLeavesNoCorruptFile runs ingest and build with a file-size
// limit (what a full disk does to a write): they fail, leave no partial
// file where a reader looks, and the next run without the limit recovers.
func TestNoSpaceLeavesNoCorruptFile(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is needed to limit a child's file size")
	}
	dir := t.TempDir()
	inbox := filepath.Join(dir, "data/inbox/zw_industrial_solid_waste")
	wasteCSV(t, filepath.Join(inbox, "2023-06.csv"), "2023-06", 5000, true)
	run := func(bytes int, args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, prlimit, append([]string{fmt.Sprintf("--fsize=%d", bytes), "--", bin}, args...)...)
		cmd.Dir = dir
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return result{o.String(), e.String(), code}
	}
	// The raw copy of the 400 KB file cannot be written.
	r := run(100_000, "ingest", "zw_industrial_solid_waste_inbox")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "file too large") {
		t.Fatalf("ingest with no space: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	leftovers := func() []string {
		var out []string
		filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasPrefix(d.Name(), ".tmp-") || strings.HasSuffix(p, ".building")) {
				out = append(out, p)
			}
			return nil
		})
		return out
	}
	if l := leftovers(); len(l) != 0 {
		t.Errorf("partial files left: %v", l)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "data/lake/_manifest/*/*.json")); len(m) != 0 {
		t.Errorf("an input counts as in the lake after a failed write: %v", m)
	}
	if _, err := os.Stat(filepath.Join(inbox, "2023-06.csv")); err != nil {
		t.Errorf("the file left the inbox after a failed ingest: %v", err)
	}
	if r := runFor(t, 2*time.Minute, dir, nil, "ingest", "zw_industrial_solid_waste_inbox"); r.code != 0 || !strings.Contains(r.stdout, "rows 5000 accepted, 1 rejected") {
		t.Fatalf("ingest after space came back: %s %s", r.stdout, r.stderr)
	}
	// The warehouse file outgrows the limit: the build fails, nothing
	// half-built is left or made current, and the next build works.
	r = run(1_000_000, "build")
	if r.code != 1 {
		t.Fatalf("build with no space: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Lstat(filepath.Join(dir, "data/warehouse/current.duckdb")); err == nil {
		t.Error("a build that ran out of space was made current")
	}
	if l := leftovers(); len(l) != 0 {
		t.Errorf("partial files left: %v", l)
	}
	if r := runFor(t, 3*time.Minute, dir, nil, "build"); r.code != 0 {
		t.Fatalf("build after space came back: %s", r.stderr)
	}
	if got := count(t, dir, "lake_zw_industrial_solid_waste"); got != "count_star()\n5000" {
		t.Errorf("lake rows %q, want 5000", got)
	}
}

// TestFileSizeLimitIsNeverAKill: the kernel sends SIGXFSZ to the thread
// whose write passes the file-size limit. Go ignores it on its own
// threads, but DuckDB's threads write the warehouse and got the default
// action (the process killed, in about half of the runs of
// TestNoSpaceLeavesNoCorruptFile), so the process ignores the signal
// outright: the write fails with EFBIG and the build reports it. Checked
// where the kernel keeps it, the ignored-signal mask of a running process.
func TestFileSizeLimitIsNeverAKill(t *testing.T) {
	cmd := exec.Command(bin, "build")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "WAYMARK_FAULTS=warehouse.before-publish:delay=10s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	xfsz := uint64(1) << (uint(syscall.SIGXFSZ) - 1)
	var mask uint64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(status)
		if err != nil {
			t.Fatalf("the build is gone: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
				mask, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			}
		}
		if mask&xfsz != 0 {
			return
		}
	}
	t.Errorf("a running waymark does not ignore SIGXFSZ (SigIgn %016x)", mask)
}

// TestServeStreamsMQTT runs serve with the MQTT job as a continuous
// subscription: readings published while it runs reach the warehouse (new
// MQTT data triggers a rebuild) without the stream ever ending, and the
// logger job of the same data set runs on its schedule beside it.
func TestServeStreamsMQTT(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "waymark.yaml"), []byte("schedules:\n  sensor_loggers: \"@every 1s\"\n"), 0o644)
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "serve", "--build-every", "1s", "--listen", metricsAddr, "--log-format", "json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WAYMARK_SOURCE_MQTT_BROKER="+broker.URL)
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, 30*time.Second, "serve to subscribe", func() bool { return strings.Contains(logs.String(), `"streams":1`) })
	time.Sleep(time.Second)
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL).SetClientID("serve-test-pub"))
	if tok := pub.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer pub.Disconnect(100)
	send := func(from, n int) {
		for i := from; i < from+n; i++ {
			ts := time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			tok := pub.Publish("waymark/sensors/GH-002/rainfall_mm", 1, false,
				fmt.Sprintf(`{"sensor_id":"GH-002-RG","ts":"%s","value":%d.5,"unit":"mm"}`, ts.Format(time.RFC3339), i%7))
			if tok.Wait(); tok.Error() != nil {
				t.Fatal(tok.Error())
			}
		}
	}
	readings := func() string {
		r := run(t, dir, nil, "sql", "--format", "csv", "SELECT count(*) FROM lake_sensor_readings")
		return strings.TrimSpace(strings.TrimPrefix(r.stdout, "count_star()\n"))
	}
	send(0, 200)
	waitFor(t, 90*time.Second, "the streamed readings in the warehouse", func() bool { return readings() == "200" })
	// The stream goes on: more readings, and a logger dump for the same
	// data set, picked up by the scheduled job beside the stream.
	send(200, 50)
	inbox := filepath.Join(dir, "data/inbox/sensor_readings")
	os.MkdirAll(inbox, 0o755)
	os.WriteFile(filepath.Join(inbox, "GH-003.csv"), []byte("站点编号,设备编号,通道,时间,读数,单位\nGH-003,GH-003-RG,rainfall_mm,2023-06-01 08:00:00,1.5,mm\n"), 0o644)
	waitFor(t, 90*time.Second, "the second readings and the logger dump in the warehouse", func() bool { return readings() == "251" })
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `waymark_ingest_runs_total{job="sensor_mqtt",status="ok"}`) {
		t.Errorf("/metrics does not count the stream's runs:\n%s", body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve did not exit cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of SIGTERM")
	}
}

// TestKilledInASharedRound kills an ingest of small logger dumps, which
// share their data files in one commit round, at every rename of the
// round in turn, and runs it again: each time the lake ends with every
// input's manifest and, for an outside reader globbing the files, every
// row exactly once (the round's journal finished what the kill stopped).
func TestKilledInASharedRound(t *testing.T) {
	// Six inputs share a round's files; one input alone still has its
	// shared files renamed before its manifest.
	for _, files := range []int{6, 1} {
		t.Run(fmt.Sprintf("%d inputs", files), func(t *testing.T) { killInASharedRound(t, files) })
	}
}

func killInASharedRound(t *testing.T, files int) {
	const rows = 48
	write := func(inbox string) {
		os.MkdirAll(inbox, 0o755)
		start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
		for f := 1; f <= files; f++ {
			var b strings.Builder
			b.WriteString("station,sensor,channel,time,value,unit\n")
			for i := 0; i < rows; i++ {
				fmt.Fprintf(&b, "GH-%03d,GH-%03d-RG,rainfall_mm,%s,%d.5,mm\n", f, f, start.Add(time.Duration(i)*time.Hour).Format("2006-01-02 15:04:05"), i%7)
			}
			if err := os.WriteFile(filepath.Join(inbox, fmt.Sprintf("GH-%03d_2023-01.csv", f)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for n := 1; ; n++ {
		dir := t.TempDir()
		write(filepath.Join(dir, "data/inbox/sensor_readings"))
		r := runFor(t, time.Minute, dir, []string{fmt.Sprintf("WAYMARK_FAULTS=lake.before-rename:%d", n)}, "ingest", "sensor_loggers")
		if r.code == 0 {
			if n < files+1 {
				t.Fatalf("the run reached lake.before-rename only %d times", n-1)
			}
			t.Logf("killed at each of %d renames", n-1)
			break // past the last rename: every point was tried
		}
		if r := runFor(t, time.Minute, dir, nil, "ingest", "sensor_loggers"); r.code != 0 {
			t.Fatalf("kill at rename %d, then ingest: %s", n, r.stderr)
		}
		manifests, _ := filepath.Glob(filepath.Join(dir, "data/lake/_manifest/sensor_readings/*.json"))
		journals, _ := filepath.Glob(filepath.Join(dir, "data/lake/_manifest/sensor_readings/.journal-*"))
		if got := globCount(t, dir, "sensor_readings"); len(manifests) != files || len(journals) != 0 || got != fmt.Sprint(files*rows) {
			t.Errorf("kill at rename %d, then ingest: %d manifests, %d journals, %s rows in the files; want %d, 0, %d",
				n, len(manifests), len(journals), got, files, files*rows)
		}
	}
}
