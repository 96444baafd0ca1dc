// Package warehouse owns every DuckDB handle Waymark opens. The warehouse
// is a directory of immutable versions (one DuckDB file each) and a
// "current.duckdb" symlink: a build writes a fresh version and swaps the
// link atomically, so readers never see a half-built warehouse and never
// contend with the single writer for DuckDB's file lock.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/waymark-data/waymark/internal/faults"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// CurrentLink is the stable name analysts and DuckDB's own clients open.
const CurrentLink = "current.duckdb"

// ErrBuildRunning means another build holds the warehouse's build lock.
var ErrBuildRunning = errors.New("another waymark build is running")

// ErrNoVersion means no build has finished yet.
var ErrNoVersion = errors.New("no warehouse built yet: run `waymark build`")

// Store is the versioned warehouse directory.
type Store struct {
	dir      string
	keep     int
	timeZone string
	// log gets the build's phase timings at debug level (see WithLog).
	log *slog.Logger
	// spare: after publishing, copy the new version for the next build
	// (see WithSpare).
	spare bool
}

// New returns the store rooted at dir, keeping the newest keep versions.
func New(dir string, keep int, timeZone string) *Store {
	if keep < 1 {
		keep = 1
	}
	return &Store{dir: dir, keep: keep, timeZone: timeZone}
}

// WithLog returns the store logging its build phases (copy, checkpoint,
// sync, publish) at debug level to l: where an incremental build's time
// goes is mostly here.
func (s *Store) WithLog(l *slog.Logger) *Store {
	c := *s
	c.log = l
	return &c
}

// WithSpare returns the store preparing, after each published version, a
// synced copy of it that the next build from that version takes instead
// of copying and syncing the file itself (~0.2 s of an incremental build:
// its first commit waited for the copy's 130 MB to reach the disk), opened
// as the build opens its file (~90 ms more taken off the next build). For
// a process that builds again (serve); a one-shot build would exit before
// the spare is ready. Old versions beyond keep are removed after the
// build returns. WaitSpares waits for the spares being written and the
// removals, and closes the spares opened.
func (s *Store) WithSpare() *Store {
	c := *s
	c.spare = true
	return &c
}

// spares are the spare copies this process is writing (spare path →
// closed once it is written or given up) and those it has opened for the
// next build.
var spares = struct {
	sync.Mutex
	writing map[string]chan struct{}
	opened  map[string]openSpare
}{writing: map[string]chan struct{}{}, opened: map[string]openSpare{}}

// openSpare is a spare copy opened read-write, as a build opens its file:
// opening a version (its catalog; ~90 ms on the demo year) is then done
// before the next build starts, not inside it.
type openSpare struct {
	db       *sql.DB
	timeZone string
}

// pruning counts the prunes running after a build (see Store.build).
var pruning sync.WaitGroup

// spareOf names the spare copy of a version.
func spareOf(version string) string { return version + ".spare" }

// prepareSpare copies a published version to its spare in the background:
// written as .tmp, synced, then renamed, so a spare that exists is whole.
// Versions are never written again, so the spare stays a copy of it. The
// spare is then opened with timeZone for the build that takes it.
func prepareSpare(version, timeZone string) {
	spare := spareOf(version)
	done := make(chan struct{})
	spares.Lock()
	spares.writing[spare] = done
	spares.Unlock()
	go func() {
		defer func() {
			spares.Lock()
			delete(spares.writing, spare)
			spares.Unlock()
			close(done)
		}()
		tmp := spare + ".tmp"
		os.Remove(tmp)
		if err := copyFile(version, tmp); err != nil {
			os.Remove(tmp)
			return
		}
		if err := fsyncFile(tmp); err != nil {
			os.Remove(tmp)
			return
		}
		if err := os.Rename(tmp, spare); err != nil {
			os.Remove(tmp)
			return
		}
		// Opening does not write to the file: unopened, it is the same
		// spare, and the build opens it itself.
		if db, err := open(spare, false, false, timeZone); err == nil {
			spares.Lock()
			spares.opened[spare] = openSpare{db, timeZone}
			spares.Unlock()
		}
	}()
}

