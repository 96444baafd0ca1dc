package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Lake is the on-disk layout; it is a contract with every external reader:
//
//	_raw/<dataset>/<sha256><ext>                 bytes as received, immutable
//	<dataset>/<partition>=<value>/part-<id>.parquet   valid rows (zstd); id is
//	                                             an input's (sha256[:16]) or, for
//	                                             the small inputs of a commit round
//	                                             sharing a file, <run>-<round>-<lane>
//	_quarantine/<dataset>/part-<id>.parquet      rejected rows with reasons
//	_manifest/<dataset>/<sha256>.json            what became of each input
//	_manifest/<dataset>/.journal-<n>             a commit round's renames, while
//	                                             they are made (see Batch.Journal)
//	_runs/date=<yyyy-mm-dd>/run-<run id>.parquet one ledger row per job run
//	_state/<job>.json                            a job's state between runs
//	_locks/<dataset>.lock                        one ingest per data set
type Lake struct {
	Root string
	// Batch, when set, stages the commits of inputs for one commit round
	// (see Batch); nil commits each file at once.
	Batch *Batch
}

// RawPath is where the bytes of an input with this checksum are kept.
func (l Lake) RawPath(dataset, sum, ext string) string {
	return filepath.Join(l.Root, "_raw", dataset, sum+ext)
}

// DataDir is the directory holding a data set's partitions.
func (l Lake) DataDir(dataset string) string { return filepath.Join(l.Root, dataset) }

// PartPath is a data file inside a partition.
func (l Lake) PartPath(dataset, key, value, id string) string {
	if key == "" {
		return filepath.Join(l.Root, dataset, "part-"+id+".parquet")
	}
	return filepath.Join(l.Root, dataset, key+"="+value, "part-"+id+".parquet")
}

// QuarantinePath holds the rejected rows of one input.
func (l Lake) QuarantinePath(dataset, id string) string {
	return filepath.Join(l.Root, "_quarantine", dataset, "part-"+id+".parquet")
}

// QuarantineDir holds every data set's rejected rows.
func (l Lake) QuarantineDir() string { return filepath.Join(l.Root, "_quarantine") }

// ManifestPath records the outcome of one input.
func (l Lake) ManifestPath(dataset, sum string) string {
	return filepath.Join(l.Root, "_manifest", dataset, sum+".json")
}

// IncomingPath is the temporary name an input's bytes are written under while they are being
// checksummed, before they take their content-addressed name.
func (l Lake) IncomingPath(dataset string) string {
	return filepath.Join(l.Root, "_raw", dataset, "incoming")
}

// StatePath is a job's own state between runs (an HTTP source's ETag and
// Last-Modified validators), kept beside the lake it feeds.
func (l Lake) StatePath(job string) string {
	return filepath.Join(l.Root, "_state", job+".json")
}

// ReadState returns a job's saved state, or nothing when it has none.
func (l Lake) ReadState(job string) ([]byte, error) {
	b, err := os.ReadFile(l.StatePath(job))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// WriteState replaces a job's state atomically.
func (l Lake) WriteState(job string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(l.StatePath(job)), 0o755); err != nil {
		return err
	}
	return WriteFileAtomic(l.StatePath(job), b)
}

// RunPath is the ledger file of one run.
func (l Lake) RunPath(date, runID string) string {
	return filepath.Join(l.Root, "_runs", "date="+date, "run-"+runID+".parquet")
}

// Lock takes the data set's writer lock without waiting (see LockWait).
func (l Lake) Lock(dataset string) (func(), error) {
	return l.LockWait(context.Background(), dataset, 0)
}

// ErrLocked is returned (wrapped) when another writer still holds a data
// set's lock after the wait.
var ErrLocked = errors.New("another ingest is running")

