// Package demo generates realistic department submissions so that a new
// user sees the whole flow (ingest, build, dashboards) offline. Output is
// deterministic: the same files byte for byte on every run, which is what
// lets a second demo run prove that ingest adds nothing twice.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
)

// enterprise is a demo reporting unit with a plausible monthly scale.
type enterprise struct {
	code, name string
	tonnes     float64 // typical monthly general industrial solid waste
	useRate    float64 // typical share comprehensively utilised
}

// The banner's industry is coal mining, coal power and coal chemicals:
// gangue, fly ash and gasification slag dominate its solid waste.
var enterprises = []enterprise{
	{creditCode("91150627MA0N1A2B3C"), "伊金霍洛旗某煤矿有限公司", 42000, 0.61},
	{creditCode("91150627MA0N2B3C4D"), "某能源集团洗选煤厂", 36500, 0.58},
	{creditCode("91150627MA0N3C4D5E"), "某电厂（2×660MW）", 28800, 0.66},
	{creditCode("91150627MA0N4D5E6F"), "某煤化工有限公司", 25400, 0.39},
	{creditCode("91150627MA0N5E6F7G"), "某甲醇项目", 9800, 0.44},
	{creditCode("91150627MA0N6F7G8H"), "蒙苏经济开发区某建材公司", 4200, 0.83},
	{creditCode("91150627MA0N7G8H9J"), "某选煤厂", 17600, 0.47},
	{creditCode("91150627MA0N8H9J0K"), "某精细化工有限公司", 2100, 0.29},
}

// Files is what Generate wrote.
type Files struct {
	Good, Bad, Corrections []string
}

// Generate writes the industry bureau's monthly submissions for the months
// from first to last into dir: one .xlsx per month, one deliberately bad
// file and one corrected re-submission.
func Generate(dir string, first, last time.Time, loc *time.Location) (Files, error) {
	var out Files
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, err
	}
	r := rand.New(rand.NewPCG(2023, 531))
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		rows := monthRows(r, m)
		name := fmt.Sprintf("旗工信局_一般工业固体废物_%s.xlsx", m.Format("2006-01"))
		// Reports arrive on the 3rd of the next month, before the 5th.
		sent := time.Date(m.Year(), m.Month()+1, 3, 10, 0, 0, 0, loc)
		p, err := write(dir, name, m, rows, sent)
		if err != nil {
			return out, err
		}
		out.Good = append(out.Good, p)
	}
	// A correction: the coal chemical plant re-weighed its slag for the
	// first month; the whole month is sent again a week later, and the
	// clerk pasted one enterprise twice (that row is quarantined).
	rows := monthRows(rand.New(rand.NewPCG(2023, 531)), first)
	rows[3].utilised += 1200
	rows = append(rows, rows[5])
	p, err := write(dir, fmt.Sprintf("旗工信局_一般工业固体废物_%s_更正.xlsx", first.Format("2006-01")), first, rows,
		time.Date(first.Year(), first.Month()+1, 10, 9, 30, 0, 0, loc))
	if err != nil {
		return out, err
	}
	out.Corrections = append(out.Corrections, p)
	bad, err := writeBad(dir, last, loc)
	if err != nil {
		return out, err
	}
	out.Bad = append(out.Bad, bad...)
	return out, nil
}

type row struct {
	e                                    enterprise
	generated, utilised, disposed, store float64
}

func monthRows(r *rand.Rand, m time.Time) []row {
	// Output dips around the Spring Festival and utilisation improves as
	// the plan's projects come on line (about +0.4 points a year).
	season := 1.0
	if m.Month() == time.February {
		season = 0.82
	}
	years := float64(m.Year()-2023) + float64(m.Month()-1)/12
	out := make([]row, len(enterprises))
	for i, e := range enterprises {
		gen := e.tonnes * season * (0.9 + 0.2*r.Float64())
		rate := math.Min(0.97, e.useRate+0.004*years+0.04*(r.Float64()-0.5))
		used := gen * rate
		disp := (gen - used) * (0.5 + 0.3*r.Float64())
		out[i] = row{e, round1(gen), round1(used), round1(disp), round1(gen - used - disp)}
	}
	return out
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

var header = []any{"统计月份", "填报单位", "统一社会信用代码", "企业名称", "产生量（吨）", "综合利用量（吨）", "处置量（吨）", "贮存量（吨）", "备注"}

func write(dir, name string, m time.Time, rows []row, sent time.Time) (string, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	f.SetSheetName(sh, "月报")
	sh = "月报"
	f.SetCellValue(sh, "A1", fmt.Sprintf("一般工业固体废物产生及综合利用情况月报（%d年%d月）", m.Year(), m.Month()))
	f.MergeCell(sh, "A1", "I1")
	f.SetCellValue(sh, "A2", "填报单位：旗工信局　　计量单位：吨")
	f.SetSheetRow(sh, "A3", &header)
	for i, r := range rows {
		vals := []any{m.Format("2006-01"), "旗工信局", r.e.code, r.e.name, r.generated, r.utilised, r.disposed, r.store, ""}
		f.SetSheetRow(sh, fmt.Sprintf("A%d", i+4), &vals)
	}
	f.SetCellValue(sh, fmt.Sprintf("A%d", len(rows)+5), "注：综合利用量含利用往年贮存量；数据来源于企业台账。")
	return save(f, dir, name, sent)
}

// writeBad writes what departments really send by mistake: a value typed
// as text, a negative tonnage, an unknown department, a malformed credit
// code, a future month, and a file that is not a workbook at all.
func writeBad(dir string, last time.Time, loc *time.Location) ([]string, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	f.SetSheetRow(sh, "A1", &header)
	m := last.Format("2006-01")
	rows := [][]any{
		{m, "旗工信局", enterprises[0].code, enterprises[0].name, "约四万", 21000, 0, 0, "估算"},
		{m, "旗工信局", enterprises[1].code, enterprises[1].name, -36500, 20000, 0, 0, ""},
		{m, "旗环保局", enterprises[2].code, enterprises[2].name, 28000, 18000, 500, 100, ""},
		{m, "旗工信局", "9115062", enterprises[4].name, 9000, 4000, 500, 100, "代码不全"},
		{"2099-01", "旗工信局", enterprises[3].code, enterprises[3].name, 25000, 9000, 100, 100, ""},
	}
	for i := range rows {
		f.SetSheetRow(sh, fmt.Sprintf("A%d", i+2), &rows[i])
	}
	sent := time.Date(last.Year(), last.Month()+1, 4, 16, 0, 0, 0, loc)
	p, err := save(f, dir, "旗工信局_一般工业固体废物_补报_有误.xlsx", sent)
	if err != nil {
		return nil, err
	}
	// Truncated in transit: half of a valid workbook.
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	q := filepath.Join(dir, "旗工信局_一般工业固体废物_传输中断.xlsx")
	if err := os.WriteFile(q, b[:len(b)/2], 0o644); err != nil {
		return nil, err
	}
	if err := os.Chtimes(q, sent, sent.Add(time.Minute)); err != nil {
		return nil, err
	}
	return []string{p, q}, nil
}

func save(f *excelize.File, dir, name string, sent time.Time) (string, error) {
	p := filepath.Join(dir, name)
	if err := f.SaveAs(p); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	// The file's time is when the department sent it: ingest records it
	// as submitted_at, and corrections are ordered by it.
	if err := os.Chtimes(p, sent, sent); err != nil {
		return "", err
	}
	return p, nil
}