// spareWritten waits until the spare at path, if one is being written,
// is written (and opened, when it is opened ahead).
func spareWritten(spare string) {
	spares.Lock()
	done := spares.writing[spare]
	spares.Unlock()
	if done != nil {
		<-done
	}
}

// takeSpare moves base's spare copy to dst (waiting for it while this
// process is still writing it: the rest of that copy is quicker than a new
// one) and reports whether there was one. db is the spare already opened
// with timeZone, or nil when the caller must open dst itself.
func takeSpare(base, dst, timeZone string) (db *sql.DB, ok bool) {
	spare := spareOf(base)
	spareWritten(spare)
	spares.Lock()
	pre, opened := spares.opened[spare]
	delete(spares.opened, spare)
	spares.Unlock()
	if opened && pre.timeZone != timeZone {
		pre.db.Close()
		opened = false
	}
	if err := os.Rename(spare, dst); err != nil {
		if opened {
			pre.db.Close()
		}
		return nil, false
	}
	if !opened {
		return nil, true
	}
	return pre.db, true
}

// closeSpares closes the spares opened for a build in dir (every
// directory when dir is empty) except keep. spares must be locked.
func closeSpares(dir, keep string) {
	for p, o := range spares.opened {
		if p != keep && (dir == "" || filepath.Dir(p) == filepath.Clean(dir)) {
			o.db.Close()
			delete(spares.opened, p)
		}
	}
}

// WaitSpares waits for the spare copies this process is writing and
// the old versions it is removing, and closes the spares it opened (a
// process about to exit, a test about to remove the directory): a later
// build opens its spare itself.
func WaitSpares() {
	pruning.Wait()
	for {
		spares.Lock()
		var done chan struct{}
		for _, d := range spares.writing {
			done = d
			break
		}
		if done == nil {
			closeSpares("", "")
		}
		spares.Unlock()
		if done == nil {
			return
		}
		<-done
	}
}

// Dir is the warehouse directory.
func (s *Store) Dir() string { return s.dir }

