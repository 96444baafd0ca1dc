// Package upload is the connector for a file a department hands in through
// the web portal of `waymark serve`: one staged file is one item. It exists
// so that an upload goes through exactly the same runner as a file dropped
// into the inbox (same contract, raw landing, lineage, quarantine,
// idempotence); only where the bytes come from differs.
package upload

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

func init() {
	connectors.RegisterKind("upload", func(s map[string]string, _ connectors.Env) (connectors.Connector, error) {
		u := &File{}
		if err := connectors.Decode("upload", s, u); err != nil {
			return nil, err
		}
		if u.Name == "" {
			u.Name = filepath.Base(u.Path)
		}
		if strings.ContainsAny(u.Name, `/\`) || u.Name == "." || u.Name == ".." {
			return nil, fmt.Errorf("upload: name %q must be a bare file name", u.Name)
		}
		if u.SubmittedAt != "" {
			t, err := time.Parse(time.RFC3339Nano, u.SubmittedAt)
			if err != nil {
				return nil, fmt.Errorf("upload: setting submitted_at %q: want RFC 3339", u.SubmittedAt)
			}
			u.at = t
		}
		return u, nil
	})
}

// File is one staged upload. Its fields are the settings the portal gives.
type File struct {
	// Path is where the portal staged the bytes (a name it chose itself,
	// never one taken from the request).
	Path string `setting:"path,required"`
	// Name is the file name the sender gave, kept as the item's name for
	// lineage and feedback; it chooses the decoder by its extension.
	Name string `setting:"name"`
	// Source labels the item's origin in the lake, e.g. "portal:旗工信局".
	Source string `setting:"source"`
	// SubmittedAt is when the upload arrived (RFC 3339); default: the
	// staged file's modification time.
	SubmittedAt string `setting:"submitted_at"`

	at time.Time
}

// Close releases nothing: the portal owns the staged file.
func (f *File) Close() error { return nil }

// Pull yields the one staged file.
func (f *File) Pull(ctx context.Context, yield func(connectors.Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	at := f.at
	if at.IsZero() {
		info, err := os.Stat(f.Path)
		if err != nil {
			return fmt.Errorf("upload %s: %w", f.Name, err)
		}
		at = info.ModTime()
	}
	src := f.Source
	if src == "" {
		src = "upload"
	}
	path := f.Path
	return yield(connectors.Item{
		Source:      src,
		Name:        f.Name,
		Format:      FormatOf(f.Name),
		SubmittedAt: at.UTC(),
		Open:        func() (io.ReadCloser, error) { return os.Open(path) },
	})
}

// FormatOf maps a file name's extension to a decoder name, as the drop
// folder does; "" for a type no decoder reads (the runner then rejects the
// file with a reason).
func FormatOf(name string) string {
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
