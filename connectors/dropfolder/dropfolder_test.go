package dropfolder

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

func TestOrderFormatsAndArchive(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	files := map[string]time.Duration{"b_更正.xlsx": 2 * time.Hour, "a.xlsx": time.Hour, "c.csv": 3 * time.Hour, "d.docx": 4 * time.Hour, "~$a.xlsx": 0, ".hidden": 0, "e.csv.part": 0}
	for name, off := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(name), 0o644)
		os.Chtimes(p, base.Add(off), base.Add(off))
	}
	f := &Folder{Path: dir, Archive: true}
	var seen []string
	err := f.Pull(context.Background(), func(it connectors.Item) error {
		seen = append(seen, it.Name+":"+it.Format)
		return it.Ack(it.Format != "")
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a.xlsx:xlsx b_更正.xlsx:xlsx c.csv:csv d.docx:"
	if got := join(seen); got != want {
		t.Errorf("order %q, want %q (oldest first; lock and hidden files skipped)", got, want)
	}
	for _, p := range []string{"_archive/a.xlsx", "_archive/c.csv", "_rejected/d.docx", "~$a.xlsx", "e.csv.part"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// The same name sent again is archived beside the first, not over it.
	os.WriteFile(filepath.Join(dir, "a.xlsx"), []byte("again"), 0o644)
	f.Pull(context.Background(), func(it connectors.Item) error { return it.Ack(true) })
	arch, _ := os.ReadDir(filepath.Join(dir, "_archive"))
	if len(arch) != 4 {
		t.Errorf("archive holds %d files, want 4", len(arch))
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestSettleWaitsForFilesBeingWritten(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "old.csv"), []byte("x"), 0o644)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(filepath.Join(dir, "old.csv"), old, old)
	os.WriteFile(filepath.Join(dir, "fresh.csv"), []byte("x"), 0o644)
	c, err := connectors.New("dropfolder", map[string]string{"path": dir, "settle": "10s", "archive": "false"}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	c.Pull(context.Background(), func(it connectors.Item) error { seen = append(seen, it.Name); return nil })
	if join(seen) != "old.csv" {
		t.Errorf("seen %v, want only the settled file", seen)
	}
}
