package dropfolder

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

// TestOnlyRegularFilesAreRead: symlinks (dangling or not), FIFOs and
// folders are passed over with a warning each and never stop the rest;
// a FIFO never makes the pull wait.
func TestOnlyRegularFilesAreRead(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(outside, []byte("not for the lake"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(dir, "z.csv"), []byte("z"), 0o644)
	os.Symlink(filepath.Join(dir, "nowhere.csv"), filepath.Join(dir, "dangling.csv"))
	os.Symlink(outside, filepath.Join(dir, "link.csv"))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "folder.csv"), 0o755)
	os.Mkdir(filepath.Join(dir, "_archive"), 0o755)

	var logs bytes.Buffer
	f := &Folder{Path: dir, Archive: true, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var seen []string
	err := f.Pull(ctx, func(it connectors.Item) error {
		rc, err := it.Open()
		if err != nil {
			return err
		}
		rc.Close()
		seen = append(seen, it.Name)
		return it.Ack(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, " "); got != "a.csv z.csv" {
		t.Errorf("read %q, want only the regular files a.csv z.csv", got)
	}
	for _, want := range []string{"dangling.csv type=symlink", "link.csv type=symlink", "pipe.csv type=fifo", "folder.csv type=folder"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no warning for %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "_archive") {
		t.Errorf("the drop folder's own _archive is warned about:\n%s", logs.String())
	}
	// An entry replaced by a FIFO or a symlink after the listing is refused
	// at open, at once.
	p := filepath.Join(dir, "late.csv")
	os.WriteFile(p, []byte("x"), 0o644)
	var open func() error
	f.Pull(ctx, func(it connectors.Item) error {
		open = func() error { _, err := it.Open(); return err }
		return nil
	})
	os.Remove(p)
	syscall.Mkfifo(p, 0o644)
	t0 := time.Now()
	if err := open(); err == nil || time.Since(t0) > time.Second {
		t.Errorf("opening a FIFO: %v after %s", err, time.Since(t0))
	}
	os.Remove(p)
	os.Symlink(outside, p)
	if err := open(); err == nil {
		t.Error("a symlink swapped in after the listing was followed")
	}
}

// TestSameBytesAgainDoNotGrowTheArchive: a file sent again byte for byte
// (every demo rerun) leaves the archive as it was; the same name with
// other content is kept beside the first.
func TestSameBytesAgainDoNotGrowTheArchive(t *testing.T) {
	dir := t.TempDir()
	f := &Folder{Path: dir, Archive: true}
	pull := func() {
		if err := f.Pull(context.Background(), func(it connectors.Item) error { return it.Ack(true) }); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(dir, "m.csv"), []byte("same bytes"), 0o644)
		pull()
	}
	arch, _ := os.ReadDir(filepath.Join(dir, "_archive"))
	if len(arch) != 1 {
		t.Errorf("archive holds %d files after the same file three times, want 1", len(arch))
	}
	if _, err := os.Stat(filepath.Join(dir, "m.csv")); !os.IsNotExist(err) {
		t.Errorf("the resent copy is still in the inbox: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "m.csv"), []byte("corrected"), 0o644)
	pull()
	if arch, _ := os.ReadDir(filepath.Join(dir, "_archive")); len(arch) != 2 {
		t.Errorf("archive holds %d files after a corrected file of the same name, want 2", len(arch))
	}
	// A file rejected whole and sent again unchanged: it was read again
	// (the lake knows it) but is kept once, in _rejected.
	os.WriteFile(filepath.Join(dir, "bad.xlsx"), []byte("not a workbook"), 0o644)
	f.Pull(context.Background(), func(it connectors.Item) error { return it.Ack(false) })
	os.WriteFile(filepath.Join(dir, "bad.xlsx"), []byte("not a workbook"), 0o644)
	f.Pull(context.Background(), func(it connectors.Item) error { return it.Ack(true) }) // a duplicate is acknowledged ok
	rej, _ := os.ReadDir(filepath.Join(dir, "_rejected"))
	arch, _ = os.ReadDir(filepath.Join(dir, "_archive"))
	if len(rej) != 1 || len(arch) != 2 {
		t.Errorf("a rejected file sent again: %d in _rejected, %d in _archive; want 1 and still 2", len(rej), len(arch))
	}
}
