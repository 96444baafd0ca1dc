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

// TestJournalFinishesAnInterruptedRound: under a journal, a round that
// stops between two renames (here a manifest's name is taken by a
// directory) keeps its temp files and journal, and the next writer's
// SweepDataset finishes it, so inputs sharing a file are committed all
// together or not at all; a round that succeeds leaves no journal.
func TestJournalFinishesAnInterruptedRound(t *testing.T) {
	l := Lake{Root: t.TempDir(), Batch: NewBatch()}
	mdir := filepath.Dir(l.ManifestPath("ds", "x"))
	stage := func(sums ...string) {
		t.Helper()
		f, err := l.Create(l.PartPath("ds", "month", "2023-01", "shared"))
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("rows of every input"))
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, sum := range sums {
			if err := l.WriteManifest(&Manifest{Checksum: sum, Dataset: "ds", Shared: true, Files: []string{"ds/month=2023-01/part-shared.parquet"}}); err != nil {
				t.Fatal(err)
			}
		}
		l.Batch.Journal(mdir)
	}
	journals := func() []string {
		j, _ := filepath.Glob(filepath.Join(mdir, journalPrefix+"*"))
		return j
	}
	stage("aaaa", "bbbb")
	if err := l.Batch.Commit(); err != nil {
		t.Fatal(err)
	}
	if j := journals(); len(j) != 0 {
		t.Fatalf("journal left after a round that succeeded: %v", j)
	}
	in, err := l.Committed("ds")
	if err != nil || len(in.Data) != 1 || len(in.Only) != 2 {
		t.Fatalf("committed %+v, %v; want one shared file kept to 2 inputs", in, err)
	}

	blocker := filepath.Join(l.ManifestPath("ds", "dddd"), "x")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	stage("cccc", "dddd")
	if err := l.Batch.Commit(); err == nil {
		t.Fatal("a round whose rename fails reported success")
	}
	if m, _ := l.ReadManifest("ds", "cccc"); m == nil {
		t.Fatal("the manifest renamed before the failure is gone")
	}
	if len(journals()) != 1 {
		t.Fatalf("journals %v, want the interrupted round's", journals())
	}
	os.RemoveAll(filepath.Dir(blocker))
	if _, err := l.SweepDataset("ds"); err != nil {
		t.Fatal(err)
	}
	if m, err := l.ReadManifest("ds", "dddd"); m == nil || err != nil {
		t.Fatalf("the interrupted round's last manifest was not finished: %v", err)
	}
	if len(journals()) != 0 {
		t.Errorf("journal left after recovery: %v", journals())
	}
	if n, _ := Sweep(l.Root); n != 0 {
		t.Errorf("%d temp files left after recovery", n)
	}
}
