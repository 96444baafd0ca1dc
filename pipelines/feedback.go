package pipelines

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/internal/lake"
)

// feedbackPerFile is how many problems of one input file a workbook lists;
// past it, the department is told how many more there are (the quarantine
// keeps them all). A clerk fixes a file from its first problems, not from
// a list of a million.
const feedbackPerFile = 10000

// feedbackMaxRows keeps a workbook within Excel's 1,048,576 rows.
const feedbackMaxRows = 1_000_000

const (
	feedbackSheet = "问题清单"
	summarySheet  = "报送情况"
	firstProblem  = 5 // the row of the first problem on the problem sheet
)

// feedbackRun writes, while a run goes, one workbook per department with
// the problems of the files it sent: where each is (file, sheet, row,
// column), what was written, and what is expected. Rows stream to
// excelize's StreamWriter (which spills to a temporary file), so memory
// stays flat whatever the number of problems. At the end each workbook
// gets a summary sheet saying, per file, what was received and what not:
// it never claims rows were received that were not.
type feedbackRun struct {
	dir   string
	ds    *Dataset
	job   Job
	runID string
	at    time.Time // in the configured zone
	books map[string]*feedbackBook
	err   error // the first error; the run goes on without feedback

	// The file in progress: problems listed and not listed, per department.
	file   string
	listed map[string]int
	more   map[string]int
}

type feedbackBook struct {
	dept  string
	path  string
	f     *excelize.File
	sw    *excelize.StreamWriter
	row   int // next row of the problem sheet
	files []fileSummary
	// problems listed and not listed in the whole workbook
	listed, unlisted int
}

// fileSummary is what became of one file, for its department.
type fileSummary struct {
	Name                     string
	Status                   string // a lake.Manifest status: ok, partial, rejected, empty; or failed
	Read, Accepted, Rejected int64
	Problems                 int // of this department's, in this file
}

func newFeedbackRun(dir string, ds *Dataset, job Job, runID string, at time.Time) *feedbackRun {
	return &feedbackRun{dir: dir, ds: ds, job: job, runID: runID, at: at, books: map[string]*feedbackBook{},
		listed: map[string]int{}, more: map[string]int{}}
}

// inputProblems holds one input's problems for the feedback workbooks
// while inputs are decoded side by side; the run writes them input after
// input, in the order the source gave the inputs. At most feedbackPerFile
// problems per department are held; the rest are counted.
type inputProblems struct {
	job    Job
	depts  []string // in the order of their first problem
	byDept map[string][]Problem
	more   map[string]int
}

func newInputProblems(job Job) *inputProblems {
	return &inputProblems{job: job, byDept: map[string][]Problem{}, more: map[string]int{}}
}

func (ip *inputProblems) add(p Problem) {
	dept := departmentOf(ip.job, p)
	ps, seen := ip.byDept[dept]
	if !seen {
		ip.depts = append(ip.depts, dept)
	}
	if len(ps) >= feedbackPerFile {
		ip.more[dept]++
		return
	}
	ip.byDept[dept] = append(ps, safeProblem(p))
}

// write lists one input's problems in the departments' workbooks and
// records what became of the file.
func (fr *feedbackRun) write(ip *inputProblems, sum fileSummary) {
	fr.startFile(sum.Name)
	for _, d := range ip.depts {
		for _, p := range ip.byDept[d] {
			fr.add(p)
		}
		if n := ip.more[d]; n > 0 && fr.err == nil {
			b, err := fr.book(d)
			if err != nil {
				fr.err = err
				return
			}
			fr.more[d] += n
			b.unlisted += n
		}
	}
	fr.endFile(sum)
}

// startFile begins the problems of one input.
func (fr *feedbackRun) startFile(name string) {
	fr.file = safeText(name, 1024)
	clear(fr.listed)
	clear(fr.more)
}

