package pipelines

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/connectors"
)

// The adversarial inputs of issue 8, each within the default limits (64 MiB
// per file, 512 MiB inflated, 5 M rows). BenchmarkAdversarialRSS ingests
// each in a child process and reports its peak RSS beside the input size,
// twice: with Go's default garbage collector settings (peak_rss_MiB) and
// with a soft memory limit of 256 MiB (GOMEMLIMIT, peak_rss_memlimit_MiB),
// which the process should set; the second must stay under rssBudgetMiB.
// (Without the limit, the heap may grow to twice what is live.) WAYMARK_BENCH_SCALE shrinks the
// inputs (0.05 for a quick look); `make bench` runs them full size.
const rssBudgetMiB = 300

// memLimit is the soft memory limit the ingest should run under.
const memLimit = "256MiB"

func benchScale() float64 {
	if f, err := strconv.ParseFloat(os.Getenv("WAYMARK_BENCH_SCALE"), 64); err == nil && f > 0 {
		return f
	}
	return 1
}

type adversarial struct {
	name, file, dataset string
	// write creates the input at path with the scale given and returns
	// what it inflates to when that differs from its size (xlsx).
	write func(tb testing.TB, path string, scale float64) (inflated int64)
}

var adversarialCases = []adversarial{
	{"xlsx_inflating_to_480MiB", "bomb.xlsx", "zw_industrial_solid_waste", writeWhitespaceWorkbook},
	{"xlsx_1M_rows", "rows.xlsx", "zw_industrial_solid_waste", writeMillionRowWorkbook},
	{"csv_one_60MiB_line", "line.csv", "zw_industrial_solid_waste", writeOneLineCSV},
	{"csv_1M_bad_rows", "bad.csv", "zw_industrial_solid_waste", writeBadRowsCSV},
	{"json_60MiB_value", "value.json", "zw_industrial_solid_waste", writeHugeJSONValue},
}

// childResult is what the child process reports.
type childResult struct {
	Status   string `json:"status"`
	Read     int64  `json:"read"`
	Accepted int64  `json:"accepted"`
	Rejected int64  `json:"rejected"`
}

func BenchmarkAdversarialRSS(b *testing.B) {
	scale := benchScale()
	for _, c := range adversarialCases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, c.file)
			inflated := c.write(b, in, scale)
			st, err := os.Stat(in)
			if err != nil {
				b.Fatal(err)
			}
			var peak, limited float64
			var res childResult
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				peak, res = runChild(b, in, c.dataset, "")
			}
			b.StopTimer()
			limited, _ = runChild(b, in, c.dataset, memLimit)
			b.ReportMetric(float64(st.Size())/(1<<20), "input_MiB")
			if inflated > 0 {
				b.ReportMetric(float64(inflated)/(1<<20), "inflated_MiB")
			}
			b.ReportMetric(peak, "peak_rss_MiB")
			b.ReportMetric(limited, "peak_rss_memlimit_MiB")
			b.ReportMetric(float64(res.Read), "rows_read")
			b.Logf("%s: %.1f MiB in, peak RSS %.0f MiB (%.0f MiB with GOMEMLIMIT=%s), %+v", c.name, float64(st.Size())/(1<<20), peak, limited, memLimit, res)
			if limited > rssBudgetMiB {
				b.Errorf("%s: peak RSS %.0f MiB with GOMEMLIMIT=%s, over the %d MiB budget", c.name, limited, memLimit, rssBudgetMiB)
			}
		})
	}
}

// runChild ingests path in a fresh process (this test binary, which
// TestMain turns into ingestChild), under GOMEMLIMIT when given, and
// returns its peak RSS in MiB.
func runChild(tb testing.TB, path, dataset, gomemlimit string) (float64, childResult) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "WAYMARK_INGEST_CHILD="+path, "WAYMARK_INGEST_CHILD_DATASET="+dataset, "GOMEMLIMIT="+gomemlimit)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, out)
	}
	var res childResult
	for _, line := range strings.Split(string(out), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "RESULT "); ok {
			json.Unmarshal([]byte(s), &res)
		}
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		tb.Fatal("no rusage")
	}
	return float64(ru.Maxrss) / 1024, res // Linux reports KiB
}

