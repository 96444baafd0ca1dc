package pipelines

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
)

const swHeader = "统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）\n"

// Valid codes (GB 32100-2015 check characters computed).
var codes = []string{"91150627MA0N1A2B3X", "91150627MA0N2B3C4N", "91150627MA0N3C4D5F", "91150627MA0N4D5E68"}

func quarantineGlob(r *Runner) string {
	return filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet")
}

// readAllStrings reads every value of every Parquet file in the lake the
// way a build does: one invalid UTF-8 string anywhere fails it.
func readAllStrings(t *testing.T, r *Runner) {
	t.Helper()
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	filepath.WalkDir(r.Lake.Root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		n++
		rows, err := db.Query(`SELECT * FROM read_parquet(?)`, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		return nil
	})
	if n == 0 {
		t.Error("no Parquet file in the lake")
	}
}

func manifests(t *testing.T, r *Runner, ds string) []*lake.Manifest {
	t.Helper()
	ms, err := r.Lake.Manifests(ds)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// A CSV that is UTF-8 for its first 64 KiB and GBK after is rejected whole
// with the place it breaks, and the lake stays readable. Before, its tail
// went to Parquet as invalid UTF-8 and every later build failed.
func TestMixedEncodingCSVCannotPoisonTheLake(t *testing.T) {
	r, job, inbox := newRunner(t)
	var b bytes.Buffer
	b.WriteString(swHeader)
	for i := 0; b.Len() < 70<<10; i++ {
		fmt.Fprintf(&b, "2023-05,旗工信局,%s,某煤矿有限公司第%d分公司,%d,1\n", codes[i%4], i, i)
	}
	tail, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("2023-05,旗工信局," + codes[0] + ",某电厂,2,1\n"))
	b.Write(tail)
	os.WriteFile(filepath.Join(inbox, "mixed.csv"), b.Bytes(), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemsRejected != 1 || res.RowsAccepted != 0 {
		t.Fatalf("%+v", res)
	}
	reason := query[string](t, `SELECT "row" || ': ' || reason || ' / ' || reason_zh FROM read_parquet(?)`, quarantineGlob(r))
	if !strings.Contains(reason, "mixes text encodings") || !strings.Contains(reason, "混用了两种文字编码") {
		t.Errorf("reason %q", reason)
	}
	readAllStrings(t, r)
}

// A NUL inside a cell, a control character in JSON, invalid UTF-8 in a
// cell and a cell of 40 KiB are rejected cells with their reasons; what is
// stored of them (the quarantine's value) is valid, visible text.
func TestBadTextIsARejectedCell(t *testing.T) {
	r, job, inbox := newRunner(t)
	body := swHeader +
		"2023-05,旗工信局," + codes[0] + ",某\x00煤矿,1,1\n" +
		"2023-05,旗工信局," + codes[1] + ",某\xff洗煤厂,1,1\n" +
		"2023-05,旗工信局," + codes[2] + ",某" + strings.Repeat("长", 14000) + ",1,1\n" +
		"2023-05,旗工信局," + codes[3] + ",某电厂,1,1\n"
	os.WriteFile(filepath.Join(inbox, "bad-text.csv"), []byte(body), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 || res.RowsRejected != 3 {
		t.Fatalf("accepted %d rejected %d, want 1 and 3", res.RowsAccepted, res.RowsRejected)
	}
	got := query[string](t, `SELECT string_agg("row" || ' ' || value || ' ' || reason, ' | ' ORDER BY "row") FROM read_parquet(?)`, quarantineGlob(r))
	for _, want := range []string{`2 某\u0000煤矿 the cell holds the control character U+0000 at character 2`, "3 某\uFFFD洗煤厂 the cell is not valid UTF-8 text",
		"4 某长长", "长… the cell is longer than 32768 bytes"} {
		if !strings.Contains(got, want) {
			t.Errorf("quarantine %.300q lacks %q", got, want)
		}
	}
	readAllStrings(t, r)

	r, job, inbox = newRunner(t)
	os.WriteFile(filepath.Join(inbox, "nul.json"), []byte(`[{"统计月份":"2023-05","填报单位":"旗工信局","统一社会信用代码":"`+codes[0]+
		`","企业名称":"某\u0000煤矿","产生量":1,"综合利用量":1}]`), 0o644)
	if res, err := r.RunJob(context.Background(), job); err != nil || res.RowsRejected != 1 {
		t.Fatalf("json: %+v %v", res, err)
	}
	readAllStrings(t, r)
}

// A file name that is not valid UTF-8 (Linux names are bytes) reaches the
// lineage and the quarantine as valid text.
func TestFileNamesAreStoredAsValidText(t *testing.T) {
	r, job, inbox := newRunner(t)
	name := "月报\xff\x01.csv"
	if err := os.WriteFile(filepath.Join(inbox, name), []byte(swHeader+"2023-05,旗工信局,"+codes[0]+",某煤矿,1,1\n2023-05,旗工信局,x,某电厂,1,1\n"), 0o644); err != nil {
		t.Skip("the file system refuses the name")
	}
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 {
		t.Fatalf("%+v", res)
	}
	if got := query[string](t, `SELECT _file FROM read_parquet(?)`, r.Lake.Glob("zw_industrial_solid_waste")); got != `月报`+"\uFFFD"+`\u0001.csv` {
		t.Errorf("_file %q", got)
	}
	readAllStrings(t, r)
}

// A header and no rows is an empty submission: flagged to the department,
// status "empty" (not ok: `waymark status` must not count it as sent), the
// file moved aside; an empty file says so in its own words.
func TestEmptySubmissions(t *testing.T) {
	for name, body := range map[string]string{"header-only.csv": swHeader, "blank.csv": "", "no-records.json": "[]"} {
		t.Run(name, func(t *testing.T) {
			r, job, inbox := newRunner(t)
			os.WriteFile(filepath.Join(inbox, name), []byte(body), 0o644)
			res, err := r.RunJob(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if res.ItemsRejected != 1 || res.ItemsNew != 1 || res.RowsAccepted != 0 {
				t.Fatalf("%+v", res)
			}
			if ms := manifests(t, r, job.Dataset); len(ms) != 1 || ms[0].Status != "empty" {
				t.Fatalf("manifest %+v, want status empty", ms[0])
			}
			reason := query[string](t, `SELECT reason || ' / ' || reason_zh FROM read_parquet(?)`, quarantineGlob(r))
			want := map[string]string{"header-only.csv": "a header but no data rows", "blank.csv": "the file is empty", "no-records.json": "no records"}[name]
			if !strings.Contains(reason, want) {
				t.Errorf("reason %q, want %q", reason, want)
			}
			if _, err := os.Stat(filepath.Join(inbox, "_rejected", name)); err != nil {
				t.Errorf("not moved aside: %v", err)
			}
			if len(res.Feedback) != 1 || !strings.Contains(feedbackText(t, res.Feedback[0]), "空文件，未接收") {
				t.Errorf("feedback %v does not flag the empty file", res.Feedback)
			}
		})
	}
}

// feedbackText returns every cell of a feedback workbook, one row a line.
func feedbackText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "%s: %s\n", sh, strings.Join(r, " | "))
		}
	}
	return b.String()
}

