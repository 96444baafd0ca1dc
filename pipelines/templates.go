package pipelines

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/internal/lake"
)

// Template describes one submission workbook: a data set, the department
// filling it in, the period it is for, and the rows known in advance.
type Template struct {
	Dataset    *Dataset
	Department string
	Period     time.Time
	// Due is the deadline shown on the sheet; zero for event data sets.
	Due time.Time
	// Rows are pre-filled cells by column name (keys such as the
	// enterprise list of the last period, or the department's indicators).
	Rows []map[string]string
	// Reference adds a read-only column after the contract's columns
	// (e.g. each indicator's target for the year); the ingest ignores it.
	Reference     string
	ReferenceRows []string
	// Targets are shown on the instructions sheet.
	Targets []string
}

// DataSheet is the sheet departments fill in.
const DataSheet = "数据"

// extraBlankRows are the empty, validated rows below the pre-filled ones.
const extraBlankRows = 200

// WriteTemplate writes the workbook to path. Every cell the ingest reads
// carries Excel data validation built from the contract (numbers within
// range, dates, drop-down lists of allowed values), so most mistakes are
// caught while typing rather than after sending.
func WriteTemplate(path string, t Template, refs Refs) error {
	ds := t.Dataset
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", DataSheet)
	ncol := len(ds.Columns)
	if t.Reference != "" {
		ncol++
	}
	last, _ := excelize.ColumnNumberToName(ncol)
	periodText := t.Period.Format("2006年1月")
	if ds.Frequency == "yearly" {
		periodText = t.Period.Format("2006年")
	}
	if err := f.SetCellValue(DataSheet, "A1", fmt.Sprintf("%s（%s）", ds.TitleZh, periodText)); err != nil {
		return err
	}
	f.MergeCell(DataSheet, "A1", last+"1")
	sub := "填报单位：" + t.Department
	if !t.Due.IsZero() {
		sub += fmt.Sprintf("　　报送截止：%s前", t.Due.Format("2006年1月2日"))
	}
	if err := f.SetCellValue(DataSheet, "A2", sub); err != nil {
		return err
	}
	f.MergeCell(DataSheet, "A2", last+"2")

	header := make([]any, 0, ncol)
	for _, c := range ds.Columns {
		header = append(header, c.Header())
	}
	if t.Reference != "" {
		header = append(header, t.Reference)
	}
	if err := f.SetSheetRow(DataSheet, "A3", &header); err != nil {
		return fmt.Errorf("template %s: %w", ds.Name, err)
	}
	for i, r := range t.Rows {
		vals := make([]any, 0, ncol)
		for _, c := range ds.Columns {
			vals = append(vals, r[c.Name])
		}
		if t.Reference != "" && i < len(t.ReferenceRows) {
			vals = append(vals, t.ReferenceRows[i])
		}
		if err := f.SetSheetRow(DataSheet, fmt.Sprintf("A%d", i+4), &vals); err != nil {
			return fmt.Errorf("template %s row %d: %w", ds.Name, i+4, err)
		}
	}
	lastRow := 3 + len(t.Rows) + extraBlankRows
	if err := addValidation(f, ds, refs, lastRow); err != nil {
		return err
	}
	styleTemplate(f, ds, ncol, t.Reference != "")
	if err := instructions(f, t); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	return lake.WriteFileAtomic(path, buf.Bytes())
}

