// Package cli defines the waymark command line: one cobra command per file,
// each a thin layer over the packages that do the work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/waymark-data/waymark"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	// Connectors and decoders register themselves; this is the one place
	// that decides which the binary carries.
	_ "github.com/waymark-data/waymark/connectors/csvfile"
	_ "github.com/waymark-data/waymark/connectors/dropfolder"
	_ "github.com/waymark-data/waymark/connectors/httppull"
	_ "github.com/waymark-data/waymark/connectors/jsonfile"
	_ "github.com/waymark-data/waymark/connectors/mqtt"
	_ "github.com/waymark-data/waymark/connectors/xlsx"
	"github.com/waymark-data/waymark/internal/config"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// UsageError marks errors in how waymark was called; they exit with 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode maps an error from Execute to the process exit code:
// 0 ok, 1 the work failed, 2 the command was misused.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var u UsageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// app is what every command shares once flags are parsed.
type app struct {
	configPath string
	logLevel   string
	logFormat  string
	cfg        config.Config
	log        *slog.Logger
	out        io.Writer
	// lockWait is how long ingest jobs wait for a data set's lock (flag).
	lockWait time.Duration
	// spare: builds leave a synced copy of the version they publish for
	// the next build to start from (serve, which builds again; see
	// warehouse.Store.WithSpare).
	spare bool
}

func (a *app) lake() lake.Lake { return lake.Lake{Root: a.cfg.LakeDir} }

func (a *app) store() *warehouse.Store {
	return warehouse.New(a.cfg.WarehouseDir, a.cfg.KeepVersions, a.cfg.TimeZone)
}

func (a *app) datasets() (map[string]*pipelines.Dataset, error) {
	return pipelines.LoadDatasets(waymark.Pipelines(a.cfg.PipelinesDir))
}

// contracts loads the data sets and the reference data they check
// values against.
func (a *app) contracts() (map[string]*pipelines.Dataset, pipelines.Refs, error) {
	ds, err := a.datasets()
	if err != nil {
		return nil, nil, err
	}
	refs, err := pipelines.LoadRefs(waymark.Seeds(a.cfg.SeedsDir), ds)
	return ds, refs, err
}

// NewRoot builds the command tree writing to out and errOut.
func NewRoot(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out}
	root := &cobra.Command{
		Use:   "waymark",
		Short: "Waymark: a metrics warehouse for public-policy targets",
		Long: `Waymark pulls department submissions and sensor data into a Parquet lake,
computes every indicator of every plan against its baseline and targets with
DuckDB SQL, and generates the Grafana dashboards leaders watch.

Start with "waymark demo", which runs the whole flow on generated data.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setup(errOut)
		},
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVarP(&a.configPath, "config", "c", "", "config file (default $WAYMARK_CONFIG or ./waymark.yaml)")
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(demoCmd(a), ingestCmd(a), withSelect(a, buildCmd(a)), dashboardsCmd(a), catalogCmd(a), sqlCmd(a), exportCmd(a), explainCmd(a), templatesCmd(a), statusCmd(a), serveCmd(a), publishCmd(a), docsCmd(a))
	root.AddCommand(scorecardCmd(a), testCmd(a))
	return root
}

func (a *app) setup(errOut io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return UsageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", a.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(errOut, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(errOut, opts))
	default:
		return UsageError{fmt.Errorf("--log-format %q: want text or json", a.logFormat)}
	}
	// Packages that warn without a logger of their own (the build setting
	// a lake file aside) write to slog's default: make it this one.
	slog.SetDefault(a.log)
	cfg, err := config.Load(a.configPath)
	if err != nil {
		// A config file that is missing, unreadable or wrong is how
		// waymark was called, not work that failed: exit 2.
		return UsageError{err}
	}
	a.cfg = cfg
	return nil
}

// exactArgs and friends wrap cobra's validators so misuse exits with 2.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return UsageError{err}
	}
	return nil
}

// Execute runs the command line and returns the error to map to an exit code.
func Execute(ctx context.Context, args []string) error {
	root := NewRoot(os.Stdout, os.Stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") {
			err = UsageError{err}
		}
	}
	return err
}
