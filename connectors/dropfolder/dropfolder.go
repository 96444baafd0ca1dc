// Package dropfolder is the connector for departments that hand in files:
// every supported file in a folder is an item; once it is in the lake it
// moves to the folder's _archive (never deleted), and a file that could not
// be read at all moves to _rejected.
package dropfolder

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

func init() {
	connectors.RegisterKind("dropfolder", func(s map[string]string, _ connectors.Env) (connectors.Connector, error) {
		f := &Folder{Archive: true}
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
		if e.IsDir() || inProgress(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", filepath.Join(f.Path, e.Name()), err)
		}
		if f.Settle > 0 && time.Since(info.ModTime()) < f.Settle {
			continue
		}
		files = append(files, file{e.Name(), info.ModTime()})
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
			Open:        func() (io.ReadCloser, error) { return os.Open(path) },
			Ack:         func(ok bool) error { return f.ack(path, ok) },
		}
		if err := yield(item); err != nil {
			return err
		}
	}
	return nil
}

func (f *Folder) ack(path string, ok bool) error {
	if !f.Archive {
		return nil
	}
	sub := "_archive"
	if !ok {
		sub = "_rejected"
	}
	dir := filepath.Join(f.Path, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("archive %s: %w", path, err)
	}
	dst := filepath.Join(dir, filepath.Base(path))
	if _, err := os.Stat(dst); err == nil {
		// Same name sent again: keep both, the older one stays untouched.
		dst = filepath.Join(dir, time.Now().UTC().Format("20060102T150405.000Z")+"-"+filepath.Base(path))
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("archive %s: %w", path, err)
	}
	return nil
}