func addValidation(f *excelize.File, ds *Dataset, refs Refs, lastRow int) error {
	listRow := map[string]int{}
	listCol := 0
	for i, c := range ds.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		sqref := fmt.Sprintf("%s4:%s%d", col, col, lastRow)
		dv := excelize.NewDataValidation(!c.Required)
		dv.SetSqref(sqref)
		var err error
		switch {
		case len(c.Enum) > 0 || c.Ref != "":
			values := c.Enum
			switch {
			case c.Name == "department" && len(ds.Departments) > 0:
				// 填报单位 offers the departments that report this data
				// set, not every town and company the seeds name.
				values = reporters(refs, ds)
			case c.Ref != "":
				values = refValues(refs, c.Ref)
			}
			if len(values) == 0 || len(values) > 2000 {
				continue
			}
			// Lists live on a sheet of their own: Excel caps inline lists
			// at 255 characters.
			if listCol == 0 {
				f.NewSheet("选项")
			}
			listCol++
			lc, _ := excelize.ColumnNumberToName(listCol)
			if err := f.SetCellValue("选项", lc+"1", c.HeaderZh); err != nil {
				return err
			}
			for j, v := range values {
				if err := f.SetCellValue("选项", fmt.Sprintf("%s%d", lc, j+2), v); err != nil {
					return err
				}
			}
			listRow[c.Name] = len(values)
			dv.SetSqrefDropList(fmt.Sprintf("'选项'!$%s$2:$%s$%d", lc, lc, len(values)+1))
		case c.LakeType() == lake.Float64 || c.LakeType() == lake.Int64:
			lo, hi := -1e15, 1e15
			if c.Min != nil {
				lo = *c.Min
			}
			if c.Max != nil {
				hi = *c.Max
			}
			kind := excelize.DataValidationTypeDecimal
			if c.LakeType() == lake.Int64 {
				kind = excelize.DataValidationTypeWhole
			}
			err = dv.SetRange(lo, hi, kind, excelize.DataValidationOperatorBetween)
		case c.Type == "date":
			err = dv.SetRange("DATE(2000,1,1)", "DATE(2099,12,31)", excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("template %s column %s: %w", ds.Name, c.Name, err)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "填写有误", hint(c))
		dv.SetInput(c.HeaderZh, hint(c))
		if err := f.AddDataValidation(DataSheet, dv); err != nil {
			return fmt.Errorf("template %s column %s: %w", ds.Name, c.Name, err)
		}
	}
	if listCol > 0 {
		f.SetSheetVisible("选项", false)
	}
	return nil
}

func refValues(refs Refs, ref string) []string {
	_, col, _ := strings.Cut(ref, ".")
	var out []string
	for v, row := range refs[ref] {
		if row[col] == v { // canonical names only, not aliases
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// reporters lists the canonical names of the departments that report ds.
func reporters(refs Refs, ds *Dataset) []string {
	var out []string
	for _, d := range ds.Departments {
		if c := refs.Canonical(d); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func hint(c ColumnSpec) string {
	var parts []string
	if c.Unit != "" {
		parts = append(parts, "单位："+c.Unit)
	}
	if c.Min != nil || c.Max != nil {
		r := "范围："
		if c.Min != nil {
			r += plainNumber(*c.Min)
		}
		r += "～"
		if c.Max != nil {
			r += plainNumber(*c.Max)
		}
		parts = append(parts, r)
	}
	if len(c.Enum) > 0 {
		parts = append(parts, "可选："+strings.Join(c.Enum, "、"))
	}
	switch c.Type {
	case "month":
		parts = append(parts, "格式：2024-05")
	case "date":
		parts = append(parts, "格式：2024-05-31")
	case "timestamp":
		parts = append(parts, "格式：2024-05-31 08:00")
	}
	if c.PatternHintZh != "" {
		parts = append(parts, c.PatternHintZh)
	}
	if c.Required {
		parts = append(parts, "必填")
	}
	return strings.Join(parts, "；")
}

func styleTemplate(f *excelize.File, ds *Dataset, ncol int, withRef bool) {
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}, Border: []excelize.Border{{Type: "bottom", Color: "#000000", Style: 1}}})
	ref, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "#7F7F7F", Italic: true}})
	last, _ := excelize.ColumnNumberToName(ncol)
	f.SetCellStyle(DataSheet, "A1", "A1", title)
	f.SetCellStyle(DataSheet, "A3", last+"3", head)
	if withRef {
		f.SetCellStyle(DataSheet, last+"4", fmt.Sprintf("%s%d", last, 4+extraBlankRows), ref)
	}
	f.SetColWidth(DataSheet, "A", last, 16)
	f.SetRowHeight(DataSheet, 3, 32)
	f.SetPanes(DataSheet, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
}