// TestMain runs the tests, or, in a child of runChild, ingestChild alone:
// a process of its own measures one ingest's peak RSS, and no test of the
// package has to skip itself in ordinary runs.
func TestMain(m *testing.M) {
	if path := os.Getenv("WAYMARK_INGEST_CHILD"); path != "" {
		if err := ingestChild(path, os.Getenv("WAYMARK_INGEST_CHILD_DATASET")); err != nil {
			fmt.Fprintln(os.Stderr, "ingest child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ingestChild ingests the file at path into a fresh lake under the
// default limits and prints the outcome for runChild.
func ingestChild(path, dataset string) error {
	ds, err := LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		return err
	}
	refs, err := LoadRefs(waymark.Seeds(""), ds)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "waymark-ingest-child-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	r, job, inbox := runnerIn(root, ds, refs)
	r.Limits = connectors.Limits{MaxBytes: 64 << 20, MaxUnzippedBytes: 512 << 20, MaxRows: 5_000_000}
	job.Dataset = dataset
	dst := filepath.Join(inbox, filepath.Base(path))
	if err := os.Link(path, dst); err != nil {
		// Another file system: copied as a stream, so the copy does not
		// count in the peak RSS measured.
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		return err
	}
	ms, _ := r.Lake.Manifests(job.Dataset)
	status := ""
	if len(ms) == 1 {
		status = ms[0].Status
	}
	b, _ := json.Marshal(childResult{Status: status, Read: res.RowsRead, Accepted: res.RowsAccepted, Rejected: res.RowsRejected})
	fmt.Printf("RESULT %s\n", b)
	return nil
}

// TestAdversarialInputsSmall runs every adversarial case at a small scale
// in a child process, so that `go test` proves the cases and the
// measurement work; `make bench` runs them full size.
func TestAdversarialInputsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, c := range adversarialCases {
		in := filepath.Join(t.TempDir(), c.file)
		c.write(t, in, 0.01)
		peak, res := runChild(t, in, c.dataset, "")
		if peak <= 0 || peak > rssBudgetMiB || res.Status == "" {
			t.Errorf("%s: peak %.0f MiB, %+v", c.name, peak, res)
		}
	}
}

func create(tb testing.TB, path string) (*os.File, *bufio.Writer) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	return f, bufio.NewWriterSize(f, 1<<20)
}

func finish(tb testing.TB, f *os.File, w *bufio.Writer) {
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// writeRawWorkbook writes a one-sheet workbook whose sheetData is written
// by rows; it returns the inflated size of the parts.
func writeRawWorkbook(tb testing.TB, path string, rows func(w io.Writer)) int64 {
	f, bw := create(tb, path)
	zw := zip.NewWriter(bw)
	var inflated int64
	put := func(name, body string) {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
		inflated += int64(len(body))
	}
	put("[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	put("_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)
	put("xl/styles.xml", `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="9"/></cellXfs></styleSheet>`)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	cw := &countWriter{w: w}
	io.WriteString(cw, `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	io.WriteString(cw, `<row r="1">`)
	for i, h := range strings.Split(strings.TrimSpace(swHeader), ",") {
		fmt.Fprintf(cw, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	io.WriteString(cw, `</row>`)
	rows(cw)
	io.WriteString(cw, `</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	finish(tb, f, bw)
	return inflated + cw.n
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeWhitespaceWorkbook: a few rows padded with whitespace between
// elements until the sheet inflates to about 480 MiB (a 0.5 MB file).
func writeWhitespaceWorkbook(tb testing.TB, path string, scale float64) int64 {
	return writeRawWorkbook(tb, path, func(w io.Writer) {
		pad := strings.Repeat(" ", 1<<20)
		total := int(480 * scale)
		for i := 0; i < 10; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>2023-05</t></is></c>`, i+2, i+2)
			for k := 0; k < total/10; k++ {
				io.WriteString(w, pad)
			}
			fmt.Fprintf(w, `<c r="B%d" t="inlineStr"><is><t>旗工信局</t></is></c><c r="C%d" t="inlineStr"><is><t>%s</t></is></c><c r="D%d" t="inlineStr"><is><t>企业%d</t></is></c><c r="E%d"><v>%d</v></c><c r="F%d" s="1"><v>0.5</v></c></row>`,
				i+2, i+2, WithUSCCCheck(fmt.Sprintf("91150627MA%07d0", i)), i+2, i, i+2, 100+i, i+2)
		}
	})
}

// writeMillionRowWorkbook: a sheet of a million valid rows.
func writeMillionRowWorkbook(tb testing.TB, path string, scale float64) int64 {
	return writeRawWorkbook(tb, path, func(w io.Writer) {
		n := int(1_000_000 * scale)
		for i := 0; i < n; i++ {
			r := i + 2
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>2023-05</t></is></c><c r="B%d" t="inlineStr"><is><t>旗工信局</t></is></c><c r="C%d" t="inlineStr"><is><t>%s</t></is></c><c r="D%d" t="inlineStr"><is><t>企业%d</t></is></c><c r="E%d"><v>%d.5</v></c><c r="F%d"><v>%d</v></c></row>`,
				r, r, r, r, WithUSCCCheck(fmt.Sprintf("91150627MA%07d0", i)), r, i, r, 1000+i%500, r, 500+i%300)
		}
	})
}

// writeOneLineCSV: a header and one 60 MiB line (one giant cell).
func writeOneLineCSV(tb testing.TB, path string, scale float64) int64 {
	f, w := create(tb, path)
	w.WriteString(swHeader)
	w.WriteString("2023-05,旗工信局," + codes[0] + ",")
	chunk := strings.Repeat("某", 1<<18) // 768 KiB
	for n := 0; n < int(60*scale*(1<<20)); n += len(chunk) {
		w.WriteString(chunk)
	}
	w.WriteString(",1,1\n")
	finish(tb, f, w)
	return 0
}

// writeBadRowsCSV: a million rows, each rejected (a negative tonnage).
func writeBadRowsCSV(tb testing.TB, path string, scale float64) int64 {
	f, w := create(tb, path)
	w.WriteString(swHeader)
	for i := 0; i < int(1_000_000*scale); i++ {
		fmt.Fprintf(w, "2023-05,旗工信局,%s,企业%d,-%d,1\n", codes[i%4], i, i+1)
	}
	finish(tb, f, w)
	return 0
}

// writeHugeJSONValue: one record whose name is a 60 MiB string.
func writeHugeJSONValue(tb testing.TB, path string, scale float64) int64 {
	f, w := create(tb, path)
	w.WriteString(`[{"统计月份":"2023-05","填报单位":"旗工信局","统一社会信用代码":"` + codes[0] + `","产生量":1,"综合利用量":1,"企业名称":"`)
	chunk := strings.Repeat("x", 1<<20)
	for n := 0; n < int(60*scale*(1<<20)); n += len(chunk) {
		w.WriteString(chunk)
	}
	w.WriteString(`"}]`)
	finish(tb, f, w)
	return 0
}