// open opens a DuckDB database with Waymark's settings: no extension is
// ever downloaded (the machines are offline and builds must be
// reproducible), and timestamps render in the configured zone. An empty
// path opens an in-memory database; a writable path (a version being
// built) is attached to one, without a write-ahead log. A hardened handle
// can reach nothing outside its own database: no file or network access
// (COPY TO, read_csv, read_text, ATTACH), no extension install or load,
// and its configuration is locked so a query cannot undo any of that.
func open(path string, readOnly, hardened bool, timeZone string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if readOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	dsn := path
	building := !readOnly && path != ""
	if building {
		// A version being built is attached to an in-memory database
		// without a write-ahead log: nothing reads it before the build's
		// CHECKPOINT, sync and rename, and a build that dies is swept, so
		// the log would only cost a write and an fsync per statement
		// (each waiting, after a copy, for the copy's writeback).
		dsn = ""
		// What does not fit in memory spills beside the version, as it
		// did when the version was the database itself (an in-memory
		// database would spill into the working directory).
		q.Set("temp_directory", path+".tmp")
	}
	conn, err := duckdb.NewConnector(dsn+"?"+q.Encode(), func(ex driver.ExecerContext) error {
		var init []string
		if building {
			init = append(init,
				"ATTACH IF NOT EXISTS "+sqltext.String(path)+" AS "+buildCatalog+" (RECOVERY_MODE no_wal_writes)",
				"USE "+buildCatalog)
		}
		if timeZone != "" {
			// ICU is compiled in but loads on first use; the zone must be
			// set on every pooled connection.
			init = append(init, "LOAD icu", "SET TimeZone = '"+strings.ReplaceAll(timeZone, "'", "")+"'")
		}
		if !readOnly && path != "" {
			// A build's checkpoint spent half its time choosing FSST for
			// string columns (0.26 s → 0.14 s for the 27 tables an
			// incremental build rewrites); dictionary and the other
			// methods still apply.
			init = append(init, "SET disabled_compression_methods = 'fsst'")
		}
		if hardened {
			init = append(init, "SET enable_external_access = false", "SET lock_configuration = true")
		}
		for _, stmt := range init {
			if _, err := ex.ExecContext(context.Background(), stmt, nil); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", displayPath(path), err)
	}
	db := sql.OpenDB(conn)
	if hardened {
		// The time zone is a setting of each connection, and once the
		// first connection has locked the configuration no other can set
		// it: a hardened handle is one connection, so every query it runs
		// (data tests side by side too) sees the zone.
		db.SetMaxOpenConns(1)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb %s: %w", displayPath(path), err)
	}
	return db, nil
}

// buildCatalog is the name a version being built is attached under.
const buildCatalog = "warehouse"

// Scratch opens an empty in-memory database with Waymark's settings and
// the given time zone, for work that needs SQL but no warehouse (parsing
// seeds for the catalog, computing a status report, tests). It has one
// connection: an in-memory database is private to the connection that
// made it.
func Scratch(timeZone string) (*sql.DB, error) {
	db, err := open("", false, false, timeZone)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func displayPath(p string) string {
	if p == "" {
		return ":memory:"
	}
	return p
}

// Current returns the path of the version readers should open.
func (s *Store) Current() (string, error) {
	link := filepath.Join(s.dir, CurrentLink)
	target, err := os.Readlink(link)
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoVersion
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", link, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(s.dir, target)
	}
	return target, nil
}

// OpenCurrent opens the current version read-only and hardened (see
// open): analysts' SQL, publishing and reports read through it. Many
// readers may do so while a build writes the next version.
func (s *Store) OpenCurrent() (*sql.DB, string, error) {
	path, err := s.Current()
	if err != nil {
		return nil, "", err
	}
	db, err := open(path, true, true, s.timeZone)
	return db, path, err
}

// Build creates a new version, lets fill populate it through the single
// read-write handle, and publishes it only if fill succeeds. A failed or
// interrupted build leaves the previous version current.
func (s *Store) Build(ctx context.Context, fill func(context.Context, *sql.DB) error) (string, error) {
	return s.build(ctx, "", fill)
}

// BuildFrom is Build starting from a copy of base, a finished version
// (finished versions are never written again, so the copy is consistent):
// fill changes only what must change. The copy is made under the build
// lock, in the kernel (copy_file_range) where the file system allows.
func (s *Store) BuildFrom(ctx context.Context, base string, fill func(context.Context, *sql.DB) error) (string, error) {
	if base == "" {
		return "", errors.New("build from a previous version: no version given")
	}
	return s.build(ctx, base, fill)
}

// OpenVersion opens one finished version read-only and hardened, like
// OpenCurrent: the build reads what the previous version was built from.
func (s *Store) OpenVersion(path string) (*sql.DB, error) {
	return open(path, true, true, s.timeZone)
}

func (s *Store) build(ctx context.Context, base string, fill func(context.Context, *sql.DB) error) (string, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("create warehouse dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(s.dir, ".build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("lock warehouse: %w", err)
	}
	defer lock.Close()
	// One builder at a time; the kernel drops the lock if the process dies.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return "", fmt.Errorf("%w in %s", ErrBuildRunning, s.dir)
	}
	s.sweepUnpublished()
	s.sweepSpares(base)
	t0 := time.Now()
	phase := func(name string) {
		if s.log != nil {
			s.log.Debug("build phase", "phase", name, "ms", time.Since(t0).Milliseconds())
		}
		t0 = time.Now()
	}
	name := "waymark-" + time.Now().UTC().Format("20060102T150405.000000000Z") + ".duckdb"
	path := filepath.Join(s.dir, name)
	// Build under a name readers never look for; rename once finished.
	building := path + ".building"
	// The copy's bytes are written back while fill works (the kernel
	// copied them without syncing): the sync before publishing then
	// finds little left to write.
	early := make(chan error, 1)
	early <- nil
	var db *sql.DB
	took := false
	if base != "" && s.spare {
		db, took = takeSpare(base, building, s.timeZone)
	}
	if took {
		phase("spare") // synced when it was made
	} else if base != "" {
		if err := copyFile(base, building); err != nil {
			os.Remove(building)
			return "", err
		}
		<-early
		go func() { early <- fsyncFile(building) }()
		phase("copy")
	}
	if db == nil {
		var err error
		if db, err = open(building, false, false, s.timeZone); err != nil {
			os.Remove(building)
			return "", err
		}
	}
	fail := func(err error) (string, error) {
		<-early
		db.Close()
		os.Remove(building) // no log to remove: see open
		return "", err
	}
	phase("open")
	if err := fill(ctx, db); err != nil {
		return fail(err)
	}
	t0 = time.Now()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fail(fmt.Errorf("checkpoint %s: %w", name, err))
	}
	phase("checkpoint")
	if err := db.Close(); err != nil {
		return fail(fmt.Errorf("close %s: %w", name, err))
	}
	phase("close")
	if err := <-early; err != nil {
		early <- nil
		return fail(err)
	}
	early <- nil
	phase("early sync")
	if err := fsyncFile(building); err != nil {
		return fail(err)
	}
	phase("sync")
	faults.Point("warehouse.before-publish")
	if err := os.Rename(building, path); err != nil {
		return fail(fmt.Errorf("publish %s: %w", name, err))
	}
	if err := s.point(name); err != nil {
		return "", err
	}
	if s.spare {
		// A process that builds again: unlinking an old version's 130 MB
		// (~0.1 s on ext4) need not delay the build that replaced it.
		pruning.Add(1)
		go func() {
			defer pruning.Done()
			s.prune()
		}()
	} else {
		s.prune()
	}
	phase("publish")
	if s.spare {
		prepareSpare(path, s.timeZone)
	}
	return path, nil
}