// LockWait takes the data set's writer lock: one ingest of a data set at a
// time, across processes (a scheduled run and a manual one, or the three
// sensor jobs that all feed sensor_readings). The kernel releases it if the
// process dies. When another writer holds it, LockWait waits for it up to
// wait (or until ctx ends) and then gives up with an error saying so, so
// that jobs of one data set queue behind each other instead of failing at
// once, and none waits forever. It returns the release function.
func (l Lake) LockWait(ctx context.Context, dataset string, wait time.Duration) (func(), error) {
	dir := filepath.Join(l.Root, "_locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, dataset+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	poll := 20 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			if wait <= 0 {
				return nil, fmt.Errorf("%w: %s is being written by another ingest (lock %s)", ErrLocked, dataset, f.Name())
			}
			return nil, fmt.Errorf("%w: %s was still being written by another ingest after waiting %s (lock %s); the next run will try again",
				ErrLocked, dataset, wait, f.Name())
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		poll = min(2*poll, 500*time.Millisecond)
	}
}

// SweepDataset finishes the commit rounds a crashed writer of this data
// set had committed (see Batch.Journal), then removes the temp files it
// left behind. Call it holding the data set's lock: other data sets'
// writers may be mid-write elsewhere in the lake.
func (l Lake) SweepDataset(dataset string) (int, error) {
	if _, err := Recover(filepath.Dir(l.ManifestPath(dataset, "x"))); err != nil {
		return 0, err
	}
	n := 0
	for _, dir := range []string{l.DataDir(dataset), filepath.Join(l.Root, "_raw", dataset),
		filepath.Join(l.Root, "_quarantine", dataset), filepath.Join(l.Root, "_manifest", dataset)} {
		k, err := Sweep(dir)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Glob is the pattern matching every data file of a data set.
func (l Lake) Glob(dataset string) string {
	return filepath.Join(l.Root, dataset, "**", "*.parquet")
}

// Inputs is what a reader loads of a set of finished inputs: their data
// files, each once, their quarantine files and, when a data file holds
// the rows of several inputs (see Manifest.Shared), the checksums whose
// rows are theirs.
type Inputs struct {
	Data       []string
	Quarantine []string
	// Only, when not nil, lists the checksums of the inputs: a reader keeps
	// only the rows whose _checksum is one of them. A shared file may hold
	// rows of an input whose manifest the reader does not see (a batch
	// whose manifests are being renamed, or one a build has not recorded).
	Only []string
}

// Committed lists the files of a data set that belong to finished inputs:
// data files and the quarantine files of inputs with rejected rows. An input
// is in the lake once its manifest exists (the manifest is written last),
// so a reader beside an ingest never sees half an input. This is the one
// definition of what is in the lake; every reader lists files through it
// (or through Of for some of the inputs).
func (l Lake) Committed(dataset string) (Inputs, error) {
	ms, err := l.Manifests(dataset)
	if err != nil {
		return Inputs{}, err
	}
	return l.Of(dataset, ms), nil
}

// Of lists the files of the finished inputs ms, as Committed does for all
// of them.
func (l Lake) Of(dataset string, ms []*Manifest) Inputs {
	var in Inputs
	seen := map[string]bool{}
	shared := false
	for _, m := range ms {
		for _, f := range m.Files {
			if p := filepath.Join(l.Root, f); !seen[p] {
				seen[p] = true
				in.Data = append(in.Data, p)
			}
		}
		shared = shared || m.Shared
		if m.Problems > 0 || m.Rejected > 0 {
			q := l.QuarantinePath(dataset, m.Checksum[:min(16, len(m.Checksum))])
			if _, err := os.Stat(q); err == nil {
				in.Quarantine = append(in.Quarantine, q)
			}
		}
	}
	sort.Strings(in.Data)
	if shared {
		in.Only = make([]string, len(ms))
		for i, m := range ms {
			in.Only[i] = m.Checksum
		}
		sort.Strings(in.Only)
	}
	return in
}

// Manifests returns the manifest of every finished input of a data set,
// in checksum order.
func (l Lake) Manifests(dataset string) ([]*Manifest, error) {
	paths, err := filepath.Glob(filepath.Join(l.Root, "_manifest", dataset, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*Manifest
	for _, p := range paths {
		m, err := l.ReadManifest(dataset, strings.TrimSuffix(filepath.Base(p), ".json"))
		if err != nil {
			return nil, err
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// RunFiles lists the run ledger's files; each is one run, written whole.
func (l Lake) RunFiles() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(l.Root, "_runs", "*", "*.parquet"))
	sort.Strings(files)
	return files, err
}

// Manifest is what became of one input file or message batch. Its
// presence means the input is fully in the lake: it is written last.
type Manifest struct {
	Checksum    string   `json:"checksum"`
	Dataset     string   `json:"dataset"`
	Source      string   `json:"source"`
	Name        string   `json:"name"`
	Raw         string   `json:"raw"`
	Bytes       int64    `json:"bytes"`
	RunID       string   `json:"run_id"`
	SubmittedAt string   `json:"submitted_at"`
	IngestedAt  string   `json:"ingested_at"`
	RowsRead    int64    `json:"rows_read"`
	Accepted    int64    `json:"rows_accepted"`
	Rejected    int64    `json:"rows_rejected"`
	Problems    int64    `json:"problems"`
	Files       []string `json:"files"`
	// Shared says the input's data files also hold other inputs' rows:
	// the small inputs of one commit round share a file per partition
	// (a lake of a thousand logger dumps is then tens of files, not a
	// thousand). Its rows are those whose _checksum is Checksum.
	Shared bool   `json:"shared,omitempty"`
	Status string `json:"status"`
}

// ReadManifest returns the manifest for sum, or nil if the input is new.
func (l Lake) ReadManifest(dataset, sum string) (*Manifest, error) {
	b, err := os.ReadFile(l.ManifestPath(dataset, sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", l.ManifestPath(dataset, sum), err)
	}
	return &m, nil
}

// WriteManifest commits m atomically.
func (l Lake) WriteManifest(m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := l.Create(l.ManifestPath(m.Dataset, m.Checksum))
	if err != nil {
		return err
	}
	f.last = true
	return writeFile(f, "", append(b, '\n'))
}

// PartitionedWriter spreads rows over Hive partitions, one Parquet file per
// partition, all named after the same input id so that writing the same
// input again replaces rather than duplicates.
type PartitionedWriter struct {
	lake    Lake
	dataset string
	key     string
	id      string
	cols    []Column
	open    map[string]*partFile
}

type partFile struct {
	f *AtomicFile
	w *RowWriter
}

// NewPartitionedWriter writes rows of dataset partitioned by key.
func (l Lake) NewPartitionedWriter(dataset, key, id string, cols []Column) *PartitionedWriter {
	return &PartitionedWriter{lake: l, dataset: dataset, key: key, id: id, cols: cols, open: map[string]*partFile{}}
}

// Write appends a row to the partition value.
func (p *PartitionedWriter) Write(value string, row []Value) error {
	pf, ok := p.open[value]
	if !ok {
		f, err := p.lake.Create(p.lake.PartPath(p.dataset, p.key, value, p.id))
		if err != nil {
			return err
		}
		pf = &partFile{f: f, w: NewRowWriter(f, p.dataset, p.cols)}
		p.open[value] = pf
	}
	return pf.w.WriteValues(row)
}

// Commit finishes every partition file and makes each visible. It returns
// the paths committed.
func (p *PartitionedWriter) Commit() ([]string, error) {
	values := make([]string, 0, len(p.open))
	for v := range p.open {
		values = append(values, v)
	}
	sort.Strings(values)
	var paths []string
	for _, v := range values {
		pf := p.open[v]
		if err := pf.w.Close(); err != nil {
			p.Abort()
			return nil, fmt.Errorf("finish %s: %w", pf.f.final, err)
		}
		pf.w.Release()
		if err := pf.f.Commit(); err != nil {
			p.Abort()
			return nil, err
		}
		paths = append(paths, pf.f.final)
	}
	p.open = map[string]*partFile{}
	return paths, nil
}

// Abort drops every uncommitted partition file.
func (p *PartitionedWriter) Abort() {
	for _, pf := range p.open {
		pf.f.Abort()
	}
	p.open = map[string]*partFile{}
}
