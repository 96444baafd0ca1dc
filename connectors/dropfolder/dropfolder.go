// Package dropfolder is the connector for departments that hand in files:
// every supported file in a folder is an item; once it is in the lake it
// moves to the folder's _archive (never deleted), and a file that could not
// be read at all moves to _rejected.
package dropfolder

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

func init() {
	connectors.RegisterKind("dropfolder", func(s map[string]string, env connectors.Env) (connectors.Connector, error) {
		f := &Folder{Archive: true, Log: env.Logger()}
		if err := connectors.Decode("dropfolder", s, f); err != nil {
			return nil, err
		}
		return f, nil
	})
}

// Folder watches one directory. Its fields are the job's settings.
type Folder struct {
	// Path is the folder departments drop files into.
	Path string `setting:"path,required"`
	// Archive moves processed files aside; tests and one-off loads may
	// leave them in place (re-reading them is harmless: ingest is idempotent).
	Archive bool `setting:"archive"`
	// Settle skips files modified less than this long ago: a file still
	// being copied in is taken at a later run, whole.
	Settle time.Duration `setting:"settle"`
	// Log receives a warning for each entry passed over; nil: slog's default.
	Log *slog.Logger
}

func (f *Folder) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

// Close releases nothing: a folder holds no connection.
func (f *Folder) Close() error { return nil }

// inProgress reports names that uploads and office programs use while a
// file is still being written.
func inProgress(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	for _, ext := range []string{".part", ".tmp", ".crdownload", ".partial", ".filepart"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

// formatOf maps a file extension to a decoder name.
func formatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return "xlsx"
	case ".csv", ".txt":
		return "csv"
	case ".json", ".ndjson", ".jsonl":
		return "json"
	}
	return ""
}

// Pull yields the folder's files oldest first, so a correction sent after
// the original is also processed after it.
func (f *Folder) Pull(ctx context.Context, yield func(connectors.Item) error) error {
	entries, err := os.ReadDir(f.Path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read drop folder %s: %w", f.Path, err)
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		name := e.Name()
		if inProgress(name) {
			continue
		}
		// Only regular files are read. A symlink (dangling, or pointing
		// anywhere on the machine), a FIFO (opening it would wait for a
		// writer forever), a device or a folder is passed over with a
		// warning, and never stops the rest of the folder.
		if !e.Type().IsRegular() {
			if !(e.IsDir() && (name == archiveDir || name == rejectedDir)) {
				f.log().Warn("drop folder: skipped, not a regular file", "path", filepath.Join(f.Path, name), "type", kind(e.Type()))
			}
			continue
		}
		info, err := e.Info()
		if err != nil {
			// Gone since the listing (taken by another process): nothing to read.
			f.log().Warn("drop folder: skipped, cannot stat", "path", filepath.Join(f.Path, name), "err", err)
			continue
		}
		if f.Settle > 0 && time.Since(info.ModTime()) < f.Settle {
			continue
		}
		files = append(files, file{name, info.ModTime()})
	}
	sort.Slice(files, func(i, j int) bool {
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.Before(files[j].mod)
		}
		return files[i].name < files[j].name
	})
	for _, fl := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(f.Path, fl.name)
		item := connectors.Item{
			Source:      "dropfolder:" + f.Path,
			Name:        fl.name,
			Format:      formatOf(fl.name),
			SubmittedAt: fl.mod.UTC(),
			Open:        func() (io.ReadCloser, error) { return openRegular(path) },
			Ack:         func(ok bool) error { return f.ack(path, ok) },
		}
		if err := yield(item); err != nil {
			return err
		}
	}
	return nil
}

// The folders processed files move to, inside the drop folder.
const (
	archiveDir  = "_archive"
	rejectedDir = "_rejected"
)

// kind names a non-regular directory entry for a warning.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "folder"
	}
	return "other"
}

// openRegular opens path only if it is still a regular file: the entry
// may have been replaced since the listing. O_NOFOLLOW refuses a symlink,
// O_NONBLOCK keeps a FIFO from blocking the open (and means nothing for a
// regular file), and the file is checked once open.
func openRegular(path string) (*os.File, error) {
	fd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		fd.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, kind(st.Mode()))
	}
	return fd, nil
}

func (f *Folder) ack(path string, ok bool) error {
	if !f.Archive {
		return nil
	}
	sub := archiveDir
	if !ok {
		sub = rejectedDir
	}
	// The very same bytes sent again (a re-run of the demo, a department
	// sending twice) are already kept, in _archive or in _rejected, and in
	// the lake's raw copy: a second copy would only grow the folder by a
	// full copy each time.
	for _, kept := range []string{archiveDir, rejectedDir} {
		if same, _ := sameContent(path, filepath.Join(f.Path, kept, filepath.Base(path))); same {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("archive %s: %w", path, err)
			}
			return nil
		}
	}
	dir := filepath.Join(f.Path, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("archive %s: %w", path, err)
	}
	dst := filepath.Join(dir, filepath.Base(path))
	if _, err := os.Stat(dst); err == nil {
		// Same name, other content: keep both, the older one stays untouched.
		dst = filepath.Join(dir, time.Now().UTC().Format("20060102T150405.000Z")+"-"+filepath.Base(path))
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("archive %s: %w", path, err)
	}
	return nil
}

// sameContent reports whether two files hold the same bytes.
func sameContent(a, b string) (bool, error) {
	fa, err := openRegular(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := openRegular(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	sa, err := fa.Stat()
	if err != nil {
		return false, err
	}
	sb, err := fb.Stat()
	if err != nil || sa.Size() != sb.Size() {
		return false, err
	}
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea == io.EOF || ea == io.ErrUnexpectedEOF {
			return eb == ea, nil
		}
		if ea != nil {
			return false, ea
		}
		if eb != nil {
			return false, eb
		}
	}
}
