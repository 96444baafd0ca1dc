package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// waymarkErr runs the command line in-process for at most limit and
// returns stdout, stderr with the returned error, and the exit code.
func waymarkErr(t *testing.T, limit time.Duration, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errOut bytes.Buffer
	root := NewRoot(&out, &errOut)
	root.SetArgs(append([]string{"--log-level", "warn"}, args...))
	err := root.ExecuteContext(ctx)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), ExitCode(err)
}

// TestServeRefusesMisconfiguration: serve stops at once, exit 2, with a
// one-line error for a duration that would panic a ticker (or fail every
// publish) and for a portal token hashed from an empty $TOKEN. Without
// the checks it panics or serves until the test's deadline.
func TestServeRefusesMisconfiguration(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"build-every 0", nil, []string{"--build-every", "0"}, []string{"--build-every 0s: want a positive duration"}},
		{"build-every negative", nil, []string{"--build-every", "-1m"}, []string{"--build-every -1m0s: want a positive duration"}},
		{"publish-timeout 0", nil, []string{"--publish-timeout", "0s"}, []string{"--publish-timeout 0s: want a positive duration"}},
		{"empty token hash",
			map[string]string{"WAYMARK_PORTAL_TOKEN_STHJJ": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
			nil, []string{"WAYMARK_PORTAL_TOKEN_STHJJ", `department "sthjj"`, "openssl rand -hex 16"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("WAYMARK_DATA_DIR", t.TempDir())
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, errOut, code := waymarkErr(t, 30*time.Second, append([]string{"serve", "--listen", ""}, c.args...)...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			last := lines[len(lines)-1]
			if code != 2 {
				t.Errorf("exit %d, want 2: %s", code, last)
			}
			for _, w := range c.want {
				if !strings.Contains(last, w) {
					t.Errorf("error %q lacks %q", last, w)
				}
			}
			if len(lines) > 1 {
				t.Errorf("%d lines on stderr, want the error alone", len(lines))
			}
		})
	}
}

// TestUnknownDepartmentIsMisuse: every command taking --department refuses
// one the reference data does not know (exit 2, naming it and where the
// departments are listed), on a built warehouse where an empty listing
// would otherwise come out; a known alias still works.
func TestUnknownDepartmentIsMisuse(t *testing.T) {
	scorecardWarehouse(t)
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"scorecard", "--department", "旗不存在局"}, 2},
		{[]string{"scorecard", "--department", "旗不存在局", "--format", "csv"}, 2},
		{[]string{"scorecard", "--department", "旗不存在局", "--uncomputable"}, 2},
		{[]string{"catalog", "--department", "旗不存在局"}, 2},
		{[]string{"templates", "--department", "旗不存在局", "--period", "2024-06", "--out", out}, 2},
		{[]string{"scorecard", "--department", "住建局", "--format", "csv"}, 0},
		{[]string{"catalog", "--department", "旗生态环竟局"}, 2},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, errOut, code := waymarkErr(t, time.Minute, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s\n%s", code, c.code, errOut, stdout)
			}
			if c.code == 2 {
				want := []string{fmt.Sprintf("--department %q", c.args[2]), "seeds/departments.csv"}
				switch c.args[2] {
				case "旗生态环竟局": // one character off: a typo
					want = append(want, `did you mean "旗生态环境局"?`)
				case "旗不存在局": // no department is that close
					if strings.Contains(errOut, "did you mean") {
						t.Errorf("error %q suggests a department for a name close to none", errOut)
					}
				}
				for _, w := range want {
					if !strings.Contains(errOut, w) {
						t.Errorf("error %q lacks %q", errOut, w)
					}
				}
				if stdout != "" {
					t.Errorf("printed %q before failing", stdout)
				}
			}
		})
	}
}

