package pipelines

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/internal/lake"
)

// feedbackEntry is one problem in one file a department sent.
type feedbackEntry struct {
	File string
	Problem
}

// writeFeedback writes, for each department with problems in this run, a
// workbook listing every problem in plain language: where it is (file,
// sheet, row, column), what was written, and what is expected. It is the
// list a clerk works through before sending the file again.
func writeFeedback(dir string, ds *Dataset, job Job, runID string, at time.Time, loc *time.Location, entries []feedbackEntry) ([]string, error) {
	byDept := map[string][]feedbackEntry{}
	for _, e := range entries {
		d := departmentOf(job, e.Problem)
		byDept[d] = append(byDept[d], e)
	}
	depts := make([]string, 0, len(byDept))
	for d := range byDept {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	var paths []string
	for _, d := range depts {
		path := filepath.Join(dir, safeName(d), fmt.Sprintf("%s_%s_%s.xlsx", at.In(loc).Format("20060102-150405"), ds.Name, runID))
		if err := feedbackWorkbook(path, d, ds, at.In(loc), byDept[d]); err != nil {
			return paths, fmt.Errorf("feedback for %s: %w", d, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func feedbackWorkbook(path, dept string, ds *Dataset, at time.Time, entries []feedbackEntry) error {
	f := excelize.NewFile()
	defer f.Close()
	sh := "问题清单"
	f.SetSheetName("Sheet1", sh)
	title := fmt.Sprintf("%s：%s 报送数据问题清单（%s）", dept, ds.TitleZh, at.Format("2006-01-02 15:04"))
	f.SetCellValue(sh, "A1", title)
	f.MergeCell(sh, "A1", "G1")
	f.SetCellValue(sh, "A2", fmt.Sprintf("共%d处问题。请按“问题说明”修改后重新报送整份文件；未列出的行已正常接收。", len(entries)))
	f.MergeCell(sh, "A2", "G2")
	header := []any{"文件", "工作表", "行号", "栏目", "填写内容", "问题说明", "Problem (English)"}
	f.SetSheetRow(sh, "A4", &header)
	for i, e := range entries {
		row := []any{e.File, e.Sheet, e.Row, e.Column, e.Value, e.ReasonZh, e.Reason}
		if e.Row == 0 {
			row[2] = "整个文件"
		}
		if e.ReasonZh == "" {
			row[5] = e.Reason
		}
		f.SetSheetRow(sh, fmt.Sprintf("A%d", i+5), &row)
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1}})
	f.SetCellStyle(sh, "A4", "G4", bold)
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	f.SetCellStyle(sh, "A1", "A1", titleStyle)
	for col, w := range map[string]float64{"A": 36, "B": 10, "C": 8, "D": 24, "E": 18, "F": 48, "G": 48} {
		f.SetColWidth(sh, col, col, w)
	}
	f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	return lake.WriteFileAtomic(path, buf.Bytes())
}

// safeName keeps a department name usable as a directory name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|', 0:
			return '_'
		}
		return r
	}, s)
}
