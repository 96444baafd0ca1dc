package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/waymark-data/waymark/models"
)

// browser starts Debian's chromium headless with a fresh profile. Without
// chromium the test skips, except in CI (CI set), where it fails: `make
// test` installs it (scripts/deps.sh).
func browser(t *testing.T) context.Context {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not installed (CI): %v", err)
		}
		t.Skip("chromium not installed: apt-get install chromium (make deps)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs steps with a time limit (the browser itself lives on).
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot takes a picture of the page. `make screenshots` keeps them in
// docs/screenshots, which the README shows; a plain test run writes them to
// a temporary folder, so that running the tests leaves the checkout as it
// was.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := t.TempDir()
	if os.Getenv("WAYMARK_SCREENSHOTS") != "" {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func signInBrowser(t *testing.T, ctx context.Context, base, dept, token string) {
	do(t, ctx, "sign in as "+dept,
		chromedp.Navigate(base+"/portal/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SetValue(chromedp.ID("department"), dept),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`form[action="/portal/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("history")),
	)
}

func uploadBrowser(t *testing.T, ctx context.Context, dataset, file string) {
	do(t, ctx, "upload "+filepath.Base(file),
		chromedp.SetUploadFiles(chromedp.ID("file-"+dataset), []string{file}),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby="ds-`+dataset+`"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("accepted")),
	)
}

// TestBrowserPortalAndDocs: in real headless Chromium, the industry bureau
// uploads a good file and a bad one and sees the accepted count and each
// rejected cell; the ecology bureau cannot see them; after a build, the
// docs site opened from the file system shows an indicator's targets,
// current value and lineage, and its search finds the indicator by its
// Chinese name.
func TestBrowserPortalAndDocs(t *testing.T) {
	ctx := browser(t)
	o := testOptions(t)
	_, ts := startServer(t, o)
	dir := t.TempDir()

	signInBrowser(t, ctx, ts.URL, "gxj", tokGXJ)
	good := filepath.Join(dir, "固废月报2024-05.xlsx")
	solidWasteWorkbook(t, good, "2024-05", 12, nil, "")
	uploadBrowser(t, ctx, "zw_industrial_solid_waste", good)
	if got := text(t, ctx, "#accepted"); got != "12" {
		t.Errorf("good file: %s rows accepted, want 12", got)
	}
	if got := text(t, ctx, "#problems"); got != "0" {
		t.Errorf("good file: %s problems, want 0", got)
	}

	do(t, ctx, "back to the portal", chromedp.Navigate(ts.URL+"/portal/"), chromedp.WaitVisible(chromedp.ID("history")))
	bad := filepath.Join(dir, "固废月报2024-04.xlsx")
	solidWasteWorkbook(t, bad, "2024-04", 10, map[int]map[string]string{
		3: {"generated_t": "-12"},
		5: {"enterprise_code": "9115062", "utilised_t": "约三百"},
		8: {"department": "某某局"},
	}, "")
	uploadBrowser(t, ctx, "zw_industrial_solid_waste", bad)
	if got := text(t, ctx, "#accepted"); got != "7" {
		t.Errorf("bad file: %s rows accepted, want 7", got)
	}
	table := text(t, ctx, "#problem-table")
	for _, cell := range []string{"-12", "9115062", "约三百", "某某局"} {
		if !strings.Contains(table, cell) {
			t.Errorf("the rejected cell %q is not shown", cell)
		}
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#problem-table tbody tr')].map(r => [...r.cells].map(c => c.innerText))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Errorf("%d rejected cells shown, want 4: %v", len(rows), rows)
	}
	for _, r := range rows { // sheet, row, column, value, reason (Chinese first)
		if len(r) != 5 || r[0] != "数据" || r[1] == "" || r[2] == "" || !hasHan(strings.SplitN(r[4], "\n", 2)[0]) {
			t.Errorf("rejected cell row %q lacks sheet, row, column or a Chinese reason", r)
		}
	}
	screenshot(t, ctx, "portal-upload-result.png")
	badURL, _ := chromedp.Run(ctx, chromedp.Location())

	do(t, ctx, "portal", chromedp.Navigate(ts.URL+"/portal/"), chromedp.WaitVisible(chromedp.ID("history")))
	hist := text(t, ctx, "#main")
	for _, f := range []string{"固废月报2024-05.xlsx", "固废月报2024-04.xlsx", "逾期"} {
		if !strings.Contains(hist, f) {
			t.Errorf("history lacks %q", f)
		}
	}
	screenshot(t, ctx, "portal.png")

	// Another department.
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)), chromedp.WaitVisible(chromedp.ID("token")))
	signInBrowser(t, ctx, ts.URL, "sthjj", tokSTHJJ)
	other := text(t, ctx, "#main")
	if strings.Contains(other, "固废月报") || strings.Contains(other, "一般工业固体废物产生及综合利用情况月报") {
		t.Error("the ecology bureau sees the industry bureau's submissions")
	}
	do(t, ctx, "open the other's result", chromedp.Navigate(badURL), chromedp.WaitReady(chromedp.CSS("body")))
	if body := text(t, ctx, "body"); !strings.Contains(body, "没有找到") || strings.Contains(body, "约三百") {
		t.Errorf("the ecology bureau opens the industry bureau's result: %q", body)
	}

	// Build the warehouse from what was uploaded, then the docs.
	t0 := time.Now()
	if _, err := models.Run(context.Background(), models.Options{Store: o.Store, Lake: o.Lake, Datasets: o.Datasets, Seeds: o.Seeds, SQL: o.SQL, Log: o.Log}); err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Logf("warehouse built in %s", time.Since(t0).Round(time.Millisecond))
	site := t.TempDir()
	if _, err := WriteSite(context.Background(), o, site); err != nil {
		t.Fatal(err)
	}
	fileURL := func(p string) string { return (&url.URL{Scheme: "file", Path: filepath.Join(site, p)}).String() }
	do(t, ctx, "indicator page", chromedp.Navigate(fileURL("indicators/zw-18.html")), chromedp.WaitVisible(chromedp.ID("targets")))
	targets := text(t, ctx, "#targets + table")
	for _, want := range []string{"52.59", "2023", "55", "2024", "56", "2025", "60", ">="} {
		if !strings.Contains(targets, want) {
			t.Errorf("targets table lacks %q: %s", want, targets)
		}
	}
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg.lineage g.node')].map(g => g.dataset.name)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lake_zw_industrial_solid_waste", "stg_zw_industrial_solid_waste", "int_actuals_zero_waste", "mart_scorecard"} {
		if !strings.Contains(strings.Join(nodes, " "), want) {
			t.Errorf("lineage lacks %s: %v", want, nodes)
		}
	}
	current := text(t, ctx, "#current + table")
	if !strings.Contains(current, "2024") {
		t.Errorf("no current value for 2024: %s", current)
	}
	screenshot(t, ctx, "docs-indicator.png")

	do(t, ctx, "search", chromedp.Navigate(fileURL("index.html")), chromedp.WaitVisible(chromedp.ID("search")),
		chromedp.SendKeys(chromedp.ID("search"), "综合利用率"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a[href="indicators/zw-18.html"]`)))
	found := text(t, ctx, "#search-results")
	if !strings.Contains(found, "一般工业固体废物综合利用率") {
		t.Errorf("search results: %s", found)
	}
	screenshot(t, ctx, "docs-search.png")
	do(t, ctx, "follow the hit", chromedp.Click(chromedp.CSS(`#search-results a[href="indicators/zw-18.html"]`)), chromedp.WaitVisible(chromedp.ID("lineage")))

	do(t, ctx, "model page", chromedp.Navigate(fileURL("models/int_actuals_zero_waste.html")), chromedp.WaitVisible(chromedp.CSS("svg.lineage")))
	screenshot(t, ctx, "docs-model.png")
	fmt.Fprint(os.Stderr)
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
