package pipelines

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

// Problem is one thing wrong with what a department sent, precise enough
// to fix without asking: where (sheet, row, column), what was there, and
// what was expected.
type Problem struct {
	Sheet  string
	Row    int
	Column string
	Value  string
	Reason string
	// ReasonZh says the same in Chinese for the department's feedback.
	ReasonZh string
	// Department is who sent the row, when the row says so.
	Department string
}

func (p Problem) Error() string {
	var b strings.Builder
	if p.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q ", p.Sheet)
	}
	if p.Row > 0 {
		fmt.Fprintf(&b, "row %d ", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, "column %s ", p.Column)
	}
	if p.Value != "" {
		fmt.Fprintf(&b, "value %q ", p.Value)
	}
	return strings.TrimSpace(b.String() + ": " + p.Reason)
}

// headerScanRows is how far down a sheet the header row may sit: office
// templates put a title, a unit line and a blank line above it.
const headerScanRows = 20

// Validator types and checks raw rows against a data set's contract.
type Validator struct {
	ds    *Dataset
	refs  Refs
	loc   *time.Location
	now   time.Time
	sheet string
	// idx maps contract column i to the cell index in the current sheet.
	idx        []int
	header     bool
	headerSeen bool
	sheets     []string
	keys       map[string]string
}

// NewValidator checks rows of ds against refs; now bounds "future" dates.
func NewValidator(ds *Dataset, refs Refs, loc *time.Location, now time.Time) *Validator {
	return &Validator{ds: ds, refs: refs, loc: loc, now: now, keys: map[string]string{}, sheet: "\x00"}
}

var (
	reParen  = regexp.MustCompile(`\(.*?\)$`)
	reSpaces = regexp.MustCompile(`[\s\n\r\t]+`)
)

func headerKey(s string) string {
	s = normalize(s)
	s = reSpaces.ReplaceAllString(s, "")
	s = reParen.ReplaceAllString(s, "")
	s = strings.TrimSuffix(s, ":")
	return strings.ToLower(s)
}

func (v *Validator) matchHeader(cells []string) ([]int, int) {
	idx := make([]int, len(v.ds.Columns))
	matched := 0
	for i, c := range v.ds.Columns {
		idx[i] = -1
		names := append([]string{c.Name, c.HeaderZh}, c.Aliases...)
		for j, cell := range cells {
			k := headerKey(cell)
			if k == "" {
				continue
			}
			if slices.ContainsFunc(names, func(n string) bool { return n != "" && headerKey(n) == k }) {
				idx[i] = j
				matched++
				break
			}
		}
	}
	return idx, matched
}

func (v *Validator) requiredFound(idx []int) bool {
	for i, c := range v.ds.Columns {
		if c.Required && idx[i] < 0 {
			return false
		}
	}
	return true
}

// notePrefixes start the remarks rows that forms carry below the data.
var notePrefixes = []string{"注", "说明", "备注", "填表", "填报人", "制表", "审核", "负责人", "联系电话", "单位负责人"}

