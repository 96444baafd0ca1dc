package lake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/waymark-data/waymark/internal/faults"
)

// tmpPrefix marks files being written. Readers glob "*.parquet" and never
// match these, and Sweep removes the ones a crash left behind.
const tmpPrefix = ".tmp-"

// FileMode is the permission of every file the lake commits: readable by
// the group and others (0644), so that analysts' and statisticians' tools
// running under other accounts can read the lake. A deployment that wants
// the lake private to a group sets 0640 here (from its configuration).
var FileMode os.FileMode = 0o644

// AtomicFile is a file that becomes visible under its final name only when
// Commit succeeds: data is written to a hidden temp file in the same
// directory, fsynced, renamed, and the directory fsynced. Directories it
// creates on the way are made durable too (see MkdirAll).
type AtomicFile struct {
	*os.File
	final string
	done  bool
	// batch, when set, receives the file at Commit instead of committing
	// it there (see Batch); last marks a manifest, renamed after the rest.
	batch *Batch
	last  bool
	tmp   string
	// written and queued count the bytes written and those handed to
	// the kernel's writeback (see Write).
	written, queued int64
}

// writebackChunk is how many written bytes are handed to the kernel's
// writeback at a time.
const writebackChunk = 8 << 20

// Write writes to the temp file. Every writebackChunk bytes it has the
// kernel start writing them to disk, so that a large file's fsync at
// commit (a sensor CSV's raw copy is a hundred megabytes) waits for the
// last few megabytes instead of all of them, while decoding goes on.
func (a *AtomicFile) Write(p []byte) (int, error) {
	n, err := a.File.Write(p)
	a.written += int64(n)
	if a.written-a.queued >= writebackChunk {
		startWriteback(a.File, a.queued, a.written-a.queued)
		a.queued = a.written
	}
	return n, err
}

// Create starts an atomic write of path, creating parent directories.
func Create(path string) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	if err := MkdirAll(dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return nil, fmt.Errorf("create temp for %s: %w", path, err)
	}
	// CreateTemp makes the file private (0600); a committed lake file is
	// meant to be read by other tools.
	if err := f.Chmod(FileMode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create temp for %s: %w", path, err)
	}
	return &AtomicFile{File: f, final: path}, nil
}

// Commit makes the file visible under its final name, replacing any file
// already there (the same content written again by a retried run).
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("commit %s: already finished", a.final)
	}
	a.done = true
	if a.batch != nil {
		// Durability and the rename wait for the batch's commit round.
		a.tmp = a.File.Name()
		if err := a.File.Close(); err != nil {
			os.Remove(a.tmp)
			return fmt.Errorf("close %s: %w", a.final, err)
		}
		a.batch.stage(a)
		return nil
	}
	if err := a.File.Sync(); err != nil {
		a.File.Close()
		os.Remove(a.File.Name())
		return fmt.Errorf("sync %s: %w", a.final, err)
	}
	if err := a.File.Close(); err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("close %s: %w", a.final, err)
	}
	faults.Point("lake.before-rename")
	if err := os.Rename(a.File.Name(), a.final); err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("rename into %s: %w", a.final, err)
	}
	return syncDir(filepath.Dir(a.final))
}

// Path is where the file's bytes can be read now: its final name, or its
// temp name while it waits in a Batch for the commit round.
func (a *AtomicFile) Path() string {
	if a.batch != nil && a.tmp != "" {
		return a.tmp
	}
	return a.final
}

// Adopt moves the files staged in other into b: a worker stages one
// input's files on its own and hands them over whole when the input is
// done, so a commit round never renames the raw file an input is still
// being read from.
func (b *Batch) Adopt(other *Batch) {
	other.mu.Lock()
	files, last := other.files, other.last
	other.files, other.last = nil, nil
	other.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files = append(b.files, files...)
	b.last = append(b.last, last...)
}

// Abort discards the temp file; it is safe to call after Commit.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.File.Close()
	os.Remove(a.File.Name())
}

// Create starts an atomic write of path in the lake: committed at once,
// or staged in the lake's Batch when it has one.
func (l Lake) Create(path string) (*AtomicFile, error) {
	f, err := Create(path)
	if err != nil {
		return nil, err
	}
	f.batch = l.Batch
	return f, nil
}

// WriteFileAtomic writes data to path atomically.
func WriteFileAtomic(path string, data []byte) error {
	return writeFile(nil, path, data)
}

func writeFile(f *AtomicFile, path string, data []byte) error {
	var err error
	if f == nil {
		f, err = Create(path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	return f.Commit()
}

// CopyAtomic streams r into path atomically and returns the bytes written.
func CopyAtomic(path string, r io.Reader) (int64, error) {
	f, err := Create(path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err != nil {
		f.Abort()
		return n, fmt.Errorf("write %s: %w", path, err)
	}
	return n, f.Commit()
}

// MkdirAll creates dir and its missing parents, and makes each new
// directory durable: a new directory's name is an entry in its parent,
// which is fsynced like a rename. Without it, a crash could lose a new
// month=… partition directory, and with it the files committed inside.
func MkdirAll(dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	// Top down, each new directory marked before the next is made in it
	// (spreadBelow).
	for i := len(created) - 1; i >= 0; i-- {
		if err := os.Mkdir(created[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", created[i], err)
		}
		spreadBelow(created[i])
	}
	for _, d := range created {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// syncDir is SyncDir; tests replace it to see which directories are synced.
var syncDir = SyncDir

// SyncDir fsyncs a directory, making renames in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// Sweep removes temp files left under root by a crashed writer and
// reports how many it removed. Run it before a writer starts, never while
// another writer may be active on the same tree.
func Sweep(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), tmpPrefix) {
			if err := os.Remove(p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("sweep %s: %w", root, err)
	}
	return n, nil
}

// Retarget changes the name the file will be committed under, for writers
// that learn the final name (a checksum) only after writing the content.
// The new name must be in the same directory tree, on the same file system.
func (a *AtomicFile) Retarget(path string) error {
	if err := MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	a.final = path
	return nil
}
