package pipelines

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOversizedFileIsQuarantinedWhole(t *testing.T) {
	r, job, inbox := newRunner(t)
	r.Limits.MaxBytes = 300
	copyFile(t, filepath.Join("testdata", "solid_waste_utf8.csv"), filepath.Join(inbox, "big.csv"))
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemsRejected != 1 || res.RowsAccepted != 0 {
		t.Fatalf("%+v", res)
	}
	reason := query[string](t, `SELECT reason || ' / ' || reason_zh FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	if !strings.Contains(reason, "larger than the 300-byte limit") || !strings.Contains(reason, "拆分") {
		t.Errorf("reason %q", reason)
	}
	// Nothing is lost: the bytes are in the raw area, even over the limit.
	raws, _ := filepath.Glob(filepath.Join(r.Lake.Root, "_raw", "*", "*.csv"))
	orig, _ := os.Stat(filepath.Join("testdata", "solid_waste_utf8.csv"))
	if len(raws) != 1 {
		t.Fatalf("raw files %v", raws)
	}
	if st, _ := os.Stat(raws[0]); st.Size() != orig.Size() {
		t.Errorf("raw copy has %d bytes, the file sent %d: every byte must land", st.Size(), orig.Size())
	}
}

func TestCSVCutShortIsReported(t *testing.T) {
	r, job, inbox := newRunner(t)
	b, _ := os.ReadFile(filepath.Join("testdata", "solid_waste_utf8.csv"))
	cut := string(b[:strings.Index(string(b), "某洗煤厂")+4])
	os.WriteFile(filepath.Join(inbox, "cut.csv"), []byte(cut), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 || res.RowsRejected != 1 {
		t.Fatalf("accepted %d rejected %d, want the whole first row and the cut second one rejected", res.RowsAccepted, res.RowsRejected)
	}
	reason := query[string](t, `SELECT "row" || ' ' || "column" || ': ' || reason FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	if !strings.HasPrefix(reason, "3 产生量 (generated_t): a value is required here") {
		t.Errorf("reason %q", reason)
	}
}
