package waymark_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/waymark-data/waymark"

// floor places a package of ours on one of the floors of ARCHITECTURE in
// README.md: the face (the binary and the CLI), the capabilities (ingest,
// models, dashboards, publish, demo…), the connectors beside them, and the
// plumbing (internal/ and the content root) under all of them.
func floor(pkg string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	switch {
	case rel == "cmd/waymark" || rel == "internal/cli":
		return "face"
	case rel == "" || strings.HasPrefix(rel, "internal/"):
		return "plumbing"
	case rel == "connectors" || strings.HasPrefix(rel, "connectors/"):
		return "connector"
	default:
		return "capability"
	}
}

// TestImportsOnlyGoDown fails when an import arrow points up: plumbing that
// imports a capability, a connector that imports a capability or writes
// the lake, anything but the binary that imports the CLI, or the DuckDB
// driver imported outside internal/warehouse.
func TestImportsOnlyGoDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	checked := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkg, from := f[0], floor(f[0])
		checked++
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "github.com/duckdb/") && pkg != module+"/internal/warehouse" {
				t.Errorf("%s imports the DuckDB driver: only internal/warehouse opens DuckDB", pkg)
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := floor(imp)
			switch {
			case imp == module+"/internal/cli" && pkg != module+"/cmd/waymark":
				t.Errorf("%s imports the CLI", pkg)
			case from == "plumbing" && to != "plumbing":
				t.Errorf("plumbing %s imports the %s %s", pkg, to, imp)
			case from == "connector" && (to == "capability" || to == "face"):
				t.Errorf("connector %s imports the %s %s", pkg, to, imp)
			case from == "connector" && imp == module+"/internal/lake":
				t.Errorf("connector %s imports internal/lake: connectors read sources, the runner writes the lake", pkg)
			case from == "capability" && to == "face":
				t.Errorf("capability %s imports the face %s", pkg, imp)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list returned %d packages", checked)
	}
}

// TestLakePathsOnlyInLake fails when code outside internal/lake spells one
// of the lake's own folders: the layout is a contract kept in one place.
func TestLakePathsOnlyInLake(t *testing.T) {
	folder := regexp.MustCompile(`"_(raw|manifest|quarantine|runs|state|locks)"|"_(raw|manifest|quarantine|runs|state|locks)/`)
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == "internal/lake" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if folder.MatchString(line) {
				t.Errorf("%s:%d builds a lake path: %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFaultsOnlyInTestBuilds: the crash switch is compiled only with the
// faults tag; the binary users run cannot be told to kill itself.
func TestFaultsOnlyInTestBuilds(t *testing.T) {
	files := func(tags ...string) string {
		args := append([]string{"list"}, tags...)
		out, err := exec.Command("go", append(args, "-f", "{{.GoFiles}}", "./internal/faults")...).Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := files(); got != "[off.go]" {
		t.Errorf("production build of internal/faults compiles %s, want only off.go", got)
	}
	if got := files("-tags", "faults"); !strings.Contains(got, "faults.go") {
		t.Errorf("test build of internal/faults compiles %s, want faults.go", got)
	}
}

// TestEnvironmentOnlyInConfig: settings and secrets reach the code through
// internal/config, so that one place says what the environment can set.
// The SQL prompt's terminal conventions ($PAGER, $XDG_STATE_HOME) and the
// test-only packages are the exceptions.
func TestEnvironmentOnlyInConfig(t *testing.T) {
	env := regexp.MustCompile(`\bos\.(Getenv|LookupEnv|Environ)\(`)
	allowed := map[string]bool{"internal/config": true, "internal/testenv": true, "internal/faults": true}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (allowed[p] || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || p == "analyst/prompt.go" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if env.MatchString(line) {
				t.Errorf("%s:%d reads the environment (go through internal/config): %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
