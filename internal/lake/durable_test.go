package lake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNewDirectoriesAreSynced: a file committed into a new partition
// directory is durable only if the new directory's entry is too, in its
// parent and up to the first directory that already existed.
func TestNewDirectoriesAreSynced(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "ds"), 0o755)
	var mu sync.Mutex
	var synced []string
	syncDir = func(dir string) error {
		mu.Lock()
		synced = append(synced, dir)
		mu.Unlock()
		return SyncDir(dir)
	}
	t.Cleanup(func() { syncDir = SyncDir })
	l := Lake{Root: root}
	w := l.NewPartitionedWriter("ds", "month", "id1", []Column{{"x", Int64}})
	if err := w.Write("2023-01", []Value{Int(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{filepath.Join(root, "ds"), filepath.Join(root, "ds", "month=2023-01")} {
		if !slices.Contains(synced, want) {
			t.Errorf("%s was not fsynced (synced: %v)", want, synced)
		}
	}
	// Deeper new trees are synced all the way up to what existed.
	synced = nil
	f, err := Create(filepath.Join(root, "a", "b", "c", "f"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{root, filepath.Join(root, "a"), filepath.Join(root, "a", "b"), filepath.Join(root, "a", "b", "c")} {
		if !slices.Contains(synced, want) {
			t.Errorf("%s was not fsynced (synced: %v)", want, synced)
		}
	}
}

// TestCommittedFilesAreReadable: lake files are readable by the group and
// others (0644), not private to the writer as temp files are made.
func TestCommittedFilesAreReadable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x", "part-1.parquet")
	if err := WriteFileAtomic(p, []byte("x")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("committed file mode %v, want 0644", st.Mode().Perm())
	}
}

// TestLockWaitsThenGivesUp: a second writer of a data set waits for the
// first (bounded), instead of failing at once or waiting forever.
func TestLockWaitsThenGivesUp(t *testing.T) {
	l := Lake{Root: t.TempDir()}
	release, err := l.Lock("sensor_readings")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_, err = l.LockWait(context.Background(), "sensor_readings", 300*time.Millisecond)
	if !errors.Is(err, ErrLocked) || time.Since(t0) < 300*time.Millisecond {
		t.Fatalf("after %s: %v, want ErrLocked after the 300ms wait", time.Since(t0), err)
	}
	if !strings.Contains(err.Error(), "after waiting 300ms") || !strings.Contains(err.Error(), "sensor_readings") {
		t.Errorf("message %q should say what was waited for and how long", err)
	}
	// The holder finishes while the second waits: the second goes on.
	go func() {
		time.Sleep(150 * time.Millisecond)
		release()
	}()
	t0 = time.Now()
	again, err := l.LockWait(context.Background(), "sensor_readings", 5*time.Second)
	if err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
	if d := time.Since(t0); d < 100*time.Millisecond || d > 3*time.Second {
		t.Errorf("got the lock after %s, want soon after the release", d)
	}
	// A cancelled wait ends at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.LockWait(ctx, "sensor_readings", time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	again()
}

// TestLargeFilesStartWritebackAsTheyGo: a large file's bytes are handed to
// the kernel's writeback every writebackChunk bytes, so the fsync at
// commit finds most of them on disk already; the file committed is still
// every byte written.
func TestLargeFilesStartWritebackAsTheyGo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.csv")
	a, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	block := []byte(strings.Repeat("GH-001,rainfall_mm,1.5\n", 1<<15)) // 736 KiB
	var want int64
	for want < 20<<20 {
		n, err := a.Write(block)
		if err != nil {
			t.Fatal(err)
		}
		want += int64(n)
	}
	if a.queued > want || want-a.queued >= writebackChunk {
		t.Errorf("%d of %d bytes handed to writeback: more than one chunk behind, or ahead", a.queued, want)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != want {
		t.Fatalf("committed %v bytes (%v), want %d", st, err, want)
	}
}