// add lists one problem in its department's workbook, within the caps.
func (fr *feedbackRun) add(p Problem) {
	if fr.err != nil {
		return
	}
	dept := departmentOf(fr.job, p)
	b, err := fr.book(dept)
	if err != nil {
		fr.err = err
		return
	}
	if fr.listed[dept] >= feedbackPerFile || b.row >= feedbackMaxRows {
		fr.more[dept]++
		b.unlisted++
		return
	}
	p = safeProblem(p)
	var where any = p.Row
	if p.Row == 0 {
		where = "整个文件"
	}
	zh := p.ReasonZh
	if zh == "" {
		zh = p.Reason
	}
	if err := b.setRow([]any{fr.file, p.Sheet, where, p.Column, p.Value, zh, p.Reason}); err != nil {
		fr.err = err
		return
	}
	fr.listed[dept]++
	b.listed++
}

// endFile records what became of the file in every workbook that lists
// its problems, and says how many more problems were not listed.
func (fr *feedbackRun) endFile(sum fileSummary) {
	if fr.err != nil {
		return
	}
	depts := map[string]bool{}
	for d := range fr.listed {
		depts[d] = true
	}
	for d := range fr.more {
		depts[d] = true
	}
	for d := range depts {
		b := fr.books[d]
		s := sum
		s.Problems = fr.listed[d] + fr.more[d]
		b.files = append(b.files, s)
		if n := fr.more[d]; n > 0 && b.row < feedbackMaxRows+1000 {
			err := b.setRow([]any{fr.file, "", "", "", "",
				fmt.Sprintf("另有%d处问题未列出（每个文件最多列出%d处），改正后重新报送时将再次逐行核对", n, feedbackPerFile),
				fmt.Sprintf("%d more problems are not listed (at most %d per file are)", n, feedbackPerFile)})
			if err != nil {
				fr.err = err
				return
			}
		}
	}
}

// book returns the department's workbook, starting it at its first problem.
func (fr *feedbackRun) book(dept string) (*feedbackBook, error) {
	if b, ok := fr.books[dept]; ok {
		return b, nil
	}
	path := filepath.Join(fr.dir, safeName(dept), fmt.Sprintf("%s_%s_%s.xlsx", fr.at.Format("20060102-150405"), fr.ds.Name, fr.runID))
	if rel, err := filepath.Rel(fr.dir, path); err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("feedback for %q: %s is outside %s", dept, path, fr.dir)
	}
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", summarySheet)
	if _, err := f.NewSheet(feedbackSheet); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(feedbackSheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	b := &feedbackBook{dept: dept, path: path, f: f, sw: sw, row: 1}
	for i, w := range []float64{36, 10, 8, 24, 18, 48, 48} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, b.fail(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: firstProblem - 1, TopLeftCell: fmt.Sprintf("A%d", firstProblem), ActivePane: "bottomLeft"}); err != nil {
		return nil, b.fail(err)
	}
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1}})
	rows := [][]any{
		{excelize.Cell{StyleID: title, Value: fmt.Sprintf("%s：%s 报送数据问题清单（%s）", dept, fr.ds.TitleZh, fr.at.Format("2006-01-02 15:04"))}},
		{"请按“问题说明”逐条修改后重新报送整份文件。各文件是否已接收、接收了多少行，见“" + summarySheet + "”表。"},
		{},
		{cellStyled(head, "文件"), cellStyled(head, "工作表"), cellStyled(head, "行号"), cellStyled(head, "栏目"), cellStyled(head, "填写内容"),
			cellStyled(head, "问题说明"), cellStyled(head, "Problem (English)")},
	}
	for _, r := range rows {
		if err := b.setRow(r); err != nil {
			return nil, b.fail(err)
		}
	}
	fr.books[dept] = b
	return b, nil
}

func cellStyled(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

// setRow writes the next row of the problem sheet; its error is not
// ignored (a sheet has a last row).
func (b *feedbackBook) setRow(vals []any) error {
	cell, _ := excelize.CoordinatesToCellName(1, b.row)
	if err := b.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("feedback for %s row %d: %w", b.dept, b.row, err)
	}
	b.row++
	return nil
}

