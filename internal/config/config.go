// Package config loads waymark.yaml: where the lake, warehouse and outputs
// live, the time zone periods are cut in, and the jobs to run. Every field
// has a default good enough for the demo, so a missing file is not an error.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DefaultFile is the config file looked up in the working directory when
// neither --config nor WAYMARK_CONFIG names one.
const DefaultFile = "waymark.yaml"

// Config is the whole of waymark.yaml after defaults and environment
// overrides are applied. Relative paths are resolved against the directory
// of the config file (or the working directory when there is none).
type Config struct {
	// DataDir holds everything Waymark writes unless a more specific
	// directory below is set.
	DataDir string `yaml:"data_dir"`
	// LakeDir is the Parquet lake: raw landing, partitions, quarantine, runs.
	LakeDir string `yaml:"lake_dir"`
	// WarehouseDir holds the versioned DuckDB files and the current pointer.
	WarehouseDir string `yaml:"warehouse_dir"`
	// DashboardsDir receives the generated Grafana dashboards and provisioning.
	DashboardsDir string `yaml:"dashboards_dir"`
	// InboxDir is the root of the department drop folders.
	InboxDir string `yaml:"inbox_dir"`
	// FeedbackDir receives per-department workbooks of rejected rows.
	FeedbackDir string `yaml:"feedback_dir"`
	// TemplatesDir receives the submission templates.
	TemplatesDir string `yaml:"templates_dir"`
	// SeedsDir, SQLDir and PipelinesDir override the content compiled into
	// the binary; empty means "use the embedded copy".
	SeedsDir     string `yaml:"seeds_dir"`
	SQLDir       string `yaml:"sql_dir"`
	PipelinesDir string `yaml:"pipelines_dir"`
	// TimeZone is the zone periods and deadlines are cut in.
	TimeZone string `yaml:"timezone"`
	// KeepVersions is how many finished warehouse versions stay on disk.
	KeepVersions int `yaml:"keep_versions"`
	// Sources fills the {name} placeholders of job settings (broker
	// addresses, API URLs); a job that requires an unset source is skipped.
	Sources map[string]string `yaml:"sources"`
	// Schedules overrides job schedules by job name (cron, or @every 30s).
	Schedules map[string]string `yaml:"schedules"`
	// Limits bound what one submission may cost.
	Limits Limits `yaml:"limits"`
	// Postgres is where serving marts are published (later waves); the DSN
	// is a secret and comes from WAYMARK_PG_DSN when set.
	Postgres Postgres `yaml:"postgres"`
	// Grafana is the running Grafana `dashboards push` uploads to, and the
	// path its provisioning reads dashboards from; from the environment
	// only (the token is a secret).
	Grafana Grafana `yaml:"-"`

	loc *time.Location
}

// Grafana is what the environment says of the Grafana beside Waymark.
type Grafana struct {
	// URL and Token (a service-account token) come from GRAFANA_URL and
	// GRAFANA_TOKEN, the names Grafana's own tools use.
	URL, Token string
	// ProviderPath, from WAYMARK_GRAFANA_PROVIDER_PATH, is where Grafana
	// finds the generated dashboards when that is not where Waymark
	// writes them (another machine, a container's mount).
	ProviderPath string
}

// Limits protect the ingest from oversized or hostile files.
type Limits struct {
	// MaxFileBytes is the largest submission accepted, compressed.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
	// MaxUnzippedBytes bounds the total inflated size of an .xlsx (zip bombs).
	MaxUnzippedBytes int64 `yaml:"max_unzipped_bytes"`
	// MaxRows bounds the rows read from one file.
	MaxRows int `yaml:"max_rows"`
}

// Postgres configures the serving database.
type Postgres struct {
	DSN    string `yaml:"dsn"`
	Schema string `yaml:"schema"`
	// Reader is granted read access to the published schema (the role
	// Grafana's data source logs in as).
	Reader string `yaml:"reader"`
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		DataDir:      "data",
		TimeZone:     "Asia/Shanghai",
		KeepVersions: 3,
		Limits: Limits{
			MaxFileBytes:     64 << 20,
			MaxUnzippedBytes: 512 << 20,
			MaxRows:          5_000_000,
		},
		Postgres: Postgres{Schema: "waymark"},
	}
}