func instructions(f *excelize.File, t Template) error {
	sh := "填报说明"
	if _, err := f.NewSheet(sh); err != nil {
		return err
	}
	lines := [][]any{
		{"数据集", t.Dataset.TitleZh + "（" + t.Dataset.Name + "）"},
		{"填报单位", t.Department},
	}
	if !t.Due.IsZero() {
		lines = append(lines, []any{"报送截止", t.Due.Format("2006年1月2日") + "前"})
	}
	lines = append(lines, []any{"说明", "请在“数据”表第4行起填写，不要改动表头；同一报告期更正时请报送整份文件，后报文件替代先报文件。"}, []any{})
	// The contracts' descriptions are English, for analysts: the sheet a
	// clerk reads says what each column requires, in Chinese.
	lines = append(lines, []any{"栏目", "要求"})
	for _, c := range t.Dataset.Columns {
		lines = append(lines, []any{c.HeaderZh, hint(c)})
	}
	if len(t.Targets) > 0 {
		lines = append(lines, []any{}, []any{"相关指标目标（参考）"})
		for _, tg := range t.Targets {
			lines = append(lines, []any{tg})
		}
	}
	for i, l := range lines {
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", i+1), &l); err != nil {
			return err
		}
	}
	f.SetColWidth(sh, "A", "A", 24)
	f.SetColWidth(sh, "B", "C", 60)
	return nil
}

// Canonical returns a department's canonical name, whichever alias is
// given (the bulletin writes 旗工信局 and 旗工业和信息化局 for one bureau).
func (r Refs) Canonical(dept string) string {
	if row, ok := r["departments.name_zh"][dept]; ok {
		return row["name_zh"]
	}
	return dept
}

// PlanTemplate fills in what a template for ds, dept and period knows in
// advance: the period and department on every row, one row per indicator
// the department answers for (indicator reports) or per project (project
// progress), else the entities of the last period (previous), and the
// targets of the indicators the data set feeds.
func PlanTemplate(ds *Dataset, refs Refs, dept string, period time.Time, loc *time.Location, previous []map[string]string) Template {
	t := Template{Dataset: ds, Department: dept, Period: period}
	if ds.DueDay > 0 && ds.Frequency == "monthly" {
		t.Due = time.Date(period.Year(), period.Month()+1, ds.DueDay, 0, 0, 0, 0, loc)
	}
	base := map[string]string{}
	for _, c := range ds.Columns {
		switch {
		case c.Name == "department":
			base[c.Name] = dept
		case c.Type == "month" && c.Name == ds.PartitionBy:
			base[c.Name] = period.Format("2006-01")
		case c.Type == "int" && c.Name == "survey_year":
			base[c.Name] = period.Format("2006")
		}
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	year := period.Format("2006")
	indicators := refs["indicators.indicator_id"]
	switch {
	case hasRefKey(ds, "indicators.indicator_id"):
		t.Reference = year + "年目标（参考，不读取）"
		for _, id := range sortedKeys(indicators) {
			row := indicators[id]
			if !answersFor(refs, row["departments"], dept) {
				continue
			}
			t.Rows = append(t.Rows, with(map[string]string{"indicator_id": id, "indicator_name": row["name_zh"], "unit": row["unit"]}))
			t.ReferenceRows = append(t.ReferenceRows, row["target_"+year])
		}
	case hasRefKey(ds, "zw_projects.project_id"):
		projects := refs["zw_projects.project_id"]
		for _, id := range sortedKeys(projects) {
			t.Rows = append(t.Rows, with(map[string]string{"project_id": id, "project_name": projects[id]["name_zh"]}))
		}
	case ds.Frequency == "monthly" && len(previous) > 0:
		for _, p := range previous {
			t.Rows = append(t.Rows, with(p))
		}
	case len(base) > 0:
		t.Rows = append(t.Rows, with(nil))
	}
	for _, name := range ds.Indicators {
		for _, row := range indicators {
			if row["name_zh"] != name {
				continue
			}
			var parts []string
			for _, y := range []string{"2023", "2024", "2025"} {
				if v := row["target_"+y]; v != "" {
					parts = append(parts, y+"年 "+v)
				}
			}
			t.Targets = append(t.Targets, fmt.Sprintf("%s（%s）：基准值 %s（%s年）；目标 %s（单位：%s）",
				name, row["indicator_id"], row["baseline"], row["baseline_year"], strings.Join(parts, "，"), row["unit"]))
		}
	}
	return t
}

func hasRefKey(ds *Dataset, ref string) bool {
	for _, k := range ds.Keys {
		if c, _, _ := ds.Column(k); c.Ref == ref {
			return true
		}
	}
	return false
}

// answersFor reports whether dept is among the 、-separated departments,
// under any of its names.
func answersFor(refs Refs, departments, dept string) bool {
	want := refs.Canonical(dept)
	for _, d := range strings.Split(departments, "、") {
		if d = strings.TrimSpace(d); d != "" && refs.Canonical(d) == want {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
