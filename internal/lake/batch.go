package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

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
	// journal, when set, is the directory of the next round's journal.
	journal string
}

// Journal makes the next Commit all or nothing, crash included: once every
// file is durable, the round's renames are written to a journal in dir (a
// data set's manifest directory) before any is made, and the journal is
// removed after the last. A crash in between leaves the journal, and the
// next writer of the data set finishes the renames (SweepDataset) before
// anything else. Inputs that share a data file need it: without it, a crash
// between two manifests' renames would commit a shared file holding rows of
// an input whose manifest never came, and that input would be ingested
// again into another file.
func (b *Batch) Journal(dir string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.journal = dir
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
	files, last, journal := b.files, b.last, b.journal
	b.files, b.last, b.journal = nil, nil, ""
	b.mu.Unlock()
	all := append(append([]*AtomicFile(nil), files...), last...)
	if err := syncFiles(all); err != nil {
		abortAll(all)
		return err
	}
	if journal != "" && len(all) > 0 {
		j, err := writeJournal(journal, all)
		if err != nil {
			abortAll(all)
			return err
		}
		// From here the round is committed: a failed rename leaves its
		// temp file and the journal, and the next writer finishes it.
		for _, group := range [][]*AtomicFile{files, last} {
			if err := renameGroup(group, false); err != nil {
				return err
			}
		}
		if err := os.Remove(j); err != nil {
			return fmt.Errorf("remove journal: %w", err)
		}
		return nil
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

// journalPrefix names a commit round's journal in a manifest directory;
// Sweep leaves it (it is not a temp file) and Manifests never reads it.
const journalPrefix = ".journal-"

// journalEntry is one rename of a journal: paths relative to its directory.
type journalEntry struct {
	Tmp   string `json:"tmp"`
	Final string `json:"final"`
}

// writeJournal makes the renames of fs durable as a journal in dir and
// returns its path.
func writeJournal(dir string, fs []*AtomicFile) (string, error) {
	entries := make([]journalEntry, len(fs))
	for i, a := range fs {
		tmp, err1 := filepath.Rel(dir, a.tmp)
		final, err2 := filepath.Rel(dir, a.final)
		if err := errors.Join(err1, err2); err != nil {
			return "", fmt.Errorf("journal: %w", err)
		}
		entries[i] = journalEntry{tmp, final}
	}
	b, err := json.Marshal(entries)
	if err != nil {
		return "", err
	}
	// Rounds of a data set follow each other under its lock; a journal
	// left by a crash is finished before the next round starts.
	f, err := Create(filepath.Join(dir, journalPrefix+strconv.FormatInt(time.Now().UnixNano(), 36)))
	if err != nil {
		return "", err
	}
	if err := writeFile(f, "", b); err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	return f.final, nil
}

// Recover finishes the commit rounds a crash interrupted in dir (a
// manifest directory): each journal's renames whose temp file is still
// there are made, the directories synced, and the journal removed. It
// reports how many rounds it finished.
func Recover(dir string) (int, error) {
	journals, err := filepath.Glob(filepath.Join(dir, journalPrefix+"*"))
	if err != nil {
		return 0, err
	}
	sort.Strings(journals)
	for _, j := range journals {
		b, err := os.ReadFile(j)
		if err != nil {
			return 0, fmt.Errorf("recover %s: %w", j, err)
		}
		var entries []journalEntry
		if err := json.Unmarshal(b, &entries); err != nil {
			return 0, fmt.Errorf("recover %s: %w", j, err)
		}
		fs := make([]*AtomicFile, 0, len(entries))
		for _, e := range entries {
			tmp := filepath.Join(dir, e.Tmp)
			if _, err := os.Stat(tmp); err == nil {
				fs = append(fs, &AtomicFile{tmp: tmp, final: filepath.Join(dir, e.Final)})
			}
		}
		// In the journal's order: data files first, manifests last.
		if err := renameGroup(fs, false); err != nil {
			return 0, fmt.Errorf("recover %s: %w", j, err)
		}
		if err := os.Remove(j); err != nil {
			return 0, fmt.Errorf("recover %s: %w", j, err)
		}
		if err := syncDir(dir); err != nil {
			return 0, err
		}
	}
	return len(journals), nil
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
// they went into once. A failed rename removes the files not renamed yet.
func renameAll(fs []*AtomicFile) error { return renameGroup(fs, true) }

// renameGroup is renameAll; under a journal (abort false) a failed rename
// leaves the files not renamed yet for the journal's recovery.
func renameGroup(fs []*AtomicFile, abort bool) error {
	dirs := map[string]bool{}
	for i, a := range fs {
		faults.Point("lake.before-rename")
		if err := os.Rename(a.tmp, a.final); err != nil {
			if abort {
				abortAll(fs[i:])
			}
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