// A JSON record with a key twice is rejected naming the key; a key only a
// later record carries is read.
func TestJSONRecordsThroughTheIngest(t *testing.T) {
	r, job, inbox := newRunner(t)
	recs := []string{
		`{"统计月份":"2023-05","填报单位":"旗工信局","统一社会信用代码":"` + codes[0] + `","企业名称":"甲","产生量":10,"综合利用量":5}`,
		`{"统计月份":"2023-05","填报单位":"旗工信局","统一社会信用代码":"` + codes[1] + `","企业名称":"乙","产生量":10,"综合利用量":5,"产生量":99}`,
		`{"统计月份":"2023-05","填报单位":"旗工信局","统一社会信用代码":"` + codes[2] + `","企业名称":"丙","产生量":10,"综合利用量":5,"处置量":3}`,
	}
	os.WriteFile(filepath.Join(inbox, "batch.json"), []byte(strings.Join(recs, "\n")), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 2 || res.RowsRejected != 1 {
		t.Fatalf("accepted %d rejected %d", res.RowsAccepted, res.RowsRejected)
	}
	reason := query[string](t, `SELECT "row" || ' ' || "column" || ': ' || reason FROM read_parquet(?)`, quarantineGlob(r))
	if !strings.HasPrefix(reason, `2 产生量: record 2 (line 2) has the key "产生量" twice`) {
		t.Errorf("reason %q", reason)
	}
	if got := query[string](t, `SELECT coalesce(disposed_t::VARCHAR, 'null') FROM read_parquet(?) WHERE enterprise_name = '丙'`, r.Lake.Glob(job.Dataset)); got != "3.0" {
		t.Errorf("a key only the last record carries: disposed_t = %s, want 3", got)
	}
}

// Feedback never claims rows were received that were not: a file broken
// part-way (an unterminated quote) is "整份退回", a partial file gives
// its counts, and only there are unlisted rows said to be received.
func TestFeedbackSaysWhatWasReceived(t *testing.T) {
	r, job, inbox := newRunner(t)
	os.WriteFile(filepath.Join(inbox, "a-broken.csv"), []byte(swHeader+
		"2023-05,旗工信局,"+codes[0]+",某煤矿,1,1\n2023-05,旗工信局,"+codes[1]+",\"某电厂,1,1\n2023-05,旗工信局,"+codes[2]+",某选煤厂,1,1\n"), 0o644)
	os.WriteFile(filepath.Join(inbox, "b-partial.csv"), []byte(swHeader+
		"2023-06,旗工信局,"+codes[0]+",某煤矿,1,1\n2023-06,旗工信局,"+codes[1]+",某电厂,-1,1\n"), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 || res.ItemsRejected != 1 {
		t.Fatalf("%+v", res)
	}
	if len(res.Feedback) != 1 {
		t.Fatalf("feedback %v", res.Feedback)
	}
	text := feedbackText(t, res.Feedback[0])
	for _, want := range []string{
		"报送情况: a-broken.csv | 整份退回，未接收 | 1 | 0 | 1 | 1 | 本文件没有任何数据被接收",
		"报送情况: b-partial.csv | 部分接收 | 2 | 1 | 1 | 1 | 共读取2行：接收1行，退回1行",
		"问题清单: a-broken.csv |  | 3 |  |  | 第3行有一个左引号",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("feedback lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "未列出的行已接收") != 1 {
		t.Errorf("only the partial file may say unlisted rows were received:\n%s", text)
	}
}

// 25 000 bad rows: the quarantine and the workbook list the first 10 000
// and say how many more there are; the manifest counts them all.
func TestFeedbackIsCappedPerFile(t *testing.T) {
	r, job, inbox := newRunner(t)
	r.Limits.MaxBytes, r.Limits.MaxRows = 64<<20, 100000
	var b strings.Builder
	b.WriteString(swHeader)
	for i := 0; i < 25000; i++ {
		fmt.Fprintf(&b, "2023-05,旗工信局,%s,企业%d,-1,1\n", codes[0], i)
	}
	os.WriteFile(filepath.Join(inbox, "many.csv"), []byte(b.String()), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsRejected != 25000 {
		t.Fatalf("%+v", res)
	}
	// The quarantine lists as many, then one row with the count.
	if n := query[int64](t, `SELECT count(*) FROM read_parquet(?)`, quarantineGlob(r)); n != 10001 {
		t.Errorf("quarantine rows %d", n)
	}
	if last := query[string](t, `SELECT reason FROM read_parquet(?) WHERE "row" = 0`, quarantineGlob(r)); !strings.HasPrefix(last, "15000 more problems in this file are not listed") {
		t.Errorf("last quarantine row %q", last)
	}
	if ms := manifests(t, r, job.Dataset); ms[0].Problems != 25000 || ms[0].Rejected != 25000 {
		t.Errorf("manifest counts %+v", ms[0])
	}
	f, err := excelize.OpenFile(res.Feedback[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(feedbackSheet)
	if len(rows) != 4+10000+1 || !strings.Contains(strings.Join(rows[len(rows)-1], "|"), "另有15000处问题未列出") {
		t.Errorf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
}

// A department cell of ".." or any value no department has never becomes
// a folder: such rows go to the job's department or "未注明单位".
func TestFeedbackFoldersAreDepartments(t *testing.T) {
	r, job, inbox := newRunner(t)
	job.Department = ""
	os.WriteFile(filepath.Join(inbox, "depts.csv"), []byte(swHeader+
		"2023-05,..,"+codes[0]+",甲,1,1\n2023-05,../../x,"+codes[1]+",乙,1,1\n2023-05,某某局,"+codes[2]+",丙,1,1\n2023-05,旗工业和信息化局,"+codes[3]+",丁,-1,1\n"), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, p := range res.Feedback {
		rel, _ := filepath.Rel(r.FeedbackDir, p)
		dirs = append(dirs, filepath.Dir(rel))
	}
	if strings.Join(dirs, ",") != "旗工业和信息化局,未注明单位" {
		t.Errorf("feedback folders %v", dirs)
	}
	entries, _ := os.ReadDir(r.FeedbackDir)
	if len(entries) != 2 {
		t.Errorf("%d folders in feedback", len(entries))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(r.FeedbackDir), "x")); err == nil {
		t.Error("a folder outside feedback")
	}
	if safeName("..") != "_" || safeName("a/b") != "a_b" || safeName(".") != "_" {
		t.Error("safeName")
	}
}

// When no row has every required column, the message names exactly the
// missing ones and the headers closest to them, in both languages.
func TestMissingColumnsAreNamed(t *testing.T) {
	r, job, inbox := newRunner(t)
	os.WriteFile(filepath.Join(inbox, "near.csv"), []byte("一般工业固体废物月报\n统计月份,填报单位,信用代码号,企业名称,产生量,综合利用\n2023-05,旗工信局,"+codes[0]+",甲,1,1\n"), 0o644)
	if _, err := r.RunJob(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	reason := query[string](t, `SELECT "row" || ': ' || reason || ' / ' || reason_zh FROM read_parquet(?)`, quarantineGlob(r))
	want := `0: the header (row 2, the closest row to one) lacks the required column(s) 统一社会信用代码 (enterprise_code), 综合利用量 (utilised_t); ` +
		`the closest headers found: "信用代码号" for 统一社会信用代码 (enterprise_code), "综合利用" for 综合利用量 (utilised_t); name the columns as the template does / ` +
		`表头（第2行）缺少必填栏目“统一社会信用代码”“综合利用量”；表头中最接近的是“信用代码号”（应为“统一社会信用代码”）、“综合利用”（应为“综合利用量”）。请按统一模板填写栏目名称`
	if reason != want {
		t.Errorf("reason\n%s\nwant\n%s", reason, want)
	}
}

// Headers Chinese statistical forms use for the period and the department
// (所属期, 报送单位) find the header row; a UTF-16 CSV is decoded.
func TestFormHeadersAndUTF16(t *testing.T) {
	r, job, inbox := newRunner(t)
	body := "所属期,报送单位,统一社会信用代码,企业名称,产生量,综合利用量,填报日期\n2023-05,旗工信局," + codes[0] + ",甲,10,5,2023-06-02\n"
	os.WriteFile(filepath.Join(inbox, "form.csv"), []byte(body), 0o644)
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "2023-05", "2023-06"), ",", "\t")))
	os.WriteFile(filepath.Join(inbox, "unicode.csv"), u16, 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 2 || res.RowsRejected != 0 {
		b, _ := json.Marshal(res)
		t.Fatalf("%s", b)
	}
}

// A file without a department column, sent to one department's inbox, is
// that department's.
func TestDepartmentFromTheJob(t *testing.T) {
	r, job, inbox := newRunner(t)
	os.WriteFile(filepath.Join(inbox, "nodept.csv"), []byte("统计月份,统一社会信用代码,企业名称,产生量,综合利用量\n2023-05,"+codes[0]+",甲,10,5\n"), 0o644)
	res, err := r.RunJob(context.Background(), job)
	if err != nil || res.RowsAccepted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := query[string](t, `SELECT department FROM read_parquet(?)`, r.Lake.Glob(job.Dataset)); got != "旗工业和信息化局" {
		t.Errorf("department %q", got)
	}
	job.Department = ""
	r2, job2, inbox2 := newRunner(t)
	job2.Department = ""
	os.WriteFile(filepath.Join(inbox2, "nodept.csv"), []byte("统计月份,统一社会信用代码,企业名称,产生量,综合利用量\n2023-05,"+codes[0]+",甲,10,5\n"), 0o644)
	if res, err := r2.RunJob(context.Background(), job2); err != nil || res.ItemsRejected != 1 {
		t.Fatalf("without a department anywhere: %+v %v", res, err)
	}
}