func (b *feedbackBook) fail(err error) error {
	b.f.Close()
	return fmt.Errorf("feedback for %s: %w", b.dept, err)
}

// close finishes every workbook: the summary sheet, then the file,
// written atomically. It returns the paths written.
func (fr *feedbackRun) close() ([]string, error) {
	depts := make([]string, 0, len(fr.books))
	for d := range fr.books {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	var paths []string
	errs := []error{fr.err}
	for _, d := range depts {
		b := fr.books[d]
		if fr.err != nil {
			b.f.Close()
			continue
		}
		if err := b.finish(fr); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, b.path)
	}
	return paths, errors.Join(errs...)
}

// statusZh says in words what became of a file.
func statusZh(s fileSummary) (string, string) {
	switch s.Status {
	case "ok":
		return "已全部接收", fmt.Sprintf("共接收%d行。", s.Accepted)
	case "partial":
		return "部分接收", fmt.Sprintf("共读取%d行：接收%d行，退回%d行（见“%s”表）；未列出的行已接收。改正退回的行后请重新报送整份文件，后报文件将替代本文件。",
			s.Read, s.Accepted, s.Rejected, feedbackSheet)
	case "empty":
		return "空文件，未接收", "文件中没有数据行，未收到任何数据，本次报送不计为已报送。请填写数据后重新报送。"
	case "failed":
		return "处理中断，将自动重试", "本文件处理时系统出错，未接收任何数据，系统将在下次运行时重新处理，无需重复报送。"
	}
	return "整份退回，未接收", "本文件没有任何数据被接收。请按问题说明修改后重新报送整份文件。"
}

func (b *feedbackBook) finish(fr *feedbackRun) error {
	defer b.f.Close()
	if err := b.sw.Flush(); err != nil {
		return fmt.Errorf("feedback for %s: %w", b.dept, err)
	}
	sh := summarySheet
	f := b.f
	set := func(cell string, v any) error { return f.SetCellValue(sh, cell, v) }
	if err := set("A1", fmt.Sprintf("%s：%s 报送情况（%s）", b.dept, fr.ds.TitleZh, fr.at.Format("2006-01-02 15:04"))); err != nil {
		return err
	}
	note := fmt.Sprintf("本次共有%d个文件存在问题，列出问题%d处。", len(b.files), b.listed)
	if b.unlisted > 0 {
		note += fmt.Sprintf("另有%d处问题未列出。", b.unlisted)
	}
	if err := set("A2", note); err != nil {
		return err
	}
	header := []any{"文件", "接收情况", "读取行数", "接收行数", "退回行数", "问题数", "说明"}
	if err := f.SetSheetRow(sh, "A4", &header); err != nil {
		return err
	}
	for i, s := range b.files {
		st, text := statusZh(s)
		row := []any{s.Name, st, s.Read, s.Accepted, s.Rejected, s.Problems, text}
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", i+5), &row); err != nil {
			return err
		}
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1}})
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	f.SetCellStyle(sh, "A4", "G4", bold)
	f.SetCellStyle(sh, "A1", "A1", titleStyle)
	for col, w := range map[string]float64{"A": 36, "B": 18, "C": 10, "D": 10, "E": 10, "F": 10, "G": 80} {
		f.SetColWidth(sh, col, col, w)
	}
	f.SetActiveSheet(0)
	out, err := lake.Create(b.path)
	if err != nil {
		return err
	}
	if err := f.Write(out); err != nil {
		out.Abort()
		return fmt.Errorf("feedback for %s: %w", b.dept, err)
	}
	return out.Commit()
}

// safeName keeps a department name usable as one directory name inside
// the feedback folder: no separators, no "." or "..", nothing invisible.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/', r == '\\', r == ':', r == '*', r == '?', r == '"', r == '<', r == '>', r == '|', r < 0x20, r == 0x7f:
			return '_'
		}
		return r
	}, safeText(strings.TrimSpace(s), 120))
	if strings.Trim(s, ".") == "" {
		return "_"
	}
	return s
}
