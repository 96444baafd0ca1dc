package pipelines

import (
	"context"
	"fmt"
	"github.com/waymark-data/waymark"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/connectors"
	_ "github.com/waymark-data/waymark/connectors/csvfile"
	_ "github.com/waymark-data/waymark/connectors/dropfolder"
	_ "github.com/waymark-data/waymark/connectors/jsonfile"
	_ "github.com/waymark-data/waymark/connectors/xlsx"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// newRunner returns a runner over a fresh lake and the job reading inbox.
func newRunner(t testing.TB) (*Runner, Job, string) {
	t.Helper()
	ds, refs := contracts(t)
	return runnerIn(t.TempDir(), ds, refs)
}

// runnerIn is newRunner's runner and job under root.
func runnerIn(root string, ds map[string]*Dataset, refs Refs) (*Runner, Job, string) {
	inbox := filepath.Join(root, "inbox")
	os.MkdirAll(inbox, 0o755)
	r := &Runner{
		Lake: lake.Lake{Root: filepath.Join(root, "lake")}, Datasets: ds, Refs: refs, Loc: shanghai,
		Limits:      connectors.Limits{MaxBytes: 1 << 20, MaxUnzippedBytes: 16 << 20, MaxRows: 10000},
		Now:         func() time.Time { return time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC) },
		FeedbackDir: filepath.Join(root, "feedback"),
	}
	job := Job{Name: "t", Dataset: "zw_industrial_solid_waste", Connector: "dropfolder", Department: "旗工信局",
		Settings: map[string]string{"path": inbox}}
	return r, job, inbox
}

// contracts loads the project's data-set contracts and reference data.
func contracts(t testing.TB) (map[string]*Dataset, Refs) {
	t.Helper()
	ds, err := LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	refs, err := LoadRefs(waymark.Seeds(""), ds)
	if err != nil {
		t.Fatal(err)
	}
	return ds, refs
}