// TestNothingToReadFromIsAnError runs export and docs from a folder with
// no data/: each fails naming what is missing and the command that makes
// it, and writes nothing, rather than an export of no rows or an empty
// site that exit 0.
func TestNothingToReadFromIsAnError(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("WAYMARK_DATA_DIR", "")
	t.Setenv("WAYMARK_CONFIG", "")
	for _, c := range []struct {
		args []string
		made string
		want []string
	}{
		{[]string{"export", "zw-18", "--dir", "exp"}, "exp", []string{"no lake at data/lake", "`waymark demo`", "`waymark ingest`"}},
		{[]string{"export", "mart_scorecard", "--dir", "exp2", "--as-of", "2024-01-31"}, "exp2", []string{"no lake at data/lake"}},
		{[]string{"docs", "site"}, "site", []string{"no warehouse at data/warehouse", "`waymark build`", "`waymark demo`"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, errOut, code := waymarkErr(t, time.Minute, c.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error %q lacks %q", errOut, w)
				}
			}
			if _, err := os.Stat(c.made); err == nil {
				t.Errorf("%s was written", c.made)
			}
		})
	}
}

// TestSQLOut: --out takes the format from the extension (another is
// misuse, exit 2, naming those accepted, before anything is written),
// names the path the user gave when it cannot be written, and leaves
// files readable by the user's other tools (lake.FileMode, 0644).
func TestSQLOut(t *testing.T) {
	scorecardWarehouse(t)
	dir := t.TempDir()
	q := "SELECT indicator_id, year, actual FROM mart_scorecard WHERE indicator_id = 'zw-12'"
	for _, c := range []struct {
		out     string
		code    int
		want    []string
		notWant string
	}{
		{"result.txt", 2, []string{"--out " + dir + "/result.txt", ".parquet", ".csv", ".xlsx"}, ""},
		{"noext", 2, []string{".parquet, .csv, .xlsx"}, ""},
		{"/nonexistent/dir/r.csv", 1, []string{"/nonexistent/dir/r.csv", "no such file or directory"}, "r.tmp.csv"},
		{"/nonexistent/dir/r.xlsx", 1, []string{"/nonexistent/dir/r.xlsx"}, "r.tmp.xlsx"},
		{"x.xlsx", 0, nil, ""},
		{"x.csv", 0, nil, ""},
		{"x.parquet", 0, nil, ""},
		{"UPPER.CSV", 0, nil, ""},
	} {
		t.Run(c.out, func(t *testing.T) {
			path := c.out
			if !strings.HasPrefix(path, "/") {
				path = dir + "/" + path
			}
			_, errOut, code := waymarkErr(t, time.Minute, "sql", q, "--out", path)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error %q lacks %q", errOut, w)
				}
			}
			if c.notWant != "" && strings.Contains(errOut, c.notWant) {
				t.Errorf("error %q names the temp file %s", errOut, c.notWant)
			}
			fi, err := os.Stat(path)
			if c.code != 0 {
				if err == nil {
					t.Errorf("%s was written", path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != lake.FileMode {
				t.Errorf("%s has mode %v, want %v", c.out, fi.Mode().Perm(), lake.FileMode)
			}
		})
	}
	if left, _ := filepath.Glob(dir + "/*.tmp.*"); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// TestBuildSelectMisuse: a selector naming no model exits 2 before any
// build, with the model probably meant, and a bare "+" says what it needs.
func TestBuildSelectMisuse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("WAYMARK_DATA_DIR", dir)
	for _, c := range []struct {
		sel  string
		want []string
	}{
		{"mart_scorecrd", []string{`no model "mart_scorecrd"`, `did you mean "mart_scorecard"?`}},
		{"+mart_scorecrd+", []string{`did you mean "+mart_scorecard+"?`}},
		{"stg_zw_industrial_solid_wast+", []string{`did you mean "stg_zw_industrial_solid_waste+"?`}},
		{"+", []string{`--select "+": a selector needs a model name`, "+model"}},
		{"++", []string{`--select "++": a selector needs a model name`}},
		{"no_such_thing_at_all", []string{`no model "no_such_thing_at_all"`, "sql/marts"}},
	} {
		t.Run(c.sel, func(t *testing.T) {
			_, errOut, code := waymarkErr(t, time.Minute, "build", "--select", c.sel)
			if code != 2 {
				t.Errorf("exit %d, want 2: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error %q lacks %q", errOut, w)
				}
			}
			if c.sel == "no_such_thing_at_all" && strings.Contains(errOut, "did you mean") {
				t.Errorf("a far-off name gets a suggestion: %s", errOut)
			}
			if _, err := os.Stat(filepath.Join(dir, "warehouse")); err == nil {
				t.Error("a build started")
			}
		})
	}
}