// point swaps current.duckdb to name with a rename, which is atomic.
func (s *Store) point(name string) error {
	tmp := filepath.Join(s.dir, ".tmp-"+CurrentLink)
	os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, CurrentLink)); err != nil {
		return fmt.Errorf("switch current to %s: %w", name, err)
	}
	return lake.SyncDir(s.dir)
}

// Versions lists finished versions, oldest first.
func (s *Store) Versions() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "waymark-") && strings.HasSuffix(n, ".duckdb") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// prune deletes versions beyond the newest keep. Readers holding an old
// version open keep reading it: unlinking an open file is safe on POSIX.
func (s *Store) prune() {
	vs, err := s.Versions()
	if err != nil || len(vs) <= s.keep {
		return
	}
	cur, _ := s.Current()
	for _, v := range vs[:len(vs)-s.keep] {
		p := filepath.Join(s.dir, v)
		if p == cur {
			continue
		}
		os.Remove(p)
		os.Remove(p + ".wal")
	}
}

// sweepSpares removes the spare copies no build will take: those of
// versions other than keep (the one the next build starts from), and
// unfinished ones this process is not writing (a process that died).
func (s *Store) sweepSpares(keep string) {
	matches, _ := filepath.Glob(filepath.Join(s.dir, "*.spare*"))
	spares.Lock()
	defer spares.Unlock()
	closeSpares(s.dir, spareOf(keep))
	for _, m := range matches {
		if m == spareOf(keep) || spares.writing[strings.TrimSuffix(m, ".tmp")] != nil {
			continue
		}
		os.Remove(m)
	}
}

// sweepUnpublished removes builds that a crash interrupted.
func (s *Store) sweepUnpublished() {
	matches, _ := filepath.Glob(filepath.Join(s.dir, "*.building*"))
	for _, m := range matches {
		os.RemoveAll(m) // the version, its log, its spill directory
	}
}

func fsyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// copyFile copies a finished version to dst (created, not yet synced: the
// build syncs the whole file before publishing it). io.Copy between two
// *os.File uses copy_file_range, so the bytes never pass through Go.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy the previous version %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("copy the previous version to %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy the previous version %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy the previous version to %s: %w", dst, err)
	}
	return nil
}
