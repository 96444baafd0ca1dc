package web

import (
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/connectors"
	_ "github.com/waymark-data/waymark/connectors/csvfile" // decoders, as the binary registers them
	_ "github.com/waymark-data/waymark/connectors/jsonfile"
	_ "github.com/waymark-data/waymark/connectors/xlsx"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// Test tokens of two departments: the industry bureau (gxj) reports solid
// waste; the ecology bureau (sthjj) does not.
const (
	tokGXJ   = "token-of-gxj-for-tests"
	tokSTHJJ = "token-of-sthjj-for-tests"
)

// testOptions is a deployment in a temp folder with the real content
// (contracts, seeds, SQL) and an empty lake.
func testOptions(t testing.TB) Options {
	t.Helper()
	dir := t.TempDir()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	refs, err := pipelines.LoadRefs(waymark.Seeds(""), ds)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return Options{
		Lake: lake.Lake{Root: filepath.Join(dir, "lake")}, Store: warehouse.New(filepath.Join(dir, "warehouse"), 2, "Asia/Shanghai"),
		Datasets: ds, Refs: refs, Seeds: waymark.Seeds(""), SQL: waymark.SQL(""),
		Location: loc, TimeZone: "Asia/Shanghai",
		Limits:      connectors.Limits{MaxBytes: 8 << 20, MaxUnzippedBytes: 64 << 20, MaxRows: 1_000_000},
		FeedbackDir: filepath.Join(dir, "feedback"), StagingDir: filepath.Join(dir, "portal", "staging"),
		Tokens: map[string]string{"gxj": tokGXJ, "sthjj": tokSTHJJ},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Reports for May 2024 are due before 5 June: "now" is 3 June,
		// a second later at every look, so submissions have an order.
		Now: tickingClock(time.Date(2024, 6, 3, 10, 0, 0, 0, loc)),
	}
}

func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return start.Add(time.Duration(n) * time.Second)
	}
}

func startServer(t testing.TB, o Options) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// enterprise codes that match the contract's unified social credit code.
func code(i int) string { return pipelines.WithUSCCCheck(fmt.Sprintf("91150627MA%07d", i)) }

// solidWasteWorkbook writes a zw_industrial_solid_waste report for the
// period with n enterprises; bad rows, when given, replace cells.
func solidWasteWorkbook(t testing.TB, path, period string, n int, bad map[int]map[string]string, remark string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "数据"
	f.SetSheetName("Sheet1", sh)
	header := []any{"统计月份", "填报单位", "统一社会信用代码", "企业名称", "产生量（吨）", "综合利用量（吨）", "处置量（吨）", "贮存量（吨）", "备注"}
	keys := []string{"period", "department", "enterprise_code", "enterprise_name", "generated_t", "utilised_t", "disposed_t", "stored_t", "remarks"}
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", header)
	for i := 1; i <= n; i++ {
		row := map[string]string{"period": period, "department": "旗工信局", "enterprise_code": code(i), "enterprise_name": fmt.Sprintf("测试企业%d", i),
			"generated_t": fmt.Sprint(1000 + i), "utilised_t": fmt.Sprint(600 + i), "disposed_t": "100", "stored_t": "50", "remarks": remark}
		for k, v := range bad[i] {
			row[k] = v
		}
		vals := make([]any, len(keys))
		for j, k := range keys {
			vals[j] = row[k]
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		sw.SetRow(cell, vals)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// client is a department's browser without the browser: cookies, the
// form token, sign-in and upload over HTTP.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

var reCSRF = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := reCSRF.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (c *client) signIn(dept, token string) string {
	c.t.Helper()
	c.get("/portal/")
	resp, err := c.http.PostForm(c.base+"/portal/login", url.Values{"csrf": {c.csrf}, "department": {dept}, "token": {token}})
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := reCSRF.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return string(b)
}

// upload posts a file as the form does (token, data set, then the file)
// and returns the status and the page the redirect leads to.
func (c *client) upload(dataset, name string, body io.Reader, csrf string) (int, string) {
	c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("csrf", csrf)
		mw.WriteField("dataset", dataset)
		fw, _ := mw.CreateFormFile("file", name)
		io.Copy(fw, body)
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", c.base+"/portal/upload", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustOpen(t testing.TB, p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var reAccepted = regexp.MustCompile(`id="accepted">(\d+)<`)
var reProblems = regexp.MustCompile(`id="problems">(\d+)<`)

func accepted(page string) string {
	if m := reAccepted.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return "?"
}

func problems(page string) string {
	if m := reProblems.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return "?"
}

func contains(t testing.TB, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