// query runs a one-value query over the lake.
func query[T any](t *testing.T, q string, args ...any) T {
	t.Helper()
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCSVEncodings(t *testing.T) {
	for _, name := range []string{"solid_waste_utf8.csv", "solid_waste_utf8_bom.csv", "solid_waste_gb18030.csv"} {
		t.Run(name, func(t *testing.T) {
			r, job, inbox := newRunner(t)
			copyFile(t, filepath.Join("testdata", name), filepath.Join(inbox, name))
			res, err := r.RunJob(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsAccepted != 2 || res.RowsRejected != 1 {
				t.Fatalf("accepted %d rejected %d, want 2 and 1", res.RowsAccepted, res.RowsRejected)
			}
			glob := r.Lake.Glob("zw_industrial_solid_waste")
			got := query[string](t, `SELECT string_agg(enterprise_name || ':' || generated_t || ':' || coalesce(utilised_t::VARCHAR, 'null') || ':' || coalesce(disposed_t::VARCHAR, 'null'), ' ' ORDER BY enterprise_code) FROM read_parquet(?)`, glob)
			if got != "某煤矿:42000.5:21000.0:null 某电厂:28800.0:18000.0:null" {
				t.Errorf("rows %q", got)
			}
			reason := query[string](t, `SELECT "column" || ' ' || value || ': ' || reason FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
			if reason != "综合利用量 (utilised_t) 85%: expected a number in 吨, got a percentage" {
				t.Errorf("quarantine reason %q", reason)
			}
		})
	}
}

// writeWorkbook writes an .xlsx the way an office clerk fills one in:
// a merged title, a unit line, text-typed numbers, an Excel date serial,
// a notes row, and an extra sheet of instructions.
func writeWorkbook(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "说明")
	f.SetCellValue("说明", "A1", "请在“数据”表中填报，金额单位为吨。")
	f.NewSheet("数据")
	f.SetCellValue("数据", "A1", "一般工业固体废物产生及综合利用情况月报")
	f.MergeCell("数据", "A1", "I1")
	f.SetCellValue("数据", "A2", "计量单位：吨")
	f.SetSheetRow("数据", "A3", &[]any{"统计\n月份", "填报单位", "统一社会信用代码", "企业名称", "产生量(吨)", "综合利用量（吨）", "处置量", "贮存量", "备注"})
	for i, r := range rows {
		f.SetSheetRow("数据", fmt.Sprintf("A%d", i+4), &r)
	}
	f.SetCellValue("数据", fmt.Sprintf("A%d", len(rows)+5), "填表人：张三")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func TestXLSXQuirksAndIdempotence(t *testing.T) {
	r, job, inbox := newRunner(t)
	p := filepath.Join(inbox, "may.xlsx")
	writeWorkbook(t, p, [][]any{
		{45047, "旗工信局", "91150627MA0N1A2B3X", "甲", "1,000", "５００", "—", "", ""}, // Excel serial for 2023-05-01, text numbers
		{"2023年5月", "旗工信局", "91150627MA0N2B3C4N", "乙", 200.5, 100, 0, 0, ""},
		{"2023-05", "旗工信局", "91150627MA0N2B3C4N", "乙", 200.5, 100, 0, 0, "重复"},
		{"2023-05", "旗工信局", "91150627MA0N3C4D5F", "丙", -1, 0, 0, 0, ""},
		{"2099-05", "旗工信局", "91150627MA0N4D5E68", "丁", 1, 0, 0, 0, ""},
		{"2023-05", "旗工信局", "", "戊", 1, 0, 0, 0, ""},
	})
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 2 || res.RowsRejected != 4 {
		t.Fatalf("accepted %d rejected %d, want 2 and 4", res.RowsAccepted, res.RowsRejected)
	}
	qglob := filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet")
	reasons := query[string](t, `SELECT string_agg(sheet || '!' || "row" || ' ' || "column" || ': ' || reason, '; ' ORDER BY "row") FROM read_parquet(?)`, qglob)
	for _, want := range []string{
		`数据!6 period+enterprise_code: the same period and enterprise_code already appears in sheet "数据" row 5`,
		`数据!7 产生量 (generated_t): -1 吨 is below the minimum 0 吨`,
		`数据!8 统计月份 (period): 2099-05-01 is in the future`,
		`数据!9 统一社会信用代码 (enterprise_code): a value is required here`,
	} {
		if !strings.Contains(reasons, want) {
			t.Errorf("quarantine lacks %q\n got: %s", want, reasons)
		}
	}
	// The department gets a workbook listing each problem in Chinese.
	if len(res.Feedback) != 1 || !strings.Contains(res.Feedback[0], filepath.Join("feedback", "旗工业和信息化局")) {
		t.Fatalf("feedback files %v", res.Feedback)
	}
	fb, err := excelize.OpenFile(res.Feedback[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := fb.GetRows("问题清单")
	fb.Close()
	if len(rows) != 8 || rows[3][5] != "问题说明" {
		t.Fatalf("feedback rows %q", rows)
	}
	if got := strings.Join(rows[5], "|"); got != "may.xlsx|数据|7|产生量 (generated_t)|-1|-1吨小于下限0吨|-1 吨 is below the minimum 0 吨" {
		t.Errorf("feedback row %q", got)
	}
	// Lineage: every row says where it came from.
	lin := query[string](t, `SELECT min(_file || ' ' || _sheet || '!' || _row || ' ' || length(_checksum) || ' ' || _run_id) FROM read_parquet(?)`, r.Lake.Glob("zw_industrial_solid_waste"))
	if !strings.HasPrefix(lin, "may.xlsx 数据!4 64 "+res.RunID) {
		t.Errorf("lineage %q", lin)
	}
	// Processed files are archived, never deleted; the raw bytes are kept.
	if _, err := os.Stat(filepath.Join(inbox, "_archive", "may.xlsx")); err != nil {
		t.Errorf("not archived: %v", err)
	}
	raws, _ := filepath.Glob(filepath.Join(r.Lake.Root, "_raw", "zw_industrial_solid_waste", "*.xlsx"))
	if len(raws) != 1 {
		t.Errorf("raw files %v", raws)
	}
	// The same bytes again, under another name: nothing new.
	copyFile(t, filepath.Join(inbox, "_archive", "may.xlsx"), filepath.Join(inbox, "may-again.xlsx"))
	res2, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res2.ItemsDuplicate != 1 || res2.RowsAccepted != 0 {
		t.Errorf("second run: %+v", res2)
	}
	if n := query[int64](t, `SELECT count(*) FROM read_parquet(?)`, r.Lake.Glob("zw_industrial_solid_waste")); n != 2 {
		t.Errorf("lake rows %d after a duplicate file, want 2", n)
	}
	runs := query[int64](t, `SELECT count(*) FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_runs", "*", "*.parquet"))
	if runs != 2 {
		t.Errorf("ledger rows %d, want one per run", runs)
	}
}

func TestWholeFileRejections(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"wrong-sheet.xlsx", "", "no header row was found within the first 20 rows of any sheet (Sheet1): this does not look like a zw_industrial_solid_waste file (its header needs the columns 统计月份 (period)"},
		{"truncated.xlsx", "PK\x03\x04 not really a zip", "not a readable .xlsx workbook"},
		{"notes.docx", "whatever", `unsupported file type ".docx"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, job, inbox := newRunner(t)
			p := filepath.Join(inbox, c.name)
			if c.content == "" {
				f := excelize.NewFile()
				f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "电话"})
				f.SaveAs(p)
				f.Close()
			} else {
				os.WriteFile(p, []byte(c.content), 0o644)
			}
			res, err := r.RunJob(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if res.ItemsRejected != 1 {
				t.Fatalf("%+v", res)
			}
			reason := query[string](t, `SELECT file || ': ' || reason FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
			if !strings.HasPrefix(reason, c.name+": ") || !strings.Contains(reason, c.want) {
				t.Errorf("reason %q, want it to name the file and say %q", reason, c.want)
			}
			if strings.Contains(reason, r.Lake.Root) {
				t.Errorf("reason leaks the lake path: %q", reason)
			}
			if _, err := os.Stat(filepath.Join(inbox, "_rejected", c.name)); err != nil {
				t.Errorf("rejected file not moved aside: %v", err)
			}
		})
	}
}
