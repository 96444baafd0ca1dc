// Package analyst is what `waymark sql` does: queries on the latest
// finished warehouse version through the hardened read-only reader, an
// interactive prompt (line editing, history, completion, \d, \timing, \x,
// a pager), and query results written to Parquet, CSV or Excel files.
package analyst

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// Session holds the warehouse version being queried. Every version is an
// immutable file and the build writes the next one under another name, so
// a session never takes or waits for the builder's lock; between
// statements it moves to the newest finished version.
type Session struct {
	store *warehouse.Store
	db    *sql.DB
	path  string

	// Out receives results and messages.
	Out io.Writer
	// Timing prints how long each statement took.
	Timing bool
	// Expanded prints one block per row (\x).
	Expanded bool
	// Pager is the command long results go through ("" prints directly).
	Pager string
	// Lines is the terminal's height; results taller than it are paged.
	// Zero means not a terminal: never page.
	Lines func() int
	// Docs describes models by name when the warehouse has no model docs
	// (their header comments).
	Docs map[string]string

	tables  []string
	columns map[string][]string
}

// Open starts a session on the store's current version.
func Open(store *warehouse.Store, out io.Writer) (*Session, error) {
	s := &Session{store: store, Out: out}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

// open opens the current version. A build that finishes meanwhile may
// prune the version just read from the link: read the link again.
func (s *Session) open() error {
	var last error
	for range 5 {
		db, path, err := s.store.OpenCurrent()
		if err == nil {
			s.db, s.path = db, path
			s.tables, s.columns = nil, nil
			return nil
		}
		if errors.Is(err, warehouse.ErrNoVersion) {
			return err
		}
		last = err
		if _, statErr := os.Stat(path); statErr == nil {
			return err // the file is there: a real failure
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

// Refresh moves the session to the newest finished version when a build
// has switched the current one since; it reports whether it moved.
func (s *Session) Refresh() (bool, error) {
	cur, err := s.store.Current()
	if err != nil || cur == s.path {
		return false, err
	}
	old := s.db
	if err := s.open(); err != nil {
		s.db = old
		return false, err
	}
	old.Close()
	return true, nil
}

// Version is the file name of the version being queried.
func (s *Session) Version() string { return filepath.Base(s.path) }

// DB is the read-only handle on the current version.
func (s *Session) DB() *sql.DB { return s.db }

// Close releases the version.
func (s *Session) Close() error { return s.db.Close() }

// Query runs one statement and returns its result.
func (s *Session) Query(ctx context.Context, q string) (sqltext.Table, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return sqltext.Table{}, err
	}
	return sqltext.Collect(rows)
}

// Exec runs one input of the prompt: a backslash command or one SQL
// statement, and prints what it gives. quit is true for \q.
func (s *Session) Exec(ctx context.Context, input string) (quit bool, err error) {
	input = strings.TrimSpace(input)
	if strings.HasPrefix(input, `\`) {
		return s.meta(ctx, input)
	}
	if moved, err := s.Refresh(); err != nil {
		return false, err
	} else if moved {
		fmt.Fprintf(s.Out, "(now on warehouse version %s)\n", s.Version())
	}
	start := time.Now()
	t, err := s.Query(ctx, input)
	if err != nil {
		return false, err
	}
	took := time.Since(start)
	if err := s.show(Render(t, s.Expanded)); err != nil {
		return false, err
	}
	if s.Timing {
		fmt.Fprintf(s.Out, "Time: %.3f ms\n", float64(took.Microseconds())/1000)
	}
	return false, nil
}

// show prints text, through the pager when it is taller than the screen.
func (s *Session) show(text string) error {
	if s.Pager != "" && s.Lines != nil {
		if h := s.Lines(); h > 0 && strings.Count(text, "\n") >= h-1 {
			return page(s.Pager, text, s.Out)
		}
	}
	_, err := io.WriteString(s.Out, text)
	return err
}

const help = `\d            list tables and models with their descriptions
\d NAME       columns of NAME: type, unit, description
\x [on|off]   expanded output: one block per row (for wide rows)
\timing [on|off]  print how long each statement takes
\pager [CMD|off]  page long results through CMD (default $PAGER, else less -FRX)
\q            quit (or Ctrl-D)
SQL statements end with ; and may span lines; Tab completes names.
`

func (s *Session) meta(ctx context.Context, input string) (bool, error) {
	f := strings.Fields(input)
	cmd, arg := f[0], strings.TrimSpace(strings.TrimPrefix(input, f[0]))
	arg = strings.TrimSuffix(arg, ";")
	toggle := func(v *bool, name string) error {
		switch arg {
		case "":
			*v = !*v
		case "on":
			*v = true
		case "off":
			*v = false
		default:
			return fmt.Errorf("%s takes on or off", cmd)
		}
		state := "off"
		if *v {
			state = "on"
		}
		fmt.Fprintf(s.Out, "%s is %s.\n", name, state)
		return nil
	}
	switch cmd {
	case `\q`, `\quit`:
		return true, nil
	case `\?`, `\h`, `\help`:
		_, err := io.WriteString(s.Out, help)
		return false, err
	case `\timing`:
		return false, toggle(&s.Timing, "Timing")
	case `\x`:
		return false, toggle(&s.Expanded, "Expanded display")
	case `\pager`:
		switch arg {
		case "off":
			s.Pager = ""
			fmt.Fprintln(s.Out, "Pager is off.")
		case "":
			fmt.Fprintf(s.Out, "Pager: %q\n", s.Pager)
		default:
			s.Pager = arg
			fmt.Fprintf(s.Out, "Pager: %q\n", s.Pager)
		}
		return false, nil
	case `\d`, `\dt`, `\d+`:
		if _, err := s.Refresh(); err != nil {
			return false, err
		}
		if arg == "" {
			rs, err := Relations(ctx, s.db, s.Docs)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(s.Out, "warehouse version %s\n", s.Version())
			return false, s.show(Render(RelationsTable(rs), false))
		}
		cols, err := Describe(ctx, s.db, strings.Trim(arg, `"`))
		if err != nil {
			return false, err
		}
		if d := s.describeOne(ctx, strings.Trim(arg, `"`)); d != "" {
			fmt.Fprintln(s.Out, d)
		}
		return false, s.show(Render(ColumnsTable(cols), s.Expanded))
	}
	return false, fmt.Errorf("unknown command %s (\\? lists them)", cmd)
}

func (s *Session) describeOne(ctx context.Context, name string) string {
	rs, err := Relations(ctx, s.db, s.Docs)
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.Name == name && r.Description != "" {
			return name + ": " + r.Description
		}
	}
	return ""
}
