package pipelines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
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
	if !strings.HasPrefix(reason, "3 : the row has 4 fields but the header (row 1) has 9") {
		t.Errorf("reason %q", reason)
	}
}

// A header that states another unit of the same kind is converted; one
// that states an unknown unit makes that column's values unusable.
func TestHeaderUnits(t *testing.T) {
	r, job, inbox := newRunner(t)
	os.WriteFile(filepath.Join(inbox, "kg.csv"), []byte(
		"统计月份,填报单位,统一社会信用代码,企业名称,产生量（千克）,综合利用量(万吨)\n"+
			"2023-05,旗工信局,91150627MA0N1A2B3X,某煤矿,42000,0.0021\n"), 0o644)
	os.WriteFile(filepath.Join(inbox, "m3.csv"), []byte(
		"统计月份,填报单位,统一社会信用代码,企业名称,产生量（立方米）,综合利用量（吨）\n"+
			"2023-06,旗工信局,91150627MA0N1A2B3X,某煤矿,42000,21\n"), 0o644)
	os.Chtimes(filepath.Join(inbox, "m3.csv"), time.Now().Add(time.Minute), time.Now().Add(time.Minute))
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 || res.RowsRejected != 1 {
		t.Fatalf("accepted %d rejected %d", res.RowsAccepted, res.RowsRejected)
	}
	got := query[string](t, `SELECT generated_t || ' ' || utilised_t FROM read_parquet(?)`, r.Lake.Glob("zw_industrial_solid_waste"))
	if got != "42.0 21.0" {
		t.Errorf("converted values %q, want 42 t generated and 21 t utilised", got)
	}
	reason := query[string](t, `SELECT reason FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	if reason != "the header gives the unit 立方米; this column must be in 吨" {
		t.Errorf("reason %q", reason)
	}
}

// The unit cell must repeat the catalog's unit, except where the catalog
// prints none (zw-11's "—"): then blank or the dash is what a clerk writes.
func TestIndicatorUnits(t *testing.T) {
	r, job, inbox := newRunner(t)
	job.Dataset, job.Department = "indicator_reports", "旗农牧局"
	os.WriteFile(filepath.Join(inbox, "units.csv"), []byte(
		"统计月份,填报单位,指标编号,本期值,单位\n"+
			"2023-05,旗农牧局,zw-11,12.5,\n"+
			"2023-06,旗农牧局,zw-11,12.1,—\n"+
			"2023-05,旗农牧局,zw-03,80,%\n"+
			"2023-06,旗农牧局,zw-03,81,\n"+
			"2023-07,旗农牧局,zw-03,82,吨\n"), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 3 || res.RowsRejected != 2 {
		t.Fatalf("accepted %d rejected %d, want zw-11 blank and dash and zw-03 in %% accepted", res.RowsAccepted, res.RowsRejected)
	}
	got := query[string](t, `SELECT string_agg(reason, ' | ' ORDER BY reason) FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	if !strings.Contains(got, "the unit is missing") || !strings.Contains(got, `unit "吨" does not match %`) {
		t.Errorf("reasons %q", got)
	}
}

// The validator remembers the verdict on a cell equal to the one above
// it; a second sheet whose header states another unit must not inherit
// the first sheet's conversion of the same text.
func TestRepeatedCellsAcrossSheetsWithOtherUnits(t *testing.T) {
	ds, refs := contracts(t)
	d := ds["zw_industrial_solid_waste"]
	v := NewValidator(d, refs, shanghai, time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC))
	_, gen, _ := d.Column("generated_t")
	sheets := []struct {
		name, unit string
		want       float64
	}{{"一月", "千克", 42}, {"二月", "吨", 42000}, {"三月", "吨", 42000}}
	month := 0
	for _, s := range sheets {
		v.Row(connectors.Row{Sheet: s.name, Number: 1, Cells: strings.Split("统计月份,填报单位,统一社会信用代码,企业名称,产生量（"+s.unit+"）,综合利用量（吨）", ",")})
		for row := 2; row <= 3; row++ {
			month++
			vals, probs := v.Row(connectors.Row{Sheet: s.name, Number: row, Cells: strings.Split(fmt.Sprintf("2023-%02d,旗工信局", month)+",91150627MA0N1A2B3X,某煤矿,42000,21", ",")})
			if len(probs) > 0 {
				t.Fatalf("sheet %s row %d: %+v", s.name, row, probs)
			}
			if vals[gen].F != s.want {
				t.Errorf("sheet %s (%s) row %d: generated %v t, want %v", s.name, s.unit, row, vals[gen].F, s.want)
			}
		}
	}
}

// A department's inbox (or portal account) takes its own rows, under any
// of its names, and rejects a row that names another department: it would
// otherwise replace that department's figures.
func TestInboxTakesOnlyItsDepartmentsRows(t *testing.T) {
	r, job, inbox := newRunner(t) // the inbox of 旗工信局
	os.WriteFile(filepath.Join(inbox, "mixed.csv"), []byte(
		"统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）\n"+
			"2023-05,旗工业和信息化局,91150627MA0N1A2B3X,某煤矿,420,21\n"+
			"2023-05,旗发改委,91150627MA0N1A2C1Q,某电厂,100,50\n"+
			"2023-06,旗工信局,91150627MA0N1A2B3X,某煤矿,400,20\n"), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 2 || res.RowsRejected != 1 {
		t.Fatalf("accepted %d rejected %d, want the two rows of 旗工信局 and the row of 旗发改委 rejected", res.RowsAccepted, res.RowsRejected)
	}
	got := query[string](t, `SELECT "row" || ' ' || "column" || ' ' || value || ': ' || reason || ' / ' || reason_zh FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	want := "3 填报单位 (department) 旗发改委: this row is 旗发展和改革委员会's, but the file came through 旗工业和信息化局's inbox or account; each department sends its own rows / 该行填报单位为“旗发展和改革委员会”，而本文件由“旗工业和信息化局”报送：各单位只能报送本单位的数据"
	if got != want {
		t.Errorf("quarantined\n%q\nwant\n%q", got, want)
	}
	// Without a department of its own, an inbox takes every department's rows.
	r2, job2, inbox2 := newRunner(t)
	job2.Department = ""
	os.WriteFile(filepath.Join(inbox2, "mixed.csv"), []byte(
		"统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）\n"+
			"2023-05,旗工业和信息化局,91150627MA0N1A2B3X,某煤矿,420,21\n"+
			"2023-05,旗发改委,91150627MA0N1A2C1Q,某电厂,100,50\n"), 0o644)
	if res, err := r2.RunJob(context.Background(), job2); err != nil || res.RowsAccepted != 2 {
		t.Fatalf("shared inbox: accepted %d, err %v; want both rows", res.RowsAccepted, err)
	}
}
