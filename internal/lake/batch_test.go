package lake

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBatchCommitsManifestsLast: files staged in a batch are invisible
// until Commit; Commit renames data first and manifests last, syncing each
// directory once; Abort leaves nothing.
func TestBatchCommitsManifestsLast(t *testing.T) {
	l := Lake{Root: t.TempDir(), Batch: NewBatch()}
	var synced []string
	old := syncDir
	syncDir = func(d string) error { synced = append(synced, d); return old(d) }
	defer func() { syncDir = old }()
	for _, sum := range []string{"aaaa", "bbbb"} {
		f, err := l.Create(l.PartPath("ds", "month", "2023-01", sum))
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("data " + sum))
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
		if f.Path() == l.PartPath("ds", "month", "2023-01", sum) {
			t.Errorf("a staged file is readable under its temp name, not its final one")
		}
		if err := l.WriteManifest(&Manifest{Checksum: sum, Dataset: "ds", Files: []string{"ds/month=2023-01/part-" + sum + ".parquet"}}); err != nil {
			t.Fatal(err)
		}
	}
	if ms, _ := l.Manifests("ds"); len(ms) != 0 {
		t.Fatalf("%d manifests visible before the batch commits", len(ms))
	}
	if _, err := os.Stat(l.PartPath("ds", "month", "2023-01", "aaaa")); err == nil {
		t.Fatal("a data file is visible before the batch commits")
	}
	synced = nil
	if err := l.Batch.Commit(); err != nil {
		t.Fatal(err)
	}
	in, err := l.Committed("ds")
	if err != nil || len(in.Data) != 2 {
		t.Fatalf("committed %v, %v; want 2 files", in.Data, err)
	}
	// One sync per directory: the partition, then the manifests.
	want := []string{filepath.Join(l.Root, "ds", "month=2023-01"), filepath.Join(l.Root, "_manifest", "ds")}
	if len(synced) != 2 || synced[0] != want[0] || synced[1] != want[1] {
		t.Errorf("directories synced %v, want %v", synced, want)
	}
	// Abort leaves no trace.
	f, _ := l.Create(l.PartPath("ds", "month", "2023-02", "cccc"))
	f.Commit()
	l.Batch.Abort()
	if n, _ := Sweep(l.Root); n != 0 {
		t.Errorf("%d temp files left after Abort", n)
	}
}
