package config

import (
	"path/filepath"
	"testing"
)

// The sample config in the repository must load and match the defaults.
func TestExampleConfigLoads(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "waymark.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.TimeZone != d.TimeZone || c.KeepVersions != d.KeepVersions || c.Limits != d.Limits || c.Postgres.Schema != d.Postgres.Schema {
		t.Errorf("example differs from the defaults: %+v", c)
	}
}
