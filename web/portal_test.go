package web

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPortalUploadGoodBadCorrection: a department's good file, a file with
// bad cells, the same bytes again and a correction go through the same
// ingest as the drop folder, and each page answers with what became of it.
func TestPortalUploadGoodBadCorrection(t *testing.T) {
	o := testOptions(t)
	_, ts := startServer(t, o)
	dir := t.TempDir()
	c := newClient(t, ts.URL)
	page := c.signIn("gxj", tokGXJ)
	contains(t, page, "旗工业和信息化局", "一般工业固体废物产生及综合利用情况月报", "本期应报", "未到期")

	good := filepath.Join(dir, "固废月报2024-05.xlsx")
	solidWasteWorkbook(t, good, "2024-05", 3, nil, "")
	status, page := c.upload("zw_industrial_solid_waste", "固废月报2024-05.xlsx", mustOpen(t, good), c.csrf)
	if status != 200 || accepted(page) != "3" || problems(page) != "0" {
		t.Fatalf("good file: status %d, accepted %s, problems %s", status, accepted(page), problems(page))
	}
	contains(t, page, "全部接收", "按时", "第1版")

	// The same bytes again add nothing and say so.
	_, page = c.upload("zw_industrial_solid_waste", "again.xlsx", mustOpen(t, good), c.csrf)
	contains(t, page, "此前已经报送过")

	bad := filepath.Join(dir, "bad.xlsx")
	solidWasteWorkbook(t, bad, "2024-04", 4, map[int]map[string]string{
		2: {"generated_t": "-5"},
		3: {"enterprise_code": "12345", "utilised_t": "很多"},
	}, "")
	_, page = c.upload("zw_industrial_solid_waste", "../../etc/bad.xlsx", mustOpen(t, bad), c.csrf)
	if accepted(page) != "2" || problems(page) != "3" {
		t.Fatalf("bad file: accepted %s, problems %s", accepted(page), problems(page))
	}
	// Every rejected cell: sheet, row, column, value, reason in Chinese.
	for _, cell := range [][]string{{"数据", "3", "-5"}, {"数据", "4", "12345"}, {"数据", "4", "很多"}} {
		re := regexp.MustCompile(`<td>` + cell[0] + `</td><td class="num">` + cell[1] + `</td><td>[^<]+</td><td>` + regexp.QuoteMeta(cell[2]) + `</td>\s*<td>[^<]*[\p{Han}]`)
		if !re.MatchString(page) {
			t.Errorf("no rejected cell %v with a Chinese reason in the page", cell)
		}
	}
	contains(t, page, "下载问题清单", "逾期") // April's report was due before 5 May
	if strings.Contains(page, "../../etc") {
		t.Error("the sender's path reached the page: only the bare name is kept")
	}
	// The feedback workbook downloads.
	m := regexp.MustCompile(`/portal/feedback\?name=([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no feedback link")
	}
	resp, err := c.http.Get(ts.URL + "/portal/feedback?name=" + m[1])
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") == "" {
		t.Fatalf("feedback download: %v %v", err, resp)
	}
	resp.Body.Close()

	// A correction of May supersedes the first file: revision 2, one row
	// changed, one added.
	corr := filepath.Join(dir, "corr.xlsx")
	solidWasteWorkbook(t, corr, "2024-05", 4, map[int]map[string]string{1: {"generated_t": "999"}}, "")
	_, page = c.upload("zw_industrial_solid_waste", "固废月报2024-05更正.xlsx", mustOpen(t, corr), c.csrf)
	contains(t, page, "第2版（共2版）", "新增 1 行、删除 0 行、修改 1 行", "为当前有效版本")
	_, page = c.get("/portal/")
	contains(t, page, "已被更正", "固废月报2024-05更正.xlsx", "bad.xlsx")

	// Staged copies are gone; the raw bytes are in the lake.
	left, _ := os.ReadDir(o.StagingDir)
	if len(left) != 0 {
		t.Errorf("staging keeps %d files", len(left))
	}
	ms, _ := o.Lake.Manifests("zw_industrial_solid_waste")
	if len(ms) != 3 {
		t.Errorf("lake has %d inputs, want 3 (the duplicate adds none)", len(ms))
	}
	for _, m := range ms {
		if !strings.HasPrefix(m.Source, "portal:") {
			t.Errorf("input %s has source %q", m.Name, m.Source)
		}
	}
}

// TestPortalIsolationAndGuards: another department sees none of it; a
// form without its token, a forged origin, a wrong token, a data set the
// department does not report and an oversize file are all refused.
func TestPortalIsolationAndGuards(t *testing.T) {
	o := testOptions(t)
	o.Limits.MaxBytes = 200 << 10
	_, ts := startServer(t, o)
	dir := t.TempDir()
	gxj := newClient(t, ts.URL)
	gxj.signIn("gxj", tokGXJ)
	f := filepath.Join(dir, "a.xlsx")
	solidWasteWorkbook(t, f, "2024-05", 2, nil, "")
	_, page := gxj.upload("zw_industrial_solid_waste", "gxj-secret-file.xlsx", mustOpen(t, f), gxj.csrf)
	sub := regexp.MustCompile(`/portal/feedback|sum=([0-9a-f]{64})`).FindStringSubmatch(page)
	_, hist := gxj.get("/portal/")
	link := regexp.MustCompile(`/portal/submission\?dataset=zw_industrial_solid_waste&amp;sum=([0-9a-f]{64})`).FindStringSubmatch(hist)
	if link == nil {
		t.Fatalf("no submission link in the history (%v)", sub)
	}

	other := newClient(t, ts.URL)
	page = other.signIn("sthjj", tokSTHJJ)
	if strings.Contains(page, "gxj-secret-file") || strings.Contains(page, "一般工业固体废物产生及综合利用情况月报") {
		t.Error("another department sees the industry bureau's file or data set")
	}
	if st, _ := other.get("/portal/submission?dataset=zw_industrial_solid_waste&sum=" + link[1]); st != 404 {
		t.Errorf("another department opens the submission: %d", st)
	}
	if st, _ := other.get("/portal/template?dataset=zw_industrial_solid_waste"); st != 404 {
		t.Errorf("another department downloads the template: %d", st)
	}

	// Wrong token.
	anon := newClient(t, ts.URL)
	if page := anon.signIn("gxj", "wrong"); !strings.Contains(page, "不正确") {
		t.Error("a wrong token signs in")
	}
	// No form token, or a forged one.
	if st, _ := gxj.upload("zw_industrial_solid_waste", "x.xlsx", bytes.NewReader([]byte("x")), ""); st != 403 {
		t.Errorf("upload without the form token: %d", st)
	}
	if st, _ := gxj.upload("zw_industrial_solid_waste", "x.xlsx", bytes.NewReader([]byte("x")), strings.Repeat("ab", 32)); st != 403 {
		t.Errorf("upload with another form token: %d", st)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/portal/logout", strings.NewReader("csrf="+gxj.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := gxj.http.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("cross-origin POST: %v %v", err, resp)
	}
	// A data set the department does not report.
	if st, _ := gxj.upload("gh_inspections", "x.csv", bytes.NewReader([]byte("a,b\n")), gxj.csrf); st != 403 {
		t.Errorf("upload to another department's data set: %d", st)
	}
	// Over the ingest's size limit.
	big := bytes.Repeat([]byte("x"), 300<<10)
	if st, page := gxj.upload("zw_industrial_solid_waste", "big.csv", bytes.NewReader(big), gxj.csrf); st != 413 || !strings.Contains(page, "上限") {
		t.Errorf("oversize upload: %d", st)
	}
	// Not signed in: back to the sign-in page, nothing served.
	if st, page := anon.get("/portal/submission?dataset=zw_industrial_solid_waste&sum=" + link[1]); st != 200 || !strings.Contains(page, "令牌") {
		t.Errorf("signed-out submission page: %d", st)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd.xlsx":  "passwd.xlsx",
		`C:\Users\张三\月报.xlsx`:    "月报.xlsx",
		"..":                     "upload",
		"a\x00b\nc.csv":          "abc.csv",
		"固废月报2024-05.xlsx":       "固废月报2024-05.xlsx",
		strings.Repeat("长", 200): strings.Repeat("长", 120),
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUploadAnswerTime5000Rows measures upload-to-answer for a 5,000-row
// workbook: from the first byte sent to the result page read, through the
// whole ingest (raw landing, validation, Parquet, manifest) and the page.
func TestUploadAnswerTime5000Rows(t *testing.T) {
	o := testOptions(t)
	_, ts := startServer(t, o)
	c := newClient(t, ts.URL)
	c.signIn("gxj", tokGXJ)
	p := filepath.Join(t.TempDir(), "5000.xlsx")
	solidWasteWorkbook(t, p, "2024-05", 5000, nil, "")
	info, _ := os.Stat(p)
	t0 := time.Now()
	_, page := c.upload("zw_industrial_solid_waste", "5000.xlsx", mustOpen(t, p), c.csrf)
	d := time.Since(t0)
	if accepted(page) != "5000" {
		t.Fatalf("accepted %s of 5000", accepted(page))
	}
	t.Logf("upload-to-answer for a 5,000-row workbook (%d KiB): %s", info.Size()>>10, d.Round(time.Millisecond))
}

func BenchmarkUpload5000Rows(b *testing.B) {
	o := testOptions(b)
	_, ts := startServer(b, o)
	c := newClient(b, ts.URL)
	c.signIn("gxj", tokGXJ)
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		p := filepath.Join(dir, "5000.xlsx")
		solidWasteWorkbook(b, p, "2024-05", 5000, nil, time.Now().String()) // new bytes each time
		f := mustOpen(b, p)
		b.StartTimer()
		if _, page := c.upload("zw_industrial_solid_waste", "5000.xlsx", f, c.csrf); accepted(page) != "5000" {
			b.Fatal("not accepted")
		}
	}
}