// Load reads the config file at path. An empty path means WAYMARK_CONFIG,
// then ./waymark.yaml; a default path that does not exist yields defaults,
// while a path the user named explicitly must exist.
func Load(path string) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = os.Getenv("WAYMARK_CONFIG")
		explicit = path != ""
	}
	if path == "" {
		path = DefaultFile
	}
	base := "."
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := decodeStrict(b, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if dsnHasPassword(cfg.Postgres.DSN) {
			return cfg, fmt.Errorf("config %s: postgres.dsn holds a password: a file is copied, committed and read by others; "+
				"set WAYMARK_PG_DSN in the environment instead (it overrides postgres.dsn), or use a DSN without one (a .pgpass file, peer authentication)", path)
		}
		base = filepath.Dir(path)
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		// No file: defaults are the documented behaviour.
	default:
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.applyEnv()
	if err := cfg.finish(base); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// dsnHasPassword reports whether a PostgreSQL connection string, as a URL
// (postgres://user:pass@host/db) or as key=value words (password=…),
// carries a password.
func dsnHasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		_, set := u.User.Password()
		return set || u.Query().Has("password")
	}
	return passwordWord.MatchString(dsn)
}

// passwordWord is libpq's password keyword, spaces allowed around "=".
var passwordWord = regexp.MustCompile(`(?i)(^|\s)password\s*=`)

// applyEnv lets the environment override paths and secrets, so that a
// deployment never writes a password into waymark.yaml.
func (c *Config) applyEnv() {
	if v := os.Getenv("WAYMARK_DATA_DIR"); v != "" {
		c.DataDir = v
		c.LakeDir, c.WarehouseDir, c.DashboardsDir, c.InboxDir, c.FeedbackDir, c.TemplatesDir = "", "", "", "", "", ""
	}
	if v := os.Getenv("WAYMARK_PG_DSN"); v != "" {
		c.Postgres.DSN = v
	}
	c.Grafana = Grafana{URL: os.Getenv("GRAFANA_URL"), Token: os.Getenv("GRAFANA_TOKEN"), ProviderPath: os.Getenv("WAYMARK_GRAFANA_PROVIDER_PATH")}
	for _, kv := range os.Environ() {
		// WAYMARK_SOURCE_MQTT_BROKER=tcp://… sets sources.mqtt_broker.
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, "WAYMARK_SOURCE_"); ok && v != "" {
			if c.Sources == nil {
				c.Sources = map[string]string{}
			}
			c.Sources[strings.ToLower(name)] = v
		}
	}
	if v := os.Getenv("WAYMARK_TIMEZONE"); v != "" {
		c.TimeZone = v
	}
}

func (c *Config) finish(base string) error {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	c.DataDir = abs(c.DataDir)
	under := func(p *string, name string) {
		if *p == "" {
			*p = filepath.Join(c.DataDir, name)
		} else {
			*p = abs(*p)
		}
	}
	under(&c.LakeDir, "lake")
	under(&c.WarehouseDir, "warehouse")
	under(&c.DashboardsDir, "dashboards")
	under(&c.InboxDir, "inbox")
	under(&c.FeedbackDir, "feedback")
	under(&c.TemplatesDir, "templates")
	c.SeedsDir, c.SQLDir, c.PipelinesDir = abs(c.SeedsDir), abs(c.SQLDir), abs(c.PipelinesDir)
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("timezone %q: %w", c.TimeZone, err)
	}
	c.loc = loc
	if c.KeepVersions < 1 {
		return fmt.Errorf("keep_versions must be at least 1, got %d", c.KeepVersions)
	}
	return nil
}

// Location is the time zone periods and deadlines are cut in.
func (c Config) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Secret returns a secret a job's settings name by variable (auth_env,
// password_env). Secrets come from the environment only, never from
// waymark.yaml, so they stay out of files and version control.
func Secret(name string) (string, bool) { return os.LookupEnv(name) }
