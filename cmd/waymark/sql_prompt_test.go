package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
)

// prompt drives `waymark sql` through a pseudo-terminal, as a person at a
// terminal would.
type prompt struct {
	t   *testing.T
	cmd *exec.Cmd
	tty *os.File
	out *syncBuffer
	// mark is where the output of the last step starts.
	mark int
}

func startPrompt(t *testing.T, dir string, env []string, rows uint16) *prompt {
	t.Helper()
	cmd := exec.Command(bin, "sql")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	p := &prompt{t: t, cmd: cmd, tty: tty, out: &syncBuffer{}}
	go io.Copy(p.out, tty)
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	p.expect("waymark> ")
	return p
}

// send types keys, then waits until everything in want has appeared after
// them.
func (p *prompt) send(keys string, want ...string) string {
	p.t.Helper()
	p.mark = len(p.out.String())
	if _, err := p.tty.WriteString(keys); err != nil {
		p.t.Fatal(err)
	}
	return p.expect(want...)
}

func (p *prompt) expect(want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := p.out.String()[p.mark:]
		missing := ""
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return got
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("prompt did not show %q; it showed:\n%s", missing, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSQLPrompt: multi-line statements, Tab completion, \d with types,
// \timing, \x, the pager for results taller than the screen, history kept
// across runs; all while builds publish new versions in a loop beside it.
func TestSQLPrompt(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, dir, nil, "build", "--log-level", "warn"); r.code != 0 {
		t.Fatalf("build: %s", r.stderr)
	}
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_STATE_HOME=", "TERM=xterm", "PAGER=sed s/^/PAGED:/"}

	// Builds in a loop beside the prompt: neither may wait for the other.
	stop := make(chan struct{})
	var builds, failed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			cmd := exec.Command(bin, "build", "--log-level", "warn")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("build beside the prompt: %v\n%s", err, out)
				failed.Add(1)
				return
			}
			builds.Add(1)
		}
	}()

	p := startPrompt(t, dir, env, 24)
	p.send("SELECT indicator_id, year, target_text\n", "      -> ")
	got := p.send("FROM mart_scorecard WHERE indicator_id = 'zw-18'\n  ORDER BY year;\n", "(3 rows)")
	for _, want := range []string{"indicator_id │ year │ target_text", "zw-18        │ 2023 │ 55"} {
		if !strings.Contains(got, want) {
			t.Errorf("result lacks %q:\n%s", want, got)
		}
	}
	// Tab completes a table name (one candidate: completed in place).
	got = p.send("SELECT count(*) AS n FROM seed_hazard_si\t;\n", "(1 row)")
	if !strings.Contains(got, "seed_hazard_sites") || !strings.Contains(got, " 68") {
		t.Errorf("completed query:\n%s", got)
	}
	got = p.send("\\d mart_scorecard\n", " status ", " rows)")
	for _, want := range []string{" indicator_id ", "VARCHAR", " target ", "DOUBLE"} {
		if !strings.Contains(got, want) {
			t.Errorf(`\d mart_scorecard lacks %q:`+"\n%s", want, got)
		}
	}
	p.send("\\d\n", "mart_scorecard", "seed_hazard_sites", "lake_quarantine")
	p.send("\\timing\n", "Timing is on.")
	p.send("SELECT 1 AS one;\n", "(1 row)", "Time: ")
	p.send("\\x\n", "Expanded display is on.")
	got = p.send("SELECT * FROM mart_scorecard WHERE indicator_id = 'zw-18' AND year = 2023;\n", "-[ RECORD 1 ]", "(1 row)")
	if !strings.Contains(got, "name_zh ") || !strings.Contains(got, "一般工业固体废物综合利用率") {
		t.Errorf("expanded row:\n%s", got)
	}
	p.send("\\x off\n", "Expanded display is off.")
	// 68 rows on a 24-line screen go through the pager.
	got = p.send("SELECT site_id FROM seed_hazard_sites ORDER BY site_id;\n", "PAGED:(68 rows)")
	if !strings.Contains(got, "PAGED: GH-001") {
		t.Errorf("long result not paged:\n%s", got)
	}
	// An error leaves the prompt usable.
	p.send("SELECT * FROM no_such_table;\n", "error: ", "waymark> ")
	// Queries keep working while versions change under the prompt.
	deadline := time.Now().Add(3 * time.Minute)
	for i := 0; builds.Load() < 3 && failed.Load() == 0 && time.Now().Before(deadline); i++ {
		p.send("SELECT count(*) AS n FROM mart_scorecard;\n", "(1 row)")
	}
	close(stop)
	wg.Wait()
	if builds.Load() < 3 {
		t.Errorf("only %d builds finished beside the prompt", builds.Load())
	}
	if strings.Contains(p.out.String(), "error: ") && strings.Count(p.out.String(), "error: ") != 1 {
		t.Errorf("a query failed beside the builds:\n%s", p.out.String())
	}
	p.send("\\q\n")
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("\\q: %v", err)
	}

	// History survives: the multi-line statement is one entry, and the up
	// arrow brings back the last line typed.
	hist, err := os.ReadFile(filepath.Join(home, ".waymark_history"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hist), "SELECT indicator_id, year, target_text FROM mart_scorecard WHERE indicator_id = 'zw-18' ORDER BY year;\n") {
		t.Errorf("history:\n%s", hist)
	}
	p2 := startPrompt(t, dir, env, 24)
	p2.send("\x1b[A", `\q`)
	p2.send("\n")
	if err := p2.cmd.Wait(); err != nil {
		t.Fatalf("up arrow + enter did not rerun \\q: %v", err)
	}
}