// Row checks one raw row. It returns the typed values (in contract order)
// when the row is data and valid, problems when it is data and invalid,
// and neither for header, title, blank and note rows.
func (v *Validator) Row(r connectors.Row) ([]any, []Problem) {
	if r.Sheet != v.sheet {
		v.sheet, v.header, v.idx = r.Sheet, false, nil
		v.sheets = append(v.sheets, r.Sheet)
	}
	if allBlank(r.Cells) {
		return nil, nil
	}
	if !v.header {
		if r.Number > headerScanRows {
			return nil, nil
		}
		if idx, n := v.matchHeader(r.Cells); n > 0 && v.requiredFound(idx) {
			v.idx, v.header, v.headerSeen = idx, true, true
		}
		return nil, nil
	}
	if isNote(r.Cells) {
		return nil, nil
	}
	vals := make([]any, len(v.ds.Columns))
	var probs []Problem
	bad := func(col ColumnSpec, raw string, err error) {
		probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: columnLabel(col), Value: raw, Reason: err.Error(), ReasonZh: zhOf(err)})
	}
	for i, col := range v.ds.Columns {
		raw := ""
		if j := v.idx[i]; j >= 0 && j < len(r.Cells) {
			raw = r.Cells[j]
		}
		if missing[normalize(raw)] && !slices.Contains(col.Enum, strings.TrimSpace(raw)) {
			if col.Required {
				bad(col, raw, because("a value is required here", "此项必填"))
			}
			continue
		}
		val, err := v.parse(col, raw)
		if err != nil {
			bad(col, raw, err)
			continue
		}
		vals[i] = val
	}
	if len(probs) == 0 {
		for i, col := range v.ds.Columns {
			if col.UnitOf == "" || vals[i] == nil {
				continue
			}
			rc, j, _ := v.ds.Column(col.UnitOf)
			row := v.refs[rc.Ref][fmt.Sprint(vals[j])]
			if want := row["unit"]; headerKey(want) != headerKey(vals[i].(string)) {
				bad(col, vals[i].(string), because(fmt.Sprintf("unit %q does not match %s, the unit %s is measured in", vals[i], want, row["name_zh"]),
					fmt.Sprintf("单位“%s”与指标“%s”的计量单位“%s”不一致", vals[i], row["name_zh"], want)))
			}
		}
	}
	if len(probs) == 0 && len(v.ds.Keys) > 0 {
		key := v.keyOf(vals)
		where := fmt.Sprintf("sheet %q row %d", r.Sheet, r.Number)
		if first, dup := v.keys[key]; dup {
			probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: strings.Join(v.ds.Keys, "+"), Value: key,
				Reason:   "the same " + strings.Join(v.ds.Keys, " and ") + " already appears in " + first + "; send each once",
				ReasonZh: "与" + first + "重复（" + strings.Join(v.keyLabels(), "、") + "相同），每条只报一次"})
		} else {
			v.keys[key] = where
		}
	}
	if len(probs) > 0 {
		if _, j, ok := v.ds.Column("department"); ok && v.idx[j] >= 0 && v.idx[j] < len(r.Cells) {
			for i := range probs {
				probs[i].Department = strings.TrimSpace(r.Cells[v.idx[j]])
			}
		}
		return nil, probs
	}
	return vals, nil
}

// Finish reports file-level problems once every row has been seen.
func (v *Validator) Finish() []Problem {
	if v.headerSeen {
		return nil
	}
	var want []string
	for _, c := range v.ds.Columns {
		if c.Required {
			want = append(want, columnLabel(c))
		}
	}
	where := "the file"
	if len(v.sheets) > 0 && v.sheets[0] != "" {
		where = "no sheet (" + strings.Join(v.sheets, ", ") + ")"
	}
	var wantZh []string
	for _, c := range v.ds.Columns {
		if c.Required && c.HeaderZh != "" {
			wantZh = append(wantZh, c.HeaderZh)
		}
	}
	return []Problem{{Reason: fmt.Sprintf("%s has a header row with the columns %s within its first %d rows: is this the right template or sheet?",
		where, strings.Join(want, ", "), headerScanRows),
		ReasonZh: fmt.Sprintf("前%d行内未找到包含“%s”的表头行：请使用正确的模板和工作表", headerScanRows, strings.Join(wantZh, "、"))}}
}

func (v *Validator) keyLabels() []string {
	out := make([]string, len(v.ds.Keys))
	for i, k := range v.ds.Keys {
		c, _, _ := v.ds.Column(k)
		out[i] = c.HeaderZh
		if out[i] == "" {
			out[i] = k
		}
	}
	return out
}

