package dashboards

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/internal/config"
)

// reConfigKey finds a waymark.yaml key written section.key in a comment.
var reConfigKey = regexp.MustCompile(`\b([a-z_]+)\.([a-z_]+)\b`)

// TestProvisioningCommentsNameRealSettings: what the provisioning files
// tell a Grafana admin to set exists. Every section.key their comments
// name is a key waymark.yaml accepts (the config refuses unknown keys),
// and each file names the flag and variable that set what it depends on.
func TestProvisioningCommentsNameRealSettings(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(dir, testCatalog(), Options{Schema: "waymark"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		want []string
	}{
		{"provisioning/dashboards/waymark.yaml", []string{"--provider-path", "WAYMARK_GRAFANA_PROVIDER_PATH"}},
		{"provisioning/datasources/waymark.yaml", []string{"WAYMARK_PG_PASSWORD", "postgres.reader"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			var comments strings.Builder
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					comments.WriteString(line + "\n")
				}
			}
			for _, w := range c.want {
				if !strings.Contains(comments.String(), w) {
					t.Errorf("comments lack %q:\n%s", w, comments.String())
				}
			}
			for _, m := range reConfigKey.FindAllStringSubmatch(comments.String(), -1) {
				if m[2] == "yaml" || m[2] == "json" {
					continue // a file name
				}
				yml := filepath.Join(t.TempDir(), "waymark.yaml")
				os.WriteFile(yml, []byte(m[1]+":\n  "+m[2]+": x\n"), 0o644)
				if _, err := config.Load(yml); err != nil && strings.Contains(err.Error(), "unknown key") {
					t.Errorf("the comment names %s, which waymark.yaml does not have: %v", m[0], err)
				}
			}
		})
	}
}
