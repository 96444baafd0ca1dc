package config

import (
	"github.com/waymark-data/waymark/internal/textdist"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A misspelt key is an error naming it, where it is and the key meant;
// before, it was ignored and the default stayed in force.
func TestUnknownKeysAreErrors(t *testing.T) {
	cases := []struct{ yaml, want, near string }{
		{"keep_version: 5\n", `unknown key "keep_version"`, `did you mean "keep_versions"`},
		{"limts:\n  max_rows: 10\n", `unknown key "limts"`, `did you mean "limits"`},
		{"limits:\n  max_row: 10\n", `unknown key "limits.max_row"`, `did you mean "limits.max_rows"`},
		{"postgres:\n  shcema: w\n", `unknown key "postgres.shcema"`, `did you mean "postgres.schema"`},
		{"data_dir: d\nfrobnicate: 1\n", `line 2: unknown key "frobnicate"`, "valid keys here: data_dir"},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "waymark.yaml")
		os.WriteFile(p, []byte(c.yaml), 0o644)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%q: accepted", c.yaml)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.near) || !strings.Contains(err.Error(), "waymark.yaml") {
			t.Errorf("%q: error %q, want %q and %q", c.yaml, err, c.want, c.near)
		}
	}
	// Free-form maps (sources, schedules) take any key.
	p := filepath.Join(t.TempDir(), "waymark.yaml")
	os.WriteFile(p, []byte("sources:\n  my_broker: tcp://x\nschedules:\n  any_job: \"@every 1m\"\n"), 0o644)
	if _, err := Load(p); err != nil {
		t.Errorf("sources and schedules are free-form: %v", err)
	}
	// An empty file is the defaults.
	os.WriteFile(p, nil, 0o644)
	if _, err := Load(p); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"limts", "limits", 1}, {"kitten", "sitting", 3}, {"", "ab", 2}} {
		if got := textdist.Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
