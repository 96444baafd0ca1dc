package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsWithoutAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("WAYMARK_CONFIG", "")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone != "Asia/Shanghai" || c.Location().String() != "Asia/Shanghai" {
		t.Errorf("zone %s", c.TimeZone)
	}
	for name, p := range map[string]string{"lake": c.LakeDir, "warehouse": c.WarehouseDir, "inbox": c.InboxDir, "feedback": c.FeedbackDir} {
		if p != filepath.Join("data", name) {
			t.Errorf("%s dir %q", name, p)
		}
	}
}

func TestFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "waymark.yaml")
	os.WriteFile(p, []byte("data_dir: /srv/waymark\nlake_dir: lake2\nsources:\n  mqtt_broker: tcp://a:1883\nkeep_versions: 5\n"), 0o644)
	t.Setenv("WAYMARK_SOURCE_INDICATOR_API_URL", "https://x/api")
	t.Setenv("WAYMARK_PG_DSN", "postgres://secret")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.LakeDir != filepath.Join(dir, "lake2") || c.WarehouseDir != "/srv/waymark/warehouse" || c.KeepVersions != 5 {
		t.Errorf("paths %q %q %d", c.LakeDir, c.WarehouseDir, c.KeepVersions)
	}
	if c.Sources["mqtt_broker"] != "tcp://a:1883" || c.Sources["indicator_api_url"] != "https://x/api" || c.Postgres.DSN != "postgres://secret" {
		t.Errorf("sources %v dsn %q", c.Sources, c.Postgres.DSN)
	}
}

func TestErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a named file that does not exist: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("timezone: Mars/Olympus\n"), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("bad zone: %v", err)
	}
}

// A password in waymark.yaml is refused, naming the file and the variable
// to use; a DSN without one (peer authentication, a .pgpass file) is fine.
func TestDSNPasswordNeverInTheFile(t *testing.T) {
	for _, c := range []struct {
		dsn  string
		fail bool
	}{
		{"postgres://waymark:s3cret@db:5432/waymark", true},
		{"postgres://waymark@db/waymark?sslmode=disable&password=x", true},
		{"host=db user=waymark password=s3cret dbname=waymark", true},
		{"host=db user=waymark PASSWORD = s3cret", true},
		{"postgres://waymark@db:5432/waymark", false},
		{"host=/var/run/postgresql dbname=waymark", false},
		{"", false},
	} {
		path := filepath.Join(t.TempDir(), "waymark.yaml")
		os.WriteFile(path, []byte("postgres:\n  dsn: \""+c.dsn+"\"\n"), 0o644)
		_, err := Load(path)
		if c.fail != (err != nil) {
			t.Errorf("dsn %q: error %v, want failure %v", c.dsn, err, c.fail)
		}
		if err != nil && (!strings.Contains(err.Error(), "WAYMARK_PG_DSN") || !strings.Contains(err.Error(), path)) {
			t.Errorf("dsn %q: %v does not name the file and WAYMARK_PG_DSN", c.dsn, err)
		}
	}
}