func (v *Validator) keyOf(vals []any) string {
	parts := make([]string, len(v.ds.Keys))
	for i, k := range v.ds.Keys {
		_, j, _ := v.ds.Column(k)
		switch x := vals[j].(type) {
		case time.Time:
			if v.ds.Columns[j].LakeType() == lake.Timestamp {
				parts[i] = x.UTC().Format(time.RFC3339Nano)
			} else {
				parts[i] = x.Format("2006-01-02")
			}
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	return strings.Join(parts, "|")
}

func (v *Validator) parse(col ColumnSpec, raw string) (any, error) {
	switch col.typ {
	case lake.String:
		s := strings.TrimSpace(raw)
		if len(col.Enum) > 0 && !slices.Contains(col.Enum, s) {
			return nil, because("expected one of "+strings.Join(col.Enum, ", "), "应为以下之一："+strings.Join(col.Enum, "、"))
		}
		if col.pattern != nil && !col.pattern.MatchString(s) {
			hint := col.PatternHint
			if hint == "" {
				hint = "text matching " + col.Pattern
			}
			return nil, because("expected "+hint, "格式不符："+hint)
		}
		if col.Ref != "" {
			row, ok := v.refs[col.Ref][s]
			if ok {
				// Store the canonical name: 旗工信局 and 旗工业和信息化局
				// are one bureau, and its submissions must supersede each
				// other whichever name the clerk typed.
				_, field, _ := strings.Cut(col.Ref, ".")
				return row[field], nil
			}
			seed, _, _ := strings.Cut(col.Ref, ".")
			return nil, because(fmt.Sprintf("unknown value: expected one listed in the %s reference data (e.g. %s)", seed, v.refs.examples(col.Ref)),
				fmt.Sprintf("“%s”不在%s名录中（例如：%s）", s, seed, v.refs.examples(col.Ref)))
		}
		return s, nil
	case lake.Int64:
		n, err := parseInt(raw)
		if err != nil {
			return nil, err
		}
		return n, v.inRange(col, float64(n))
	case lake.Float64:
		if strings.Contains(normalize(raw), "%") && col.Unit != "%" {
			return nil, because(fmt.Sprintf("expected %s, got a percentage", unitName(col)), fmt.Sprintf("应填以“%s”计的数值，不应填百分比", col.Unit))
		}
		f, err := parseNumber(raw)
		if err != nil {
			return nil, err
		}
		return f, v.inRange(col, f)
	case lake.Date:
		var t time.Time
		var err error
		if col.Type == "month" {
			t, err = parseMonth(raw)
		} else {
			t, err = parseDate(raw)
		}
		if err != nil {
			return nil, err
		}
		today := v.now.In(v.loc)
		limit := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		if t.After(limit) {
			return nil, because(fmt.Sprintf("%s is in the future (today is %s)", t.Format("2006-01-02"), limit.Format("2006-01-02")),
				fmt.Sprintf("%s晚于今天（%s），请核对", t.Format("2006-01-02"), limit.Format("2006-01-02")))
		}
		return t, nil
	case lake.Timestamp:
		t, err := parseTimestamp(raw, v.loc)
		if err != nil {
			return nil, err
		}
		if t.After(v.now.Add(10 * time.Minute)) {
			return nil, because(fmt.Sprintf("%s is in the future", t.In(v.loc).Format("2006-01-02 15:04:05")), fmt.Sprintf("%s晚于当前时间，请核对", t.In(v.loc).Format("2006-01-02 15:04:05")))
		}
		return t, nil
	case lake.Bool:
		return parseBool(raw)
	}
	return nil, fmt.Errorf("unsupported type %s", col.Type)
}

func (v *Validator) inRange(col ColumnSpec, f float64) error {
	unit := ""
	if col.Unit != "" {
		unit = " " + col.Unit
	}
	if col.Min != nil && f < *col.Min {
		return because(fmt.Sprintf("%g%s is below the minimum %g%s", f, unit, *col.Min, unit), fmt.Sprintf("%g%s小于下限%g%s", f, col.Unit, *col.Min, col.Unit))
	}
	if col.Max != nil && f > *col.Max {
		return because(fmt.Sprintf("%g%s is above the maximum %g%s", f, unit, *col.Max, unit), fmt.Sprintf("%g%s超过上限%g%s", f, col.Unit, *col.Max, col.Unit))
	}
	return nil
}

func unitName(c ColumnSpec) string {
	if c.Unit == "" {
		return "a number"
	}
	return "a number in " + c.Unit
}

func columnLabel(c ColumnSpec) string {
	if c.HeaderZh != "" {
		return c.HeaderZh + " (" + c.Name + ")"
	}
	return c.Name
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func isNote(cells []string) bool {
	for _, c := range cells {
		s := strings.TrimSpace(normalize(c))
		if s == "" {
			continue
		}
		for _, p := range notePrefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	return false
}
