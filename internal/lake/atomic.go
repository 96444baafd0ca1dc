package lake

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/waymark-data/waymark/internal/faults"
)

// tmpPrefix marks files being written. Readers glob "*.parquet" and never
// match these, and Sweep removes the ones a crash left behind.
const tmpPrefix = ".tmp-"

// AtomicFile is a file that becomes visible under its final name only when
// Commit succeeds: data is written to a hidden temp file in the same
// directory, fsynced, renamed, and the directory fsynced.
type AtomicFile struct {
	*os.File
	final string
	done  bool
}

// Create starts an atomic write of path, creating parent directories.
func Create(path string) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(path)+"-*")
	if err != nil {
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
	return SyncDir(filepath.Dir(a.final))
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

// WriteFileAtomic writes data to path atomically.
func WriteFileAtomic(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	a.final = path
	return nil
}
