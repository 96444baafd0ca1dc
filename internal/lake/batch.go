package lake

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/waymark-data/waymark/internal/faults"
)

// Batch gathers the atomic files of many inputs and makes them durable and
// visible in one commit round, instead of one fsync round per file: a run
// of 800 small logger dumps paid about six fsyncs per input, which capped
// the rate whatever the rows cost.
//
// The guarantees stay those of AtomicFile, per input:
//   - a file becomes visible only whole (temp name, then rename);
//   - an input is in the lake only once its manifest is (readers list files
//     through manifests, see Committed), and a manifest is renamed only after
//     every data, raw and quarantine file of the batch is durable and in
//     place, so no crash leaves a manifest pointing at a missing file;
//   - a crash before Commit leaves temp files (Sweep removes them) and no
//     manifest, so the inputs are ingested again by the next run, exactly
//     as if the run had not happened; their sources were not acknowledged.
//
// A Lake with a Batch (see Lake.Create) stages its commits here; the
// writer calls Commit at the end of a batch of inputs. Safe for concurrent
// use by the workers of one run.
type Batch struct {
	mu    sync.Mutex
	files []*AtomicFile // data, raw and quarantine files
	last  []*AtomicFile // manifests: renamed once the rest is durable
}

// NewBatch starts an empty batch.
func NewBatch() *Batch { return &Batch{} }

// Len is the number of files staged.
func (b *Batch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.files) + len(b.last)
}

func (b *Batch) stage(a *AtomicFile) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if a.last {
		b.last = append(b.last, a)
	} else {
		b.files = append(b.files, a)
	}
}

// syncParallel is how many fsyncs of a batch are in flight at once: the
// file system's journal then commits them together.
const syncParallel = 16

// Commit makes every staged file durable, renames the data files into
// place and makes their directories durable, then does the same for the
// manifests. On error the files not yet renamed are removed; the inputs
// whose manifests were not renamed are simply not in the lake.
func (b *Batch) Commit() error {
	b.mu.Lock()
	files, last := b.files, b.last
	b.files, b.last = nil, nil
	b.mu.Unlock()
	all := append(append([]*AtomicFile(nil), files...), last...)
	if err := syncFiles(all); err != nil {
		abortAll(all)
		return err
	}
	for i, group := range [][]*AtomicFile{files, last} {
		if err := renameAll(group); err != nil {
			if i == 0 {
				abortAll(last)
			}
			return err
		}
	}
	return nil
}

// Abort removes every staged file.
func (b *Batch) Abort() {
	b.mu.Lock()
	files, last := b.files, b.last
	b.files, b.last = nil, nil
	b.mu.Unlock()
	abortAll(files)
	abortAll(last)
}

func abortAll(fs []*AtomicFile) {
	for _, a := range fs {
		os.Remove(a.tmp)
	}
}

// syncFiles fsyncs the staged temp files, several at a time.
func syncFiles(fs []*AtomicFile) error {
	sem := make(chan struct{}, syncParallel)
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, a := range fs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := os.Open(a.tmp)
			if err == nil {
				err = f.Sync()
				f.Close()
			}
			if err != nil {
				errs[i] = fmt.Errorf("sync %s: %w", a.final, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// renameAll renames files into place in order, then fsyncs each directory
// they went into once.
func renameAll(fs []*AtomicFile) error {
	dirs := map[string]bool{}
	for i, a := range fs {
		faults.Point("lake.before-rename")
		if err := os.Rename(a.tmp, a.final); err != nil {
			abortAll(fs[i:])
			return fmt.Errorf("rename into %s: %w", a.final, err)
		}
		dirs[filepath.Dir(a.final)] = true
	}
	names := make([]string, 0, len(dirs))
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}
