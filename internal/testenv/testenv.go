// Package testenv starts the real services tests run against (a Mosquitto
// broker) on free loopback ports, and stops them when the test ends.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// need finds a service binary. Outside CI a missing binary skips the test
// with instructions; in CI (CI=true) it fails, because .ci/run installs it.
func need(t testing.TB, name string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not installed (apt-get install %s; .ci/run does this)", name, name)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Mosquitto is a running broker.
type Mosquitto struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	conf string
	dir  string
}

// StartMosquitto starts a Mosquitto 2 broker with persistence on a free
// port, stopped at the end of the test.
func StartMosquitto(t testing.TB) *Mosquitto {
	t.Helper()
	bin := need(t, "mosquitto", "/usr/sbin/mosquitto")
	dir := t.TempDir()
	m := &Mosquitto{Port: FreePort(t), dir: dir, conf: filepath.Join(dir, "mosquitto.conf")}
	m.URL = fmt.Sprintf("tcp://127.0.0.1:%d", m.Port)
	user := ""
	if os.Geteuid() == 0 {
		// As root Mosquitto drops to the mosquitto user unless told otherwise,
		// and then cannot write the test's directory.
		user = "user root\n"
	}
	conf := fmt.Sprintf(`listener %d 127.0.0.1
allow_anonymous true
persistence true
persistence_location %s/
max_queued_messages 0
max_inflight_messages 0
%slog_dest file %s/mosquitto.log
`, m.Port, dir, user, dir)
	if err := os.WriteFile(m.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	m.start(t, bin)
	t.Cleanup(m.Stop)
	return m
}

func (m *Mosquitto) start(t testing.TB, bin string) {
	t.Helper()
	m.cmd = exec.Command(bin, "-c", m.conf)
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", m.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(m.dir, "mosquitto.log"))
	t.Fatalf("mosquitto did not listen on %d:\n%s", m.Port, log)
}

// Restart stops and starts the broker on the same port, keeping its
// persisted sessions and queued messages.
func (m *Mosquitto) Restart(t testing.TB) {
	t.Helper()
	m.Stop()
	m.start(t, m.cmd.Path)
}

// Stop ends the broker, letting it save its state.
func (m *Mosquitto) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	m.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		m.cmd.Process.Kill()
		<-done
	}
	m.cmd = &exec.Cmd{Path: m.cmd.Path}
}

// Postgres is a running PostgreSQL server for one test.
type Postgres struct {
	DSN  string
	Port int
	dir  string
	bin  string
	as   []string
}

// StartPostgres initialises and starts a throwaway PostgreSQL cluster on a
// free loopback port (trust authentication, user postgres, database
// postgres), stopped at the end of the test. As root it runs the server as
// the postgres user, since initdb refuses to run as root.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	paths := []string{}
	for i := len(bins) - 1; i >= 0; i-- {
		paths = append(paths, bins[i])
	}
	initdb := need(t, "initdb", paths...)
	bin := filepath.Dir(initdb)
	dir, err := os.MkdirTemp("", "waymark-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &Postgres{Port: FreePort(t), dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if err := exec.Command("chown", "postgres:postgres", dir).Run(); err != nil {
			t.Fatalf("chown %s to postgres: %v", dir, err)
		}
		p.as = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	p.run(t, filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C")
	p.Start(t)
	t.Cleanup(func() {
		args := append(append([]string{}, p.as...), filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		exec.Command(args[0], args[1:]...).Run()
	})
	p.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
	return p
}

// Start starts the server (again, after Stop) on its port and data.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", p.Port, p.dir)
	p.run(t, filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-o", opts, "-l", filepath.Join(p.dir, "log"), "-w", "-t", "30", "start")
}

// Stop stops the server at once, as a crash or a lost host would:
// clients see their connections drop.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	p.run(t, filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-m", "immediate", "-w", "stop")
}

func (p *Postgres) run(t testing.TB, name string, args ...string) {
	t.Helper()
	all := append(append(append([]string{}, p.as...), name), args...)
	out, err := exec.Command(all[0], all[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		t.Fatalf("%s: %v\n%s\n%s", filepath.Base(name), err, out, log)
	}
}

// Psql runs the real psql client against the server and returns its
// unaligned, tuples-only output.
func (p *Postgres) Psql(t testing.TB, query string) string {
	t.Helper()
	bin := need(t, "psql", "/usr/bin/psql")
	out, err := exec.Command(bin, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", p.DSN, "-c", query).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", query, err, out)
	}
	return string(out)
}
