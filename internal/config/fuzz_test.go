package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any bytes as waymark.yaml give a config or an error, never a
// panic or a hang.
func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "..", "waymark.example.yaml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "data_dir: x\n", "limits:\n  max_rows: -1\n", "keep_version: 2\n", "sources: [1, 2]\n",
		"a: &x {b: *x}\n", "postgres: {schema: \"\\u0000\"}\n", "timezone: Asia/Shanghai\nkeep_versions: 0\n", "- 1\n- 2\n"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "waymark.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Skip()
		}
		Load(p)
	})
}
